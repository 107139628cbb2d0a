"""c2sp.org/tlog-cosignature ``cosignature/v1``: timestamped Ed25519 witness signatures.

A cosigner (witness) signs ``"cosignature/v1\\ntime <T>\\n" ‖ checkpoint text`` with Ed25519
and writes it as an ordinary note signature line whose bytes after the key id are the 8-byte
big-endian timestamp ``T`` and the 64-byte signature. Its key id and vkey use signature type
0x04, so the same Ed25519 key as a plain note key (0x01) has a different id and the two can
never be mistaken for each other. A cosigned checkpoint is a checkpoint note with extra lines.

This module does not judge time: it returns the timestamp, and the caller's policy decides
how old or how far in the future a cosignature may be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from attest.errors import MalformedError, UsageError, VerificationError
from attest.keys.ed25519 import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, PrivateKey, PublicKey
from attest.tlog.note import (
    VerifiedNote,
    check_key_name,
    decode_typed_verifier_key,
    encode_verifier_key,
)
from attest.tlog.note import key_id as _note_key_id

__all__ = [
    "COSIGNATURE_SIZE",
    "HEADER",
    "KEY_TYPE_COSIGNATURE",
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignatures",
    "decode_signature",
    "encode_signature",
    "format_verifier_key",
    "key_id",
    "parse_verifier_key",
    "signed_message",
]

#: Signature type byte of Ed25519 cosignature/v1 keys.
KEY_TYPE_COSIGNATURE = 0x04
#: Largest timestamp a cosignature may carry (the spec's 2^63 - 1).
MAX_TIMESTAMP = 2**63 - 1
#: Bytes after the key id on a cosignature line: 8-byte timestamp, 64-byte signature.
COSIGNATURE_SIZE = 8 + SIGNATURE_SIZE
#: The first line of every signed message, for domain separation.
HEADER = b"cosignature/v1\n"


def _check_timestamp(timestamp: int) -> None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise MalformedError("cosignature.bad_timestamp", "a timestamp is an integer")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedError(
            "cosignature.bad_timestamp", "a cosignature timestamp is in [0, 2^63 - 1]"
        )


def key_id(name: str, public_key: PublicKey) -> int:
    """``SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]``, big-endian."""
    return _note_key_id(name, KEY_TYPE_COSIGNATURE, public_key.raw)


def format_verifier_key(name: str, public_key: PublicKey) -> str:
    """The cosigner's vkey string ``name+<key id>+base64(0x04 ‖ key)``."""
    return encode_verifier_key(name, KEY_TYPE_COSIGNATURE, public_key.raw)


def parse_verifier_key(vkey: str) -> CosignatureVerifier:
    """The cosignature verifier named by a type 0x04 vkey; any other type is refused."""
    name, key = decode_typed_verifier_key(vkey, KEY_TYPE_COSIGNATURE, PUBLIC_KEY_SIZE)
    return CosignatureVerifier(name, PublicKey(key))


def signed_message(text: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint note text."""
    _check_timestamp(timestamp)
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedError("cosignature.bad_text", "a checkpoint text ends in a newline")
    return HEADER + b"time %d\n" % timestamp + text.encode("utf-8")


def encode_signature(timestamp: int, signature: bytes) -> bytes:
    """The bytes after the key id: ``uint64 BE timestamp ‖ 64-byte Ed25519 signature``."""
    _check_timestamp(timestamp)
    if len(signature) != SIGNATURE_SIZE:
        raise UsageError("cosignature.bad_length", f"an Ed25519 signature is {SIGNATURE_SIZE}")
    return timestamp.to_bytes(8, "big") + signature


def decode_signature(blob: bytes) -> tuple[int, bytes]:
    """Split the bytes after the key id into (timestamp, Ed25519 signature)."""
    if len(blob) != COSIGNATURE_SIZE:
        raise MalformedError(
            "cosignature.bad_length",
            f"a cosignature is {COSIGNATURE_SIZE} bytes after the key id (got {len(blob)})",
        )
    timestamp = int.from_bytes(blob[:8], "big")
    _check_timestamp(timestamp)
    return timestamp, blob[8:]


@dataclass(frozen=True, repr=False)
class CosignatureSigner:
    """Cosigns checkpoint texts as ``name`` at a fixed ``timestamp`` (a note :class:`Signer`).

    The timestamp is an argument, not read from a clock, so signing is reproducible.
    """

    name: str
    private_key: PrivateKey
    timestamp: int
    key_id: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, PrivateKey):
            raise UsageError("cosignature.bad_key", "a cosigner needs a PrivateKey")
        _check_timestamp(self.timestamp)
        object.__setattr__(self, "key_id", key_id(self.name, self.private_key.public_key))

    def sign(self, message: bytes) -> bytes:
        """Timestamp and signature over the cosignature/v1 message for note text ``message``."""
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError("cosignature.bad_text", "note text must be UTF-8") from exc
        sig = self.private_key.sign(signed_message(text, self.timestamp))
        return encode_signature(self.timestamp, sig)

    def verifier(self) -> CosignatureVerifier:
        """The verifier that checks this cosigner's signatures."""
        return CosignatureVerifier(self.name, self.private_key.public_key)

    def __repr__(self) -> str:
        return (
            f"CosignatureSigner(name={self.name!r}, key_id={self.key_id:08x}, "
            f"timestamp={self.timestamp})"
        )


@dataclass(frozen=True)
class CosignatureVerifier:
    """Checks cosignature/v1 lines of one cosigner (a note :class:`Verifier`)."""

    name: str
    public_key: PublicKey
    key_id: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if not isinstance(self.public_key, PublicKey):
            raise UsageError("cosignature.bad_key", "a cosignature verifier needs a PublicKey")
        object.__setattr__(self, "key_id", key_id(self.name, self.public_key))

    def verify_timestamp(self, message: bytes, signature: bytes) -> int:
        """Verify a cosignature over note text ``message`` and return its timestamp."""
        try:
            timestamp, sig = decode_signature(signature)
            signed = signed_message(message.decode("utf-8"), timestamp)
        except (MalformedError, UnicodeDecodeError) as exc:
            why = exc.message if isinstance(exc, MalformedError) else "text is not UTF-8"
            raise VerificationError("cosignature.invalid", why) from exc
        self.public_key.verify(signed, sig)
        return timestamp

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`VerificationError` unless the cosignature is valid."""
        self.verify_timestamp(message, signature)

    def vkey(self) -> str:
        """This verifier as a vkey string (type 0x04)."""
        return format_verifier_key(self.name, self.public_key)


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, under which key id, at what time."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    @property
    def key_label(self) -> str:
        """``<name>+<hex8 key id>``."""
        return f"{self.name}+{self.key_id:08x}"


def cosignatures(
    note: VerifiedNote, verifiers: Iterable[CosignatureVerifier]
) -> tuple[Cosignature, ...]:
    """The cosignatures among ``note``'s verified signatures made by ``verifiers``.

    ``note`` must come from ``note.open``/``note.verify`` with these verifiers among the known
    keys: only signatures that already verified are read, in note order.
    """
    wanted = {(v.name, v.key_id) for v in verifiers if isinstance(v, CosignatureVerifier)}
    out: list[Cosignature] = []
    for sig in note.verified:
        if (sig.name, sig.key_id) in wanted:
            timestamp, raw = decode_signature(sig.signature)
            out.append(Cosignature(sig.name, sig.key_id, timestamp, raw))
    return tuple(out)
