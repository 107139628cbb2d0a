"""C2SP tlog-tiles: paths, bundles and tile bytes against the spec's examples and Go-made tiles."""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attest.errors import AttestError, MalformedError
from attest.tlog import merkle, tiles

from . import vectors

TILES = vectors.load_json("tlog/generated/tiles.json")


def test_c2sp_paths_from_go_vectors() -> None:
    for case in vectors.load_json("tlog/go-x-mod-sumdb-tlog.json")["tile_paths_c2sp"]:
        ref = tiles.TileRef(case["level"], case["index"], case["width"])
        assert ref.path == case["path"]
        assert tiles.parse_tile_path(case["path"]) == ref


def test_spec_examples() -> None:
    ex = vectors.load_json("tlog/c2sp-spec-examples.json")["tlog_tiles_examples"]
    assert tiles.TileRef(0, 1234067).path == "tile/0/" + ex["index_1234067_path"]
    assert [r.path for r in tiles.tiles_for_size(256)] == ex["size_256"]["tiles"]
    refs = list(tiles.tiles_for_size(70000))
    full = [r for r in refs if r.full]
    assert sum(1 for r in full if r.level == 0) == ex["size_70000"]["full_level0"]
    assert sum(1 for r in full if r.level == 1) == ex["size_70000"]["full_level1"]
    assert [r.path for r in refs if not r.full] == ex["size_70000"]["partial_paths"]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",  # not three digits
        "tile/0/x000/001",  # leading zero group
        "tile/00/000",  # leading zero level
        "tile/64/000",  # level out of range
        "tile/0/000.p/0",  # empty partial
        "tile/0/000.p/256",  # partial as wide as a full tile
        "tile/0/000.p/012",  # leading zero width
        "tile/0/x001/234",  # group without x... is fine, but then 'x' required on all but last
        "tile/data/000",  # x/mod's data tiles are not C2SP
        "tile/8/0/000",  # x/mod paths carry a height
        "tile/0/000/",
        "/tile/0/000",
    ],
)
def test_bad_paths_rejected(path: str) -> None:
    if path == "tile/0/x001/234":
        assert tiles.parse_tile_path(path) == tiles.TileRef(0, 1234)
        return
    with pytest.raises(MalformedError):
        tiles.parse_tile_path(path)


@given(
    st.integers(min_value=-1, max_value=63),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=1, max_value=256),
)
def test_path_round_trip(level: int, index: int, width: int) -> None:
    ref = tiles.TileRef(level, index, width)
    assert tiles.parse_tile_path(ref.path) == ref


@given(st.text(max_size=60))
def test_parse_never_raises_foreign_errors(path: str) -> None:
    with contextlib.suppress(AttestError):
        tiles.parse_tile_path(path)


def _gen_leaves(n: int) -> list[bytes]:
    return [str(i).encode() for i in range(n)]


def _check_resource(expected: dict[str, Any], data: bytes) -> None:
    assert len(data) == expected["bytes"], expected["path"]
    assert hashlib.sha256(data).hexdigest() == expected["sha256_hex"], expected["path"]
    if "data" in expected:
        assert data == vectors.b64(expected["data"])


@pytest.mark.parametrize("case", TILES["cases"], ids=lambda c: f"{c['old_size']}to{c['size']}")
def test_builder_reproduces_go_tiles(case: dict[str, Any]) -> None:
    size, old = case["size"], case["old_size"]
    builder = tiles.TileBuilder()
    leaves = _gen_leaves(size)
    for e in leaves[:old]:
        builder.append(e)
    builder.resources()  # what was written for the old size
    for e in leaves[old:]:
        builder.append(e)
    written = dict(builder.resources())
    expected = {t["path"]: t for t in case["tiles"]} | {b["path"]: b for b in case["entry_bundles"]}
    assert sorted(r.path for r in written) == sorted(expected)
    for ref, data in written.items():
        _check_resource(expected[ref.path], data)
    assert builder.root() == vectors.b64(case["root"])


def test_builder_resume_matches_fresh_builder() -> None:
    leaves = _gen_leaves(70000)
    whole = tiles.TileBuilder()
    for e in leaves:
        whole.append(e)
    # Resume at 65540 from the resources a reader sees for that size.
    part = tiles.TileBuilder()
    for e in leaves[:65540]:
        part.append(e)
    served = {r.path: d for r, d in part.resources()}
    tree = merkle.MemoryTree.from_entries(leaves[:65540])
    edge = [
        tiles.split_hashes(served["tile/0/256.p/4"], 4),
        [],  # level 1 has 256 hashes: full, nothing partial
        tiles.split_hashes(served["tile/2/000.p/1"], 1),
    ]
    bundle = tiles.decode_bundle(served["tile/entries/256.p/4"], 4)
    compact = [tree.subtree_hash(16, 0), tree.subtree_hash(2, 65536 >> 2)]
    resumed = tiles.TileBuilder.resume(65540, edge, bundle, compact)
    for e in leaves[65540:]:
        resumed.append(e)
    assert resumed.root() == whole.root()
    assert dict(resumed.resources())[tiles.TileRef(0, 273, 112)] == b"".join(
        merkle.leaf_hash(e) for e in leaves[273 * 256 : 70000]
    )


def test_tile_hash_reader_proofs_match_memory_tree() -> None:
    leaves = _gen_leaves(70000)
    builder = tiles.TileBuilder()
    store: dict[tiles.TileRef, bytes] = {}
    for e in leaves:
        builder.append(e)
    store.update(builder.resources())

    def fetch(level: int, index: int, width: int) -> bytes:
        return store[tiles.TileRef(level, index, width)]

    reader = tiles.TileHashReader(70000, fetch)
    tree = merkle.MemoryTree.from_entries(leaves)
    for index in (0, 255, 256, 65535, 65536, 69999):
        assert merkle.inclusion_proof(index, 70000, reader) == tree.inclusion_proof(index)
    for old in (1, 256, 65536, 69999):
        assert merkle.consistency_proof(old, 70000, reader) == tree.consistency_proof(old)
    assert merkle.range_hash(reader, 0, 70000) == tree.root()


def test_bundle_decoding_is_strict() -> None:
    good = tiles.encode_bundle([b"a", b"bc"])
    assert tiles.decode_bundle(good, 2) == [b"a", b"bc"]
    for bad, width in ((good, 1), (good, 3), (good[:-1], 2), (good + b"\x00", 2), (b"\x00", 1)):
        with pytest.raises(MalformedError):
            tiles.decode_bundle(bad, width)
    with pytest.raises(MalformedError):
        tiles.split_hashes(b"\x00" * 33, 1)
