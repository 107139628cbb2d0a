"""attest.tlog.cosignature: cosignature/v1 messages, signature blobs, key types, own vectors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.errors import MalformedError, VerificationError
from attest.keys.ed25519 import PrivateKey
from attest.tlog import checkpoint, cosignature, note

from . import vectors
from .note_cases import check_open_case, expect_error, labels, raises_code

SPEC = vectors.load_json("tlog/c2sp-spec-examples.json")
THIRD = vectors.load_json("tlog/third-party-signed-notes.json")
OWN = vectors.load_json("note/cosignatures.json")

KEY = PrivateKey(bytes([0x57]) * 32)
W1 = cosignature.CosignatureSigner("witness.example/w1", KEY, 1767225600)
LOG = note.Ed25519Signer("example.com/log", PrivateKey(bytes([0x4C]) * 32))
BODY = "example.com/log\n3\n" + "A" * 43 + "=\n"


# --- signed messages -------------------------------------------------------------------------


def test_spec_signed_message() -> None:
    ex = SPEC["cosignature_v1_signed_message_example"]
    message = cosignature.signed_message(ex["checkpoint_body"], ex["timestamp"])
    assert message == ex["signed_message"].encode()


@pytest.mark.parametrize("case", THIRD["message_formats"], ids=lambda c: c["id"])
def test_third_party_signed_message(case: dict[str, Any]) -> None:
    message = cosignature.signed_message(case["checkpoint_body"], case["timestamp"])
    assert message == case["signed_message"].encode()


@pytest.mark.parametrize("case", OWN["messages"], ids=lambda c: str(c["timestamp"]))
def test_own_signed_messages(case: dict[str, Any]) -> None:
    message = cosignature.signed_message(case["text"], case["timestamp"])
    assert message == case["signed_message"].encode()


@pytest.mark.parametrize("case", OWN["bad_messages"], ids=lambda c: c["id"])
def test_own_bad_messages(case: dict[str, Any]) -> None:
    expect_error(case, cosignature.signed_message, case["text"], case["timestamp"])


# --- signature blobs -------------------------------------------------------------------------


def test_spec_cosigned_checkpoint_blob() -> None:
    ex = SPEC["cosigned_checkpoint_example_format_only"]
    parsed = note.parse(ex["note"].encode())
    checkpoint.parse_checkpoint(parsed.text)
    log_line, witness_line = parsed.signatures
    assert len(log_line.signature) == 64
    assert len(witness_line.signature) == cosignature.COSIGNATURE_SIZE == 72
    timestamp, sig = cosignature.decode_signature(witness_line.signature)
    assert timestamp == ex["witness_timestamp"]
    assert len(sig) == 64
    assert cosignature.encode_signature(timestamp, sig) == witness_line.signature


@pytest.mark.parametrize("case", OWN["blobs"], ids=lambda c: c["id"])
def test_own_blobs(case: dict[str, Any]) -> None:
    blob = vectors.b64(case["blob_b64"])
    if case["expect"] == "ok":
        assert blob[:4].hex() == case["key_id_hex"]
        assert cosignature.decode_signature(blob[4:])[0] == case["timestamp"]
    else:
        expect_error(case, cosignature.decode_signature, blob[4:])


# --- signing and verifying -------------------------------------------------------------------


def test_sigsum_cosignature_timestamp() -> None:
    case = next(c for c in THIRD["cases"] if c["id"] == "sigsum-cosignature-v1")
    (witness,) = [cosignature.parse_verifier_key(v) for v in case["vkeys"]]
    parsed = note.parse(case["note"].encode())
    (line,) = parsed.signatures
    timestamp = witness.verify_timestamp(parsed.text.encode(), line.signature)
    assert timestamp == case["timestamp"] == 1234
    opened = note.verify(parsed, [witness])
    assert [(c.key_label, c.timestamp) for c in cosignature.cosignatures(opened, [witness])] == [
        (f"example.org/witness+{witness.key_id:08x}", 1234)
    ]


def test_timestamp_bounds_when_signing() -> None:
    cosignature.CosignatureSigner(W1.name, KEY, cosignature.MAX_TIMESTAMP)
    cosignature.CosignatureSigner(W1.name, KEY, 0)
    for bad in (-1, 2**63, 2**64, True):
        with raises_code("cosignature.bad_timestamp", MalformedError):
            cosignature.CosignatureSigner(W1.name, KEY, bad)


def test_types_never_cross() -> None:
    """The same Ed25519 key as a 0x01 note key and a 0x04 cosigner: ids differ, lines never
    verify under the other type."""
    plain = note.Ed25519Signer(W1.name, KEY)
    assert plain.key_id != W1.key_id
    assert cosignature.key_id(W1.name, KEY.public_key) == W1.key_id
    cosigned = note.sign(BODY, [W1])
    signed = note.sign(BODY, [plain])
    with raises_code("note.unverified", VerificationError):
        note.open(cosigned, [plain.verifier()])
    with raises_code("note.unverified", VerificationError):
        note.open(signed, [W1.verifier()])
    # a plain Ed25519 signature of the text under the 0x04 key id fails as a cosignature
    blob = W1.key_id.to_bytes(4, "big") + (7).to_bytes(8, "big") + plain.sign(BODY.encode())
    forged = f"{BODY}\n\u2014 {W1.name} {base64.b64encode(blob).decode()}\n".encode()
    with raises_code("note.invalid_signature", VerificationError):
        note.open(forged, [W1.verifier()])


def test_verifier_rejects_bad_blobs() -> None:
    v = W1.verifier()
    good = W1.sign(BODY.encode())
    assert v.verify_timestamp(BODY.encode(), good) == W1.timestamp
    for bad in (good[:-1], good + b"\x00", b"\xff" * 8 + good[8:], good[8:]):
        with pytest.raises(VerificationError):
            v.verify(BODY.encode(), bad)
    with pytest.raises(VerificationError):
        v.verify(b"\xff\n", good)


def test_repr_hides_the_key() -> None:
    assert KEY.seed.hex() not in repr(W1)


@pytest.mark.parametrize("case", OWN["open"], ids=lambda c: c["id"])
def test_own_cosigned_checkpoints(case: dict[str, Any]) -> None:
    check_open_case(case)


def test_own_vector_keys() -> None:
    for key in OWN["keys"].values():
        private = PrivateKey(bytes.fromhex(key["seed_hex"]))
        fmt = (
            cosignature.format_verifier_key
            if key["type"] == "cosignature"
            else (note.format_verifier_key)
        )
        assert fmt(key["name"], private.public_key) == key["vkey"]


# --- properties ------------------------------------------------------------------------------


@given(st.integers(0, cosignature.MAX_TIMESTAMP), st.binary(min_size=64, max_size=64))
@settings(max_examples=200, deadline=None)
def test_blob_round_trip(timestamp: int, sig: bytes) -> None:
    blob = cosignature.encode_signature(timestamp, sig)
    assert len(blob) == cosignature.COSIGNATURE_SIZE
    assert cosignature.decode_signature(blob) == (timestamp, sig)


@given(st.integers(0, cosignature.MAX_TIMESTAMP), st.integers(0, 2**63 - 1))
@settings(max_examples=80, deadline=None)
def test_cosign_open_round_trip(timestamp: int, size: int) -> None:
    cp = checkpoint.Checkpoint(
        LOG.name,
        size,
        bytes(range(32))
        if size
        else bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    )
    signer = cosignature.CosignatureSigner(W1.name, KEY, timestamp)
    data = checkpoint.cosign_checkpoint(checkpoint.sign_checkpoint(cp, LOG), signer)
    opened = checkpoint.open_checkpoint(data, LOG.verifier(), witnesses=[signer.verifier()])
    assert [c.timestamp for c in opened.cosignatures] == [timestamp]
    assert labels(opened.note.verified)[1] == f"{W1.name}+{W1.key_id:08x}"
