"""A consistency proof between two checkpoints of one log, as a verifier is given it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConsistencyProof"]


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4 proof that the tree of ``old_size`` is a prefix of that of ``new_size``."""

    origin: str
    old_size: int
    old_root: bytes
    new_size: int
    new_root: bytes
    proof: tuple[bytes, ...]
