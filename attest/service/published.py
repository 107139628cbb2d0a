"""The log as its latest published checkpoint has it: what the read paths serve.

Everything a published checkpoint covers is complete on disk and never changes, so this
view reads tiles with no lock while the writer works (:func:`attest.store.log.read_tile_at`). The
writer hands over each new checkpoint with :meth:`PublishedLog.publish`; a server without
the writer follows the ``checkpoint`` file instead (:meth:`PublishedLog.refresh`). Not
thread-safe: one thread (the event loop) uses an instance.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from attest import _fs
from attest.errors import AttestError, UsageError, VerificationError
from attest.store.log import CHECKPOINT_FILE, read_tile_at
from attest.tlog import checkpoint as _checkpoint
from attest.tlog import note as _note
from attest.tlog.merkle import EMPTY_ROOT, HashReader, range_hash
from attest.tlog.proof import HEADER, TlogProof
from attest.tlog.tiles import TileCache, TileHashReader, TileRef, inner_path

__all__ = ["PublishedLog", "Snapshot", "tile_reader"]

_MAX_INNER = 8192  # a full tile's stored inner levels are 30 hashes; generous


def tile_reader(root: Path, size: int, cache: TileCache) -> TileHashReader:
    """Subtree hashes of the tree of ``size`` from the tiles (and stored inner levels) of the
    log at ``root``, which must have published a checkpoint of at least that size."""

    def fetch(level: int, index: int, width: int) -> bytes:
        try:
            return read_tile_at(root, size, level, index, width)
        except FileNotFoundError:
            path = TileRef(level, index, width).path
            raise VerificationError("log.missing_tile", f"tile {path} is missing") from None

    def fetch_inner(level: int, index: int) -> bytes | None:
        try:
            return _fs.read_regular(root / inner_path(level, index), _MAX_INNER, code="log")
        except FileNotFoundError:
            return None

    return TileHashReader(size, fetch, cache, fetch_inner)


def inclusion_paths(indices: Sequence[int], size: int, reader: HashReader) -> list[list[bytes]]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]) for each index, as
    :func:`attest.tlog.merkle.inclusion_proof` computes it, with every range hash computed once for
    all of them: the proofs of a batch of neighbouring entries share most of their hashes."""
    memo: dict[tuple[int, int], bytes] = {}
    paths = []
    for index in indices:
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            rng = (lo + k, hi) if index - lo < k else (lo, lo + k)
            h = memo.get(rng)
            if h is None:
                h = memo[rng] = range_hash(reader, *rng)
            path.append(h)
            if index - lo < k:
                hi = lo + k
            else:
                lo += k
        path.reverse()
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Snapshot:
    """One published checkpoint: its size, root hash and signed note."""

    size: int
    root_hash: bytes
    note: bytes


class PublishedLog:
    """Tiles, proofs and tree hashes of the log at ``root`` under its latest checkpoint."""

    def __init__(self, root: Path, verifier: _note.Verifier, note: bytes) -> None:
        self.root = root
        self._verifier = verifier
        self._cache = TileCache()
        self._stat: tuple[int, int] | None = None
        self._snapshot = self._open(note)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def origin(self) -> str:
        return self._verifier.name

    def _open(self, note: bytes) -> Snapshot:
        cp = _checkpoint.open_checkpoint(note, self._verifier).checkpoint
        return Snapshot(cp.size, cp.root_hash, note)

    def publish(self, note: bytes) -> None:
        """Serve ``note`` from now on; a checkpoint never replaces a larger one."""
        snap = self._open(note)
        if snap.size >= self._snapshot.size:
            self._snapshot = snap

    def refresh(self) -> None:
        """Follow the ``checkpoint`` file when another process writes the log.

        A cheap ``stat`` first; a changed file is read, its signature checked with the log's
        key, and served only if it does not go backwards.
        """
        path = self.root / CHECKPOINT_FILE
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stat:
            return
        try:
            self.publish(_fs.read_regular(path, _note.MAX_NOTE_SIZE, code="log"))
        except (OSError, AttestError):
            return  # a file being replaced, or not ours: keep serving what was verified
        self._stat = stamp

    def read_tile(self, ref: TileRef, size: int | None = None) -> bytes:
        """The bytes of tile ``ref`` in the tree of ``size`` (default: the latest)."""
        size = self._snapshot.size if size is None else size
        return read_tile_at(self.root, size, ref.level, ref.index, ref.width)

    def prove(self, index: int, snapshot: Snapshot | None = None) -> TlogProof:
        """A C2SP tlog-proof of entry ``index`` under ``snapshot`` (default: the latest)."""
        return self.prove_many([index], snapshot)[0]

    def prove_many(
        self, indices: Sequence[int], snapshot: Snapshot | None = None
    ) -> list[TlogProof]:
        """tlog-proofs of several entries under one checkpoint, sharing their hashes."""
        snap = self._snapshot if snapshot is None else snapshot
        for index in indices:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < snap.size:
                raise UsageError(
                    "log.no_such_entry",
                    f"no entry {index} under the checkpoint of size {snap.size}",
                )
        reader = tile_reader(self.root, snap.size, self._cache)
        paths = inclusion_paths(indices, snap.size, reader)
        return [TlogProof(i, tuple(p), snap.note) for i, p in zip(indices, paths, strict=True)]

    def proof_texts(self, indices: Sequence[int], snapshot: Snapshot | None = None) -> list[str]:
        """The tlog-proofs of :meth:`prove_many` as text, each distinct hash base64-encoded
        once for all of them (what ``POST /add`` answers with)."""
        proofs = self.prove_many(indices, snapshot)
        if not proofs:
            return []
        encoded: dict[bytes, str] = {}
        tail = "\n\n" + proofs[0].checkpoint.decode("utf-8")
        texts = []
        for proof in proofs:
            lines = [HEADER, f"index {proof.index}"]
            for h in proof.hashes:
                text = encoded.get(h)
                if text is None:
                    text = encoded[h] = base64.b64encode(h).decode("ascii")
                lines.append(text)
            texts.append("\n".join(lines) + tail)
        return texts

    def tree_hash(self, size: int) -> bytes:
        """MTH of the first ``size`` entries, for any size up to the latest checkpoint."""
        if not 0 <= size <= self._snapshot.size:
            raise UsageError("log.beyond_checkpoint", f"size {size} is not published")
        reader = tile_reader(self.root, self._snapshot.size, self._cache)
        return EMPTY_ROOT if size == 0 else range_hash(reader, 0, size)
