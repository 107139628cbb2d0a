"""Evaluation credentials (specs/credential.md), checked against the W3C VC Data Model 2.0
text, the shipped JSON-LD contexts, RFC 9052/9597 for the COSE form, and for determinism.

Each VC 2.0 check below quotes the normative sentence it tests and is written from it, not
from attest.evaluation.credential; signatures are also checked with
the `cryptography` package directly.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from attest.codec.cbor import decode_cbor
from attest.errors import UsageError, VerificationError
from attest.evaluation.bundle import Bundle
from attest.evaluation.credential import sign_cose, sign_json, unsigned_credential
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.vc import cose, data_integrity
from attest.vc.contexts import ATTEST_V1, CREDENTIALS_V2, load_context, shipped_contexts
from tests.helpers.issuing import (
    EVIDENCE,
    ISSUER,
    NOW,
    OTHER,
    PACT_TOML,
    RESULTS_TOML,
    SUBJECT,
    b58decode,
    did_key_of,
    issue_fixed,
    sha256_hex,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"

ISSUER_DID = did_key_of(ISSUER.public_key.raw)
ISSUER_VM = ISSUER_DID + "#" + ISSUER_DID.removeprefix("did:key:")

# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Bundle]:
    root = tmp_path_factory.mktemp("issued")
    return {enc: issue_fixed(root / enc, encoding=enc) for enc in ("json", "cbor")}


@pytest.fixture(scope="module")
def vc(issued: dict[str, Bundle]) -> dict[str, Any]:
    credential = issued["json"].credential
    assert isinstance(credential, Mapping)
    return copy.deepcopy(dict(credential))


@pytest.fixture(scope="module")
def cose_bytes(issued: dict[str, Bundle]) -> bytes:
    credential = issued["cbor"].credential
    assert isinstance(credential, bytes)
    return credential


# --- VC 2.0, one MUST at a time ---------------------------------------------------------------

# RFC 3986 §3.1 scheme, then at least one character and no white space: what VC 2.0 calls a URL
# for our purposes (a DID, a urn:uuid:, or an https URL).
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
# XML Schema 1.1 Part 2 §3.3.8 dateTimeStamp lexical space (the regular expression VC 2.0 §4.9
# reproduces): a dateTime whose time zone is present.
DATETIME_STAMP = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


def test_context_first_item_is_the_vc_v2_url(vc: dict[str, Any]) -> None:
    """§4.3: "The value of the @context property MUST be an ordered set where the first item
    is a URL with the value https://www.w3.org/ns/credentials/v2." Subsequent items "MUST be
    composed of any combination of URLs and/or objects"."""
    context = vc["@context"]
    assert isinstance(context, list)
    assert context[0] == VC_V2
    assert all((isinstance(c, str) and URL.fullmatch(c)) or isinstance(c, dict) for c in context)
    assert len(set(map(str, context))) == len(context)  # an ordered *set*
    assert context == [VC_V2, "https://w3id.org/attest/v1"]  # specs/credential.md §1


def test_type_includes_verifiable_credential(vc: dict[str, Any]) -> None:
    """§4.5: "Verifiable credential objects MUST have a type specified" and "the type property
    MUST be ... VerifiableCredential" plus terms or URLs."""
    types = vc["type"]
    types = types if isinstance(types, list) else [types]
    assert "VerifiableCredential" in types
    assert all(isinstance(t, str) and t for t in types)
    assert "EvaluationCredential" in types


def test_issuer_is_a_url(vc: dict[str, Any]) -> None:
    """§4.7: "A verifiable credential MUST have an issuer property. The value of the issuer
    property MUST be either a URL or an object containing an id property whose value is a
    URL". Here: the issuing key's did:key, computed independently."""
    issuer = vc["issuer"]
    issuer_id = issuer["id"] if isinstance(issuer, dict) else issuer
    assert isinstance(issuer_id, str)
    assert URL.fullmatch(issuer_id)
    assert issuer_id == ISSUER_DID


def test_credential_subject_is_an_object_with_claims(vc: dict[str, Any]) -> None:
    """§4.8: "A verifiable credential MUST contain a credentialSubject property" whose value
    is "a set of objects where each object MUST be the subject of one or more claims"."""
    subjects = vc["credentialSubject"]
    subjects = subjects if isinstance(subjects, list) else [subjects]
    assert subjects
    for s in subjects:
        assert isinstance(s, dict)
        assert set(s) - {"id"}, "no claims about the subject"
    assert subjects[0]["id"] == SUBJECT
    assert URL.fullmatch(subjects[0]["id"])


def test_validity_period(vc: dict[str, Any]) -> None:
    """§4.9: "If present, the value of the validFrom property MUST be a dateTimeStamp string
    value"; the same for validUntil; "If a validUntil value also exists, the validFrom value
    MUST express a datetime that is temporally the same or earlier than ... validUntil"."""
    for name in ("validFrom", "validUntil"):
        assert isinstance(vc[name], str)
        assert DATETIME_STAMP.fullmatch(vc[name]), name
    start = datetime.fromisoformat(vc["validFrom"])
    end = datetime.fromisoformat(vc["validUntil"])
    assert start.tzinfo is not None and end.tzinfo is not None
    assert start <= end
    # specs/credential.md §1: the issuer's clock to the second, and 90 days by default
    assert start == NOW
    assert end - start == timedelta(days=90)


def test_id_is_a_single_url(vc: dict[str, Any]) -> None:
    """§4.4: "If present, the value of the id property MUST be a single URL"."""
    assert isinstance(vc["id"], str)
    assert URL.fullmatch(vc["id"])
    assert vc["id"].startswith("urn:uuid:")
    u = uuid.UUID(vc["id"].removeprefix("urn:uuid:"))
    assert u.urn == vc["id"]  # lower case, canonical form (RFC 9562 §4)
    assert u.version == 5


def test_id_is_derived_as_specified(vc: dict[str, Any]) -> None:
    """specs/credential.md §1: uuid5(uuid5(NAMESPACE_URL, attest v1 URL), "sha256:" + hex
    SHA-256 of the RFC 8785 JSON of the document without id (and without proof))."""
    rest = {k: v for k, v in vc.items() if k not in ("id", "proof")}
    name = "sha256:" + sha256_hex(rfc8785.dumps(rest))
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/attest/v1")
    assert vc["id"] == uuid.uuid5(namespace, name).urn


def test_each_evidence_item_has_a_type(vc: dict[str, Any]) -> None:
    """§5.6: "If present, the value of the evidence property MUST be either a single object or
    a set of one or more objects", each with a type property."""
    evidence = vc["evidence"]
    items = evidence if isinstance(evidence, list) else [evidence]
    assert items
    for item in items:
        assert isinstance(item, dict)
        assert item["type"]
        types = item["type"] if isinstance(item["type"], list) else [item["type"]]
        assert "EvidenceReference" in types
    # what the items say about the files, recomputed from the bytes
    assert [(i["name"], i["digest"], i["size"]) for i in items] == [
        (name, "sha256:" + sha256_hex(data), len(data)) for name, data in EVIDENCE.items()
    ]


def test_proof_is_eddsa_jcs_2022_and_verifies(vc: dict[str, Any]) -> None:
    """§4.12 / Data Integrity: a DataIntegrityProof with cryptosuite eddsa-jcs-2022."""
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == ISSUER_VM
    assert proof["created"] == vc["validFrom"]
    assert proof["@context"] == vc["@context"]
    verified = data_integrity.verify_proof(vc)
    assert verified.controller == vc["issuer"]
    assert verified.public_key == ISSUER.public_key


def test_proof_verifies_with_an_independent_eddsa_jcs_2022(vc: dict[str, Any]) -> None:
    """eddsa-jcs-2022 §3.3: sign SHA-256(JCS(proof config)) || SHA-256(JCS(document))."""
    document = {k: v for k, v in vc.items() if k != "proof"}
    config = {k: v for k, v in vc["proof"].items() if k != "proofValue"}
    hash_data = hashlib.sha256(rfc8785.dumps(config)).digest()
    hash_data += hashlib.sha256(rfc8785.dumps(document)).digest()
    value = vc["proof"]["proofValue"]
    assert value.startswith("z")
    signature = b58decode(value[1:])
    assert len(signature) == 64
    Ed25519PublicKey.from_public_bytes(ISSUER.public_key.raw).verify(signature, hash_data)


@pytest.mark.parametrize(
    "path",
    [("validUntil",), ("credentialSubject", "id"), ("credentialSubject", "evaluation", "verdict")],
)
def test_a_field_changed_after_signing_fails(vc: dict[str, Any], path: tuple[str, ...]) -> None:
    tampered = copy.deepcopy(vc)
    node = tampered
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "fail" if path[-1] == "verdict" else node[path[-1]] + "0"
    with pytest.raises(VerificationError):
        data_integrity.verify_proof(tampered)


def _unsigned(now: datetime = NOW) -> dict[str, Any]:
    pact = parse_pact(PACT_TOML.encode())
    ev = evaluate(SUBJECT, pact, parse_results(RESULTS_TOML.encode()))
    return unsigned_credential(ev, ISSUER.public_key, [], now=now, valid_for=timedelta(days=1))


@pytest.mark.parametrize("sign", [sign_json, sign_cose])
def test_issuer_key_mismatch_is_refused(sign: Any) -> None:
    with pytest.raises(UsageError) as info:
        sign(_unsigned(), OTHER)
    assert info.value.code == "credential.issuer_key_mismatch"


def test_naive_clock_and_non_positive_validity_are_refused() -> None:
    with pytest.raises(UsageError):
        _unsigned(now=datetime(2026, 1, 1))
    ev = evaluate(SUBJECT, parse_pact(PACT_TOML.encode()), parse_results(RESULTS_TOML.encode()))
    with pytest.raises(UsageError) as info:
        unsigned_credential(ev, ISSUER.public_key, [], now=NOW, valid_for=timedelta(0))
    assert info.value.code == "credential.bad_validity"


def test_valid_from_is_to_the_second() -> None:
    doc = _unsigned(now=NOW + timedelta(microseconds=999_999))
    assert doc["validFrom"] == "2026-11-26T12:00:00Z"
    assert doc["validUntil"] == "2026-11-27T12:00:00Z"


def test_evaluation_claims(vc: dict[str, Any]) -> None:
    """The outcomes are computed from the pact (specs/pact.md §4); measurements outside the
    pact are carried without an outcome."""
    evaluation = vc["credentialSubject"]["evaluation"]
    pact = parse_pact(PACT_TOML.encode())
    assert evaluation["pact"] == {
        "type": "PactReference",
        "id": "urn:example:pact:support",
        "version": "2.1.0",
        "digest": str(pact.digest),
    }
    assert evaluation["evaluationPeriod"] == {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-11-19T23:00:00Z",
    }
    assert [m["metric"] for m in evaluation["measurement"]] == [
        "task_success_rate",
        "harmful_output_rate",
        "p95_latency",
        "tokens_per_task",
    ]
    assert evaluation["measurement"][0] == {
        "type": "MetricMeasurement",
        "metric": "task_success_rate",
        "value": 0.934,
        "unit": "ratio",
        "sampleSize": 1200,
    }
    assert "sampleSize" not in evaluation["measurement"][2]
    outcomes = evaluation["obligationOutcome"]
    assert [o["metric"] for o in outcomes] == [o.metric for o in pact.obligations]
    # 0.934 >= 0.9 with n=1200 >= 200; 0.0004 <= 0.001; 6.5 < 8
    assert [o["outcome"] for o in outcomes] == ["pass", "pass", "pass"]
    assert outcomes[0] == {
        "type": "ObligationOutcome",
        "metric": "task_success_rate",
        "comparator": ">=",
        "threshold": 0.9,
        "unit": "ratio",
        "dimension": "reliability",
        "minSampleSize": 200,
        "outcome": "pass",
    }
    assert "minSampleSize" not in outcomes[1]
    assert evaluation["verdict"] == "pass"


# --- JSON-LD: every term is defined by the shipped contexts ----------------------------------


def _merge(active: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply a local context (a shipped URL, an object, or a list of them) to term map."""
    out = dict(active)
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str):
            assert item in shipped_contexts(), f"context {item} is not shipped"
            item = load_context(item)["@context"]
        assert isinstance(item, dict)
        out.update({k: v for k, v in item.items() if not k.startswith("@")})
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def undefined_terms(node: Any, incoming: dict[str, Any], where: str = "$") -> Iterator[str]:
    """Member names and type values that no active term definition covers.

    Follows JSON-LD 1.1 scoping: an embedded @context applies to its node and below; a
    type-scoped context (looked up in the context before any type-scoped one) applies to the
    node's own members only and not to nested nodes (§4.1.8, expansion step 7); a
    property-scoped context applies to the member's value and below.
    """
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from undefined_terms(item, incoming, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    ctx = _merge(incoming, node["@context"]) if "@context" in node else incoming
    node_ctx = ctx
    type_values = _as_list(node.get("type", []))
    for t in sorted(type_values):
        if t not in ctx:
            yield f"{where}.type: {t}"
        elif isinstance(ctx[t], dict) and "@context" in ctx[t]:
            node_ctx = _merge(node_ctx, ctx[t]["@context"])
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in node_ctx:
            yield f"{where}.{key}"
            continue
        definition = node_ctx[key]
        child = ctx
        if isinstance(definition, dict) and "@context" in definition:
            child = _merge(ctx, definition["@context"])
        if key != "type":
            yield from undefined_terms(value, child, f"{where}.{key}")


def test_every_term_is_defined_by_the_shipped_contexts(vc: dict[str, Any]) -> None:
    assert list(undefined_terms(vc, {})) == []


def test_the_term_check_finds_undefined_terms(vc: dict[str, Any]) -> None:
    """The walker above is not vacuous: an unknown member, an unknown type, or a type-scoped
    term used outside its type are all reported."""
    doc = copy.deepcopy(vc)
    doc["credentialSubject"]["score"] = 1
    doc["evidence"][0]["type"] = ["Evidence", "EvidenceReference"]  # VC 2.0 defines no Evidence
    doc["credentialSubject"]["evaluation"]["logIndex"] = 3  # an EvidenceReference term
    doc["credentialSubject"]["evaluation"]["measurement"][0]["outcome"] = "pass"
    assert sorted(undefined_terms(doc, {})) == [
        "$.credentialSubject.evaluation.logIndex",
        "$.credentialSubject.evaluation.measurement[0].outcome",
        "$.credentialSubject.score",
        "$.evidence[0].type: Evidence",
    ]


def _expand_with_undefined_vocab(doc: dict[str, Any]) -> str:
    """JSON-LD expansion with only the shipped contexts, plus a last context whose ``@vocab``
    catches every term no shipped context defines (what VC 2.0's undefined-terms context does):
    the expanded text then names ``urn:undefined:<term>`` for each such term."""
    jsonld = pytest.importorskip("pyld.jsonld")

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": load_context(url)}

    probe = copy.deepcopy(doc)
    probe["@context"] = [*probe["@context"], {"@vocab": "urn:undefined:"}]
    return json.dumps(jsonld.expand(probe, {"documentLoader": loader}))


def test_json_ld_expansion_finds_no_undefined_term(vc: dict[str, Any]) -> None:
    expanded = _expand_with_undefined_vocab(vc)
    assert "urn:undefined:" not in expanded
    for term in ("evaluation", "measurement", "obligationOutcome", "logIndex", "minSampleSize"):
        assert f"https://w3id.org/attest#{term}" in expanded, term
    # and the probe works: an unknown member and an unknown type are caught
    doc = copy.deepcopy(vc)
    doc["credentialSubject"]["score"] = 1
    doc["evidence"][0]["type"] = ["Evidence", "EvidenceReference"]
    expanded = _expand_with_undefined_vocab(doc)
    assert "urn:undefined:score" in expanded
    assert "urn:undefined:Evidence" in expanded


def test_shipped_term_definitions_are_absolute_iris() -> None:
    for url in (CREDENTIALS_V2, ATTEST_V1):
        for term, definition in load_context(url)["@context"].items():
            if term.startswith("@"):
                continue
            iri = definition if isinstance(definition, str) else definition["@id"]
            assert iri.startswith(("https://", "http://", "@")), (term, iri)


# --- the COSE form ---------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A decoded CBOR value as plain JSON-like data (maps -> dict, arrays -> list)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def posix(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp())


def test_cose_verifies_and_carries_the_json_document(cose_bytes: bytes, vc: dict[str, Any]) -> None:
    verified = cose.verify(cose_bytes, ISSUER.public_key)
    payload = plain(decode_cbor(verified.payload))
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    assert payload == unsigned
    assert rfc8785.dumps(payload) == rfc8785.dumps(unsigned)
    # deterministic CBOR (RFC 8949 §4.2.1); with text keys only, cbor2's canonical order
    # (length first, §4.2.3) is the same order, so cbor2 is an independent encoder here
    assert verified.payload == cbor2.dumps(payload, canonical=True)


def test_cose_headers_and_cwt_claims(cose_bytes: bytes, vc: dict[str, Any]) -> None:
    message = cbor2.loads(cose_bytes)
    assert isinstance(message, cbor2.CBORTag)
    assert message.tag == 18  # COSE_Sign1_Tagged, RFC 9052 §4.2
    protected_bytes, unprotected, payload, signature = message.value
    assert unprotected == {}
    protected = cbor2.loads(protected_bytes)
    assert protected == {
        1: -8,  # EdDSA (RFC 9053), the default: most COSE libraries read it (specs/cose.md)
        3: "application/vc",
        4: ISSUER_VM.encode(),
        15: {
            1: ISSUER_DID,
            2: SUBJECT,
            4: posix(vc["validUntil"]),
            5: posix(vc["validFrom"]),
            6: posix(vc["validFrom"]),
        },
    }
    # RFC 9052 §4.4 Sig_structure, verified with `cryptography`
    to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    Ed25519PublicKey.from_public_bytes(ISSUER.public_key.raw).verify(signature, to_sign)


def test_cose_claims_read_back(cose_bytes: bytes, vc: dict[str, Any]) -> None:
    verified = cose.verify(cose_bytes, ISSUER.public_key)
    assert verified.kid == ISSUER_VM.encode()
    assert verified.content_type == "application/vc"
    assert verified.claims == cose.CwtClaims(
        iss=vc["issuer"],
        sub=vc["credentialSubject"]["id"],
        iat=posix(vc["validFrom"]),
        nbf=posix(vc["validFrom"]),
        exp=posix(vc["validUntil"]),
    )


def test_cose_with_another_key_or_a_flipped_bit_fails(cose_bytes: bytes) -> None:
    with pytest.raises(VerificationError):
        cose.verify(cose_bytes, OTHER.public_key)
    flipped = bytearray(cose_bytes)
    flipped[-1] ^= 1
    with pytest.raises(VerificationError):
        cose.verify(bytes(flipped), ISSUER.public_key)


def test_without_validity_end_there_is_no_exp(tmp_path: Path) -> None:
    b = issue_fixed(tmp_path / "c", encoding="cbor", valid_for=None)
    assert isinstance(b.credential, bytes)
    verified = cose.verify(b.credential, ISSUER.public_key)
    assert verified.claims is not None and verified.claims.exp is None
    assert "validUntil" not in plain(decode_cbor(verified.payload))
    protected = cbor2.loads(cbor2.loads(b.credential).value[0])
    assert set(protected[15]) == {1, 2, 5, 6}


# --- determinism -----------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_bundles(tmp_path: Path) -> None:
    for encoding in ("json", "cbor"):
        for embed in (False, True):
            a = issue_fixed(tmp_path / f"{encoding}{embed}a", encoding=encoding, embed=embed)
            b = issue_fixed(tmp_path / f"{encoding}{embed}b", encoding=encoding, embed=embed)
            assert a.encode() == b.encode()


def _id_and_digest(bundle: Bundle) -> tuple[str, str]:
    entry = bundle.credential_entry.decoded
    assert entry.name is not None
    return entry.name, str(entry.digest)


ONE_BYTE_CHANGED = {**EVIDENCE, "metrics.json": EVIDENCE["metrics.json"].replace(b"4", b"5")}
CHANGES: dict[str, dict[str, Any]] = {
    "clock +1 s": {"now": NOW + timedelta(seconds=1)},
    "subject": {"subject": SUBJECT + "-2"},
    "one metric value": {"results": RESULTS_TOML.replace("value = 6.5", "value = 6.6")},
    "one evidence byte": {"evidence": ONE_BYTE_CHANGED},
}


@pytest.mark.parametrize("encoding", ["json", "cbor"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_input_change_changes_id_and_digest(tmp_path: Path, encoding: str, change: str) -> None:
    base = _id_and_digest(issue_fixed(tmp_path / "base", encoding=encoding))
    changed = _id_and_digest(
        issue_fixed(tmp_path / "changed", encoding=encoding, **CHANGES[change])
    )
    assert changed[0] != base[0]
    assert changed[1] != base[1]


def test_json_and_cbor_encodings_make_one_credential(issued: dict[str, Bundle]) -> None:
    """Both issuances saw the same log state, so the claims (and the id) are the same."""
    json_id, json_digest = _id_and_digest(issued["json"])
    cbor_id, cbor_digest = _id_and_digest(issued["cbor"])
    assert json_id == cbor_id
    assert json_digest != cbor_digest
