"""A C2SP tlog-witness as a state machine over bytes: what to store and what to answer.

A witness keeps, per log origin it is configured for, the latest checkpoint it cosigned. A
log asks it to cosign a new one with ``POST /add-checkpoint``, whose body is::

    old <size the log believes the witness has>\\n
    <base64 consistency proof hash>\\n      (zero or more)
    \\n
    <the signed checkpoint note>

:func:`add_checkpoint` decides: 403 for a log it does not watch or a checkpoint its key did
not sign, 409 (body: the witness's latest size) when ``old`` is not that size or a same-size
checkpoint has another root, 400 for a checkpoint smaller than ``old``, 422 for a proof that
does not verify; otherwise the checkpoint to store. The caller stores it durably *before*
calling :func:`cosign` and answering, so a crash at any moment can lose an answer but never
lets the witness cosign two roots at one size or go backwards. Pure: no clock (the caller
gives the cosignature's timestamp), no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

from attest.errors import AttestError, MalformedError
from attest.tlog import note as _note
from attest.tlog.checkpoint import open_checkpoint
from attest.tlog.cosignature import CosignatureSigner
from attest.tlog.merkle import HASH_SIZE, MAX_PROOF_HASHES, verify_consistency

__all__ = [
    "MAX_REQUEST",
    "AddCheckpoint",
    "Answer",
    "Latest",
    "add_checkpoint",
    "cosign",
    "encode_add_checkpoint",
    "parse_add_checkpoint",
]

#: Largest add-checkpoint body: a proof of 63 hashes and a checkpoint with cosignatures.
MAX_REQUEST = 64 * 1024


@dataclass(frozen=True)
class Latest:
    """The checkpoint a witness last cosigned for a log: size, root and the note."""

    size: int
    root_hash: bytes
    note: bytes

    def to_json(self) -> bytes:
        doc = {
            "size": self.size,
            "root": base64.b64encode(self.root_hash).decode(),
            "checkpoint": self.note.decode("utf-8"),
        }
        return (json.dumps(doc, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> Latest:
        try:
            doc = json.loads(data)
            size, root, cp = doc["size"], base64.b64decode(doc["root"]), doc["checkpoint"]
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise MalformedError("witness.bad_state", f"unreadable witness state: {exc}") from exc
        if (
            not isinstance(size, int)
            or size < 0
            or len(root) != HASH_SIZE
            or not isinstance(cp, str)
        ):
            raise MalformedError("witness.bad_state", "unreadable witness state")
        return cls(size, root, cp.encode("utf-8"))


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: bytes


@dataclass(frozen=True)
class Answer:
    """What to do: ``store`` (then cosign and answer 200) or answer ``status`` with ``body``."""

    status: int
    body: bytes
    origin: str = ""
    store: Latest | None = None


def _bad(message: str) -> MalformedError:
    return MalformedError("witness.bad_request", message)


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """The request body, strictly (raises ``witness.bad_request``)."""
    if len(body) > MAX_REQUEST:
        raise _bad(f"the request is larger than {MAX_REQUEST} bytes")
    head, sep, note = body.partition(b"\n\n")
    if not sep or not note:
        raise _bad("the body is old size, proof lines, a blank line, then the checkpoint")
    lines = head.split(b"\n")
    first = lines[0]
    if not first.startswith(b"old ") or not first[4:].isdigit():
        raise _bad("the first line is 'old <size>'")
    digits = first[4:]
    if len(digits) > 19 or (digits.startswith(b"0") and digits != b"0"):
        raise _bad("the old size is a decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_HASHES:
        raise _bad(f"a proof has at most {MAX_PROOF_HASHES} hashes")
    proof = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise _bad("a proof line is one base64 hash") from None
        if len(h) != HASH_SIZE or base64.b64encode(h) != line:
            raise _bad("a proof line is one base64 hash of 32 bytes")
        proof.append(h)
    return AddCheckpoint(int(digits), tuple(proof), note)


def encode_add_checkpoint(
    old_size: int, proof: tuple[bytes, ...] | list[bytes], note: bytes
) -> bytes:
    """The request body a log sends (the inverse of :func:`parse_add_checkpoint`)."""
    lines = [f"old {old_size}".encode()] + [base64.b64encode(h) for h in proof]
    return b"\n".join(lines) + b"\n\n" + note


def _origin(note: bytes) -> str:
    return note.split(b"\n", 1)[0].decode("utf-8", "replace")


def add_checkpoint(
    logs: Mapping[str, _note.Verifier],
    latest: Mapping[str, Latest],
    request: AddCheckpoint,
) -> Answer:
    """Decide on one add-checkpoint request against the witness's ``latest`` per origin."""
    origin = _origin(request.note)
    verifier = logs.get(origin)
    if verifier is None:
        return Answer(403, b"unknown log\n")
    try:
        signed = open_checkpoint(request.note, verifier, origin=origin)
    except AttestError as exc:
        return Answer(403, f"{exc.code}: {exc.message}\n".encode())
    cp = signed.checkpoint
    have = latest.get(origin)
    size = have.size if have is not None else 0
    if request.old_size != size:
        return Answer(409, f"{size}\n".encode(), origin)
    if cp.size < request.old_size:
        return Answer(400, b"the checkpoint is smaller than the old size\n", origin)
    if have is not None and cp.size == have.size:
        if cp.root_hash != have.root_hash:
            return Answer(409, f"{size}\n".encode(), origin)
        return Answer(200, b"", origin, Latest(cp.size, cp.root_hash, request.note))
    if have is not None and have.size > 0:
        try:
            verify_consistency(have.size, cp.size, have.root_hash, cp.root_hash, request.proof)
        except AttestError as exc:
            return Answer(422, f"{exc.code}: {exc.message}\n".encode(), origin)
    return Answer(200, b"", origin, Latest(cp.size, cp.root_hash, request.note))


def cosign(note: bytes, signer: CosignatureSigner) -> bytes:
    """The cosignature/v1 signature line for ``note`` (the 200 answer's body)."""
    return _note.sign(_note.parse(note).text, [signer]).split(b"\n\n", 1)[1]
