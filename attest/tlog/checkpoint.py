"""c2sp.org/tlog-checkpoint: a log's signed statement of its size and root hash.

A checkpoint is the text of a signed note: the origin line, the tree size in decimal, the
base64 root hash, then optional extension lines, each ending in a newline. The log signs it
with its own key; witnesses add cosignature lines (``attest.tlog.cosignature``). Opening a
checkpoint requires a valid signature by the log's key: a note signed only by witnesses or
other keys is rejected here even though it is a valid signed note.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attest.errors import LimitExceededError, MalformedError, UsageError, VerificationError
from attest.tlog import cosignature as _cosig
from attest.tlog import note as _note
from attest.tlog.merkle import EMPTY_ROOT, HASH_SIZE, MAX_TREE_SIZE

__all__ = [
    "Checkpoint",
    "SignedCheckpoint",
    "cosign_checkpoint",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_verifier_key",
    "sign_checkpoint",
]

_SIZE = re.compile("0|[1-9][0-9]{0,18}")
_ROOT = re.compile("[A-Za-z0-9+/]{43}=")
_CONTROL = re.compile("[\x00-\x1f]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f]")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_line(value: object, code: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedError(code, f"the {what} must be a non-empty string")
    if _CONTROL.search(value):
        raise MalformedError(code, f"the {what} holds a newline or control character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError(code, f"the {what} must be valid UTF-8") from exc
    return value


@dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size, root hash and extension lines; valid by construction."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "checkpoint.bad_origin", "origin")
        if (
            isinstance(self.size, bool)
            or not isinstance(self.size, int)
            or not 0 <= self.size < MAX_TREE_SIZE
        ):
            raise MalformedError("checkpoint.bad_size", "the tree size is an integer in [0, 2^63)")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedError("checkpoint.bad_root_hash", f"the root hash is {HASH_SIZE} bytes")
        if self.size == 0 and self.root_hash != EMPTY_ROOT:
            raise MalformedError(
                "checkpoint.bad_empty_root", "the root of the empty tree is SHA-256 of nothing"
            )
        extensions = tuple(self.extensions)
        for line in extensions:
            _check_line(line, "checkpoint.bad_extension", "extension line")
        object.__setattr__(self, "extensions", extensions)

    def text(self) -> str:
        """The note text: one line each for origin, size, root, extensions, each ending ``\\n``."""
        root = _b64(self.root_hash)
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )


def parse_checkpoint(text: str | bytes) -> Checkpoint:
    """Parse a checkpoint note text strictly.

    At least three non-empty lines, each ending in ``\\n`` and free of control characters
    (so no CR); a decimal size without leading zeros below 2^63; a root that is the canonical
    base64 of exactly 32 bytes, and SHA-256("") when the size is 0.
    """
    if not isinstance(text, str | bytes):
        raise UsageError("checkpoint.bad_input", "a checkpoint text is str or bytes")
    if len(text) > _note.MAX_NOTE_SIZE:
        raise LimitExceededError(
            "checkpoint.too_large", f"a checkpoint is at most {_note.MAX_NOTE_SIZE} bytes"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError("checkpoint.malformed", "a checkpoint is UTF-8 text") from exc
    if not text.endswith("\n"):
        raise MalformedError("checkpoint.malformed", "every checkpoint line ends in a newline")
    if _CONTROL_BUT_NEWLINE.search(text):
        raise MalformedError("checkpoint.malformed", "a checkpoint has no control characters")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError("checkpoint.malformed", "a checkpoint has at least three lines")
    origin, size, root, *extensions = lines
    if not origin:
        raise MalformedError("checkpoint.bad_origin", "the origin line is empty")
    if not _SIZE.fullmatch(size) or int(size) >= MAX_TREE_SIZE:
        raise MalformedError(
            "checkpoint.bad_size", "the size is decimal without leading zeros, below 2^63"
        )
    raw = binascii.a2b_base64(root) if _ROOT.fullmatch(root) else b""
    if len(raw) != HASH_SIZE or _b64(raw) != root:
        raise MalformedError(
            "checkpoint.bad_root_hash", "the root hash is canonical base64 of 32 bytes"
        )
    if any(not line for line in extensions):
        raise MalformedError("checkpoint.bad_extension", "extension lines must be non-empty")
    return Checkpoint(origin, int(size), raw, tuple(extensions))


def sign_checkpoint(
    checkpoint: Checkpoint, log: _note.Signer, cosigners: Sequence[_note.Signer] = ()
) -> bytes:
    """The checkpoint note signed by the log's signer, then by each cosigner, in order."""
    return _note.sign(checkpoint.text(), [log, *cosigners])


def cosign_checkpoint(note: bytes, cosigner: _note.Signer) -> bytes:
    """``note`` with ``cosigner``'s line appended; its text must be a valid checkpoint.

    Existing lines are not verified here: a witness first opens the checkpoint with the log's
    key (:func:`open_checkpoint`) and checks consistency, then cosigns.
    """
    parse_checkpoint(_note.parse(note).text)
    return _note.add_signatures(note, [cosigner])


@dataclass(frozen=True)
class SignedCheckpoint:
    """An opened checkpoint: the checkpoint, the opened note and its verified cosignatures."""

    checkpoint: Checkpoint
    note: _note.VerifiedNote
    log_signature: _note.Signature
    cosignatures: tuple[_cosig.Cosignature, ...]


def open_checkpoint(
    note: bytes | _note.SignedNote,
    log: _note.Verifier,
    *,
    witnesses: Iterable[_note.Verifier] = (),
    origin: str | None = None,
) -> SignedCheckpoint:
    """Parse and verify a signed checkpoint; it must carry a valid signature by ``log``.

    ``note`` is the note's bytes, or the note already parsed (a bundle parses its once).

    ``origin`` is the origin line the caller expects; by default the log key's name (C2SP:
    the log's key name SHOULD be its origin; pass it explicitly for logs such as
    sum.golang.org whose names differ). Witness lines by ``witnesses`` are verified too
    (any failure rejects the checkpoint); those of cosignature/v1 verifiers are returned
    with their timestamps. Lines by unknown keys are ignored.
    """
    witnesses = tuple(witnesses)
    signed = note if isinstance(note, _note.SignedNote) else _note.parse(note)
    checkpoint = parse_checkpoint(signed.text)
    expected = log.name if origin is None else origin
    if checkpoint.origin != expected:
        raise VerificationError(
            "checkpoint.origin_mismatch",
            f"the checkpoint is for origin {checkpoint.origin!r}, not {expected!r}",
        )
    missing = VerificationError(
        "checkpoint.log_signature_missing",
        f"no valid signature by the log key {log.name}+{log.key_id:08x}",
    )
    try:
        opened = _note.verify(signed, [log, *witnesses])
    except VerificationError as exc:
        if exc.code == "note.unverified":
            raise missing from exc
        raise
    by_log = [s for s in opened.verified if (s.name, s.key_id) == (log.name, log.key_id)]
    if not by_log:
        raise missing
    cosigners = [w for w in witnesses if isinstance(w, _cosig.CosignatureVerifier)]
    return SignedCheckpoint(checkpoint, opened, by_log[0], _cosig.cosignatures(opened, cosigners))


def parse_verifier_key(vkey: str) -> _note.Verifier:
    """The verifier of a vkey a checkpoint reader understands: Ed25519 (0x01) or cosignature/v1
    (0x04). Any other type (ECDSA 0x02, RFC 6962 0x05, ...) is refused, never guessed at.
    """
    key_type = _note.decode_verifier_key(vkey).key_type
    if key_type == _note.KEY_TYPE_ED25519:
        return _note.parse_verifier_key(vkey)
    if key_type == _cosig.KEY_TYPE_COSIGNATURE:
        return _cosig.parse_verifier_key(vkey)
    raise MalformedError(
        "note.unsupported_key_type", f"signature type 0x{key_type:02x} is not supported"
    )
