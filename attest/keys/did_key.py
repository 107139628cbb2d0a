"""did:key and Multikey for Ed25519: how an issuer's public key is named in a credential.

A Multikey (W3C Controlled Identifiers v1.0 §2.2.2) is ``"z" + base58btc(0xed 0x01 || pk)``:
the multicodec varint of ``ed25519-pub`` (0xed) before the 32 key bytes, always starting
``z6Mk``. A did:key DID is ``did:key:`` + that Multikey, and its one verification method is
the DID URL ``did:key:z6Mk…#z6Mk…``. Resolving it is pure computation. Every other key type
is rejected by name, so a P-256 or X25519 key can never be mistaken for an Ed25519 one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from attest.codec import multibase
from attest.errors import MalformedError
from attest.keys.ed25519 import PUBLIC_KEY_SIZE, SEED_SIZE, PrivateKey, PublicKey

__all__ = [
    "DID_KEY_PREFIX",
    "ED25519_PRIV",
    "ED25519_PUB",
    "MULTIKEY_CONTEXT",
    "decode_did_key",
    "decode_multikey",
    "decode_secret_multikey",
    "encode_did_key",
    "encode_multikey",
    "encode_secret_multikey",
    "verification_method",
    "verification_method_id",
]

ED25519_PUB: Final = 0xED
ED25519_PRIV: Final = 0x1300
DID_KEY_PREFIX: Final = "did:key:"
MULTIKEY_CONTEXT: Final = "https://w3id.org/security/multikey/v1"

# Names from the multicodec table, so a rejection says what the key was.
_CODEC_NAMES: Final = {
    0xE7: "secp256k1-pub",
    0xEA: "bls12_381-g1-pub",
    0xEB: "bls12_381-g2-pub",
    0xEC: "x25519-pub",
    0xED: "ed25519-pub",
    0xEE: "bls12_381-g1g2-pub",
    0x1200: "p256-pub",
    0x1201: "p384-pub",
    0x1202: "p521-pub",
    0x1203: "ed448-pub",
    0x1204: "x448-pub",
    0x1205: "rsa-pub",
    0x1300: "ed25519-priv",
}


def _codec_name(code: int) -> str:
    return f"0x{code:x} ({_CODEC_NAMES.get(code, 'unknown')})"


@dataclass(frozen=True)
class _MultikeyKind:
    """What a Multikey of one kind must be, and the words its errors use."""

    code: int  # the multicodec
    name: str  # "an Ed25519 Multikey"
    key_type: str  # what a wrong multicodec is not
    size: int  # how many key bytes follow the multicodec
    holds: str  # what a wrong length should have held


_PUBLIC: Final = _MultikeyKind(
    ED25519_PUB,
    "an Ed25519 Multikey",
    "an Ed25519 public key (0xed)",
    PUBLIC_KEY_SIZE,
    f"{PUBLIC_KEY_SIZE} key bytes",
)
_SECRET: Final = _MultikeyKind(
    ED25519_PRIV,
    "an Ed25519 secret Multikey",
    "an Ed25519 secret key (0x1300)",
    SEED_SIZE,
    f"a {SEED_SIZE}-byte seed",
)


def _encode(kind: _MultikeyKind, raw: bytes) -> str:
    return multibase.encode(multibase.add_multicodec_prefix(kind.code, raw))


def _decode(kind: _MultikeyKind, value: str) -> bytes:
    """The key bytes of a base58btc Multikey of ``kind``; any other key type is an error."""
    if not value.startswith(multibase.BASE58BTC):
        raise MalformedError("multikey.bad_encoding", f"{kind.name} is base58btc multibase ('z…')")
    code, raw = multibase.split_multicodec_prefix(multibase.decode(value, multibase.BASE58BTC))
    if code != kind.code:
        raise MalformedError(
            "multikey.unsupported_key_type",
            f"multicodec {_codec_name(code)} is not {kind.key_type}",
        )
    if len(raw) != kind.size:
        raise MalformedError(
            "multikey.bad_length", f"{kind.name} holds {kind.holds}, not {len(raw)}"
        )
    return raw


def encode_multikey(public_key: PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 key: ``z6Mk…``."""
    return _encode(_PUBLIC, public_key.raw)


def decode_multikey(value: str) -> PublicKey:
    """The Ed25519 key of a ``publicKeyMultibase`` value; any other key type is an error."""
    return PublicKey(_decode(_PUBLIC, value))


def encode_secret_multikey(private_key: PrivateKey) -> str:
    """``secretKeyMultibase`` of an Ed25519 seed (multicodec 0x1300): ``z3u2…``. A secret."""
    return _encode(_SECRET, private_key.seed)


def decode_secret_multikey(value: str) -> PrivateKey:
    """The Ed25519 private key of a ``secretKeyMultibase`` value."""
    return PrivateKey(_decode(_SECRET, value))


def encode_did_key(public_key: PublicKey) -> str:
    """The did:key DID of an Ed25519 key: ``did:key:z6Mk…``."""
    return DID_KEY_PREFIX + encode_multikey(public_key)


def verification_method_id(public_key: PublicKey) -> str:
    """The DID URL of the key's verification method: ``did:key:z6Mk…#z6Mk…``."""
    multikey = encode_multikey(public_key)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def verification_method(public_key: PublicKey) -> dict[str, str]:
    """The Multikey verification method object of the key's did:key document."""
    return {
        "id": verification_method_id(public_key),
        "type": "Multikey",
        "controller": encode_did_key(public_key),
        "publicKeyMultibase": encode_multikey(public_key),
    }


def decode_did_key(value: str, *, require_fragment: bool = False) -> PublicKey:
    """The Ed25519 key named by ``did:key:z6Mk…`` or by ``did:key:z6Mk…#z6Mk…``.

    The fragment, when present, must repeat the key, as the did:key method (v0.7) builds it; with
    ``require_fragment`` only the verification-method URL form is accepted.
    """
    if not value.startswith(DID_KEY_PREFIX):
        if value.startswith("did:"):
            method = value.split(":", 2)[1]
            raise MalformedError(
                "did_key.unsupported_method", f"DID method {method!r} is not did:key"
            )
        raise MalformedError("did_key.bad_syntax", "a did:key starts with 'did:key:'")
    did, sep, fragment = value.partition("#")
    multikey = did[len(DID_KEY_PREFIX) :]
    if not multikey or any(c in multikey for c in ":/?#"):
        raise MalformedError(
            "did_key.bad_syntax",
            "a did:key is 'did:key:' then one Multikey, with no version, path or query",
        )
    if require_fragment and not sep:
        raise MalformedError(
            "did_key.missing_fragment", "a verification method URL needs the '#z6Mk…' fragment"
        )
    public_key = decode_multikey(multikey)
    if sep and fragment != multikey:
        raise MalformedError(
            "did_key.fragment_mismatch",
            "the verification method fragment must be the DID's own Multikey",
        )
    return public_key
