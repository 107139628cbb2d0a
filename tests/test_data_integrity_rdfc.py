"""Data Integrity eddsa-rdfc-2022, proof sets and proof chains: the W3C vc-di-eddsa vectors byte
for byte (including the proof-set-chain folder), VC 1.1 credentials with both cryptosuites,
presentations, tampering, and safe-mode refusals."""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from attest.codec import multibase
from attest.errors import AttestError, MalformedError, UsageError, VerificationError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity as di
from tests import vectors
from tests.test_data_integrity import _mutations

W3C = "vc-di-eddsa"
RDFC = di.EDDSA_RDFC_2022
JCS = di.EDDSA_JCS_2022
KEY_PAIR = vectors.load_json(f"{W3C}/keyPair.json")
W3C_KEY = did_key.decode_secret_multikey(KEY_PAIR["privateKeyMultibase"])
UNSIGNED = vectors.load_json(f"{W3C}/unsigned.json")
SIGNED = vectors.load_json(f"{W3C}/eddsa-rdfc-2022/signedDataInt.json")
PROOF_CONFIG = vectors.load_json(f"{W3C}/eddsa-rdfc-2022/proofConfigDataInt.json")
CHAIN = f"{W3C}/proof-set-chain"
KEYS = {
    name: did_key.decode_secret_multikey(pair["privateKeyMultibase"])
    for name, pair in vectors.load_json(f"{CHAIN}/multiKeyPairs.json").items()
}
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def _text(name: str) -> str:
    return vectors.load_bytes(f"{W3C}/eddsa-rdfc-2022/{name}").decode("ascii")


# --- W3C eddsa-rdfc-2022: every intermediate byte for byte -------------------------------------


def test_w3c_intermediates() -> None:
    inputs = di.signing_input(UNSIGNED, PROOF_CONFIG)
    assert inputs.cryptosuite == RDFC
    assert inputs.canonical_document == vectors.load_bytes(
        f"{W3C}/eddsa-rdfc-2022/canonDocDataInt.txt"
    )
    assert inputs.canonical_proof_config == vectors.load_bytes(
        f"{W3C}/eddsa-rdfc-2022/proofCanonDataInt.txt"
    )
    assert inputs.document_hash.hex() == _text("docHashDataInt.txt")
    assert inputs.proof_config_hash.hex() == _text("proofHashDataInt.txt")
    assert inputs.hash_data.hex() == _text("combinedHashDataInt.txt")
    signature = W3C_KEY.sign(inputs.hash_data)
    assert signature.hex() == _text("sigHexDataInt.txt")
    assert multibase.encode(signature) == _text("sigBTC58DataInt.txt")


def test_w3c_proof_configuration_takes_the_documents_context() -> None:
    """§3.2.5 step 4: the configuration is canonicalized with the document's @context, whatever
    the options carry (the vector's options carry it; the signed proof does not)."""
    without = {k: v for k, v in PROOF_CONFIG.items() if k != "@context"}
    assert di.signing_input(UNSIGNED, without) == di.signing_input(UNSIGNED, PROOF_CONFIG)


def test_w3c_create_proof_reproduces_the_proof() -> None:
    options = di.ProofOptions(created=PROOF_CONFIG["created"])
    proof = di.create_proof(UNSIGNED, W3C_KEY, options, cryptosuite=RDFC)
    assert proof == SIGNED["proof"]
    assert list(proof) == list(SIGNED["proof"])  # no @context in an rdfc proof
    secured = di.add_proof(UNSIGNED, W3C_KEY, options, cryptosuite=RDFC)
    assert secured == SIGNED
    assert list(secured) == list(SIGNED)


def test_w3c_signed_document_verifies() -> None:
    result = di.verify_proof(SIGNED)
    assert result.cryptosuite == RDFC
    assert result.controller == "did:key:" + KEY_PAIR["publicKeyMultibase"]
    assert result.public_key == W3C_KEY.public_key
    assert (result.id, result.previous_proof) == (None, ())
    assert di.verify_proof_set(SIGNED) == (result,)


# --- W3C proof sets and chains ------------------------------------------------------------------

STEPS = [  # (config file, key, signed config file)
    ("proofSetConfig1", "keyPair1", "proofSetConfigSigned1"),
    ("proofSetConfig2", "keyPair2", "proofSetConfigSigned2"),
    ("proofChainConfig1", "keyPair3", "proofChainConfigSigned1"),
    ("proofChainConfig2", "keyPair4", "proofChainConfigSigned2"),
]


def _options(config: dict[str, Any]) -> di.ProofOptions:
    previous = config.get("previousProof")
    return di.ProofOptions(
        proof_purpose=config["proofPurpose"],
        created=config["created"],
        id=config.get("id"),
        previous_proof=tuple(previous) if isinstance(previous, list) else previous,
    )


def test_w3c_proof_set_and_chain_reproduce_step_by_step() -> None:
    secured: Any = UNSIGNED
    for config_name, key, signed_name in STEPS:
        config = vectors.load_json(f"{CHAIN}/{config_name}.json")
        assert config["verificationMethod"] == did_key.verification_method_id(KEYS[key].public_key)
        secured = di.add_proof(secured, KEYS[key], _options(config), cryptosuite=RDFC)
        proofs = secured["proof"] if isinstance(secured["proof"], list) else [secured["proof"]]
        expected = vectors.load_json(f"{CHAIN}/{signed_name}.json")
        assert proofs[-1] == expected
        assert list(proofs[-1]) == list(expected)
        if config_name == "proofSetConfig1":
            assert secured == vectors.load_json(f"{CHAIN}/signedProofSet1.json")
        if config_name == "proofSetConfig2":
            assert secured == vectors.load_json(f"{CHAIN}/signedProofSet2.json")
        if config_name == "proofChainConfig1":
            assert secured == vectors.load_json(f"{CHAIN}/signedProofChain1.json")
    assert secured == vectors.load_json(f"{CHAIN}/signedProofChain2.json")


@pytest.mark.parametrize(("temp", "config", "key"), [(1, 1, "keyPair3"), (2, 2, "keyPair4")])
def test_w3c_chain_signs_the_temporary_document(temp: int, config: int, key: str) -> None:
    """proofChainTempDoc<n> is the document with proof set to the named proofs (DI §4.2
    step 7): signing it with the configuration gives the chained proof's value."""
    document = vectors.load_json(f"{CHAIN}/proofChainTempDoc{temp}.json")
    options = vectors.load_json(f"{CHAIN}/proofChainConfig{config}.json")
    signed = vectors.load_json(f"{CHAIN}/proofChainConfigSigned{config}.json")
    signature = KEYS[key].sign(di.signing_input(document, options).hash_data)
    assert multibase.encode(signature) == signed["proofValue"]


@pytest.mark.parametrize(
    ("name", "previous"),
    [
        ("signedProofSet1", [()]),
        ("signedProofSet2", [(), ()]),
        ("signedProofChain1", [(), (), ("26329423", "8cc9022b")]),
        ("signedProofChain2", [(), (), ("26329423", "8cc9022b"), ("d94f792a",)]),
    ],
)
def test_w3c_proof_sets_and_chains_verify(name: str, previous: list[tuple[str, ...]]) -> None:
    results = di.verify_proof_set(vectors.load_json(f"{CHAIN}/{name}.json"))
    assert [tuple(p.split(":")[2].split("-")[0] for p in r.previous_proof) for r in results] == (
        previous
    )
    assert {r.cryptosuite for r in results} == {RDFC}
    order = ["keyPair1", "keyPair2", "keyPair3", "keyPair4"][: len(results)]
    assert [r.public_key for r in results] == [KEYS[k].public_key for k in order]


def test_w3c_chain_breaks_when_a_previous_proof_changes() -> None:
    chain: Any = vectors.load_json(f"{CHAIN}/signedProofChain2.json")
    # proof 0, re-signed over the same document with another time: still a valid proof itself,
    # but not the one proof 2 signed
    options = _options(vectors.load_json(f"{CHAIN}/proofSetConfig1.json"))
    other = di.create_proof(
        UNSIGNED,
        KEYS["keyPair1"],
        di.ProofOptions(created="2023-02-24T23:36:39Z", id=options.id),
        cryptosuite=RDFC,
    )
    chain["proof"][0] = other
    with pytest.raises(VerificationError) as info:
        di.verify_proof_set(chain)
    assert info.value.code == "signature.invalid"
    assert info.value.message.startswith("proof 2: ")
    # dropping the last link's target
    chain = vectors.load_json(f"{CHAIN}/signedProofChain2.json")
    del chain["proof"][2]
    with pytest.raises(MalformedError) as info2:
        di.verify_proof_set(chain)
    assert info2.value.code == "di.previous_proof_not_found"
    assert info2.value.message.startswith("proof 2: ")


def test_w3c_chain_in_another_order_still_verifies() -> None:
    """Matching is by id, so the proofs' order in the document does not matter."""
    chain: Any = vectors.load_json(f"{CHAIN}/signedProofChain2.json")
    chain["proof"] = list(reversed(chain["proof"]))
    assert len(di.verify_proof_set(chain)) == 4


# --- tampering ----------------------------------------------------------------------------------

MUTATIONS = list(_mutations(SIGNED))


@pytest.mark.parametrize(("description", "document"), MUTATIONS, ids=[d for d, _ in MUTATIONS])
def test_every_single_change_fails(description: str, document: Any) -> None:
    with pytest.raises(AttestError):
        di.verify_proof(document, expected_proof_purpose=None)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("id",), "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc34"),
        (("name",), "Alumni Credential!"),
        (("description",), "A maximum viable example."),
        (("issuer",), "https://vc.example/issuers/5679"),
        (("validFrom",), "2023-01-01T00:00:01Z"),
        (("type",), ["VerifiableCredential"]),
        (("credentialSubject", "id"), "did:example:abcdefgi"),
        (("credentialSubject", "alumniOf"), "The School of Counterexamples"),
        (("proof", "created"), "2023-02-24T23:36:39Z"),
        (("proof", "proofPurpose"), "authentication"),
    ],
)
def test_every_signed_statement_is_covered(path: tuple[str, ...], value: Any) -> None:
    document: Any = copy.deepcopy(SIGNED)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(VerificationError) as info:
        di.verify_proof(document, expected_proof_purpose=None)
    assert info.value.code == "signature.invalid"


def test_json_changes_that_keep_the_rdf_still_verify() -> None:
    """eddsa-rdfc-2022 signs the RDF statements: member order, array order of a set and a
    single value written as a one-element array are not part of what is signed."""
    document: Any = copy.deepcopy(SIGNED)
    document = dict(reversed(list(document.items())))
    document["type"] = list(reversed(document["type"]))
    document["issuer"] = {"id": document["issuer"]}
    document["credentialSubject"] = [document["credentialSubject"]]
    assert di.verify_proof(document).cryptosuite == RDFC


@pytest.mark.parametrize(
    "restate",
    [
        # Swap two claims' terms with an inline context: same RDF, the JSON says otherwise.
        lambda d: d["@context"].append({"alumniOf": "https://schema.org/name"}),
        # Move a statement into an @included node for the same subject.
        lambda d: d.update({"@included": [{"id": d["id"], "name": d.pop("name")}]}),
        # A scoped context deeper in the document.
        lambda d: d["credentialSubject"].update({"@context": {"x": "https://example.org/x"}}),
    ],
)
def test_what_rdfc_does_not_sign_is_refused_by_every_verifier(restate: Any) -> None:
    """rdfc signs RDF, not the JSON nor its contexts: inline contexts and JSON-LD keywords as
    member names could make the JSON say other things over the same signed RDF, so every
    verification (credentials, status lists, bundles) refuses them under an rdfc proof."""
    document: Any = copy.deepcopy(SIGNED)
    restate(document)
    for verify in (di.verify_proof, di.verify_proof_set):
        with pytest.raises(MalformedError) as info:
            verify(document)
        assert info.value.code == "di.unsigned_context"
    # Under eddsa-jcs-2022 an inline context is part of the signed JSON and is fine.
    unsigned: Any = copy.deepcopy(UNSIGNED)
    unsigned["@context"] = [*unsigned["@context"], {"extra": "https://example.org/extra"}]
    jcs = di.add_proof(unsigned, W3C_KEY, di.ProofOptions(created=CREATED), cryptosuite=JCS)
    assert di.verify_proof(jcs).cryptosuite == JCS


def test_an_undefined_term_added_after_signing_is_refused_not_ignored() -> None:
    vc1 = _vc1()
    secured: Any = di.add_proof(vc1, W3C_KEY, di.ProofOptions(created=CREATED), cryptosuite=RDFC)
    secured["credentialSubject"]["unsigned"] = "a claim no signature covers"
    with pytest.raises(MalformedError) as info:
        di.verify_proof(secured)
    assert info.value.code == "jsonld.undefined_term"
    assert "$.credentialSubject.unsigned" in info.value.message


def test_unknown_context_is_refused_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    document: Any = copy.deepcopy(SIGNED)
    document["@context"] = [*document["@context"], "https://contexts.example/evil/v1"]
    with pytest.raises(MalformedError) as info:
        di.verify_proof(document)
    assert info.value.code == "context.unknown"


def test_proof_context_must_equal_the_documents() -> None:
    same: Any = copy.deepcopy(SIGNED)
    same["proof"]["@context"] = list(same["@context"])
    assert di.verify_proof(same).cryptosuite == RDFC  # §3.2.2 step 4: the same context
    prefix: Any = copy.deepcopy(SIGNED)
    prefix["proof"]["@context"] = [V2]  # the spec's "starts with"; attest wants equality
    with pytest.raises(VerificationError) as info:
        di.verify_proof(prefix)
    assert info.value.code == "di.context_mismatch"


# --- VC 1.1 with both cryptosuites --------------------------------------------------------------

CREATED = "2024-06-01T12:00:00Z"


def _vc1(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [V1, DI_V2],
        "id": "urn:uuid:5a0a2b7e-3c6d-4e1f-9a2b-1c3d5e7f9a0b",
        "type": ["VerifiableCredential"],
        "issuer": did_key.encode_did_key(W3C_KEY.public_key),
        "issuanceDate": "2024-01-01T00:00:00Z",
        "expirationDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


@pytest.mark.parametrize("suite", [JCS, RDFC])
def test_vc_1_1_credentials_sign_and_verify(suite: str) -> None:
    secured: Any = di.add_proof(
        _vc1(), W3C_KEY, di.ProofOptions(created=CREATED), cryptosuite=suite
    )
    assert ("@context" in secured["proof"]) == (suite == JCS)
    result = di.verify_proof(secured)
    assert (result.cryptosuite, result.public_key) == (suite, W3C_KEY.public_key)
    secured["issuanceDate"] = "2024-01-01T00:00:01Z"
    with pytest.raises(VerificationError) as info:
        di.verify_proof(secured)
    assert info.value.code == "signature.invalid"


def test_vc_1_1_without_the_data_integrity_context_cannot_be_rdfc_signed() -> None:
    """The VC 1.1 context does not define DataIntegrityProof or cryptosuite: the proof
    configuration would not expand, so signing is refused (JCS does not expand anything)."""
    document = _vc1(**{"@context": [V1]})
    with pytest.raises(MalformedError) as info:
        di.add_proof(document, W3C_KEY, cryptosuite=RDFC)
    assert info.value.code.startswith("jsonld.")
    assert di.verify_proof(di.add_proof(document, W3C_KEY)).cryptosuite == JCS


def test_vc_1_1_with_an_undefined_term_cannot_be_rdfc_signed() -> None:
    document = _vc1(credentialSubject={"id": "did:example:subject", "degree": "BSc"})
    with pytest.raises(MalformedError) as info:
        di.add_proof(document, W3C_KEY, cryptosuite=RDFC)
    assert info.value.code == "jsonld.undefined_term"


# --- presentations ------------------------------------------------------------------------------


def test_presentation_with_authentication_challenge_and_domain() -> None:
    holder = PrivateKey(b"\x31" * 32)
    presentation = {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiablePresentation"],
        "holder": did_key.encode_did_key(holder.public_key),
        "verifiableCredential": [SIGNED],
    }
    options = di.ProofOptions(
        proof_purpose="authentication", challenge="c-1234", domain="verifier.example"
    )
    secured: Any = di.add_proof(presentation, holder, options, cryptosuite=RDFC)
    result = di.verify_proof(
        secured,
        expected_proof_purpose="authentication",
        challenge="c-1234",
        domain="verifier.example",
    )
    assert (result.challenge, result.domain) == ("c-1234", ("verifier.example",))
    wrong: list[tuple[dict[str, Any], str]] = [
        ({"challenge": "c-9999", "domain": "verifier.example"}, "di.challenge_mismatch"),
        ({"challenge": "c-1234", "domain": "other.example"}, "di.domain_mismatch"),
        ({"expected_proof_purpose": "assertionMethod"}, "di.proof_purpose_mismatch"),
    ]
    for kwargs, code in wrong:
        kwargs.setdefault("expected_proof_purpose", "authentication")
        with pytest.raises(VerificationError) as info:
            di.verify_proof(secured, **kwargs)
        assert info.value.code == code
    # the embedded credential is part of what the holder signed
    tampered = copy.deepcopy(secured)
    tampered["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "Elsewhere"
    with pytest.raises(VerificationError) as info:
        di.verify_proof(tampered, expected_proof_purpose="authentication")
    assert info.value.code == "signature.invalid"
    assert di.verify_proof(secured["verifiableCredential"][0]).cryptosuite == RDFC


# --- writing sets and chains --------------------------------------------------------------------

ISSUER = PrivateKey(b"\x41" * 32)
COSIGNER = PrivateKey(b"\x42" * 32)
DOC = {
    "@context": [V2, EXAMPLES],
    "type": ["VerifiableCredential"],
    "issuer": did_key.encode_did_key(ISSUER.public_key),
    "credentialSubject": {"id": "did:example:1", "score": 0.5},
}
ID = "urn:uuid:00000000-0000-4000-8000-000000000001"


@pytest.mark.parametrize(("first", "second"), [(JCS, RDFC), (RDFC, JCS), (JCS, JCS)])
def test_mixed_chains_verify(first: str, second: str) -> None:
    secured: Any = di.add_proof(DOC, ISSUER, di.ProofOptions(id=ID), cryptosuite=first)
    secured = di.add_proof(
        secured, COSIGNER, di.ProofOptions(previous_proof=ID), cryptosuite=second
    )
    assert secured["proof"][1]["previousProof"] == ID
    results = di.verify_proof_set(secured)
    assert [(r.cryptosuite, r.id, r.previous_proof) for r in results] == [
        (first, ID, ()),
        (second, None, (ID,)),
    ]
    # a chained proof cannot be moved onto the document alone: it signed the first proof too
    alone = {**secured, "proof": secured["proof"][1]}
    with pytest.raises(MalformedError) as info:
        di.verify_proof(alone)
    assert info.value.code == "di.previous_proof_not_found"


def test_chain_of_many_proofs() -> None:
    secured: Any = DOC
    previous: str | None = None
    for i in range(di.MAX_PROOFS):
        key = PrivateKey(bytes([i + 1]) * 32)
        name = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        secured = di.add_proof(
            secured, key, di.ProofOptions(id=name, previous_proof=previous), cryptosuite=RDFC
        )
        previous = name
    results = di.verify_proof_set(secured)
    assert len(results) == di.MAX_PROOFS
    assert results[-1].previous_proof == (f"urn:uuid:00000000-0000-4000-8000-{14:012d}",)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"id": "not a url"}, "di.bad_proof_id"),
        ({"id": ""}, "di.bad_proof_id"),
        ({"previous_proof": ""}, "di.bad_previous_proof"),
        ({"previous_proof": ()}, "di.bad_previous_proof"),
        ({"previous_proof": ("urn:x", "")}, "di.bad_previous_proof"),
    ],
)
def test_bad_chain_options(options: dict[str, Any], code: str) -> None:
    with pytest.raises(UsageError) as info:
        di.ProofOptions(**options)
    assert info.value.code == code


def test_adding_chained_proofs_is_checked() -> None:
    first = di.add_proof(DOC, ISSUER, di.ProofOptions(id=ID))
    cases = [
        (DOC, di.ProofOptions(previous_proof=ID), "di.previous_proof_not_found"),
        (first, di.ProofOptions(previous_proof="urn:uuid:other"), "di.previous_proof_not_found"),
        (first, di.ProofOptions(id=ID), "di.duplicate_proof_id"),
        ({**first, "proof": [first["proof"], first["proof"]]}, di.ProofOptions(previous_proof=ID),
         "di.duplicate_proof_id"),
    ]  # fmt: skip
    for document, options, code in cases:
        with pytest.raises(UsageError) as info:
            di.add_proof(document, COSIGNER, options)
        assert info.value.code == code
    with pytest.raises(UsageError) as info:
        di.create_proof(DOC, ISSUER, di.ProofOptions(previous_proof=ID))
    assert info.value.code == "di.previous_proof_not_found"
    with pytest.raises(UsageError) as info:
        di.add_proof(DOC, ISSUER, cryptosuite="ecdsa-rdfc-2019")
    assert info.value.code == "di.unsupported_cryptosuite"


def test_hostile_proof_lists_fail_by_name() -> None:
    secured: Any = di.add_proof(DOC, ISSUER, di.ProofOptions(id=ID), cryptosuite=RDFC)
    proof = secured["proof"]
    cases = [
        ([proof, 7], "di.bad_proof"),
        ([proof, None], "di.bad_proof"),
        ([proof] * (di.MAX_PROOFS + 1), "di.too_many_proofs"),
        ([proof, {**proof}], "di.duplicate_proof_id"),
        ([{**proof, "previousProof": ID}], "di.proof_chain_cycle"),
        ([{**proof, "previousProof": [ID, ID]}], "di.proof_chain_cycle"),
        ([{**proof, "previousProof": {"id": ID}}], "di.bad_field"),
        ([{**proof, "id": ["urn:x"]}], "di.bad_field"),
    ]
    for proofs, code in cases:
        with pytest.raises(MalformedError) as info:
            di.verify_proof_set({**secured, "proof": proofs})
        assert info.value.code == code, proofs
    # a long cycle, found before any signature is checked
    ring = [
        {**proof, "id": f"urn:p:{i}", "previousProof": f"urn:p:{(i + 1) % 16}"} for i in range(16)
    ]
    with pytest.raises(MalformedError) as info:
        di.verify_proof_set({**secured, "proof": ring})
    assert info.value.code == "di.proof_chain_cycle"


def test_jcs_verification_does_not_import_pyld() -> None:
    """PyLD costs ~0.15 s to import: a verifier that never meets an rdfc proof skips it."""
    code = (
        "import sys; from attest.vc import data_integrity as di; "
        "from attest.verifier import pipeline; "
        "from tests import vectors; "
        "di.verify_proof(vectors.load_json('vc-di-eddsa/eddsa-jcs-2022/signedJCS.json')); "
        "assert 'pyld' not in sys.modules and 'attest.vc.jsonld' not in sys.modules; "
        "di.verify_proof(vectors.load_json('vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json')); "
        "assert 'pyld' in sys.modules"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
