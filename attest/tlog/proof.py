"""c2sp.org/tlog-proof@v1: a portable proof that an entry is in a log.

The text is a header line, an optional ``extra`` line, the entry's index, its inclusion
proof (one base64 hash a line, leaf sibling first), a blank line, then the signed checkpoint
the proof leads to, verbatim with its log signature and any cosignatures. It verifies offline
with nothing but the log's public key (specs/log.md §6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from attest.codec import b64
from attest.errors import LimitExceededError, MalformedError
from attest.tlog import checkpoint as _checkpoint
from attest.tlog import note as _note
from attest.tlog.merkle import HASH_SIZE, MAX_PROOF_HASHES, verify_inclusion

__all__ = ["HEADER", "MAX_PROOF_SIZE", "TlogProof", "parse_tlog_proof", "verify_tlog_proof"]

HEADER = "c2sp.org/tlog-proof@v1"
#: Largest tlog-proof text accepted, in bytes (a checkpoint with 100 cosignatures fits).
MAX_PROOF_SIZE = 64 * 1024
MAX_EXTRA_SIZE = 4096

_INDEX = re.compile(r"index (0|[1-9][0-9]{0,18})")
_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")


def _b64(data: bytes) -> str:
    return b64.encode(data)


@dataclass(frozen=True)
class TlogProof:
    """Index, inclusion hashes, the signed checkpoint note, and optional opaque ``extra``."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if len(self.hashes) > MAX_PROOF_HASHES:
            raise LimitExceededError(
                "tlog_proof.too_many_hashes", f"at most {MAX_PROOF_HASHES} proof hashes"
            )
        if any(len(h) != HASH_SIZE for h in self.hashes):
            raise MalformedError("tlog_proof.bad_hash", "every proof hash is 32 bytes")
        if self.extra is not None and len(self.extra) > MAX_EXTRA_SIZE:
            raise LimitExceededError(
                "tlog_proof.extra_too_large", f"extra data is at most {MAX_EXTRA_SIZE} bytes"
            )

    def encode(self) -> bytes:
        """The ``.tlog-proof`` text, byte for byte as C2SP lays it out."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + _b64(self.extra))
        lines.append(f"index {self.index}")
        lines.extend(_b64(h) for h in self.hashes)
        return ("\n".join(lines) + "\n\n").encode("ascii") + self.checkpoint


def parse_tlog_proof(data: bytes, *, check_note: bool = True) -> TlogProof:
    """Parse a tlog-proof strictly: every line canonical, the checkpoint a well-formed note.

    ``check_note=False`` leaves the note to a caller that parses it once for many proofs
    leading to the same checkpoint (a bundle does: :func:`attest.evaluation.bundle.parse_bundle`).
    """
    if len(data) > MAX_PROOF_SIZE:
        raise LimitExceededError(
            "tlog_proof.too_large", f"a tlog-proof is at most {MAX_PROOF_SIZE} bytes"
        )
    head, sep, note = data.partition(b"\n\n")
    if not sep:
        raise MalformedError("tlog_proof.malformed", "no blank line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError as exc:
        raise MalformedError("tlog_proof.malformed", "the proof lines must be ASCII") from exc
    if lines[0] != HEADER:
        raise MalformedError(
            "tlog_proof.unknown_version", f"the first line must be {HEADER!r}, not {lines[0]!r}"
        )
    pos = 1
    extra = None
    if pos < len(lines) and lines[pos].startswith("extra "):
        extra = _decode(lines[pos][6:], "extra")
        pos += 1
    m = _INDEX.fullmatch(lines[pos]) if pos < len(lines) else None
    if m is None:
        raise MalformedError("tlog_proof.bad_index", "expected an 'index <decimal>' line")
    index = int(m.group(1))
    hash_lines = lines[pos + 1 :]
    if len(hash_lines) > MAX_PROOF_HASHES:
        raise LimitExceededError(
            "tlog_proof.too_many_hashes", f"at most {MAX_PROOF_HASHES} proof hashes"
        )
    hashes = []
    for line in hash_lines:
        if not _HASH.fullmatch(line):
            raise MalformedError("tlog_proof.bad_hash", "a proof line is not a base64 hash")
        hashes.append(_decode(line, "proof hash"))
    if check_note:
        _note.parse(note)  # the checkpoint must at least be a well-formed note
    return TlogProof(index, tuple(hashes), note, extra)


def _decode(value: str, what: str) -> bytes:
    return b64.decode(value, code="tlog_proof.bad_base64", what=what)


def verify_tlog_proof(
    proof: TlogProof,
    leaf_hash: bytes,
    log: _note.Verifier,
    *,
    witnesses: Iterable[_note.Verifier] = (),
    origin: str | None = None,
) -> _checkpoint.SignedCheckpoint:
    """Check the checkpoint's log signature (and known witnesses), then the inclusion proof.

    Returns the opened checkpoint so that callers can apply a witness quorum and consistency
    with what they saw before. Raises on any failure; never returns on a bad proof.
    """
    signed = _checkpoint.open_checkpoint(proof.checkpoint, log, witnesses=witnesses, origin=origin)
    cp = signed.checkpoint
    verify_inclusion(proof.index, cp.size, leaf_hash, proof.hashes, cp.root_hash)
    return signed
