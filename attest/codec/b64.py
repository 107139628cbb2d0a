"""Standard base64 (RFC 4648 §4, padded) as the text formats here write it: canonical only.

Base64 has more than one spelling of the same bytes (non-zero pad bits); a signed or hashed
format that accepted them would have several encodings of one value. Every decoder here
accepts only the one encoding :func:`encode` produces.
"""

from __future__ import annotations

import base64
import binascii

from attest.errors import MalformedError

__all__ = ["decode", "decode_canonical", "encode"]


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_canonical(value: str) -> bytes | None:
    """The bytes ``value`` is the canonical padded base64 of, or None."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if encode(raw) == value else None


def decode(value: object, *, code: str, what: str) -> bytes:
    """Like :func:`decode_canonical`, raising ``MalformedError(code)`` naming ``what``."""
    if not isinstance(value, str):
        raise MalformedError(code, f"{what} must be a base64 string")
    raw = decode_canonical(value)
    if raw is None:
        raise MalformedError(code, f"{what} is not canonical base64")
    return raw
