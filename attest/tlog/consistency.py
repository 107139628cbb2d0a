"""A consistency proof between two checkpoints of one log, as a verifier is given it.

The JSON form is what ``attest log consistency --json`` prints and ``attest verify
--consistency`` reads; every byte of it is written by :meth:`ConsistencyProof.to_json`::

    {
      "origin": "<the log's origin>",
      "old_size": <int>,
      "old_root": "<base64 of 32 bytes, or null when old_size is 0>",
      "new_size": <int>,
      "new_root": "<base64 of 32 bytes>",
      "proof": ["<base64 of 32 bytes>", ...]
    }

:meth:`ConsistencyProof.from_json` reads it strictly: no other member, canonical base64,
32-byte hashes, sizes that are integers with ``0 <= old_size <= new_size``, at most 63 proof
hashes. Whether the proof holds is :func:`attest.tlog.merkle.verify_consistency`'s question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from attest.codec import b64
from attest.codec.canonical import MAX_SIZE, parse_json
from attest.errors import LimitExceededError, MalformedError
from attest.tlog.merkle import EMPTY_ROOT, HASH_SIZE, MAX_PROOF_HASHES, MAX_TREE_SIZE

__all__ = ["MAX_CONSISTENCY_SIZE", "ConsistencyProof"]

#: Largest consistency-proof file: 63 hashes and an origin take a few KiB; JSON's own bound.
MAX_CONSISTENCY_SIZE = MAX_SIZE

_MEMBERS = ("origin", "old_size", "old_root", "new_size", "new_root", "proof")
_MAX_ORIGIN = 1024


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4 proof that the tree of ``old_size`` is a prefix of that of ``new_size``.

    For ``old_size`` 0 the old root is the empty tree's (:data:`attest.tlog.merkle.EMPTY_ROOT`),
    written ``null`` in JSON.
    """

    origin: str
    old_size: int
    old_root: bytes
    new_size: int
    new_root: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> bytes:
        """The JSON document (indented by two spaces, no trailing newline)."""
        doc: dict[str, Any] = {
            "origin": self.origin,
            "old_size": self.old_size,
            "old_root": b64.encode(self.old_root) if self.old_size else None,
            "new_size": self.new_size,
            "new_root": b64.encode(self.new_root),
            "proof": [b64.encode(h) for h in self.proof],
        }
        return json.dumps(doc, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ConsistencyProof:
        """Parse the JSON form strictly (see the module docstring).

        Raises ``consistency.malformed`` (not an object of exactly the six members),
        ``consistency.bad_origin``, ``consistency.bad_size``, ``consistency.bad_hash`` and
        ``consistency.too_long`` (:class:`LimitExceededError`), and the ``json.*`` errors of
        :func:`attest.codec.canonical.parse_json`.
        """
        doc = parse_json(data, max_size=MAX_CONSISTENCY_SIZE)
        if not isinstance(doc, dict):
            raise _bad("malformed", "a consistency proof is a JSON object")
        if missing := [m for m in _MEMBERS if m not in doc]:
            raise _bad("malformed", f"the consistency proof has no {missing[0]!r}")
        if unknown := sorted(set(doc) - set(_MEMBERS)):
            raise _bad("malformed", f"unknown consistency proof member {unknown[0]!r}")
        origin = doc["origin"]
        if not isinstance(origin, str) or not origin or len(origin) > _MAX_ORIGIN:
            raise _bad("bad_origin", f"origin must be a string of 1 to {_MAX_ORIGIN} characters")
        if not origin.isprintable():
            raise _bad("bad_origin", "origin must be one line of printable characters")
        old_size = _size(doc["old_size"], "old_size")
        new_size = _size(doc["new_size"], "new_size")
        if old_size > new_size:
            raise _bad("bad_size", f"old_size {old_size} is larger than new_size {new_size}")
        if old_size == 0:
            if doc["old_root"] is not None:
                raise _bad("bad_hash", "old_root of the empty tree is written null")
            old_root = EMPTY_ROOT
        else:
            old_root = _hash(doc["old_root"], "old_root")
        new_root = _hash(doc["new_root"], "new_root")
        hashes = doc["proof"]
        if not isinstance(hashes, list):
            raise _bad("malformed", "proof must be a list of base64 hashes")
        if len(hashes) > MAX_PROOF_HASHES:
            raise LimitExceededError(
                "consistency.too_long",
                f"a consistency proof has at most {MAX_PROOF_HASHES} hashes (got {len(hashes)})",
            )
        proof = tuple(_hash(h, f"proof hash {i}") for i, h in enumerate(hashes))
        return cls(origin, old_size, old_root, new_size, new_root, proof)


def _bad(code: str, message: str) -> MalformedError:
    return MalformedError(f"consistency.{code}", message)


def _size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_TREE_SIZE:
        raise _bad("bad_size", f"{what} must be a non-negative integer")
    return value


def _hash(value: object, what: str) -> bytes:
    raw = b64.decode(value, code="consistency.bad_hash", what=what)
    if len(raw) != HASH_SIZE:
        raise _bad("bad_hash", f"{what} must be {HASH_SIZE} bytes (got {len(raw)})")
    return raw
