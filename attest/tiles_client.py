"""Read a log's published tiles (C2SP tlog-tiles) to prove consistency for a verifier.

An edge module: it reads a mirror directory or an HTTP(S) URL, read-only, with bounded sizes
and timeouts, and keeps the tiles it read in memory for the run. From the tiles it computes
RFC 9162 consistency proofs between the checkpoint a verifier remembers for a log and the
checkpoints its bundles carry (and between those), with the roots the published tiles give
for each size, and hands them to :func:`attest.verifier.pipeline.verify` as ``consistency=``
proofs. The pure verifier then decides: a proof whose root is not the checkpoint's at that
size shows the log published another tree (a split view). The core never imports this module.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attest import _fs
from attest.errors import AttestError, MalformedError, RemoteError, UsageError, VerificationError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.tlog.audit import AuditReport
from attest.tlog.audit import audit_tiles as audit
from attest.tlog.checkpoint import SignedCheckpoint, open_checkpoint, parse_checkpoint
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.merkle import EMPTY_ROOT, consistency_proof, range_hash
from attest.tlog.note import Verifier
from attest.tlog.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileCache,
    TileHashReader,
    TileRef,
    decode_bundle,
    encode_bundle,
)
from attest.verifier.state import VerifierState

__all__ = ["TileSource", "audit_tiles", "entry_at", "proofs_for"]

#: A tile is at most 256 hashes; an entry bundle at most 256 entries of up to 64 KiB.
MAX_TILE = TILE_WIDTH * 32
MAX_BUNDLE = TILE_WIDTH * (2 + 0xFFFF)
MAX_CHECKPOINT = 64 * 1024
TIMEOUT = 10.0
#: At most this many proofs are computed for one verification (pairs of sizes per log).
MAX_PROOFS = 256


@dataclass
class TileSource:
    """A published log: a mirror directory or a base URL (``http(s)://…/``), read-only."""

    location: str
    timeout: float = TIMEOUT
    cache: TileCache = field(default_factory=lambda: TileCache(256))
    _files: dict[str, bytes | None] = field(default_factory=dict)

    @property
    def remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def read(self, path: str, limit: int) -> bytes | None:
        """The bytes at ``path`` below the location, or None when it does not exist."""
        if path in self._files:
            return self._files[path]
        data = self._get_url(path, limit) if self.remote else self._get_file(path, limit)
        if path != "checkpoint":  # tiles never change once published; the checkpoint does
            self._files[path] = data
        return data

    def _get_file(self, path: str, limit: int) -> bytes | None:
        try:
            return _fs.read_regular(Path(self.location) / path, limit, code="tiles")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsageError("tiles.unreadable", f"{self.location}/{path}: {exc}") from None

    def _get_url(self, path: str, limit: int) -> bytes | None:
        url = urllib.parse.urljoin(self.location.rstrip("/") + "/", path)
        request = urllib.request.Request(url, headers={"User-Agent": "attest-verifier"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data: bytes = response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise RemoteError("tiles.http", f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RemoteError("tiles.unreachable", f"{url}: {exc}") from None
        if len(data) > limit:
            raise MalformedError("tiles.too_large", f"{url} is larger than {limit} bytes")
        return data

    def checkpoint(self, verifier: Verifier, origin: str) -> SignedCheckpoint:
        """The published checkpoint, opened with the log's key."""
        data = self.read("checkpoint", MAX_CHECKPOINT)
        if data is None:
            raise UsageError("tiles.no_checkpoint", f"{self.location} has no checkpoint")
        return open_checkpoint(data, verifier, origin=origin)

    def origin(self) -> str | None:
        """The origin line of the published checkpoint (unverified; to match a log)."""
        data = self.read("checkpoint", MAX_CHECKPOINT)
        if data is None:
            return None
        return data.split(b"\n", 1)[0].decode("utf-8", "replace")

    def tile(self, published: int, level: int, index: int, width: int) -> bytes:
        """The first ``width`` hashes of tile ``level/index``: its partial form for that
        width, else the full tile, else the tile as the published size has it."""
        limit = MAX_BUNDLE if level == ENTRIES_LEVEL else MAX_TILE
        tried = [TileRef(level, index, width), TileRef(level, index, TILE_WIDTH)]
        current = _width_at(published, level, index)
        if current and current not in (width, TILE_WIDTH):
            tried.append(TileRef(level, index, current))
        for ref in tried:
            if ref.width < width:
                continue
            data = self.read(ref.path, limit)
            if data is None:
                continue
            if ref.width == width:
                return data
            if level == ENTRIES_LEVEL:
                return encode_bundle(decode_bundle(data, ref.width)[:width])
            return data[: 32 * width]
        raise VerificationError(
            "tiles.missing", f"{self.location} has no tile {TileRef(level, index, width).path}"
        )

    def reader(self, size: int, published: int) -> TileHashReader:
        return TileHashReader(size, lambda lv, i, w: self.tile(published, lv, i, w), self.cache)

    def root(self, size: int, published: int) -> bytes:
        return EMPTY_ROOT if size == 0 else range_hash(self.reader(size, published), 0, size)

    def proof(self, origin: str, old: int, new: int, published: int) -> ConsistencyProof:
        """The consistency proof from ``old`` to ``new`` with the roots the tiles give."""
        hashes = consistency_proof(old, new, self.reader(new, published))
        return ConsistencyProof(
            origin,
            old,
            self.root(old, published),
            new,
            self.root(new, published),
            tuple(hashes),
        )


def _width_at(size: int, level: int, index: int) -> int:
    """The width of tile ``level/index`` in the tree of ``size`` (0: it has none)."""
    level = max(level, 0)
    full = size >> (TILE_HEIGHT * (level + 1))
    if index < full:
        return TILE_WIDTH
    if index == full:
        return (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
    return 0


def _sizes(bundles: Iterable[bytes | Bundle]) -> dict[str, set[int]]:
    """The checkpoint sizes the bundles carry, by origin (bundles that do not parse are left
    to the verifier to report)."""
    out: dict[str, set[int]] = {}
    for data in bundles:
        try:
            b = data if isinstance(data, Bundle) else parse_bundle(data)
            cp = parse_checkpoint(b.checkpoint.split(b"\n\n", 1)[0] + b"\n")
        except AttestError:
            continue
        out.setdefault(cp.origin, set()).add(cp.size)
    return out


def proofs_for(
    sources: Sequence[TileSource],
    bundles: Iterable[bytes | Bundle],
    state: VerifierState,
    logs: Mapping[str, Verifier],
) -> list[ConsistencyProof]:
    """Consistency proofs, from the published tiles of each log, between every two of the
    sizes in play for it: the remembered checkpoint's and each bundle's. ``logs`` maps the
    policy's origins to their keys; a source serves the log whose origin its checkpoint names.
    A size beyond the published checkpoint gets no proof (the verifier says unproven)."""
    by_origin = {s.origin(): s for s in sources}
    proofs: list[ConsistencyProof] = []
    for origin, sizes in _sizes(bundles).items():
        source = by_origin.get(origin)
        if source is None or origin not in logs:
            continue
        published = source.checkpoint(logs[origin], origin).checkpoint.size
        seen = state.get(origin)
        if seen is not None:
            sizes = sizes | {seen.size}
        ordered = sorted(s for s in sizes if 0 < s <= published)
        for i, old in enumerate(ordered):
            for new in ordered[i + 1 :]:
                if len(proofs) >= MAX_PROOFS:
                    return proofs
                proofs.append(source.proof(origin, old, new, published))
    return proofs


def entry_at(source: TileSource, published: int, index: int) -> bytes:
    """Entry ``index`` from the published entry bundles of a log of size ``published``."""
    if not 0 <= index < published:
        raise UsageError("tiles.bad_index", f"index {index} is not below the size {published}")
    tile, pos = divmod(index, TILE_WIDTH)
    width = min(TILE_WIDTH, published - tile * TILE_WIDTH)
    return decode_bundle(source.tile(published, ENTRIES_LEVEL, tile, width), width)[pos]


def audit_tiles(source: TileSource, verifier: Verifier, origin: str) -> AuditReport:
    """Recompute the published checkpoint's tree from every published entry: each hash tile
    and the root must be what is published and signed (:func:`attest.tlog.audit.audit_tiles`;
    raises ``tiles.audit_failed``)."""
    cp = source.checkpoint(verifier, origin).checkpoint

    def read(level: int, index: int, width: int) -> bytes:
        return source.tile(cp.size, level, index, width)

    return audit(cp.size, cp.root_hash, read, code="tiles.audit_failed")
