"""Data Integrity eddsa-jcs-2022: the W3C vectors byte for byte, attest's own valid and invalid
vectors (proof sets and chains included), every single change to a signed document, and
round-trip properties. eddsa-rdfc-2022: tests/test_data_integrity_rdfc.py."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec import multibase
from attest.codec.canonical import MAX_SAFE_INTEGER, parse_json
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.errors import AttestError, MalformedError, UsageError, VerificationError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity as di
from tests import vectors

W3C = "vc-di-eddsa"
KEY_PAIR = vectors.load_json(f"{W3C}/keyPair.json")
W3C_KEY = did_key.decode_secret_multikey(KEY_PAIR["privateKeyMultibase"])
UNSIGNED = vectors.load_json(f"{W3C}/unsigned.json")
SIGNED = vectors.load_json(f"{W3C}/eddsa-jcs-2022/signedJCS.json")
PROOF_CONFIG = vectors.load_json(f"{W3C}/eddsa-jcs-2022/proofConfigJCS.json")
OWN = vectors.load_json("data-integrity/eddsa-jcs-2022.json")


def _text(name: str) -> str:
    return vectors.load_bytes(f"{W3C}/eddsa-jcs-2022/{name}").decode("ascii")


# --- W3C vc-di-eddsa, eddsa-jcs-2022: every intermediate byte for byte --------------------------


def test_w3c_key_pair() -> None:
    assert did_key.encode_multikey(W3C_KEY.public_key) == KEY_PAIR["publicKeyMultibase"]
    assert PROOF_CONFIG["verificationMethod"] == did_key.verification_method_id(W3C_KEY.public_key)


def test_w3c_intermediates() -> None:
    inputs = di.signing_input(UNSIGNED, PROOF_CONFIG)
    assert inputs.canonical_document == vectors.load_bytes(f"{W3C}/eddsa-jcs-2022/canonDocJCS.txt")
    assert inputs.canonical_proof_config == vectors.load_bytes(
        f"{W3C}/eddsa-jcs-2022/proofCanonJCS.txt"
    )
    assert inputs.document_hash.hex() == _text("docHashJCS.txt")
    assert inputs.proof_config_hash.hex() == _text("proofHashJCS.txt")
    assert inputs.hash_data.hex() == _text("combinedHashJCS.txt")
    assert inputs.hash_data == inputs.proof_config_hash + inputs.document_hash  # config first
    signature = W3C_KEY.sign(inputs.hash_data)
    assert signature.hex() == _text("sigHexJCS.txt")
    assert multibase.encode(signature) == _text("sigBTC58JCS.txt")


def test_w3c_create_proof_reproduces_the_proof() -> None:
    options = di.ProofOptions(created=PROOF_CONFIG["created"])
    proof = di.create_proof(UNSIGNED, W3C_KEY, options)
    assert proof == SIGNED["proof"]
    assert list(proof) == list(SIGNED["proof"])  # same member order as the W3C file
    secured = di.add_proof(UNSIGNED, W3C_KEY, options)
    assert secured == SIGNED
    assert list(secured) == list(SIGNED)


def test_w3c_signed_document_verifies() -> None:
    for document in (
        SIGNED,
        parse_json(vectors.load_bytes(f"{W3C}/eddsa-jcs-2022/signedJCS.json")),
    ):
        result = di.verify_proof(document)
        assert result == di.VerifiedProof(
            verification_method=PROOF_CONFIG["verificationMethod"],
            controller="did:key:" + KEY_PAIR["publicKeyMultibase"],
            public_key=W3C_KEY.public_key,
            proof_purpose="assertionMethod",
            cryptosuite="eddsa-jcs-2022",
            created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
            expires=None,
            domain=(),
            challenge=None,
        )
        assert di.verify_proof_set(document) == (result,)


def test_inputs_are_not_modified() -> None:
    unsigned, signed = copy.deepcopy(UNSIGNED), copy.deepcopy(SIGNED)
    di.add_proof(unsigned, W3C_KEY)
    di.create_proof(unsigned, W3C_KEY)
    di.verify_proof(signed)
    assert unsigned == UNSIGNED
    assert signed == SIGNED


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("Ed25519Signature2020/signedEdSig.json", "di.unsupported_cryptosuite"),
        # eddsa-rdfc-2022 over a document using https://w3id.org/citizenship/v4rc1, a context
        # attest does not ship: refused offline, by name
        ("eddsa-rdfc-2022/employ/signedDataInt.json", "context.unknown"),
    ],
)
def test_w3c_documents_attest_cannot_verify_are_refused_by_name(path: str, code: str) -> None:
    document = vectors.load_json(f"{W3C}/{path}")
    for verify in (di.verify_proof, di.verify_proof_set):
        with pytest.raises(MalformedError) as info:
            verify(document)
        assert info.value.code == code


@pytest.mark.parametrize(
    "path",
    [
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ],
)
def test_w3c_proof_sets_need_verify_proof_set(path: str) -> None:
    with pytest.raises(MalformedError) as info:
        di.verify_proof(vectors.load_json(f"{W3C}/{path}"))
    assert info.value.code == "di.unexpected_proof_set"


# --- every single change to the W3C signed document fails ----------------------------------------


def _changed(value: Any) -> Any:
    """A different JSON value of the same kind (or null → 0)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return -value - 1 if value >= 0 else -value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, 0]
    if isinstance(value, dict):
        return {**value, "x": 0}
    return 0


def _mutations(root: Any) -> Iterator[tuple[str, Any]]:
    """(description, mutated copy) for every node: changed; and for members, removed, renamed."""

    def walk(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        yield path
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in children:
            yield from walk(child, (*path, key))

    def at(doc: Any, path: tuple[Any, ...]) -> Any:
        for key in path:
            doc = doc[key]
        return doc

    for path in walk(root, ()):
        if not path:
            continue
        parent_path, key = path[:-1], path[-1]
        doc = copy.deepcopy(root)
        at(doc, parent_path)[key] = _changed(at(root, path))
        yield f"change {path}", doc
        if isinstance(key, str):
            doc = copy.deepcopy(root)
            del at(doc, parent_path)[key]
            yield f"remove {path}", doc
            doc = copy.deepcopy(root)
            parent = at(doc, parent_path)
            parent[key + "x"] = parent.pop(key)
            yield f"rename {path}", doc
        else:
            doc = copy.deepcopy(root)
            del at(doc, parent_path)[key]
            yield f"drop {path}", doc
    doc = copy.deepcopy(root)
    doc["extra"] = 1
    yield "add a member", doc
    doc = copy.deepcopy(root)
    doc["proof"]["extra"] = 1
    yield "add a proof member", doc


MUTATIONS = list(_mutations(SIGNED))


def test_mutations_cover_the_document_and_the_proof() -> None:
    described = {d for d, _ in MUTATIONS}
    for member in UNSIGNED:
        assert {f"change {(member,)}", f"remove {(member,)}"} <= described
    for member in SIGNED["proof"]:
        assert {f"change {('proof', member)}", f"remove {('proof', member)}"} <= described
    assert len(MUTATIONS) > 60


@pytest.mark.parametrize(("description", "document"), MUTATIONS, ids=[d for d, _ in MUTATIONS])
def test_every_single_change_fails(description: str, document: Any) -> None:
    with pytest.raises(AttestError):
        di.verify_proof(document, expected_proof_purpose=None)


def test_every_proof_value_bit_flip_fails() -> None:
    signature = multibase.decode(SIGNED["proof"]["proofValue"])
    for i in range(len(signature) * 8):
        flipped = bytearray(signature)
        flipped[i // 8] ^= 1 << (i % 8)
        document = copy.deepcopy(SIGNED)
        document["proof"]["proofValue"] = multibase.encode(bytes(flipped))
        with pytest.raises(VerificationError) as info:
            di.verify_proof(document)
        assert info.value.code == "signature.invalid"


def test_every_proof_value_character_change_fails() -> None:
    proof_value = SIGNED["proof"]["proofValue"]
    for i in range(len(proof_value)):
        for replacement in ("1", "z", "0", "l"):
            if proof_value[i] == replacement:
                continue
            document = copy.deepcopy(SIGNED)
            document["proof"]["proofValue"] = proof_value[:i] + replacement + proof_value[i + 1 :]
            with pytest.raises(AttestError) as info:
                di.verify_proof(document)
            assert info.value.code in {"signature.invalid", "di.bad_proof_value"}


# --- attest's own vectors ------------------------------------------------------------------------

OWN_CASES = OWN["cases"]


def _options(case: dict[str, Any]) -> dict[str, Any]:
    options = dict(case.get("options", {}))
    if "now" in options:
        options["now"] = parse_datetime_stamp(options["now"])
    if isinstance(options.get("domain"), list):
        options["domain"] = tuple(options["domain"])
    return options


def _summary(result: di.VerifiedProof) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return None if value is None else format_datetime_stamp(value)

    return {
        "verification_method": result.verification_method,
        "controller": result.controller,
        "proof_purpose": result.proof_purpose,
        "created": stamp(result.created),
        "expires": stamp(result.expires),
        "domain": list(result.domain),
        "challenge": result.challenge,
    }


def test_own_vectors_cover_every_code() -> None:
    codes = {c["code"] for c in OWN_CASES if c["expect"] == "error"}
    documented = {
        "di.bad_created", "di.bad_document", "di.bad_expires", "di.bad_field",
        "di.bad_proof", "di.bad_proof_value", "di.challenge_mismatch", "di.context_mismatch",
        "di.domain_mismatch", "di.invalid_relationship", "di.missing_field", "di.missing_proof",
        "di.proof_expired", "di.proof_purpose_mismatch", "di.too_many_proofs",
        "di.unexpected_proof_set", "di.unsupported_cryptosuite", "di.previous_proof_not_found",
        "di.proof_chain_cycle", "di.duplicate_proof_id",
        "di.unsupported_verification_method", "signature.invalid",
    }  # fmt: skip
    assert documented <= codes


@pytest.mark.parametrize("case", OWN_CASES, ids=[c["id"] for c in OWN_CASES])
def test_own_vector(case: dict[str, Any]) -> None:
    data = case["document_json"].encode()
    verify = getattr(di, case["function"])
    if case["expect"] == "ok":
        result = verify(parse_json(data), **_options(case))
        results = result if isinstance(result, tuple) else (result,)
        assert [_summary(r) for r in results] == case["verified"]
        return
    with pytest.raises(AttestError) as info:
        verify(parse_json(data), **_options(case))
    assert info.value.code == case["code"]
    assert type(info.value).__name__ == case["error_class"]


@pytest.mark.parametrize(
    "case", [c for c in OWN_CASES if c["expect"] == "ok"], ids=lambda c: c["id"]
)
def test_own_valid_vectors_verify_independently(case: dict[str, Any]) -> None:
    """Recompute each valid proof with rfc8785, hashlib and pyca/cryptography directly (a
    chained proof signs the document with ``proof`` set to the proofs it names, DI §4.2)."""
    document: Any = parse_json(case["document_json"].encode())
    proofs = document.pop("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    for proof in proofs:
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        signed = document
        if "previousProof" in proof:
            named = proof["previousProof"]
            named = [named] if isinstance(named, str) else named
            signed = {**document, "proof": [p for p in proofs if p.get("id") in named]}
        message = hashlib.sha256(rfc8785.dumps(options)).digest()
        message += hashlib.sha256(rfc8785.dumps(signed)).digest()
        multikey = proof["verificationMethod"].partition("#")[2]
        raw_key = multibase.b58decode(multikey[1:])[2:]
        signature = multibase.b58decode(proof["proofValue"][1:])
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)


def test_own_vectors_are_what_generate_writes() -> None:
    keys = OWN["keys"]
    for name, seed in (("issuer", 0x44), ("cosigner", 0x45), ("other", 0x46)):
        key = PrivateKey(bytes([seed]) * 32)
        assert keys[name]["did"] == did_key.encode_did_key(key.public_key)


# --- creating proofs ---------------------------------------------------------------------------

KEY = PrivateKey(bytes(range(32)))
DOC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": did_key.encode_did_key(KEY.public_key),
    "credentialSubject": {"id": "did:example:1"},
}


def test_proof_members() -> None:
    options = di.ProofOptions(
        proof_purpose="authentication",
        created="2026-01-01T00:00:00Z",
        expires="2026-02-01T00:00:00Z",
        domain=("a.example", "b.example"),
        challenge="abc",
    )
    proof = di.create_proof(DOC, KEY, options)
    assert list(proof) == [
        "type", "cryptosuite", "created", "expires", "verificationMethod", "proofPurpose",
        "domain", "challenge", "@context", "proofValue",
    ]  # fmt: skip
    assert proof["domain"] == ["a.example", "b.example"]
    assert proof["@context"] == DOC["@context"]
    assert proof["@context"] is not DOC["@context"]
    plain = di.create_proof({"a": 1}, KEY)
    assert list(plain) == [
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"proof_purpose": "keyAgreement"}, "di.bad_proof_purpose"),
        ({"proof_purpose": "assertion"}, "di.bad_proof_purpose"),
        ({"created": "2026-01-01"}, "di.bad_created"),
        ({"created": "2026-01-01T00:00:00"}, "di.bad_created"),
        ({"expires": "soon"}, "di.bad_expires"),
        ({"domain": ()}, "di.bad_domain"),
        ({"domain": ("a", "")}, "di.bad_domain"),
        ({"domain": ""}, "di.bad_domain"),
        ({"challenge": ""}, "di.bad_challenge"),
    ],
)
def test_bad_proof_options(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(UsageError) as info:
        di.ProofOptions(**kwargs)
    assert info.value.code == code


def test_create_proof_refuses_a_secured_document() -> None:
    with pytest.raises(UsageError) as info:
        di.create_proof(di.add_proof(DOC, KEY), KEY)
    assert info.value.code == "di.already_secured"


def test_add_proof_builds_a_proof_set() -> None:
    keys = [PrivateKey(bytes([i]) * 32) for i in range(1, 4)]
    secured: Any = DOC
    for key in keys:
        secured = di.add_proof(secured, key)
    assert isinstance(secured["proof"], list)
    results = di.verify_proof_set(secured)
    assert [r.public_key for r in results] == [k.public_key for k in keys]
    # each member signs the document alone, so any subset still verifies
    subset = {**secured, "proof": secured["proof"][1]}
    assert di.verify_proof(subset).public_key == keys[1].public_key


def test_add_proof_limits_the_proof_set() -> None:
    secured = {**DOC, "proof": [di.create_proof(DOC, KEY)] * di.MAX_PROOFS}
    with pytest.raises(UsageError) as info:
        di.add_proof(secured, KEY)
    assert info.value.code == "di.too_many_proofs"
    for bad in ("z1", None, [None]):
        with pytest.raises(UsageError) as info:
            di.add_proof({**DOC, "proof": bad}, KEY)
        assert info.value.code == "di.bad_proof"


def test_proof_set_error_names_the_failing_proof() -> None:
    secured: Any = di.add_proof(di.add_proof(DOC, KEY), PrivateKey(bytes(32)))
    secured["proof"][1]["proofPurpose"] = "authentication"
    with pytest.raises(VerificationError) as info:
        di.verify_proof_set(secured, expected_proof_purpose=None)
    assert info.value.code == "signature.invalid"
    assert info.value.message.startswith("proof 1: ")


def test_expiry_needs_a_clock() -> None:
    secured = di.add_proof(DOC, KEY, di.ProofOptions(expires="2026-01-01T00:00:00Z"))
    assert di.verify_proof(secured).expires == datetime(2026, 1, 1, tzinfo=UTC)
    di.verify_proof(secured, now=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(VerificationError) as info:
        di.verify_proof(secured, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert info.value.code == "di.proof_expired"


def test_context_must_equal_not_just_start_with() -> None:
    secured = di.add_proof(DOC, KEY)
    secured["@context"] = [*DOC["@context"], "https://w3id.org/attest/v1"]
    with pytest.raises(VerificationError) as info:
        di.verify_proof(secured)
    assert info.value.code == "di.context_mismatch"


# --- properties --------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_documents = st.dictionaries(
    st.text(max_size=8).filter(lambda k: k != "proof"), _values, min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(_documents, st.binary(min_size=32, max_size=32), st.data())
def test_sign_verify_and_any_single_change_fails(
    document: dict[str, Any], seed: bytes, data: st.DataObject
) -> None:
    key = PrivateKey(seed)
    secured = di.add_proof(document, key)
    assert di.verify_proof(secured).public_key == key.public_key
    mutations = list(_mutations(secured))
    _, mutated = data.draw(st.sampled_from(mutations))
    with pytest.raises(AttestError):
        di.verify_proof(mutated, expected_proof_purpose=None)
