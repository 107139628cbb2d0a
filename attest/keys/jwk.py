"""JSON Web Keys for Ed25519 (RFC 8037 §2: key type ``OKP``, curve ``Ed25519``).

``x`` is the 32-byte public key and ``d`` the 32-byte seed, both base64url without padding
(RFC 7515 §2). A private JWK is only produced by :func:`encode_private_jwk`, never as a side
effect, and a JWK carrying ``d`` is refused where a public key is expected, so a secret is
never passed around by accident. Members this module does not use (``kid``, ``use``,
``key_ops``) are ignored, as RFC 7517 §4 asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from attest.codec import multibase
from attest.errors import MalformedError
from attest.keys.ed25519 import PUBLIC_KEY_SIZE, SEED_SIZE, PrivateKey, PublicKey

__all__ = [
    "decode_private_jwk",
    "decode_public_jwk",
    "encode_private_jwk",
    "encode_public_jwk",
]

_ALGORITHMS: Final = ("EdDSA", "Ed25519")  # RFC 8037 §3.1; fully specified form, RFC 9864


def encode_public_jwk(public_key: PublicKey) -> dict[str, str]:
    """``{"kty": "OKP", "crv": "Ed25519", "x": …}``."""
    return {"kty": "OKP", "crv": "Ed25519", "x": multibase.b64url_encode(public_key.raw)}


def encode_private_jwk(private_key: PrivateKey) -> dict[str, str]:
    """The public JWK plus ``d``, the seed. A secret: handle it as one."""
    jwk = encode_public_jwk(private_key.public_key)
    jwk["d"] = multibase.b64url_encode(private_key.seed)
    return jwk


def _member(jwk: Mapping[str, object], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise MalformedError("jwk.malformed", f"JWK member {name!r} must be a string")
    try:
        raw = multibase.b64url_decode(value)
    except MalformedError as exc:
        raise MalformedError(
            "jwk.bad_encoding", f"JWK member {name!r} is not base64url without padding"
        ) from exc
    if len(raw) != size:
        raise MalformedError(
            "jwk.bad_length", f"JWK member {name!r} must hold {size} bytes, not {len(raw)}"
        )
    return raw


def _check_header(jwk: object) -> Mapping[str, object]:
    if not isinstance(jwk, Mapping) or not all(isinstance(k, str) for k in jwk):
        raise MalformedError("jwk.malformed", "a JWK is a JSON object")
    kty, crv, alg = jwk.get("kty"), jwk.get("crv"), jwk.get("alg")
    if kty != "OKP":
        raise MalformedError(
            "jwk.unsupported_key_type", f"JWK key type {kty!r} is not OKP (Ed25519)"
        )
    if crv != "Ed25519":
        raise MalformedError("jwk.unsupported_curve", f"OKP curve {crv!r} is not Ed25519")
    if alg is not None and alg not in _ALGORITHMS:
        raise MalformedError(
            "jwk.unsupported_algorithm", f"JWK algorithm {alg!r} is not EdDSA or Ed25519"
        )
    return jwk


def decode_public_jwk(jwk: object) -> PublicKey:
    """The Ed25519 key of a public JWK; a JWK with ``d`` is refused (``jwk.unexpected_private``)."""
    checked = _check_header(jwk)
    if "d" in checked:
        raise MalformedError(
            "jwk.unexpected_private", "a private JWK was given where a public key is expected"
        )
    return PublicKey(_member(checked, "x", PUBLIC_KEY_SIZE))


def decode_private_jwk(jwk: object) -> PrivateKey:
    """The Ed25519 key of a private JWK; ``x`` must be the public key of ``d``."""
    checked = _check_header(jwk)
    if "d" not in checked:
        raise MalformedError("jwk.missing_private", "the JWK has no private member 'd'")
    private_key = PrivateKey(_member(checked, "d", SEED_SIZE))
    if _member(checked, "x", PUBLIC_KEY_SIZE) != private_key.public_key.raw:
        raise MalformedError("jwk.key_mismatch", "JWK 'x' is not the public key of 'd'")
    return private_key
