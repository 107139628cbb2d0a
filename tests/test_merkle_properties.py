"""attest.tlog.merkle property tests against a literal transcription of the RFC 9162 definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.errors import AttestError, MalformedError, UsageError, VerificationError
from attest.tlog import merkle


# --- the RFC's recursive definitions, written out independently of the module ----------------
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + _mth(d[:k]) + _mth(d[k:]))


def _path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


def _entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


# --- agreement with the definitions -----------------------------------------------------------


@given(st.integers(min_value=0, max_value=300))
def test_roots_match_definition(n: int) -> None:
    d = _entries(n)
    expected = _mth(d)
    assert merkle.MemoryTree.from_entries(d).root() == expected
    cr = merkle.CompactRange()
    for e in d:
        cr.append_entry(e)
    assert cr.root() == expected
    assert len(cr.hashes) == n.bit_count()


@given(st.data())
def test_proofs_match_definition(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=200))
    d = _entries(n)
    tree = merkle.MemoryTree.from_entries(d)
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    assert tree.inclusion_proof(m) == _path(m, d)
    old = data.draw(st.integers(min_value=1, max_value=n))
    assert tree.consistency_proof(old) == _subproof(old, d, True)


# --- every proof verifies, every change to it fails ------------------------------------------

_TREE_SIZE = 3000
_TREE = merkle.MemoryTree.from_entries(_entries(_TREE_SIZE))


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=300)
@given(st.data())
def test_inclusion_proofs_verify_and_mutations_fail(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=_TREE_SIZE), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaf, root = _TREE.subtree_hash(0, index), _TREE.root(size)
    proof = _TREE.inclusion_proof(index, size)
    merkle.verify_inclusion(index, size, leaf, proof, root)

    with pytest.raises(VerificationError):
        merkle.verify_inclusion(
            index, size, leaf, proof, _flip(root, data.draw(st.integers(0, 255)))
        )
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(
            index, size, _flip(leaf, data.draw(st.integers(0, 255))), proof, root
        )
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="hash")
        bad = [*proof[:i], _flip(proof[i], data.draw(st.integers(0, 255))), *proof[i + 1 :]]
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(index, size, leaf, bad, root)
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(index, size, leaf, [*proof, proof[0] if proof else root], root)
    # A proof for one index replayed for another, with that index's own leaf.
    other_index = data.draw(st.integers(0, size - 1), label="other index")
    if other_index != index:
        other_leaf = _TREE.subtree_hash(0, other_index)
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(other_index, size, other_leaf, proof, root)
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(other_index, size, leaf, proof, root)
    # A size travels with its root (both come from one signed checkpoint), so a changed size is
    # checked against that size's real root.
    other_size = data.draw(st.integers(1, _TREE_SIZE), label="other size")
    if other_size != size:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(index, other_size, leaf, proof, _TREE.root(other_size))


@settings(max_examples=300)
@given(st.data())
def test_consistency_proofs_verify_and_mutations_fail(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=_TREE_SIZE), label="size")
    old = data.draw(st.integers(min_value=1, max_value=size), label="old")
    old_root, root = _TREE.root(old), _TREE.root(size)
    proof = _TREE.consistency_proof(old, size)
    merkle.verify_consistency(old, size, old_root, root, proof)

    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old, size, _flip(old_root, bit), root, proof)
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old, size, old_root, _flip(root, bit), proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="hash")
        bad = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
        with pytest.raises(VerificationError):
            merkle.verify_consistency(old, size, old_root, root, bad)
        with pytest.raises(VerificationError):
            merkle.verify_consistency(old, size, old_root, root, proof[:-1])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old, size, old_root, root, [*proof, root])
    other_old = data.draw(st.integers(1, _TREE_SIZE), label="other old")
    if other_old != old:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(other_old, size, _TREE.root(other_old), root, proof)
    other_size = data.draw(st.integers(1, _TREE_SIZE), label="other size")
    if other_size != size:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(old, other_size, old_root, _TREE.root(other_size), proof)


# --- input rules ------------------------------------------------------------------------------


@given(st.binary().filter(lambda b: len(b) != 32))
def test_hashes_must_be_32_bytes(bad: bytes) -> None:
    good = merkle.leaf_hash(b"x")
    with pytest.raises(MalformedError) as info:
        merkle.verify_inclusion(0, 1, bad, [], good)
    assert info.value.code == "merkle.bad_hash_length"
    with pytest.raises(MalformedError):
        merkle.verify_inclusion(0, 1, good, [], bad)
    with pytest.raises(MalformedError):
        merkle.verify_inclusion(0, 2, good, [bad], good)
    with pytest.raises(MalformedError):
        merkle.CompactRange().append(bad)


def test_proof_length_is_capped_before_hashing() -> None:
    h = merkle.leaf_hash(b"x")
    with pytest.raises(MalformedError) as info:
        merkle.verify_inclusion(0, 2**62, h, [h] * 64, h)
    assert info.value.code == "merkle.proof_too_long"


@pytest.mark.parametrize(
    ("index", "size"), [(-1, 5), (0, -1), (0, 2**63), (True, 3), (5, 5), (6, 5)]
)
def test_bad_indices_and_sizes(index: int, size: int) -> None:
    h = merkle.leaf_hash(b"x")
    with pytest.raises(AttestError):
        merkle.verify_inclusion(index, size, h, [], h)


def test_consistency_edge_cases() -> None:
    r = merkle.leaf_hash(b"x")
    merkle.verify_consistency(1, 1, r, r, [])
    with pytest.raises(VerificationError) as info:
        merkle.verify_consistency(0, 1, merkle.EMPTY_ROOT, r, [])
    assert info.value.code == "merkle.empty_tree"
    with pytest.raises(VerificationError) as info:
        merkle.verify_consistency(2, 1, r, r, [])
    assert info.value.code == "merkle.size_regressed"
    with pytest.raises(VerificationError):
        merkle.verify_consistency(1, 1, r, merkle.leaf_hash(b"y"), [])
    with pytest.raises(UsageError):
        _TREE.consistency_proof(5, 4)
    assert _TREE.consistency_proof(0, 4) == []


def test_compact_range_resume() -> None:
    cr = merkle.CompactRange()
    for e in _entries(1000):
        cr.append_entry(e)
    resumed = merkle.CompactRange.from_hashes(cr.size, cr.hashes)
    for e in _entries(1500)[1000:]:
        cr.append_entry(e)
        resumed.append_entry(e)
    assert resumed.root() == cr.root() == _TREE.root(1500)
    with pytest.raises(MalformedError) as info:
        merkle.CompactRange.from_hashes(7, cr.hashes[:2])
    assert info.value.code == "merkle.bad_compact_range"


def test_range_hash_rejects_unaligned_ranges() -> None:
    with pytest.raises(UsageError):
        merkle.range_hash(_TREE, 3, 7)
    with pytest.raises(UsageError):
        merkle.range_hash(_TREE, 4, 4)
    assert merkle.range_hash(_TREE, 8, 13) == _mth(_entries(13)[8:13])
