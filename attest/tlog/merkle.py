"""RFC 9162 §2.1 Merkle trees: hashing, proofs and their verification.

Pure functions over bytes. The tree hash is SHA-256 with domain separation (leaf = H(0x00 ‖ entry),
node = H(0x01 ‖ left ‖ right)), so an interior node can never pass as a leaf. Proof
generation reads stored subtree hashes through :class:`HashReader`, so the same code serves an
in-memory tree and a log on disk. :class:`CompactRange` appends entries with O(1) amortised
hashing and O(log n) memory and never recomputes the tree.

Every hash is exactly 32 bytes; anything else is rejected (see specs/merkle.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from attest.errors import LimitExceededError, MalformedError, UsageError, VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_PROOF_HASHES",
    "MAX_TREE_SIZE",
    "CompactRange",
    "HashReader",
    "MemoryTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_from_inclusion_proof",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: C2SP tlog-proof and tlog-witness cap proof lines at 63; trees never need more.
MAX_PROOF_HASHES = 63
#: Sizes and indices are unsigned 64-bit integers on the wire; larger ones are refused.
MAX_TREE_SIZE = 2**63

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d) (RFC 9162 §2.1.1)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)."""
    return _sha256(b"\x01" + left + right).digest()


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else "not bytes"
        raise MalformedError(
            "merkle.bad_hash_length", f"{what} must be {HASH_SIZE} bytes (got {size})"
        )


def _check_proof(proof: Sequence[bytes]) -> None:
    if len(proof) > MAX_PROOF_HASHES:
        raise LimitExceededError(
            "merkle.proof_too_long",
            f"a proof has at most {MAX_PROOF_HASHES} hashes (got {len(proof)})",
        )
    for i, h in enumerate(proof):
        if type(h) is not bytes or len(h) != HASH_SIZE:
            _check_hash(h, f"proof hash {i}")


def _check_size(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_TREE_SIZE:
        raise MalformedError("merkle.bad_size", f"{what} must be an integer in [0, 2^63)")


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from leaf hash ``leaf`` at ``index`` in a tree of ``size``.

    Follows RFC 9162 §2.1.3.2 step by step, including its exact-length rule: a proof with one
    hash too many or too few raises :class:`VerificationError`, never returns a root.
    """
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    _check_hash(leaf, "leaf hash")
    _check_proof(proof)
    if index >= size:
        raise VerificationError(
            "merkle.index_out_of_range", f"leaf index {index} is not below tree size {size}"
        )
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise VerificationError(
                "merkle.proof_wrong_length", "the inclusion proof has too many hashes"
            )
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(
            "merkle.proof_wrong_length", "the inclusion proof has too few hashes"
        )
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf hash ``leaf`` is at ``index`` in the tree of ``size`` with ``root``.

    Raises :class:`VerificationError` (or :class:`MalformedError` for a hash that is not 32
    bytes) on any mismatch; returns ``None`` when the proof holds.
    """
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise VerificationError(
            "merkle.root_mismatch", "the inclusion proof does not lead to the expected root"
        )


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree ``(new_size, new_root)`` extends ``(old_size, old_root)``.

    RFC 9162 §2.1.4.2, plus the cases the RFC leaves to callers, decided as Go's
    transparency-dev/merkle and x/mod do: equal sizes are consistent only with an empty proof
    and equal roots; an old size of 0 is refused, because every tree extends the empty tree
    and such a check proves nothing (a caller that must accept ``old 0``, as a C2SP witness
    does, handles it before calling).
    """
    _check_size(old_size, "old tree size")
    _check_size(new_size, "new tree size")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    _check_proof(proof)
    if old_size > new_size:
        raise VerificationError(
            "merkle.size_regressed", f"old size {old_size} is larger than new size {new_size}"
        )
    if old_size == 0:
        raise VerificationError(
            "merkle.empty_tree", "a consistency proof from the empty tree proves nothing"
        )
    if old_size == new_size:
        if proof:
            raise VerificationError(
                "merkle.proof_wrong_length", "a consistency proof between equal sizes is empty"
            )
        if old_root != new_root:
            raise VerificationError(
                "merkle.root_mismatch", "two trees of the same size have different roots"
            )
        return
    if not proof:
        raise VerificationError("merkle.proof_wrong_length", "the consistency proof is empty")

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(
                "merkle.proof_wrong_length", "the consistency proof has too many hashes"
            )
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(
            "merkle.proof_wrong_length", "the consistency proof has too few hashes"
        )
    if fr != old_root or sr != new_root:
        raise VerificationError(
            "merkle.root_mismatch", "the consistency proof does not lead to the expected roots"
        )


# --- proof generation (RFC 9162 §2.1.3.1 and §2.1.4.1) ---------------------------------------


class HashReader(Protocol):
    """Where proof generation reads stored hashes from.

    ``subtree_hash(level, index)`` is the hash of the perfect subtree of ``2**level`` leaves
    that starts at leaf ``index * 2**level``: level 0 holds the leaf hashes.
    """

    def subtree_hash(self, level: int, index: int) -> bytes: ...


def range_hash(reader: HashReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range that starts on a multiple of a power of two >= its width.

    These are the only ranges RFC 9162 proofs ever name: the range splits into perfect subtrees
    of strictly decreasing size, which are folded from the right.
    """
    if not 0 <= start < end:
        raise UsageError("merkle.bad_range", f"empty or negative range [{start}, {end})")
    width = end - start
    if start and (start & -start) < width:
        raise UsageError("merkle.bad_range", f"range [{start}, {end}) is not aligned")
    parts: list[bytes] = []
    pos = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            parts.append(reader.subtree_hash(level, pos >> level))
            pos += 1 << level
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf sibling first."""
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    if index >= size:
        raise UsageError(
            "merkle.index_out_of_range", f"leaf index {index} is not below tree size {size}"
        )
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(range_hash(reader, lo + k, hi))
            hi = lo + k
        else:
            path.append(range_hash(reader, lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1; empty when either size is 0 or equal."""
    _check_size(old_size, "old tree size")
    _check_size(new_size, "new tree size")
    if old_size > new_size:
        raise UsageError(
            "merkle.size_regressed", f"old size {old_size} is larger than new size {new_size}"
        )
    if old_size == 0 or old_size == new_size:
        return []
    path: list[bytes] = []
    m, lo, hi, complete = old_size, 0, new_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            path.append(range_hash(reader, lo + k, hi))
            hi = lo + k
        else:
            path.append(range_hash(reader, lo, lo + k))
            m -= k
            lo += k
            complete = False
    if not complete:
        path.append(range_hash(reader, lo, hi))
    path.reverse()
    return path


# --- trees -----------------------------------------------------------------------------------


class CompactRange:
    """The right edge of a tree: one hash per perfect subtree of ``[0, size)``.

    Appending costs one leaf hash plus, amortised, one node hash; memory is O(log size). The
    root is the right fold of the stored hashes. This is what a log keeps to extend its tree
    without re-reading it.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Resume from the perfect-subtree hashes of ``[0, size)``, largest first."""
        _check_size(size, "tree size")
        if len(hashes) != size.bit_count():
            raise MalformedError(
                "merkle.bad_compact_range",
                f"a tree of size {size} has {size.bit_count()} subtree hashes, not {len(hashes)}",
            )
        for i, h in enumerate(hashes):
            _check_hash(h, f"subtree hash {i}")
        cr = cls()
        cr._size = size
        cr._hashes = [bytes(h) for h in hashes]
        return cr

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect-subtree hashes, largest (leftmost) first."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Append one leaf hash (see :func:`leaf_hash`)."""
        if type(leaf) is not bytes or len(leaf) != HASH_SIZE:
            _check_hash(leaf, "leaf hash")
        h, n, stack = leaf, self._size, self._hashes
        while n & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes."""
        for leaf in leaves:
            self.append(leaf)

    def append_entry(self, entry: bytes) -> bytes:
        """Hash ``entry`` as a leaf, append it and return its leaf hash."""
        h = _sha256(b"\x00" + entry).digest()
        self.append(h)
        return h

    def root(self) -> bytes:
        """MTH(D[0:size]); SHA-256("") for the empty tree."""
        if not self._hashes:
            return EMPTY_ROOT
        r = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            r = _sha256(b"\x01" + left + r).digest()
        return r


class MemoryTree:
    """A whole tree kept in memory, every level stored: for tests, tools and small logs.

    Holds about 2n hashes; implements :class:`HashReader` so the proof functions can read it.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append(leaf)

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MemoryTree:
        return cls(leaf_hash(e) for e in entries)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        """Append one leaf hash, storing every subtree hash it completes."""
        _check_hash(leaf, "leaf hash")
        levels = self._levels
        levels[0].append(leaf)
        i, level, h = len(levels[0]) - 1, 0, leaf
        while i & 1:
            h = _sha256(b"\x01" + levels[level][i - 1] + h).digest()
            level += 1
            if level == len(levels):
                levels.append([])
            levels[level].append(h)
            i >>= 1

    def subtree_hash(self, level: int, index: int) -> bytes:
        try:
            return self._levels[level][index]
        except IndexError:
            raise UsageError(
                "merkle.no_such_subtree", f"no complete subtree at level {level}, index {index}"
            ) from None

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]) for any size up to the current one (default: the whole tree)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise UsageError("merkle.bad_size", f"size {size} is beyond the tree ({self.size})")
        return EMPTY_ROOT if size == 0 else range_hash(self, 0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self.size if new_size is None else new_size, self)


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """MTH of a list of leaf hashes, in O(log n) memory."""
    cr = CompactRange()
    cr.extend(leaves)
    return cr.root()
