"""Auditing a tiled log (C2SP tlog-tiles): recompute every tile and the root from the entries.

An audit reads every entry bundle of a tree of ``size``, hashes each entry as an RFC 9162
leaf, rebuilds every hash tile level by level (a full tile's 256 hashes roll up into one
hash of the level above), compares each rebuilt tile with the stored one, and finally the
root with the signed checkpoint's. Any difference is the error ``code`` naming the first
entry or tile that does not match. Pure: the caller hands in how to read a tile (a
directory, a bucket, published tiles over HTTP); the same checks serve every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from attest.errors import AttestError, VerificationError
from attest.tlog.entry import LogEntry
from attest.tlog.merkle import CompactRange, leaf_hash
from attest.tlog.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileRef,
    decode_bundle,
    split_hashes,
    subtree_root,
)

__all__ = ["AuditReport", "audit_tiles"]

#: ``read_tile(level, index, width)``: a stored tile's bytes (entry bundles at level -1).
ReadTile = Callable[[int, int, int], bytes]


@dataclass(frozen=True)
class AuditReport:
    """What a full audit checked: the checkpoint's size and root, tiles and bundles read."""

    size: int
    root_hash: bytes
    tiles: int
    bundles: int


def audit_tiles(
    size: int,
    root: bytes,
    read_tile: ReadTile,
    *,
    entry_bundle: Callable[[int, int], Sequence[bytes]] | None = None,
    check_full: Callable[[int, int, list[bytes]], None] | None = None,
    code: str = "log.audit_failed",
) -> AuditReport:
    """Audit the tree of ``size`` whose signed root is ``root``. ``entry_bundle(tile, size)``
    reads a bundle's entries (by default decoded from ``read_tile`` at level -1);
    ``check_full(level, index, hashes)`` may check more of each full tile (a store's own
    index of inner levels). Raises :class:`VerificationError` ``code``."""

    def failed(message: str) -> VerificationError:
        return VerificationError(code, message)

    def bundle(tile: int, size: int) -> Sequence[bytes]:
        width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
        return decode_bundle(read_tile(ENTRIES_LEVEL, tile, width), width)

    read_entries = entry_bundle or bundle
    cr = CompactRange()
    levels = _Levels(read_tile, check_full, failed)
    bundles = 0
    for tile in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        try:
            entries = read_entries(tile, size)
        except (FileNotFoundError, AttestError) as exc:
            why = exc.message if isinstance(exc, AttestError) else str(exc)
            raise failed(f"entry bundle {tile} (from index {tile * TILE_WIDTH}): {why}") from None
        bundles += 1
        for i, e in enumerate(entries):
            try:
                LogEntry.decode(e)
            except AttestError as exc:
                raise failed(f"entry {tile * TILE_WIDTH + i} is malformed: {exc.message}") from None
            h = leaf_hash(e)
            cr.append(h)
            levels.carry(0, h)
    levels.finish()
    if cr.root() != root:
        raise failed("the entries do not reproduce the checkpoint's root hash")
    return AuditReport(size, root, levels.tiles, bundles)


class _Levels:
    """The hashes of each level not yet a full tile, rolled up as tiles fill."""

    def __init__(
        self,
        read_tile: ReadTile,
        check_full: Callable[[int, int, list[bytes]], None] | None,
        failed: Callable[[str], VerificationError],
    ) -> None:
        self.read_tile, self.check_full, self.failed = read_tile, check_full, failed
        self.acc: list[list[bytes]] = [[]]
        self.done: list[int] = [0]
        self.tiles = 0

    def carry(self, level: int, h: bytes) -> None:
        while len(self.acc) <= level:
            self.acc.append([])
            self.done.append(0)
        self.acc[level].append(h)
        if len(self.acc[level]) == TILE_WIDTH:
            self.check(level, self.done[level], self.acc[level])
            self.done[level] += 1
            up = subtree_root(self.acc[level])
            self.acc[level] = []
            self.carry(level + 1, up)

    def finish(self) -> None:
        for level, hashes in enumerate(self.acc):
            if hashes:
                self.check(level, self.done[level], hashes)

    def check(self, level: int, index: int, computed: list[bytes]) -> None:
        ref = TileRef(level, index, len(computed))
        try:
            stored = split_hashes(self.read_tile(level, index, len(computed)), len(computed))
        except (FileNotFoundError, AttestError) as exc:
            raise self.failed(f"tile {ref.path} is missing or malformed ({exc})") from None
        self.tiles += 1
        for i, (a, b) in enumerate(zip(stored, computed, strict=True)):
            if a != b:
                first = (index * TILE_WIDTH + i) << (TILE_HEIGHT * level)
                raise self.failed(
                    f"tile {ref.path} hash {i} (entries from index {first}) does not match"
                )
        if ref.full and self.check_full is not None:
            self.check_full(level, index, computed)
