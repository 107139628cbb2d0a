"""c2sp.org/signed-note: key ids, verifier keys, signing and opening signed notes.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> base64(key id ‖ signature)``. This module writes notes byte for byte as Go's
golang.org/x/mod/sumdb/note does and opens them under the same rules, a little stricter where
the specification leaves room (see specs/note.md): every distinct line from a known key must
verify, and a known key's signature must be canonical base64.

The signature algorithm is pluggable through :class:`Signer` and :class:`Verifier`; this module
provides Ed25519 (signature type 0x01). ``attest.tlog.cosignature`` adds cosignature/v1 (0x04).
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from attest.codec import b64
from attest.errors import LimitExceededError, MalformedError, UsageError, VerificationError
from attest.keys.ed25519 import PUBLIC_KEY_SIZE, SEED_SIZE, PrivateKey, PublicKey
from attest.keys.name import check_key_name

__all__ = [
    "KEY_TYPE_ED25519",
    "MAX_KEY_STRING_SIZE",
    "MAX_NOTE_SIZE",
    "MAX_SIGNATURES",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Signature",
    "SignedNote",
    "Signer",
    "VerifiedNote",
    "Verifier",
    "VerifierKey",
    "add_signatures",
    "check_key_name",
    "decode_typed_verifier_key",
    "decode_verifier_key",
    "encode_verifier_key",
    "format_verifier_key",
    "key_id",
    "open",
    "parse",
    "parse_private_key",
    "parse_verifier_key",
    "sign",
    "verify",
]

#: Signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note).
KEY_TYPE_ED25519 = 0x01
#: Largest note accepted or produced, in bytes; checked before any other work.
MAX_NOTE_SIZE = 1 << 20
#: Most signature lines in one note (Go's x/mod limit; C2SP requires at least 16).
MAX_SIGNATURES = 100
#: Longest verifier or private key string accepted, in characters.
MAX_KEY_STRING_SIZE = 4096

_SIG_PREFIX = "\u2014 "  # em dash, space
_KEY_ID_SIZE = 4
# Unicode White_Space: exactly the characters Go's unicode.IsSpace reports.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")
_BASE64 = re.compile("(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_HEX8 = re.compile("[0-9a-f]{8}")


# --- key names and key ids -------------------------------------------------------------------


def key_id(name: str, key_type: int, key: bytes) -> int:
    """``SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]`` as a big-endian integer (C2SP recommended)."""
    check_key_name(name)
    if not 0 <= key_type <= 0xFF:
        raise UsageError("note.bad_key_type", "a signature type is one byte")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + key).digest()
    return int.from_bytes(digest[:_KEY_ID_SIZE], "big")


# --- base64 ----------------------------------------------------------------------------------


def _b64decode(value: str) -> bytes | None:
    """Standard padded base64 as Go's StdEncoding reads it (pad bits ignored), or None."""
    if len(value) % 4 or not _BASE64.fullmatch(value):
        return None
    return binascii.a2b_base64(value)


def _b64encode(value: bytes) -> str:
    return b64.encode(value)


def _b64decode_canonical(value: str) -> bytes | None:
    """Base64 that is also the one encoding of its bytes (zero pad bits), or None."""
    return b64.decode_canonical(value)


# --- verifier keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    """A decoded verifier key string: ``<name>+<hex8 key id>+base64(type ‖ key)``."""

    name: str
    key_id: int
    key_type: int
    key: bytes


def decode_verifier_key(vkey: str) -> VerifierKey:
    """Split and decode a vkey of any signature type, without checking its key id.

    The key id's derivation depends on the type (ECDSA, 0x02, hashes the key alone), so the
    typed parsers check it: :func:`parse_verifier_key` and ``cosignature.parse_verifier_key``.
    Strict: lowercase hex, canonical base64, non-empty key material.
    """
    if not isinstance(vkey, str) or len(vkey) > MAX_KEY_STRING_SIZE:
        raise MalformedError(
            "note.bad_verifier_key", f"a verifier key is a string of at most {MAX_KEY_STRING_SIZE}"
        )
    name, sep1, rest = vkey.partition("+")
    hex_id, sep2, b64 = rest.partition("+")
    if not (sep1 and sep2) or not _HEX8.fullmatch(hex_id):
        raise MalformedError(
            "note.bad_verifier_key", "a verifier key is <name>+<8 lowercase hex>+<base64>"
        )
    try:
        check_key_name(name)
    except MalformedError as exc:
        raise MalformedError("note.bad_verifier_key", exc.message) from exc
    raw = _b64decode_canonical(b64)
    if raw is None or len(raw) < 2:
        raise MalformedError(
            "note.bad_verifier_key", "the key part is not canonical base64 of type ‖ key"
        )
    return VerifierKey(name, int(hex_id, 16), raw[0], raw[1:])


def encode_verifier_key(name: str, key_type: int, key: bytes) -> str:
    """The vkey string for ``key`` of ``key_type``, with the C2SP-recommended key id."""
    kid = key_id(name, key_type, key)
    return f"{name}+{kid:08x}+{_b64encode(bytes([key_type]) + key)}"


def decode_typed_verifier_key(vkey: str, key_type: int, size: int) -> tuple[str, bytes]:
    """The (name, key) of a vkey that must have ``key_type``, ``size`` bytes and a matching id.

    The id is checked with the C2SP-recommended derivation (:func:`key_id`), which is the
    rule for Ed25519 (0x01) and cosignature/v1 (0x04) keys.
    """
    vk = decode_verifier_key(vkey)
    if vk.key_type != key_type:
        raise MalformedError(
            "note.unsupported_key_type",
            f"expected a signature type 0x{key_type:02x} key, got type 0x{vk.key_type:02x}",
        )
    if len(vk.key) != size:
        raise MalformedError(
            "note.bad_verifier_key", f"a type 0x{key_type:02x} key is {size} bytes"
        )
    if key_id(vk.name, key_type, vk.key) != vk.key_id:
        raise MalformedError(
            "note.key_id_mismatch", f"the key id {vk.key_id:08x} does not match the key"
        )
    return vk.name, vk.key


def format_verifier_key(name: str, public_key: PublicKey) -> str:
    """The Ed25519 (type 0x01) vkey string ``name+<key id>+base64(0x01 ‖ key)``."""
    return encode_verifier_key(name, KEY_TYPE_ED25519, public_key.raw)


def parse_verifier_key(vkey: str) -> Ed25519Verifier:
    """The Ed25519 verifier named by a type 0x01 vkey; any other type is refused."""
    name, key = decode_typed_verifier_key(vkey, KEY_TYPE_ED25519, PUBLIC_KEY_SIZE)
    return Ed25519Verifier(name, PublicKey(key))


def parse_private_key(skey: str) -> Ed25519Signer:
    """The signer of a Go x/mod private key string.

    The format is ``PRIVATE+KEY+<name>+<hex8 key id>+base64(0x01 ‖ 32-byte seed)``. It is not
    part of C2SP; it is read for test vectors and for keys made by Go tools. Error messages
    never repeat the string.
    """
    if not isinstance(skey, str) or len(skey) > MAX_KEY_STRING_SIZE:
        raise MalformedError("note.bad_private_key", "not a private key string")
    fields = skey.split("+", 4)
    if len(fields) != 5 or fields[0] != "PRIVATE" or fields[1] != "KEY":
        raise MalformedError(
            "note.bad_private_key", "a private key is PRIVATE+KEY+<name>+<hex8>+<base64>"
        )
    _, _, name, hex_id, b64 = fields
    raw = _b64decode_canonical(b64)
    if not _HEX8.fullmatch(hex_id) or raw is None:
        raise MalformedError("note.bad_private_key", "malformed key id or key encoding")
    if len(raw) != 1 + SEED_SIZE or raw[0] != KEY_TYPE_ED25519:
        raise MalformedError(
            "note.bad_private_key", "only Ed25519 (type 0x01) 32-byte seeds are supported"
        )
    try:
        signer = Ed25519Signer(name, PrivateKey(raw[1:]))
    except MalformedError as exc:
        raise MalformedError("note.bad_private_key", exc.message) from exc
    if signer.key_id != int(hex_id, 16):
        raise MalformedError("note.key_id_mismatch", "the key id does not match the key")
    return signer


# --- signers and verifiers -------------------------------------------------------------------


class Signer(Protocol):
    """Something that signs note text under a key name and key id."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, message: bytes) -> bytes:
        """The signature bytes that follow the key id on the signature line."""
        ...


class Verifier(Protocol):
    """Something that checks signatures made under one key name and key id."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`VerificationError` unless ``signature`` (after the key id) is valid."""
        ...


@dataclass(frozen=True)
class Ed25519Verifier:
    """Verifies type 0x01 note signatures: Ed25519 over the note text."""

    name: str
    public_key: PublicKey
    key_id: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, PublicKey):
            raise UsageError("note.bad_key", "an Ed25519 verifier needs a PublicKey")
        object.__setattr__(self, "key_id", key_id(self.name, KEY_TYPE_ED25519, self.public_key.raw))

    def verify(self, message: bytes, signature: bytes) -> None:
        """Strict Ed25519 verification through :meth:`PublicKey.verify`."""
        self.public_key.verify(message, signature)

    def vkey(self) -> str:
        """This verifier as a vkey string."""
        return format_verifier_key(self.name, self.public_key)


@dataclass(frozen=True, repr=False)
class Ed25519Signer:
    """Signs notes with an Ed25519 key under a key name (signature type 0x01)."""

    name: str
    private_key: PrivateKey
    key_id: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, PrivateKey):
            raise UsageError("note.bad_key", "an Ed25519 signer needs a PrivateKey")
        raw = self.private_key.public_key.raw
        object.__setattr__(self, "key_id", key_id(self.name, KEY_TYPE_ED25519, raw))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (the note text)."""
        return self.private_key.sign(message)

    def verifier(self) -> Ed25519Verifier:
        """The verifier that checks this signer's signatures."""
        return Ed25519Verifier(self.name, self.private_key.public_key)

    def __repr__(self) -> str:
        return f"Ed25519Signer(name={self.name!r}, key_id={self.key_id:08x})"


# --- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key id, signature bytes and their base64 as written."""

    name: str
    key_id: int
    signature: bytes
    encoded: str

    @property
    def key_label(self) -> str:
        """``<name>+<hex8 key id>``: how Go and the vectors name the signing key."""
        return f"{self.name}+{self.key_id:08x}"

    def line(self) -> str:
        """The signature line, without its newline, exactly as it appeared."""
        return f"{_SIG_PREFIX}{self.name} {self.encoded}"


@dataclass(frozen=True)
class SignedNote:
    """A parsed but unverified note: its text (final newline included) and every line."""

    text: str
    signatures: tuple[Signature, ...]


@dataclass(frozen=True)
class VerifiedNote:
    """An opened note: its text, the signatures that verified and those of unknown keys.

    ``verified`` lists each known key once, in note order. ``unverified`` lists lines from
    keys the caller did not supply (identical lines once); they were not checked.
    """

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def _malformed(why: str) -> MalformedError:
    return MalformedError("note.malformed", why)


def _check_text(text: str) -> bytes:
    """UTF-8 of a note text that can be signed and opened, or raise."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedError("note.bad_text", "a note text is a string ending in a newline")
    if len(text) > MAX_NOTE_SIZE:
        raise LimitExceededError("note.too_large", f"a note is at most {MAX_NOTE_SIZE} bytes")
    if _CONTROL.search(text):
        raise MalformedError(
            "note.bad_text", "a note text has no control characters other than newline"
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError("note.bad_text", "a note text must be valid UTF-8") from exc


def _parse_line(line: str) -> Signature:
    if not line.startswith(_SIG_PREFIX):
        raise _malformed("a signature line starts with an em dash and a space")
    name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    try:
        check_key_name(name)
    except MalformedError as exc:
        raise _malformed(f"bad key name on a signature line: {exc.message}") from exc
    blob = _b64decode(b64) if sep else None
    if blob is None or len(blob) <= _KEY_ID_SIZE:
        raise _malformed("a signature is base64 of a 4-byte key id and at least one byte")
    kid = int.from_bytes(blob[:_KEY_ID_SIZE], "big")
    return Signature(name, kid, blob[_KEY_ID_SIZE:], b64)


def parse(note: bytes) -> SignedNote:
    """Split a signed note into its text and signature lines, checking every format rule.

    Size is checked first; then UTF-8 and control characters over the whole note; the text
    ends at the last blank line; every following line must be a signature line, and there
    may be at most :data:`MAX_SIGNATURES` of them.
    """
    if not isinstance(note, bytes):
        raise UsageError("note.bad_input", "a note is bytes")
    if len(note) > MAX_NOTE_SIZE:
        raise LimitExceededError("note.too_large", f"a note is at most {MAX_NOTE_SIZE} bytes")
    try:
        s = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("a note must be valid UTF-8") from exc
    if _CONTROL.search(s):
        raise _malformed("a note has no control characters other than newline")
    split = s.rfind("\n\n")
    if split < 0:
        raise _malformed("no blank line separates the text from the signatures")
    text, block = s[: split + 1], s[split + 2 :]
    if not block.endswith("\n"):
        raise _malformed("the signature block is empty or does not end in a newline")
    lines = block[:-1].split("\n")
    _check_count(len(lines))
    return SignedNote(text, tuple(_parse_line(line) for line in lines))


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        k = (v.name, v.key_id)
        if k in known and known[k] != v:
            raise UsageError(
                "note.ambiguous_verifiers",
                f"two different verifiers share the key name and id {v.name}+{v.key_id:08x}",
            )
        known[k] = v
    return known


def verify(note: SignedNote, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Check a parsed note's signatures against the known ``verifiers``.

    Lines whose (name, key id) pair is unknown are set aside, unchecked. Every distinct line
    of a known key must be canonical base64 and verify, or the note is rejected
    (``note.invalid_signature``); if no known key verified, ``note.unverified``. Two
    different verifiers with the same name and key id are a caller error.
    """
    known = _index(verifiers)
    message = note.text.encode("utf-8")
    verified: dict[tuple[str, int], Signature] = {}
    unverified: list[Signature] = []
    seen: set[tuple[str, str]] = set()
    for sig in note.signatures:
        if (sig.name, sig.encoded) in seen:
            continue
        seen.add((sig.name, sig.encoded))
        v = known.get((sig.name, sig.key_id))
        if v is None:
            unverified.append(sig)
            continue
        if _b64encode(sig.key_id.to_bytes(_KEY_ID_SIZE, "big") + sig.signature) != sig.encoded:
            raise VerificationError(
                "note.invalid_signature",
                f"the signature by {sig.key_label} is not canonical base64",
            )
        try:
            v.verify(message, sig.signature)
        except VerificationError as exc:
            raise VerificationError(
                "note.invalid_signature",
                f"the signature by {sig.key_label} does not verify ({exc.message})",
            ) from exc
        verified.setdefault((sig.name, sig.key_id), sig)
    if not verified:
        raise VerificationError("note.unverified", "no signature by a known key")
    return VerifiedNote(note.text, tuple(verified.values()), tuple(unverified))


def open(note: bytes, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Parse ``note`` and verify it against ``verifiers``: :func:`parse`, then :func:`verify`."""
    return verify(parse(note), verifiers)


def _check_count(count: int) -> None:
    if count > MAX_SIGNATURES:
        raise LimitExceededError(
            "note.too_many_signatures", f"a note has at most {MAX_SIGNATURES} signature lines"
        )


def _signature_lines(text: bytes, signers: Sequence[Signer]) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, int]] = set()
    for s in signers:
        check_key_name(s.name)
        if (s.name, s.key_id) in seen:
            raise UsageError("note.duplicate_signer", f"{s.name}+{s.key_id:08x} is given twice")
        seen.add((s.name, s.key_id))
        sig = s.sign(text)
        if not sig:
            raise UsageError("note.empty_signature", f"{s.name} produced an empty signature")
        blob = s.key_id.to_bytes(_KEY_ID_SIZE, "big") + sig
        lines.append(f"{_SIG_PREFIX}{s.name} {_b64encode(blob)}")
    return lines


def _assemble(text: str, lines: Sequence[str]) -> bytes:
    out = (text + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
    if len(out) > MAX_NOTE_SIZE:
        raise LimitExceededError("note.too_large", f"a note is at most {MAX_NOTE_SIZE} bytes")
    return out


def sign(text: str, signers: Sequence[Signer]) -> bytes:
    """The signed note: ``text``, a blank line, one signature line per signer in order.

    ``text`` must end in a newline and hold no control characters other than newline, so
    that the note opens again. Byte-identical to Go's ``note.Sign`` for Ed25519.
    """
    message = _check_text(text)
    if not signers:
        raise UsageError("note.no_signers", "a note needs at least one signer")
    _check_count(len(signers))
    return _assemble(text, _signature_lines(message, signers))


def add_signatures(note: bytes, signers: Sequence[Signer]) -> bytes:
    """``note`` with signatures by ``signers`` appended after its existing lines.

    Existing lines are kept verbatim and are not verified, except a line with the same key
    name and id as a new signer, which the new signature replaces (as Go's ``note.Sign``
    does).
    """
    parsed = parse(note)
    if not signers:
        raise UsageError("note.no_signers", "no signers given")
    replaced = {(s.name, s.key_id) for s in signers}
    kept = [s.line() for s in parsed.signatures if (s.name, s.key_id) not in replaced]
    _check_count(len(kept) + len(signers))
    new = _signature_lines(parsed.text.encode("utf-8"), signers)
    return _assemble(parsed.text, kept + new)
