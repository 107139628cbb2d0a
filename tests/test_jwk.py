"""JWK (RFC 8037): Wycheproof's and the W3C did:key vectors' JWKs, and every rejection."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attest.codec.multibase import b64url_encode
from attest.errors import MalformedError
from attest.keys import jwk
from attest.keys.ed25519 import PrivateKey, PublicKey
from tests import vectors

WYCHEPROOF_GROUPS = vectors.load_json("ed25519/wycheproof/ed25519_test.json")["testGroups"]
W3C_JWK_ENTRY = vectors.load_json("did-key/did-method-key/ed25519-x25519.json")[
    "did:key:z6MkwYMhwTvsq376YBAcJHy3vyRWzBgn5vKfVqqDCgm7XVKU"
]


@pytest.mark.parametrize("group", WYCHEPROOF_GROUPS[::7], ids=lambda g: g["publicKey"]["pk"][:12])
def test_wycheproof_public_jwk(group: dict[str, Any]) -> None:
    public_key = PublicKey(bytes.fromhex(group["publicKey"]["pk"]))
    expected = {k: v for k, v in group["publicKeyJwk"].items() if k != "kid"}
    assert jwk.encode_public_jwk(public_key) == expected
    assert jwk.decode_public_jwk(group["publicKeyJwk"]) == public_key  # "kid" is ignored


def test_w3c_private_jwk() -> None:
    """The W3C did:key vector for seed 00..05 carries its key as JsonWebKey2020."""
    pair = W3C_JWK_ENTRY["verificationKeyPair"]
    seed = bytes.fromhex(W3C_JWK_ENTRY["seed"])
    key = jwk.decode_private_jwk(pair["privateKeyJwk"])
    assert key.seed == seed
    assert jwk.encode_private_jwk(PrivateKey(seed)) == pair["privateKeyJwk"]
    assert jwk.encode_public_jwk(key.public_key) == pair["publicKeyJwk"]
    assert jwk.decode_public_jwk(pair["publicKeyJwk"]) == key.public_key


def test_public_export_has_no_secret() -> None:
    assert set(jwk.encode_public_jwk(PrivateKey(bytes(32)).public_key)) == {"kty", "crv", "x"}


def test_alg_may_be_named() -> None:
    public = jwk.encode_public_jwk(PrivateKey(bytes(32)).public_key)
    for alg in ("EdDSA", "Ed25519"):
        jwk.decode_public_jwk({**public, "alg": alg, "use": "sig", "key_ops": ["verify"]})


PRIVATE = jwk.encode_private_jwk(PrivateKey(bytes(range(32))))
assert "_" in PRIVATE["x"]  # so that the standard-alphabet case below differs
PUBLIC = {k: v for k, v in PRIVATE.items() if k != "d"}
OTHER_X = jwk.encode_public_jwk(PrivateKey(bytes(32)).public_key)["x"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ([], "jwk.malformed"),
        ("{}", "jwk.malformed"),
        ({**PUBLIC, "kty": "RSA"}, "jwk.unsupported_key_type"),
        ({**PUBLIC, "kty": "EC", "crv": "P-256"}, "jwk.unsupported_key_type"),
        ({k: v for k, v in PUBLIC.items() if k != "kty"}, "jwk.unsupported_key_type"),
        ({**PUBLIC, "crv": "X25519"}, "jwk.unsupported_curve"),
        ({**PUBLIC, "crv": "Ed448"}, "jwk.unsupported_curve"),
        ({**PUBLIC, "alg": "ES256"}, "jwk.unsupported_algorithm"),
        ({**PUBLIC, "x": PUBLIC["x"] + "="}, "jwk.bad_encoding"),
        ({**PUBLIC, "x": PUBLIC["x"].replace("_", "/")}, "jwk.bad_encoding"),  # not url-safe
        ({**PUBLIC, "x": PUBLIC["x"][:-1] + "B"}, "jwk.bad_encoding"),  # spare bits set
        ({**PUBLIC, "x": b64url_encode(bytes(31))}, "jwk.bad_length"),
        ({**PUBLIC, "x": b64url_encode(bytes(33))}, "jwk.bad_length"),
        ({**PUBLIC, "x": 7}, "jwk.malformed"),
        ({k: v for k, v in PUBLIC.items() if k != "x"}, "jwk.malformed"),
        (PRIVATE, "jwk.unexpected_private"),
    ],
)
def test_public_rejects(value: object, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        jwk.decode_public_jwk(value)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (PUBLIC, "jwk.missing_private"),
        ({**PRIVATE, "x": OTHER_X}, "jwk.key_mismatch"),
        ({**PRIVATE, "d": PRIVATE["d"][:-3]}, "jwk.bad_length"),
        ({**PRIVATE, "d": PRIVATE["d"] + "=="}, "jwk.bad_encoding"),
        ({**PRIVATE, "d": None}, "jwk.malformed"),
        ({**PRIVATE, "crv": "X25519"}, "jwk.unsupported_curve"),
    ],
)
def test_private_rejects(value: object, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        jwk.decode_private_jwk(value)
    assert info.value.code == code


@given(
    st.dictionaries(
        st.sampled_from(["kty", "crv", "x", "d", "alg", "kid"]),
        st.none() | st.integers() | st.text(max_size=50) | st.just("OKP") | st.just("Ed25519"),
    )
)
def test_arbitrary_objects_raise_only_malformed(value: dict[str, object]) -> None:
    for decode in (jwk.decode_public_jwk, jwk.decode_private_jwk):
        with contextlib.suppress(MalformedError):
            decode(value)
