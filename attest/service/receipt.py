"""Decision receipts: the server's signature over a ``POST /verify`` decision.

A receipt is a JWS in compact serialization (RFC 7515) with ``alg: EdDSA`` (RFC 8037,
Ed25519) and the payload attached: the JCS-canonical JSON (RFC 8785) of

    {"type": "attest-decision-receipt", "issuedAt": "<XSD dateTimeStamp>",
     "server": "<did:key of the receipt key>", "bundles": ["sha256:<hex>", …],
     "decision": { … the decision as answered … }}

``bundles`` are the digests of the bundle bytes decided on, in the order sent, so the
receipt names exactly what was shown. The protected header is
``{"alg":"EdDSA","kid":"<did:key>#<multikey>","typ":"attest-receipt+jws"}``. Why JWS and
not COSE_Sign1: specs/service.md §11.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from attest.codec import b64
from attest.codec.canonical import canonicalize, parse_json
from attest.codec.dates import format_datetime_stamp
from attest.errors import MalformedError, VerificationError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey, PublicKey

__all__ = ["MAX_RECEIPT_SIZE", "RECEIPT_TYPE", "sign_receipt", "verify_receipt"]

RECEIPT_TYPE = "attest-decision-receipt"
_TYP = "attest-receipt+jws"
#: Largest receipt accepted by :func:`verify_receipt`.
MAX_RECEIPT_SIZE = 8 << 20


def _b64url(data: bytes) -> str:
    return b64.encode(data).rstrip("=").replace("+", "-").replace("/", "_")


def _unb64url(text: str, what: str) -> bytes:
    if not text or any(c in text for c in "+/= \n"):
        raise MalformedError("receipt.bad_encoding", f"the receipt's {what} is not base64url")
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    data = b64.decode_canonical(padded)
    if data is None:
        raise MalformedError("receipt.bad_encoding", f"the receipt's {what} is not base64url")
    return data


def sign_receipt(
    key: PrivateKey, decision: Mapping[str, Any], bundles: Sequence[bytes], now: datetime
) -> str:
    """The compact JWS receipt for ``decision`` over ``bundles``, signed by ``key`` at ``now``."""
    server = did_key.encode_did_key(key.public_key)
    header = {"alg": "EdDSA", "kid": did_key.verification_method_id(key.public_key), "typ": _TYP}
    payload: dict[str, Any] = {
        "type": RECEIPT_TYPE,
        "issuedAt": format_datetime_stamp(now),
        "server": server,
        "bundles": ["sha256:" + hashlib.sha256(b).hexdigest() for b in bundles],
        "decision": decision,
    }
    signing_input = f"{_b64url(canonicalize(header))}.{_b64url(canonicalize(payload))}"
    return f"{signing_input}.{_b64url(key.sign(signing_input.encode('ascii')))}"


def verify_receipt(receipt: str, key: PublicKey) -> dict[str, Any]:
    """The payload of ``receipt`` if ``key`` signed it (``receipt.*`` errors otherwise)."""
    text = receipt.strip()
    if len(text) > MAX_RECEIPT_SIZE:
        raise MalformedError("receipt.too_large", f"a receipt is at most {MAX_RECEIPT_SIZE} bytes")
    parts = text.split(".")
    if len(parts) != 3:
        raise MalformedError("receipt.malformed", "a receipt is a compact JWS: three parts")
    header = parse_json(_unb64url(parts[0], "header"))
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" or header.get("typ") != _TYP:
        raise MalformedError("receipt.bad_header", f"the receipt header must be EdDSA, {_TYP}")
    if set(header) - {"alg", "kid", "typ"}:
        raise MalformedError("receipt.bad_header", "the receipt header has unknown members")
    signature = _unb64url(parts[2], "signature")
    try:
        key.verify(f"{parts[0]}.{parts[1]}".encode("ascii"), signature)
    except VerificationError:
        raise VerificationError(
            "receipt.bad_signature", "the receipt is not signed by this key"
        ) from None
    payload = parse_json(_unb64url(parts[1], "payload"))
    if not isinstance(payload, dict) or payload.get("type") != RECEIPT_TYPE:
        raise MalformedError("receipt.bad_payload", f"the payload is not an {RECEIPT_TYPE}")
    if payload.get("server") != did_key.encode_did_key(key):
        raise VerificationError("receipt.wrong_server", "the receipt names another server key")
    return payload
