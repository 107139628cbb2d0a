"""The log as its latest published checkpoint has it: what the read paths serve.

Everything a published checkpoint covers is complete on disk and never changes, so this
view reads tiles with no lock while the writer works (:func:`attest.log.read_tile_at`). The
writer hands over each new checkpoint with :meth:`PublishedLog.publish`; a server without
the writer follows the ``checkpoint`` file instead (:meth:`PublishedLog.refresh`). Not
thread-safe: one thread (the event loop) uses an instance.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import checkpoint as _checkpoint
from .. import note as _note
from ..errors import UsageError, VerificationError
from ..log import CHECKPOINT_FILE, read_tile_at
from ..merkle import EMPTY_ROOT, inclusion_proof, range_hash
from ..tiles import TileCache, TileHashReader, TileRef
from ..tlog_proof import TlogProof

__all__ = ["PublishedLog", "Snapshot"]


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
            self.publish(path.read_bytes())
        except (OSError, VerificationError):
            return  # a file being replaced, or not ours: keep serving what was verified
        self._stat = stamp

    def read_tile(self, ref: TileRef, size: int | None = None) -> bytes:
        """The bytes of tile ``ref`` in the tree of ``size`` (default: the latest)."""
        size = self._snapshot.size if size is None else size
        return read_tile_at(self.root, size, ref.level, ref.index, ref.width)

    def _reader(self, size: int) -> TileHashReader:
        def fetch(level: int, index: int, width: int) -> bytes:
            try:
                return read_tile_at(self.root, size, level, index, width)
            except FileNotFoundError:
                path = TileRef(level, index, width).path
                raise VerificationError("log.missing_tile", f"tile {path} is missing") from None

        return TileHashReader(size, fetch, self._cache)

    def prove(self, index: int, snapshot: Snapshot | None = None) -> TlogProof:
        """A C2SP tlog-proof of entry ``index`` under ``snapshot`` (default: the latest)."""
        snap = self._snapshot if snapshot is None else snapshot
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < snap.size:
            raise UsageError(
                "log.no_such_entry", f"no entry {index} under the checkpoint of size {snap.size}"
            )
        hashes = inclusion_proof(index, snap.size, self._reader(snap.size))
        return TlogProof(index, tuple(hashes), snap.note)

    def tree_hash(self, size: int) -> bytes:
        """MTH of the first ``size`` entries, for any size up to the latest checkpoint."""
        if not 0 <= size <= self._snapshot.size:
            raise UsageError("log.beyond_checkpoint", f"size {size} is not published")
        return EMPTY_ROOT if size == 0 else range_hash(self._reader(self._snapshot.size), 0, size)
