"""attest.tlog.merkle against published vectors: transparency-dev, RFC 6962, Go x/mod."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pytest

from attest.errors import AttestError, MalformedError
from attest.tlog import merkle

from . import vectors

PROBES = "tlog/transparency-dev-merkle/testdata"
INCLUSION_PROBES = vectors.json_files(f"{PROBES}/inclusion")
CONSISTENCY_PROBES = vectors.json_files(f"{PROBES}/consistency")

#: The one probe the project decides against: it uses 12-byte "roots", and every hash here
#: must be exactly 32 bytes (specs/merkle.md). Go's x/mod tlog rejects it for the same reason.
DEVIATION = "additional/sizes-are-equal-one-and-proof-is-empty.json"


def _b64_list(values: list[str] | None) -> list[bytes]:
    """Go writes an empty proof as JSON null."""
    return [vectors.b64(v) for v in values or []]


def test_probe_counts() -> None:
    assert len(INCLUSION_PROBES) == 98
    assert len(CONSISTENCY_PROBES) == 98


@pytest.mark.parametrize(
    "probe", INCLUSION_PROBES, ids=vectors.ids(INCLUSION_PROBES, f"{PROBES}/inclusion")
)
def test_inclusion_probe(probe: Path) -> None:
    case = vectors.load_json(str(probe.relative_to(vectors.ROOT)))
    args = (
        case["leafIdx"],
        case["treeSize"],
        vectors.b64(case["leafHash"]),
        _b64_list(case["proof"]),
        vectors.b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(AttestError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize(
    "probe", CONSISTENCY_PROBES, ids=vectors.ids(CONSISTENCY_PROBES, f"{PROBES}/consistency")
)
def test_consistency_probe(probe: Path) -> None:
    rel = str(probe.relative_to(vectors.path(f"{PROBES}/consistency")))
    case = vectors.load_json(str(probe.relative_to(vectors.ROOT)))
    args = (
        case["size1"],
        case["size2"],
        vectors.b64(case["root1"]),
        vectors.b64(case["root2"]),
        _b64_list(case["proof"]),
    )
    if rel == DEVIATION:
        assert case["wantErr"] is False
        with pytest.raises(MalformedError) as info:
            merkle.verify_consistency(*args)
        assert info.value.code == "merkle.bad_hash_length"
    elif case["wantErr"]:
        with pytest.raises(AttestError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_rfc6962_tree8() -> None:
    data = vectors.load_json("tlog/transparency-dev-merkle/rfc6962-tree8.json")
    entries = [bytes.fromhex(h) for h in data["leaf_inputs_hex"]]
    tree = merkle.MemoryTree.from_entries(entries)
    for level, hashes in enumerate(data["node_hashes_hex_by_level"]):
        for index, h in enumerate(hashes):
            assert tree.subtree_hash(level, index).hex() == h
    for size, root in enumerate(data["root_hashes_hex_by_size"]):
        assert tree.root(size).hex() == root
        assert merkle.tree_root(merkle.leaf_hash(e) for e in entries[:size]).hex() == root


def test_empty_root_and_record_hash() -> None:
    data = vectors.load_json("tlog/go-x-mod-sumdb-tlog.json")
    assert merkle.EMPTY_ROOT.hex() == data["empty_tree_root_hex"]
    assert merkle.CompactRange().root() == merkle.EMPTY_ROOT
    assert merkle.MemoryTree().root() == merkle.EMPTY_ROOT
    for case in data["record_hash"]:
        leaf = merkle.leaf_hash(case["data_text"].encode())
        assert leaf == vectors.b64(case["leaf_hash_b64"])


# --- generated (Go x/mod sumdb/tlog from fixed leaves) ----------------------------------------

GENERATED = vectors.load_json("tlog/generated/merkle.json")


def _leaves(convention: str, n: int) -> list[bytes]:
    if convention == "gen_leaves":
        return [str(i).encode() for i in range(n)]
    assert convention == "gen_leaves_byte"
    return [bytes([i]) for i in range(n)]


@cache
def _tree(convention: str, n: int) -> merkle.MemoryTree:
    return merkle.MemoryTree.from_entries(_leaves(convention, n))


def test_generated_roots_by_size() -> None:
    data = GENERATED["roots_by_size"]
    tree = _tree(data["leaves"], 32)
    for i, h in enumerate(data["leaf_hashes"]):
        assert tree.subtree_hash(0, i) == vectors.b64(h)
    cr = merkle.CompactRange()
    for size, root in enumerate(data["roots"]):
        assert tree.root(size) == vectors.b64(root)
        assert cr.root() == vectors.b64(root)
        if size < 32:
            cr.append(tree.subtree_hash(0, size))


@pytest.mark.parametrize("case", GENERATED["inclusion"], ids=lambda c: f"{c['index']}of{c['size']}")
def test_generated_inclusion(case: dict[str, object]) -> None:
    _check_generated_inclusion(case)


@pytest.mark.parametrize(
    "case", GENERATED["consistency"], ids=lambda c: f"{c['old_size']}to{c['size']}"
)
def test_generated_consistency(case: dict[str, object]) -> None:
    _check_generated_consistency(case)


def _check_generated_inclusion(case: dict[str, object]) -> None:
    tree = _tree(str(case["leaves"]), int(str(case.get("n", case["size"]))))
    index, size = int(str(case["index"])), int(str(case["size"]))
    proof = _b64_list(case["proof"])  # type: ignore[arg-type]
    leaf = vectors.b64(str(case["leaf_hash"]))
    root = vectors.b64(str(case["root"]))
    assert tree.subtree_hash(0, index) == leaf
    assert tree.inclusion_proof(index, size) == proof
    assert tree.root(size) == root
    merkle.verify_inclusion(index, size, leaf, proof, root)


def _check_generated_consistency(case: dict[str, object]) -> None:
    tree = _tree(str(case["leaves"]), int(str(case.get("n", case["size"]))))
    old, size = int(str(case["old_size"])), int(str(case["size"]))
    proof = _b64_list(case["proof"])  # type: ignore[arg-type]
    old_root, root = vectors.b64(str(case["old_root"])), vectors.b64(str(case["root"]))
    assert tree.root(old) == old_root
    assert tree.consistency_proof(old, size) == proof
    merkle.verify_consistency(old, size, old_root, root, proof)


def test_generated_larger_trees() -> None:
    checked = 0
    for case in GENERATED["larger"]:
        n = case["n"]
        tree = _tree(case["leaves"], n)
        if "index" in case:
            _check_generated_inclusion(case)
        elif "old_size" in case:
            _check_generated_consistency(case)
        elif "roots" in case:
            for size, root in enumerate(case["roots"]):
                assert tree.root(size) == vectors.b64(root)
        else:
            assert tree.root() == vectors.b64(case["root"])
            assert merkle.tree_root(
                merkle.leaf_hash(e) for e in _leaves(case["leaves"], n)
            ) == vectors.b64(case["root"])
        checked += 1
    assert checked == 12


def test_leaf_and_node_are_domain_separated() -> None:
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    # A node's 64-byte input presented as a leaf does not hash to the node.
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
