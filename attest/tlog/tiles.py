"""C2SP tlog-tiles: tile paths, tile and entry-bundle encodings, and proofs read from tiles.

Pure functions: nothing here touches a disk or a network. A log serves its tree as tiles of
256 hashes (height 8); level-0 tiles hold leaf hashes, and each hash of a level-L tile is the
root of a full tile at level L-1. :class:`TileHashReader` turns any ``fetch(level, index,
width)`` function into a :class:`attest.tlog.merkle.HashReader`, so proofs can be generated from a
directory, an HTTP server or memory alike.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from attest.errors import LimitExceededError, MalformedError, UsageError
from attest.tlog.merkle import HASH_SIZE, CompactRange, leaf_hash, node_hash

__all__ = [
    "ENTRIES_LEVEL",
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileBuilder",
    "TileCache",
    "TileHashReader",
    "TileRef",
    "decode_bundle",
    "encode_bundle",
    "inner_hashes",
    "inner_path",
    "parse_tile_path",
    "partial_tiles",
    "subtree_root",
    "tiles_for_size",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: The level number used for entry bundles (``tile/entries/…``).
ENTRIES_LEVEL = -1
#: Entries are length-prefixed with a big-endian uint16 in bundles.
MAX_ENTRY_SIZE = 0xFFFF
MAX_LEVEL = 63

_PATH = re.compile(
    r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?"
)


@dataclass(frozen=True, order=True)
class TileRef:
    """One tile resource: ``level`` (-1 for an entry bundle), tile ``index`` and ``width``."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not ENTRIES_LEVEL <= self.level <= MAX_LEVEL:
            raise MalformedError("tiles.bad_level", f"tile level {self.level} is not in -1..63")
        if self.index < 0:
            raise MalformedError("tiles.bad_index", "tile index is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise MalformedError("tiles.bad_width", f"tile width {self.width} is not in 1..256")

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        """The resource path, e.g. ``tile/0/x001/x234/067.p/112`` or ``tile/entries/000``."""
        level = "entries" if self.level == ENTRIES_LEVEL else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{_index_path(self.index)}{suffix}"

    def with_width(self, width: int) -> TileRef:
        return TileRef(self.level, self.index, width)


def _index_path(n: int) -> str:
    """1234067 -> ``x001/x234/067``; 5 -> ``005``."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(path: str) -> TileRef:
    """Parse a C2SP tile or entry-bundle path; anything non-canonical is rejected."""
    m = _PATH.fullmatch(path)
    if m is None:
        raise MalformedError("tiles.bad_path", f"not a C2SP tile path: {path[:100]!r}")
    level = ENTRIES_LEVEL if m.group(1) == "entries" else int(m.group(1))
    groups = m.group(2).split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise MalformedError("tiles.bad_path", f"tile index has a leading zero group: {path!r}")
    index = int("".join(g.lstrip("x") for g in groups))
    width = int(m.group(3)) if m.group(3) else TILE_WIDTH
    if m.group(3) and width >= TILE_WIDTH:
        raise MalformedError("tiles.bad_path", f"partial tile width must be below 256: {path!r}")
    return TileRef(level, index, width)


def tiles_for_size(size: int) -> Iterator[TileRef]:
    """Every hash tile a tree of ``size`` leaves is served as (entry bundles: use level 0's)."""
    level = 0
    n = size
    while n:
        full, width = divmod(n, TILE_WIDTH)
        for i in range(full):
            yield TileRef(level, i)
        if width:
            yield TileRef(level, full, width)
        n = full
        level += 1


def partial_tiles(size: int) -> list[TileRef]:
    """The partial hash tiles and partial entry bundle a tree of ``size`` leaves has."""
    refs = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        width = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
        if width:
            refs.append(TileRef(level, size >> (TILE_HEIGHT * (level + 1)), width))
        level += 1
    if size % TILE_WIDTH:
        refs.append(TileRef(ENTRIES_LEVEL, size // TILE_WIDTH, size % TILE_WIDTH))
    return refs


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as uint16 big-endian length ‖ bytes."""
    if len(entries) > TILE_WIDTH:
        raise UsageError("tiles.bundle_too_large", "an entry bundle holds at most 256 entries")
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY_SIZE:
            raise LimitExceededError(
                "tiles.entry_too_large", f"an entry is at most {MAX_ENTRY_SIZE} bytes"
            )
        out += len(e).to_bytes(2, "big")
        out += e
    return bytes(out)


def decode_bundle(data: bytes, width: int) -> list[bytes]:
    """Split an entry bundle that must hold exactly ``width`` entries and nothing else."""
    entries: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if len(entries) == width:
            raise MalformedError("tiles.bundle_trailing_data", "entry bundle has trailing bytes")
        if pos + 2 > end:
            raise MalformedError("tiles.bundle_truncated", "entry bundle ends inside a length")
        n = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + n > end:
            raise MalformedError("tiles.bundle_truncated", "entry bundle ends inside an entry")
        entries.append(bytes(data[pos : pos + n]))
        pos += n
    if len(entries) != width:
        raise MalformedError(
            "tiles.bundle_width", f"entry bundle holds {len(entries)} entries, expected {width}"
        )
    return entries


def subtree_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree whose leaves are ``hashes`` (a power-of-two count)."""
    level = list(hashes)
    if not level or len(level) & (len(level) - 1):
        raise UsageError("tiles.not_perfect", "a perfect subtree has a power-of-two width")
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def split_hashes(data: bytes, width: int) -> list[bytes]:
    """The ``width`` hashes of a tile's bytes (which must be exactly ``32 * width`` bytes)."""
    if len(data) != HASH_SIZE * width:
        raise MalformedError(
            "tiles.bad_tile_size",
            f"a tile of width {width} is {HASH_SIZE * width} bytes, got {len(data)}",
        )
    return [bytes(data[i : i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)]


#: ``fetch(level, index, width)`` returns the bytes of that tile (a partial tile of that width,
#: or the full tile when width is 256).
TileFetcher = Callable[[int, int, int], bytes]


#: The inner levels of a full tile the log stores beside it (specs/log.md §3): with them a
#: proof through a tile nobody has read yet costs at most 11 hashes instead of 255.
STORED_INNER_LEVELS = (4, 5, 6, 7)
INNER_SIZE = HASH_SIZE * sum(TILE_WIDTH >> r for r in STORED_INNER_LEVELS)


def inner_path(level: int, index: int) -> str:
    """Where a log keeps a full tile's stored inner levels (not a C2SP resource)."""
    return f"inner/{level}/{_index_path(index)}"


def _pair_up(below: list[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    it = iter(below)
    return [sha256(b"\x01" + left + right).digest() for left, right in zip(it, it, strict=False)]


def _all_levels(hashes: list[bytes]) -> list[list[bytes]]:
    """A tile's hashes and every level of perfect subtrees above them inside the tile."""
    levels = [hashes]
    while len(levels[-1]) > 1:
        levels.append(_pair_up(levels[-1]))
    return levels


def inner_hashes(tile: bytes) -> bytes:
    """The stored inner levels (4 to 7, lowest first) of a full tile's bytes."""
    levels = _all_levels(split_hashes(tile, TILE_WIDTH))
    return b"".join(h for r in STORED_INNER_LEVELS for h in levels[r])


_INNER_OFFSETS = {
    r: HASH_SIZE * sum(TILE_WIDTH >> q for q in STORED_INNER_LEVELS if q < r)
    for r in STORED_INNER_LEVELS
}


class _Tile:
    """One tile's bytes and the perfect subtrees inside it.

    With stored inner levels, a node is a slice of the tile or of the inner file, or (levels
    1-3) the root of at most 8 tile hashes; without them, every level is rebuilt once.
    """

    __slots__ = ("_data", "_inner", "_levels", "_width")

    def __init__(self, data: bytes, width: int, inner: bytes | None) -> None:
        self._data = data
        self._width = width
        self._inner = inner if width == TILE_WIDTH else None
        self._levels = None if self._inner is not None else _all_levels(split_hashes(data, width))

    def hashes(self) -> list[bytes]:
        return split_hashes(self._data, self._width)

    def node(self, sub: int, i: int) -> bytes:
        """Hash of the perfect subtree of ``2**sub`` tile hashes starting at ``i << sub``."""
        if self._levels is not None:
            return self._levels[sub][i]
        if not 0 <= i < TILE_WIDTH >> sub:
            raise IndexError(i)
        data = self._data
        if sub == 0:
            return data[HASH_SIZE * i : HASH_SIZE * (i + 1)]
        inner = self._inner
        if sub in _INNER_OFFSETS and inner is not None:
            at = _INNER_OFFSETS[sub] + HASH_SIZE * i
            return inner[at : at + HASH_SIZE]
        start = HASH_SIZE * (i << sub)
        return subtree_root(split_hashes(data[start : start + (HASH_SIZE << sub)], 1 << sub))


class TileCache:
    """Least-recently-used cache of read tiles, keyed by ``(level, index, width)``; share one
    across readers of the same log."""

    def __init__(self, capacity: int = 1024) -> None:
        self._items: OrderedDict[tuple[int, int, int], _Tile] = OrderedDict()
        self._capacity = capacity

    def get(self, key: tuple[int, int, int]) -> _Tile | None:
        tile = self._items.get(key)
        if tile is not None:
            self._items.move_to_end(key)
        return tile

    def put(self, key: tuple[int, int, int], tile: _Tile) -> None:
        self._items[key] = tile
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)


#: ``fetch_inner(level, index)`` returns a full tile's stored inner levels, or None.
InnerFetcher = Callable[[int, int], "bytes | None"]


class TileHashReader:
    """Serves ``subtree_hash(level, index)`` for a tree of ``size`` leaves from its tiles.

    A subtree at tree level ``8·L + r`` spans ``2**r`` consecutive hashes of one level-L tile.
    Where the log stored the tile's inner levels (``fetch_inner``), levels 4-7 are read and
    levels 1-3 hashed from at most 8 tile hashes; otherwise all inner levels are rebuilt (255
    hashes for a full tile). Tiles are kept in a :class:`TileCache`, so proofs sharing upper
    tiles read them once.
    """

    def __init__(
        self,
        size: int,
        fetch: TileFetcher,
        cache: TileCache | None = None,
        fetch_inner: InnerFetcher | None = None,
    ) -> None:
        self._size = size
        self._fetch = fetch
        self._fetch_inner = fetch_inner
        self._cache = TileCache(64) if cache is None else cache

    def _width(self, level: int, index: int) -> int:
        full = self._size >> (TILE_HEIGHT * (level + 1))
        if index < full:
            return TILE_WIDTH
        if index == full:
            width = (self._size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            if width:
                return width
        raise UsageError(
            "tiles.beyond_size", f"tile {level}/{index} is beyond tree size {self._size}"
        )

    def _tile(self, level: int, index: int) -> _Tile:
        width = self._width(level, index)
        key = (level, index, width)
        tile = self._cache.get(key)
        if tile is None:
            data = self._fetch(level, index, width)
            if len(data) != HASH_SIZE * width:
                split_hashes(data, width)  # raises tiles.bad_tile_size
            inner = None
            if width == TILE_WIDTH and self._fetch_inner is not None:
                inner = self._fetch_inner(level, index)
                if inner is not None and len(inner) != INNER_SIZE:
                    inner = None  # a damaged cache file: rebuild instead (audit reports it)
            tile = _Tile(data, width, inner)
            self._cache.put(key, tile)
        return tile

    def tile_hashes(self, level: int, index: int) -> list[bytes]:
        """The hashes stored in tile ``level/index`` for this tree size."""
        return self._tile(level, index).hashes()

    def subtree_hash(self, level: int, index: int) -> bytes:
        tile_level, sub = divmod(level, TILE_HEIGHT)
        first = index << sub  # position among the hashes at tree level 8·tile_level
        tile_index, offset = divmod(first, TILE_WIDTH)
        tile = self._tile(tile_level, tile_index)
        try:
            return tile.node(sub, offset >> sub)
        except IndexError:
            raise UsageError(
                "tiles.beyond_size", f"subtree {level}/{index} is beyond tree size {self._size}"
            ) from None


class TileBuilder:
    """The right edge of a tiled log: appends entries and says which resources to write.

    Pure: it holds the partial tile of each level, the partial entry bundle and the compact
    range, and hands back ``(TileRef, bytes)`` pairs; writing them is the caller's job. After
    each :meth:`append` batch, :meth:`resources` lists every full tile and bundle completed
    since the last call, then the partial tiles and bundle for the current size — exactly
    what C2SP tlog-tiles requires to exist for a checkpoint of that size.
    """

    def __init__(self) -> None:
        self._edge: list[list[bytes]] = [[]]
        self._bundle: list[bytes] = []
        self._range = CompactRange()
        self._completed: list[tuple[TileRef, bytes]] = []

    @classmethod
    def resume(
        cls,
        size: int,
        edge: Sequence[Sequence[bytes]],
        bundle: Sequence[bytes],
        compact: Sequence[bytes],
    ) -> TileBuilder:
        """Continue a log of ``size`` from its partial tiles (level 0 first), partial bundle
        and compact-range hashes; the widths must be those the size implies."""
        for level, hashes in enumerate(edge):
            if len(hashes) != (size >> (TILE_HEIGHT * level)) % TILE_WIDTH:
                raise MalformedError(
                    "tiles.bad_edge", f"level {level} partial tile width does not fit size {size}"
                )
        if len(bundle) != size % TILE_WIDTH:
            raise MalformedError("tiles.bad_edge", f"partial bundle does not fit size {size}")
        b = cls()
        b._edge = [list(h) for h in edge] or [[]]
        b._bundle = list(bundle)
        b._range = CompactRange.from_hashes(size, compact)
        return b

    @property
    def size(self) -> int:
        return self._range.size

    def root(self) -> bytes:
        return self._range.root()

    def append(self, entry: bytes) -> bytes:
        """Add one entry; returns its leaf hash."""
        if len(entry) > MAX_ENTRY_SIZE:
            raise LimitExceededError(
                "tiles.entry_too_large", f"an entry is at most {MAX_ENTRY_SIZE} bytes"
            )
        h = leaf_hash(entry)
        self._range.append(h)
        size = self._range.size
        bundle = self._bundle
        bundle.append(entry)
        if len(bundle) == TILE_WIDTH:
            ref = TileRef(ENTRIES_LEVEL, size // TILE_WIDTH - 1)
            self._completed.append((ref, encode_bundle(bundle)))
            bundle.clear()
        edge = self._edge
        edge[0].append(h)
        level = 0
        while len(edge[level]) == TILE_WIDTH:
            ref = TileRef(level, (size >> (TILE_HEIGHT * (level + 1))) - 1)
            self._completed.append((ref, b"".join(edge[level])))
            up = subtree_root(edge[level])
            edge[level] = []
            level += 1
            if level == len(edge):
                edge.append([])
            edge[level].append(up)
        return h

    def resources(self) -> list[tuple[TileRef, bytes]]:
        """Full resources completed since the last call, then the current partial ones."""
        out, self._completed = self._completed, []
        size = self._range.size
        for level, hashes in enumerate(self._edge):
            if hashes:
                ref = TileRef(level, size >> (TILE_HEIGHT * (level + 1)), len(hashes))
                out.append((ref, b"".join(hashes)))
        if self._bundle:
            ref = TileRef(ENTRIES_LEVEL, size // TILE_WIDTH, len(self._bundle))
            out.append((ref, encode_bundle(self._bundle)))
        return out
