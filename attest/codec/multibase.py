"""Multibase text encodings and multicodec prefixes, as used by Multikey and did:key.

Only the two multibase encodings the credential formats need are supported: ``z``
(base58btc, the Bitcoin alphabet) and ``u`` (base64url without padding). Decoding is strict:
every string has exactly one accepted spelling, so two parties can compare encoded values
byte for byte. Multicodec codes are unsigned LEB128 varints, minimally encoded, as the
multiformats ``unsigned-varint`` specification requires.
"""

from __future__ import annotations

import base64
import re
from typing import Final, Literal

from attest.errors import LimitExceededError, MalformedError

__all__ = [
    "BASE58BTC",
    "BASE64URL",
    "MAX_BASE58_LENGTH",
    "add_multicodec_prefix",
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "decode",
    "decode_varint",
    "encode",
    "encode_varint",
    "split_multicodec_prefix",
]

Base = Literal["z", "u"]

BASE58BTC: Final = "z"
BASE64URL: Final = "u"

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")

MAX_BASE58_LENGTH: Final = 2048
"""Longest base58 text we decode. Base58 decoding is quadratic; our keys and signatures need
under 100 characters, and the longest did:key of another key type (RSA-4096) about 750."""

_MAX_VARINT_BYTES: Final = 9  # unsigned-varint: at most 63 bits of value


def b58encode(data: bytes) -> str:
    """Base58btc: the big-endian number in the Bitcoin alphabet, one ``1`` per leading 0x00."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    n = int.from_bytes(data, "big")
    digits: list[str] = []
    while n:
        n, r = divmod(n, 58)
        digits.append(_B58_ALPHABET[r])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; rejects characters outside the alphabet."""
    if len(text) > MAX_BASE58_LENGTH:
        raise LimitExceededError(
            "multibase.too_long", f"base58 text longer than {MAX_BASE58_LENGTH} characters"
        )
    n = 0
    for c in text:
        digit = _B58_INDEX.get(c)
        if digit is None:
            raise MalformedError("multibase.bad_base58", f"{c!r} is not a base58btc character")
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


def b64url_encode(data: bytes) -> str:
    """Base64url (RFC 4648 §5) without ``=`` padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`: no padding, no whitespace, zero spare bits."""
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedError(
            "multibase.bad_base64url", "not base64url without padding (RFC 4648 §5)"
        )
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise MalformedError(
            "multibase.bad_base64url", "non-canonical base64url: unused bits are not zero"
        )
    return data


def encode(data: bytes, base: Base = BASE58BTC) -> str:
    """Multibase text: the one-character base prefix, then the encoded bytes."""
    if base == BASE58BTC:
        return BASE58BTC + b58encode(data)
    if base == BASE64URL:
        return BASE64URL + b64url_encode(data)
    raise MalformedError("multibase.unsupported_base", f"unsupported multibase prefix {base!r}")


def decode(text: str, base: Base | None = None) -> bytes:
    """Bytes of a multibase string; with ``base``, only that prefix is accepted."""
    if not text:
        raise MalformedError("multibase.empty", "empty multibase string")
    prefix, body = text[0], text[1:]
    if base is not None and prefix != base:
        raise MalformedError(
            "multibase.unsupported_base",
            f"expected multibase prefix {base!r}, found {prefix!r}",
        )
    if prefix == BASE58BTC:
        return b58decode(body)
    if prefix == BASE64URL:
        return b64url_decode(body)
    raise MalformedError("multibase.unsupported_base", f"unsupported multibase prefix {prefix!r}")


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as multicodec writes its codes (``0xed`` -> ``ed 01``)."""
    if value < 0 or value >= 1 << 63:
        raise MalformedError("multicodec.bad_varint", "varint value out of range")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes) -> tuple[int, int]:
    """``(value, length)`` of the varint at the start of ``data``; minimal encoding only."""
    value = 0
    for i, byte in enumerate(data[:_MAX_VARINT_BYTES]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise MalformedError("multicodec.bad_varint", "varint is not minimally encoded")
            return value, i + 1
    raise MalformedError("multicodec.bad_varint", "truncated or over-long varint")


def add_multicodec_prefix(code: int, data: bytes) -> bytes:
    """``varint(code) || data``."""
    return encode_varint(code) + data


def split_multicodec_prefix(data: bytes) -> tuple[int, bytes]:
    """``(code, rest)`` of multicodec-prefixed bytes."""
    code, n = decode_varint(data)
    return code, data[n:]
