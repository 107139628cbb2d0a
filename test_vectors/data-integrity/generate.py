"""Regenerate eddsa-jcs-2022.json: attest's own Data Integrity vectors, valid and invalid.

Run from the repository root: ``python test_vectors/data-integrity/generate.py``. Keys come from
fixed seeds and Ed25519 is deterministic, so the output is byte-identical on every run. Each
case states the outcome attest must give: ``ok`` (with what verified) or the stable error code
and error class (specs/data-integrity.md). Each document is stored as exact JSON text, so that
cases can also break JSON itself (duplicate member names, numbers out of range).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attest.codec import multibase
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity as di

HERE = Path(__file__).resolve().parent
MALFORMED, LIMIT, VERIFY = "MalformedError", "LimitExceededError", "VerificationError"

ISSUER = PrivateKey(bytes([0x44]) * 32)
COSIGNER = PrivateKey(bytes([0x45]) * 32)
OTHER = PrivateKey(bytes([0x46]) * 32)
P256_DID = "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
CREATED = "2026-01-15T09:30:00Z"

KEYS = {
    name: {
        "seed_hex": key.seed.hex(),
        "did": did_key.encode_did_key(key.public_key),
        "verification_method": did_key.verification_method_id(key.public_key),
    }
    for name, key in (("issuer", ISSUER), ("cosigner", COSIGNER), ("other", OTHER))
}

CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/attest/v1"],
    "id": "urn:uuid:0b6f8d4e-5c2a-4f7e-9a41-3d2e1c0b9a87",
    "type": ["VerifiableCredential", "EvaluationCredential"],
    "issuer": KEYS["issuer"]["did"],
    "validFrom": "2026-01-15T00:00:00Z",
    "validUntil": "2026-07-15T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:agent-7",
        "evaluation": {
            "type": "Evaluation",
            "method": "held-out task replay",
            "suite": "https://suites.example/support-desk/v3",
            "pact": {
                "type": "PactReference",
                "id": "https://pacts.example/support-desk-sla",
                "version": "1.2.0",
                "digest": "sha256:" + "5e" * 32,
            },
            "evaluationPeriod": {"start": "2025-12-01T00:00:00Z", "end": "2025-12-31T23:59:59Z"},
            "measurement": [
                {
                    "type": "MetricMeasurement",
                    "metric": "task_success_rate",
                    "value": 0.934,
                    "unit": "ratio",
                    "sampleSize": 1200,
                    "dimension": "reliability",
                }
            ],
            "obligationOutcome": [
                {
                    "type": "ObligationOutcome",
                    "obligation": "success-rate-floor",
                    "metric": "task_success_rate",
                    "comparator": ">=",
                    "threshold": 0.9,
                    "unit": "ratio",
                    "dimension": "reliability",
                    "minSampleSize": 1000,
                    "outcome": "met",
                }
            ],
            "verdict": "pass",
        },
    },
    "evidence": [
        {
            "type": "EvidenceReference",
            "name": "transcripts.jsonl",
            "mediaType": "application/jsonl",
            "digest": "sha256:" + "a1" * 32,
            "size": 482113,
            "logOrigin": "log.evaluator.example/evidence",
            "logIndex": 41,
        }
    ],
}

PLAIN: dict[str, Any] = {"myWebsite": "https://hello.world.example/", "n": [1, 2.5, None, True]}


def sign(doc: dict[str, Any], key: PrivateKey = ISSUER, **options: Any) -> dict[str, Any]:
    return di.add_proof(doc, key, di.ProofOptions(**options))


def resign(
    secured: dict[str, Any], key: PrivateKey, edit: Callable[[dict[str, Any]], object]
) -> Any:
    """Edit the proof (without proofValue), then sign it again: a validly signed odd proof."""
    doc = copy.deepcopy(secured)
    proof = doc.pop("proof")
    proof.pop("proofValue")
    edit(proof)
    signature = key.sign(di.signing_input(doc, proof).hash_data)
    proof["proofValue"] = multibase.encode(signature)
    doc["proof"] = proof
    return doc


def edited(secured: dict[str, Any], edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    doc = copy.deepcopy(secured)
    edit(doc)
    return doc


def in_proof(drop: str | None = None, **members: Any) -> Callable[[dict[str, Any]], None]:
    """An edit of a secured document's proof: drop one member, or set members."""

    def edit(doc: dict[str, Any]) -> None:
        if drop is not None:
            doc["proof"].pop(drop)
        doc["proof"].update(members)

    return edit


def updating(**members: Any) -> Callable[[dict[str, Any]], None]:
    """An edit of a proof object: set members."""
    return lambda proof: proof.update(members)


def flip_signature_bit(doc: dict[str, Any], byte: int, bit: int) -> None:
    raw = bytearray(multibase.decode(doc["proof"]["proofValue"]))
    raw[byte] ^= 1 << bit
    doc["proof"]["proofValue"] = multibase.encode(bytes(raw))


SIGNED = sign(CREDENTIAL, created=CREATED)
SIGNED_PLAIN = sign(PLAIN)
CASES: list[dict[str, Any]] = []


def case(
    case_id: str,
    description: str,
    document: Any,
    *,
    code: str | None = None,
    error_class: str = MALFORMED,
    verified: list[dict[str, Any]] | None = None,
    function: str = "verify_proof",
    text: str | None = None,
    **options: Any,
) -> None:
    entry: dict[str, Any] = {"id": case_id, "description": description, "function": function}
    if options:
        entry["options"] = options
    entry["document_json"] = text if text is not None else json.dumps(document, indent=2)
    if code is None:
        entry["expect"] = "ok"
        entry["verified"] = verified
    else:
        entry["expect"] = "error"
        entry["code"] = code
        entry["error_class"] = error_class
    CASES.append(entry)


def ok(key: str = "issuer", purpose: str = "assertionMethod", **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "verification_method": KEYS[key]["verification_method"],
        "controller": KEYS[key]["did"],
        "proof_purpose": purpose,
        "created": None,
        "expires": None,
        "domain": [],
        "challenge": None,
    }
    result.update(extra)
    return result


# --- valid ---------------------------------------------------------------------------------------

case(
    "ok-credential",
    "an EvaluationCredential signed by a did:key issuer",
    SIGNED,
    verified=[ok(created=CREATED)],
)
case(
    "ok-plain-json",
    "a JSON document without @context: the proof has none either",
    SIGNED_PLAIN,
    verified=[ok()],
)
case(
    "ok-domain-challenge",
    "domain (two values) and challenge, checked as a set and a string",
    sign(
        PLAIN, proof_purpose="authentication", domain=("b.example", "a.example"), challenge="c-91f2"
    ),
    expected_proof_purpose="authentication",
    domain=["a.example", "b.example"],
    challenge="c-91f2",
    verified=[ok(purpose="authentication", domain=["b.example", "a.example"], challenge="c-91f2")],
)
case(
    "ok-unchecked-domain",
    "a proof's domain is reported but not required without one asked",
    sign(PLAIN, domain="a.example"),
    verified=[ok(domain=["a.example"])],
)
case(
    "ok-expires-future",
    "expires after the verifier's time",
    sign(PLAIN, created=CREATED, expires="2026-02-15T09:30:00Z"),
    now="2026-02-15T09:29:59Z",
    verified=[ok(created=CREATED, expires="2026-02-15T09:30:00Z")],
)
case(
    "ok-created-offset",
    "created with a time zone offset is reported in UTC",
    sign(PLAIN, created="2026-01-15T10:30:00+01:00"),
    verified=[ok(created="2026-01-15T09:30:00Z")],
)
case(
    "ok-no-proof-context",
    "a proof without @context on a document with one: the document's "
    "@context is signed as part of the document (eddsa-jcs-2022 §3.3.1 step 2 skipped)",
    resign(SIGNED, ISSUER, lambda p: p.pop("@context")),
    verified=[ok(created=CREATED)],
)
case(
    "ok-extra-proof-members",
    "id and nonce in the proof are signed and accepted",
    resign(SIGNED, ISSUER, lambda p: p.update(id="urn:uuid:1", nonce="n-1")),
    verified=[ok(created=CREATED)],
)
case(
    "ok-purpose-unchecked",
    "expected_proof_purpose null: any did:key relationship is accepted",
    sign(PLAIN, proof_purpose="capabilityInvocation"),
    expected_proof_purpose=None,
    verified=[ok(purpose="capabilityInvocation")],
)
PROOF_SET = sign(SIGNED, COSIGNER, created=CREATED)
case(
    "ok-proof-set",
    "a proof set of two independent proofs, each over the document",
    PROOF_SET,
    function="verify_proof_set",
    verified=[ok(created=CREATED), ok("cosigner", created=CREATED)],
)
CHAIN_ID = "urn:uuid:6f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"
FIRST = sign(CREDENTIAL, created=CREATED, id=CHAIN_ID)
OTHER_FIRST = sign(CREDENTIAL, created="2026-01-15T09:30:01Z", id=CHAIN_ID)
PROOF_CHAIN = sign(FIRST, COSIGNER, created=CREATED, id=CHAIN_ID + "-2", previous_proof=CHAIN_ID)
case(
    "ok-proof-chain",
    "a proof chain: the cosigner's proof names the issuer's and signs the document with it "
    "(DI §4.2: proof set to the list of the named proofs)",
    PROOF_CHAIN,
    function="verify_proof_set",
    verified=[ok(created=CREATED), ok("cosigner", created=CREATED)],
)
case(
    "ok-proof-set-of-one",
    "verify_proof_set also takes a single proof object",
    SIGNED,
    function="verify_proof_set",
    verified=[ok(created=CREATED)],
)
case(
    "ok-reformatted",
    "white space, member order and escapes do not matter: JCS is signed",
    None,
    text=json.dumps(dict(reversed(list(SIGNED.items()))), indent=None, ensure_ascii=True),
    verified=[ok(created=CREATED)],
)

# --- the document changed ------------------------------------------------------------------------

case(
    "doc-member-changed",
    "credentialSubject changed after signing",
    edited(SIGNED, lambda d: d["credentialSubject"]["evaluation"].update(verdict="fail")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "doc-number-changed",
    "a measurement value changed after signing",
    edited(
        SIGNED, lambda d: d["credentialSubject"]["evaluation"]["measurement"][0].update(value=0.935)
    ),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "doc-member-added",
    "a member added after signing",
    edited(SIGNED, lambda d: d.update(name="x")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "doc-member-removed",
    "validUntil removed after signing",
    edited(SIGNED, lambda d: d.pop("validUntil")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "doc-array-reordered",
    "type array reordered after signing",
    edited(SIGNED, lambda d: d["type"].reverse()),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "doc-context-appended",
    "a context appended to the document after signing",
    edited(SIGNED, lambda d: d["@context"].append("https://www.w3.org/ns/credentials/examples/v2")),
    code="di.context_mismatch",
    error_class=VERIFY,
)
case(
    "doc-context-removed",
    "the document's @context removed; the proof still has one",
    edited(SIGNED, lambda d: d.pop("@context")),
    code="di.context_mismatch",
    error_class=VERIFY,
)

# --- the proof changed ---------------------------------------------------------------------------

for byte, bit in ((0, 0), (31, 7), (32, 0), (63, 7)):
    case(
        f"proof-value-bit-{byte}-{bit}",
        f"bit {bit} of signature byte {byte} flipped",
        edited(SIGNED, functools.partial(flip_signature_bit, byte=byte, bit=bit)),
        code="signature.invalid",
        error_class=VERIFY,
    )
case(
    "proof-created-changed",
    "created changed after signing",
    edited(SIGNED, lambda d: d["proof"].update(created="2026-01-15T09:30:01Z")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-created-removed",
    "created removed after signing",
    edited(SIGNED, lambda d: d["proof"].pop("created")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-context-removed",
    "the proof's @context removed after signing",
    edited(SIGNED, lambda d: d["proof"].pop("@context")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-member-added",
    "a member added to the proof after signing",
    edited(SIGNED, lambda d: d["proof"].update(nonce="x")),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-other-key",
    "verificationMethod names another Ed25519 key than the one that signed",
    resign(
        SIGNED,
        ISSUER,
        lambda p: p.update(verificationMethod=KEYS["other"]["verification_method"]),
    ),
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-purpose-changed",
    "proofPurpose changed after signing; verified without expectation",
    edited(SIGNED, lambda d: d["proof"].update(proofPurpose="authentication")),
    expected_proof_purpose=None,
    code="signature.invalid",
    error_class=VERIFY,
)

# --- the proof is not one attest accepts ---------------------------------------------------------

case(
    "type-ed25519signature2020",
    "the legacy Ed25519Signature2020 proof type",
    edited(
        SIGNED,
        lambda d: (d["proof"].update(type="Ed25519Signature2020"), d["proof"].pop("cryptosuite")),
    ),
    code="di.unsupported_cryptosuite",
)
case(
    "cryptosuite-rdfc",
    "an eddsa-jcs-2022 proof relabelled eddsa-rdfc-2022: the RDF canonical form is not what "
    "was signed",
    edited(SIGNED, lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022")),
    code="signature.invalid",
    error_class=VERIFY,
)
# --- what an eddsa-rdfc-2022 signature does not cover (specs/data-integrity.md §4) -------------

SIGNED_RDFC = di.add_proof(
    CREDENTIAL, ISSUER, di.ProofOptions(created=CREATED), cryptosuite="eddsa-rdfc-2022"
)
case(
    "rdfc-inline-context",
    "an inline context appended after rdfc signing (it could swap what two terms mean; the RDF "
    "and so the signature need not change)",
    edited(SIGNED_RDFC, lambda d: d["@context"].append({"x": "https://example.org/x"})),
    code="di.unsigned_context",
)
case(
    "rdfc-scoped-context",
    "an inline context deeper in an rdfc-signed document",
    edited(
        SIGNED_RDFC,
        lambda d: d["credentialSubject"].update({"@context": {"x": "https://example.org/x"}}),
    ),
    code="di.unsigned_context",
)
case(
    "rdfc-included",
    "an @included node in an rdfc-signed document (statements about the credential moved "
    "where a JSON reader does not look)",
    edited(SIGNED_RDFC, lambda d: d.update({"@included": []})),
    code="di.unsigned_context",
)
case(
    "cryptosuite-ecdsa",
    "ecdsa-jcs-2019",
    edited(SIGNED, lambda d: d["proof"].update(cryptosuite="ecdsa-jcs-2019")),
    code="di.unsupported_cryptosuite",
)
case(
    "cryptosuite-list",
    "cryptosuite as a list",
    edited(SIGNED, lambda d: d["proof"].update(cryptosuite=["eddsa-jcs-2022"])),
    code="di.unsupported_cryptosuite",
)
for member in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
    case(
        f"missing-{member}",
        f"the proof has no {member}",
        edited(SIGNED, in_proof(drop=member)),
        code="di.missing_field",
    )
JSON_TYPE = {int: "number", list: "array", type(None): "null", bool: "boolean"}
bad_values: tuple[tuple[str, Any], ...] = (
    ("verificationMethod", 1),
    ("proofPurpose", ["assertionMethod"]),
    ("proofValue", None),
    ("created", 1767000000),
    ("domain", 5),
    ("domain", []),
    ("challenge", True),
)
for member, value in bad_values:
    case(
        f"bad-{member}-{JSON_TYPE[type(value)]}",
        f"{member} is {json.dumps(value)}",
        edited(SIGNED, in_proof(**{member: value})),
        code="di.bad_field",
    )
case(
    "proof-value-base64url",
    "proofValue in base64url multibase ('u…')",
    edited(
        SIGNED,
        lambda d: d["proof"].update(
            proofValue=multibase.encode(
                multibase.decode(d["proof"]["proofValue"]), multibase.BASE64URL
            )
        ),
    ),
    code="di.bad_proof_value",
)
case(
    "proof-value-bad-char",
    "proofValue with a character outside base58btc ('0')",
    edited(SIGNED, lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-1] + "0")),
    code="di.bad_proof_value",
)
case(
    "proof-value-short",
    "proofValue of 63 bytes",
    edited(
        SIGNED,
        lambda d: d["proof"].update(
            proofValue=multibase.encode(multibase.decode(d["proof"]["proofValue"])[:63])
        ),
    ),
    code="di.bad_proof_value",
)
case(
    "proof-value-long",
    "proofValue of 65 bytes",
    edited(
        SIGNED,
        lambda d: d["proof"].update(
            proofValue=multibase.encode(multibase.decode(d["proof"]["proofValue"]) + b"\x00")
        ),
    ),
    code="di.bad_proof_value",
)
case(
    "proof-value-empty",
    "proofValue is 'z'",
    edited(SIGNED, lambda d: d["proof"].update(proofValue="z")),
    code="di.bad_proof_value",
)
case(
    "created-not-datetime",
    "created is not a dateTimeStamp",
    edited(SIGNED, lambda d: d["proof"].update(created="yesterday")),
    code="di.bad_created",
)
case(
    "created-no-timezone",
    "created without a time zone",
    edited(SIGNED, lambda d: d["proof"].update(created="2026-01-15T09:30:00")),
    code="di.bad_created",
)
case(
    "expires-passed",
    "expires not after the verifier's time",
    sign(PLAIN, expires="2026-02-15T09:30:00Z"),
    now="2026-02-15T09:30:00Z",
    code="di.proof_expired",
    error_class=VERIFY,
)
case(
    "expires-bad",
    "expires is not a dateTimeStamp",
    resign(SIGNED, ISSUER, lambda p: p.update(expires="2026-02-30T00:00:00Z")),
    code="di.bad_expires",
)

# --- verification method and purpose ------------------------------------------------------------

for name, method, code in (
    ("https", "https://issuer.example/keys#1", "di.unsupported_verification_method"),
    ("did-web", "did:web:issuer.example#key-1", "di.unsupported_verification_method"),
    ("no-fragment", KEYS["issuer"]["did"], "did_key.missing_fragment"),
    (
        "fragment-mismatch",
        KEYS["issuer"]["did"] + "#" + KEYS["other"]["did"][8:],
        "did_key.fragment_mismatch",
    ),
    ("p256", P256_DID + "#" + P256_DID[8:], "multikey.unsupported_key_type"),
    (
        "not-multibase",
        "did:key:" + KEYS["issuer"]["did"][9:] + "#" + KEYS["issuer"]["did"][9:],
        "multikey.bad_encoding",
    ),
):
    case(
        f"vm-{name}",
        f"verificationMethod {method[:60]}",
        resign(SIGNED, ISSUER, updating(verificationMethod=method)),
        code=code,
    )
case(
    "purpose-mismatch",
    "an authentication proof where assertionMethod is expected",
    sign(PLAIN, proof_purpose="authentication"),
    code="di.proof_purpose_mismatch",
    error_class=VERIFY,
)
case(
    "purpose-key-agreement",
    "keyAgreement: a relationship a did:key Ed25519 key lacks",
    resign(SIGNED_PLAIN, ISSUER, lambda p: p.update(proofPurpose="keyAgreement")),
    expected_proof_purpose=None,
    code="di.invalid_relationship",
    error_class=VERIFY,
)
case(
    "domain-mismatch",
    "the verifier expects another domain",
    sign(PLAIN, domain="a.example"),
    domain=["b.example"],
    code="di.domain_mismatch",
    error_class=VERIFY,
)
case(
    "domain-missing",
    "the verifier expects a domain; the proof has none",
    SIGNED_PLAIN,
    domain=["a.example"],
    code="di.domain_mismatch",
    error_class=VERIFY,
)
case(
    "domain-subset",
    "the proof's domains must equal the expected set, not overlap it",
    sign(PLAIN, domain=("a.example", "b.example")),
    domain=["a.example"],
    code="di.domain_mismatch",
    error_class=VERIFY,
)
case(
    "challenge-mismatch",
    "the verifier expects another challenge",
    sign(PLAIN, challenge="c-1"),
    challenge="c-2",
    code="di.challenge_mismatch",
    error_class=VERIFY,
)

# --- document shape, proof sets, chains ----------------------------------------------------------

case("no-proof", "a document without proof", CREDENTIAL, code="di.missing_proof")
case("not-an-object", "a JSON array", [SIGNED], code="di.bad_document")
case(
    "proof-a-string",
    "proof is a string",
    edited(SIGNED, lambda d: d.update(proof="z1")),
    code="di.bad_proof",
)
case(
    "proof-set-to-verify-proof",
    "verify_proof expects exactly one proof",
    PROOF_SET,
    code="di.unexpected_proof_set",
)
case(
    "proof-set-tampered",
    "the second proof of a set does not verify",
    edited(PROOF_SET, lambda d: d["proof"][1].update(created="2026-01-15T09:30:01Z")),
    function="verify_proof_set",
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-set-empty",
    "proof is an empty list",
    edited(SIGNED, lambda d: d.update(proof=[])),
    function="verify_proof_set",
    code="di.missing_proof",
)
case(
    "proof-set-too-large",
    f"{di.MAX_PROOFS + 1} proofs",
    edited(SIGNED, lambda d: d.update(proof=[d["proof"]] * (di.MAX_PROOFS + 1))),
    function="verify_proof_set",
    code="di.too_many_proofs",
    error_class=LIMIT,
)
case(
    "proof-chain",
    "a lone proof naming a previousProof that no proof on the document has",
    resign(SIGNED, ISSUER, lambda p: p.update(previousProof="urn:uuid:1")),
    function="verify_proof_set",
    code="di.previous_proof_not_found",
)
case(
    "proof-chain-missing",
    "the second proof of a chain names an id that is not there",
    edited(PROOF_CHAIN, lambda d: d["proof"][1].update(previousProof="urn:uuid:other")),
    function="verify_proof_set",
    code="di.previous_proof_not_found",
)
case(
    "proof-chain-previous-replaced",
    "the proof a chained proof signed is replaced by another valid proof with the same id",
    edited(PROOF_CHAIN, lambda d: d["proof"].__setitem__(0, OTHER_FIRST["proof"])),
    function="verify_proof_set",
    code="signature.invalid",
    error_class=VERIFY,
)
case(
    "proof-chain-previous-dropped",
    "the proof a chained proof signed is removed",
    edited(PROOF_CHAIN, lambda d: d.update(proof=[d["proof"][1]])),
    function="verify_proof_set",
    code="di.previous_proof_not_found",
)
case(
    "proof-chain-cycle",
    "two proofs naming each other",
    edited(PROOF_CHAIN, lambda d: d["proof"][0].update(previousProof=CHAIN_ID + "-2", id=CHAIN_ID)),
    function="verify_proof_set",
    code="di.proof_chain_cycle",
)
case(
    "proof-chain-self",
    "a proof naming its own id",
    edited(PROOF_CHAIN, lambda d: d["proof"][0].update(previousProof=CHAIN_ID)),
    function="verify_proof_set",
    code="di.proof_chain_cycle",
)
case(
    "proof-duplicate-id",
    "two proofs with the same id",
    edited(PROOF_CHAIN, lambda d: d["proof"][1].update(id=CHAIN_ID)),
    function="verify_proof_set",
    code="di.duplicate_proof_id",
)
case(
    "proof-previous-number",
    "previousProof is a number",
    edited(PROOF_CHAIN, lambda d: d["proof"][1].update(previousProof=1)),
    function="verify_proof_set",
    code="di.bad_field",
)
case(
    "proof-previous-empty-list",
    "previousProof is an empty list",
    edited(PROOF_CHAIN, lambda d: d["proof"][1].update(previousProof=[])),
    function="verify_proof_set",
    code="di.bad_field",
)
case(
    "proof-id-number",
    "a proof id that is a number",
    edited(PROOF_CHAIN, lambda d: d["proof"][0].update(id=7)),
    function="verify_proof_set",
    code="di.bad_field",
)

# --- hostile JSON ------------------------------------------------------------------------------

_compact = json.dumps(SIGNED, separators=(",", ":"))
case(
    "json-duplicate-proof-value",
    "proofValue given twice in the proof",
    None,
    text=_compact.replace('"proofValue":', '"proofValue":"z1","proofValue":'),
    code="json.duplicate_key",
)
case(
    "json-big-integer",
    "an integer beyond 2^53 - 1 in the document",
    None,
    text=_compact.replace('"size":482113', '"size":9007199254740993'),
    code="json.int_out_of_range",
)
case(
    "json-lone-surrogate",
    "a lone surrogate escape in the document",
    None,
    text=_compact.replace('"verdict":"pass"', '"verdict":"pass\\ud800"'),
    code="json.lone_surrogate",
)


def main() -> None:
    out = {
        "description": "attest's eddsa-jcs-2022 Data Integrity vectors (specs/data-integrity.md)",
        "keys": KEYS,
        "cases": CASES,
    }
    text = json.dumps(out, indent=2, ensure_ascii=False) + "\n"
    (HERE / "eddsa-jcs-2022.json").write_text(text, encoding="utf-8")
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
