"""did:key and Multikey: the W3C vectors, the project's valid and invalid cases."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attest.codec import multibase
from attest.errors import MalformedError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey, PublicKey
from tests import vectors

W3C_ED25519 = vectors.load_json("did-key/did-method-key/ed25519-x25519.json")
OWN = vectors.load_json("keys/did-key.json")


# --- W3C did-method-key vectors -------------------------------------------------------------


@pytest.mark.parametrize("did", sorted(W3C_ED25519))
def test_w3c_seed_to_did(did: str) -> None:
    entry = W3C_ED25519[did]
    key = PrivateKey(bytes.fromhex(entry["seed"]))
    assert did_key.encode_did_key(key.public_key) == did
    assert did_key.decode_did_key(did) == key.public_key
    method = entry["didDocument"]["verificationMethod"][0]
    assert did_key.verification_method_id(key.public_key) == method["id"]
    assert did_key.decode_did_key(method["id"], require_fragment=True) == key.public_key
    assert method["controller"] == did
    if "publicKeyBase58" in method:  # older Ed25519VerificationKey2018 form: bare base58
        assert multibase.b58decode(method["publicKeyBase58"]) == key.public_key.raw


def test_w3c_zero_seed() -> None:
    key = PrivateKey(bytes(32))
    assert did_key.encode_did_key(key.public_key) == (
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    )


def _other_key_dids() -> list[str]:
    """Every DID and key-agreement id of the non-Ed25519 W3C vector files."""
    found: list[str] = []
    for name in ("x25519", "nist-curves", "secp256k1", "bls12381", "rsa"):
        doc = vectors.load_json(f"did-key/did-method-key/{name}.json")
        if name == "x25519":
            doc = doc["didDocument"]
        found.extend(d for d in doc if d.startswith("did:key:"))
    for entry in W3C_ED25519.values():  # the X25519 key agreement keys derived from Ed25519
        for method in entry["didDocument"]["verificationMethod"][1:]:
            found.append("did:key:" + method["id"].split("#", 1)[1])
    return found


OTHER_KEY_DIDS = _other_key_dids()


def test_other_key_types_are_covered() -> None:
    prefixes = {d[len("did:key:") :][:4] for d in OTHER_KEY_DIDS}
    # X25519, P-256, P-384, P-521, secp256k1, BLS12-381 G2, RSA
    assert {"z6LS", "zDna", "z82L", "z2J9", "zQ3s", "zUC7", "z4MX"} <= prefixes


@pytest.mark.parametrize("did", OTHER_KEY_DIDS, ids=[d[8:16] for d in OTHER_KEY_DIDS])
def test_other_key_types_are_rejected(did: str) -> None:
    with pytest.raises(MalformedError) as info:
        did_key.decode_did_key(did)
    assert info.value.code == "multikey.unsupported_key_type"
    assert "is not an Ed25519 public key" in info.value.message


def test_w3c_vc_di_eddsa_key_pair() -> None:
    """keyPair.json of the W3C eddsa-jcs-2022 vectors: secret and public Multikey agree."""
    pair = vectors.load_json("did-key/vc-di-eddsa/keyPair.json")
    private_key = did_key.decode_secret_multikey(pair["privateKeyMultibase"])
    assert did_key.encode_multikey(private_key.public_key) == pair["publicKeyMultibase"]
    assert did_key.decode_multikey(pair["publicKeyMultibase"]) == private_key.public_key
    assert did_key.encode_secret_multikey(private_key) == pair["privateKeyMultibase"]
    assert pair["privateKeyMultibase"].startswith("z3u2")


# --- the project's vectors ------------------------------------------------------------------


@pytest.mark.parametrize("case", OWN["valid"], ids=[c["description"] for c in OWN["valid"]])
def test_own_valid(case: dict[str, Any]) -> None:
    key = PrivateKey(bytes.fromhex(case["seed_hex"]))
    public_key = key.public_key
    assert public_key.raw.hex() == case["public_key_hex"]
    assert did_key.encode_multikey(public_key) == case["multikey"]
    assert case["multikey"].startswith("z6Mk")
    assert did_key.encode_did_key(public_key) == case["did"] == "did:key:" + case["multikey"]
    assert did_key.verification_method_id(public_key) == case["verification_method"]
    assert did_key.decode_did_key(case["did"]) == public_key
    assert did_key.decode_did_key(case["verification_method"], require_fragment=True) == public_key
    assert did_key.decode_secret_multikey(case["secret_multikey"]) == key
    # The bytes under the base58: 0xed 0x01 then the key (checked without our did_key code).
    assert multibase.b58decode(case["multikey"][1:]) == b"\xed\x01" + public_key.raw
    if case["did"] in W3C_ED25519:
        assert W3C_ED25519[case["did"]]["seed"] == case["seed_hex"]


def test_own_valid_overlaps_w3c() -> None:
    assert sum(c["did"] in W3C_ED25519 for c in OWN["valid"]) == 2


@pytest.mark.parametrize("case", OWN["invalid"], ids=[c["description"] for c in OWN["invalid"]])
def test_own_invalid(case: dict[str, str]) -> None:
    def decode() -> PublicKey:
        if case["form"] == "multikey":
            return did_key.decode_multikey(case["input"])
        require = case["form"] == "verification_method"
        return did_key.decode_did_key(case["input"], require_fragment=require)

    with pytest.raises(MalformedError) as info:
        decode()
    assert info.value.code == case["error"]


def test_invalid_codes_are_all_covered() -> None:
    codes = {c["error"] for c in OWN["invalid"]}
    assert codes == {
        "did_key.bad_syntax",
        "did_key.unsupported_method",
        "did_key.fragment_mismatch",
        "did_key.missing_fragment",
        "multikey.bad_encoding",
        "multikey.bad_length",
        "multikey.unsupported_key_type",
        "multibase.bad_base58",
        "multicodec.bad_varint",
    }


# --- the verification method object --------------------------------------------------------


def test_verification_method_object() -> None:
    public_key = PrivateKey(bytes(32)).public_key
    did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert did_key.verification_method(public_key) == {
        "id": did + "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    }


def test_secret_multikey_rejects_public_and_short() -> None:
    public = did_key.encode_multikey(PrivateKey(bytes(32)).public_key)
    with pytest.raises(MalformedError) as info:
        did_key.decode_secret_multikey(public)
    assert info.value.code == "multikey.unsupported_key_type"
    short = "z" + multibase.b58encode(b"\x80\x26" + bytes(31))
    with pytest.raises(MalformedError) as info:
        did_key.decode_secret_multikey(short)
    assert info.value.code == "multikey.bad_length"


@given(st.binary(min_size=32, max_size=32))
def test_round_trip(raw: bytes) -> None:
    public_key = PublicKey(raw)
    assert did_key.decode_multikey(did_key.encode_multikey(public_key)) == public_key
    assert did_key.encode_multikey(public_key).startswith("z6Mk")
    url = did_key.verification_method_id(public_key)
    assert did_key.decode_did_key(url, require_fragment=True) == public_key


@given(st.text(max_size=120))
def test_arbitrary_text_raises_only_malformed(text: str) -> None:
    for value in (text, "did:key:" + text, "did:key:z6Mk" + text):
        with contextlib.suppress(MalformedError):
            did_key.decode_did_key(value)
