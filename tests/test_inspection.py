"""attest.evaluation.inspection: the unverified view reads a credential as the verifier does."""

from __future__ import annotations

import dataclasses
import json

import pytest

from attest.codec.cbor import encode_deterministic
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.evaluation.credential import open_credential
from attest.evaluation.inspection import credential_document, describe
from attest.keys.ed25519 import PrivateKey
from attest.vc import cose

from . import vectors

CBOR = parse_bundle(vectors.load_bytes("bundle/valid/bundle.cbor"))
JSON = parse_bundle(vectors.load_bytes("bundle/valid/bundle.json"))
KEY = PrivateKey(bytes([7]) * 32)


def _with_credential(message: bytes) -> Bundle:
    return dataclasses.replace(CBOR, credential=message)


def test_view_of_a_cose_credential_is_the_verified_document() -> None:
    assert isinstance(CBOR.credential, bytes)
    view = credential_document(CBOR)
    assert view == open_credential(CBOR.credential).document
    assert type(view) is dict
    assert json.loads(json.dumps(describe(CBOR))) == describe(CBOR)  # plain JSON data


def test_view_of_a_json_credential_is_the_document_itself() -> None:
    assert credential_document(JSON) is JSON.credential


def test_view_does_not_verify() -> None:
    """A view is not a verification: a signature by the wrong key still shows."""
    message = cose.sign(KEY, encode_deterministic({"id": "urn:x", "issuer": "did:key:z"}), kid=b"k")
    assert credential_document(_with_credential(message)) == {"id": "urn:x", "issuer": "did:key:z"}


@pytest.mark.parametrize(
    "payload",
    [{"id": b"\x01"}, {"id": "urn:x", 1: "one"}, {"evidence": [{"size": float("nan")}]}, ["x"]],
    ids=["bytes", "integer-key", "nan", "not-a-map"],
)
def test_view_refuses_a_payload_that_is_not_a_json_document(payload: object) -> None:
    message = cose.sign(KEY, encode_deterministic(payload), kid=b"k")
    with pytest.raises(MalformedError) as info:
        credential_document(_with_credential(message))
    assert info.value.code == "inspect.bad_cose"


def test_view_reads_the_message_as_cose_verify_does() -> None:
    """One COSE reader: what verify refuses before the signature, the view refuses alike."""
    good = cose.sign(KEY, encode_deterministic({"id": "urn:x"}), kid=b"k")
    untagged = good[1:]  # drop tag 18 (d2)
    with pytest.raises(MalformedError) as info:
        credential_document(_with_credential(untagged))
    assert info.value.code == "cose.untagged"
    detached = cose.sign(KEY, encode_deterministic({"id": "urn:x"}), kid=b"k", detached=True)
    with pytest.raises(MalformedError) as info:
        credential_document(_with_credential(detached))
    assert info.value.code == "inspect.bad_cose"
