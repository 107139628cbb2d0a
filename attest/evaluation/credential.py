"""Evaluation credentials: one set of claims, two signed encodings, written and read here.

The claims are a W3C VC Data Model 2.0 document (specs/credential.md): the issuer's did:key,
validity window, the subject and its :class:`~attest.evaluation.results.Evaluation` (pact reference,
measurements, outcomes computed from the pact, verdict) and references to the logged
evidence. They are secured either

- as JSON with a Data Integrity proof, cryptosuite ``eddsa-jcs-2022``; or
- as COSE_Sign1 over the deterministic CBOR of the same document, with the CWT claims
  ``iss``, ``sub``, ``iat``, ``nbf``, ``exp`` in the protected header.

The writer (:func:`unsigned_credential`, :func:`sign_json`, :func:`sign_cose`) and the reader
(:func:`open_credential`: verify the signature, then :meth:`EvaluationClaims.from_json` reads the
claims into one typed object) sit side by side, so a change to the format is made once.

Everything here is a pure function of its inputs, the issuer's clock included (``now``), so
issuing is reproducible.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from attest.codec.canonical import canonicalize, canonicalize_with_member
from attest.codec.cbor import decode_cbor, encode_deterministic, to_json_value
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.codec.digest import Digest
from attest.errors import LimitExceededError, MalformedError, UsageError, VerificationError
from attest.evaluation.pact import Obligation
from attest.evaluation.results import Evaluation, Measurement, judge
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey, PublicKey
from attest.vc import data_integrity
from attest.vc.contexts import ATTEST_V1, CREDENTIALS_V2

if TYPE_CHECKING:  # COSE is imported where it is used: a JSON credential never needs it
    from attest.vc import cose

__all__ = [
    "ATTEST_CONTEXT",
    "COSE_CONTENT_TYPE",
    "CREDENTIAL_TYPE",
    "DEFAULT_COSE_ALG",
    "JSON_MEDIA_TYPE",
    "MAX_CITED_EVIDENCE",
    "VC_CONTEXT",
    "EvaluationClaims",
    "EvidenceRef",
    "Measured",
    "OpenedCredential",
    "SupersededRef",
    "check_period",
    "credential_digest",
    "open_credential",
    "sign_cose",
    "sign_json",
    "unsigned_credential",
]

VC_CONTEXT = CREDENTIALS_V2
ATTEST_CONTEXT = ATTEST_V1
CREDENTIAL_TYPE = "EvaluationCredential"
#: Media types of the two encodings, as logged (VC 2.0 §6.3, VC-JOSE-COSE §3.3).
JSON_MEDIA_TYPE = "application/vc"
COSE_MEDIA_TYPE = "application/vc+cose"
COSE_CONTENT_TYPE = "application/vc"
#: Most evidence items one credential may cite (a bundle carries at most 1,024 beside it).
MAX_CITED_EVIDENCE = 1024


@dataclass(frozen=True)
class EvidenceRef:
    """Logged evidence a credential cites: its digest, size, type, name and log position."""

    digest: Digest
    size: int
    media_type: str
    log_origin: str
    log_index: int
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "EvidenceReference",
            "digest": str(self.digest),
            "size": self.size,
            "mediaType": self.media_type,
        }
        if self.name is not None:
            out["name"] = self.name
        out["logOrigin"] = self.log_origin
        out["logIndex"] = self.log_index
        return out


@dataclass(frozen=True)
class SupersededRef:
    """The credential a new one replaces (recertification): its id and logged digest."""

    id: str
    digest: Digest

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "digest": str(self.digest)}


def _seconds(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise UsageError("credential.naive_time", "times must carry a time zone")
    return t.replace(microsecond=0)


def _stamp(t: datetime) -> str:
    return format_datetime_stamp(_seconds(t))


def _evaluation_json(ev: Evaluation) -> dict[str, Any]:
    results = ev.results
    return {
        "type": "Evaluation",
        "pact": {
            "type": "PactReference",
            "id": ev.pact.id,
            "version": ev.pact.version,
            "digest": str(ev.pact.digest),
        },
        "method": results.method,
        "evaluationPeriod": {
            "start": _stamp(results.period_start),
            "end": _stamp(results.period_end),
        },
        "measurement": [
            {
                "type": "MetricMeasurement",
                "metric": m.metric,
                "value": m.value,
                "unit": m.unit,
                **({"sampleSize": m.sample_size} if m.sample_size is not None else {}),
                **({"method": m.method} if m.method is not None else {}),
                **({"judge": m.judge} if m.judge is not None else {}),
            }
            for m in results.measurements
        ],
        "obligationOutcome": [
            {
                "type": "ObligationOutcome",
                "metric": o.obligation.metric,
                "comparator": o.obligation.comparator,
                "threshold": o.obligation.threshold,
                "unit": o.obligation.unit,
                "dimension": o.obligation.dimension,
                **(
                    {"minSampleSize": o.obligation.min_sample_size}
                    if o.obligation.min_sample_size is not None
                    else {}
                ),
                "outcome": o.outcome,
            }
            for o in ev.outcomes
        ],
        "verdict": ev.verdict,
    }


def check_period(evaluation: Evaluation, now: datetime) -> None:
    """An evaluation is issued after its period ends: a period that ends after ``now`` would
    make its evidence look fresher than it can be (specs/credential.md §1)."""
    if evaluation.results.period_end > now:
        raise UsageError(
            "issue.future_period",
            f"the evaluation period ends {_stamp(evaluation.results.period_end)}, after the "
            f"issuing time {_stamp(now)}",
        )


def unsigned_credential(
    evaluation: Evaluation,
    issuer: PublicKey,
    evidence: Sequence[EvidenceRef],
    *,
    now: datetime,
    valid_for: timedelta | None,
    status: Sequence[Mapping[str, Any]] | None = None,
    supersedes: SupersededRef | None = None,
) -> dict[str, Any]:
    """The VC 2.0 document (no proof yet) for ``evaluation`` issued by ``issuer`` at ``now``;
    with ``supersedes``, it names the credential it replaces.

    ``validFrom`` is ``now`` to the second; ``validUntil`` is ``now + valid_for`` when given.
    The ``id`` is a name-based ``urn:uuid:`` (RFC 9562 version 5) of the rest of the
    document's canonical hash, so the same inputs always give the same credential.
    """
    valid_from = _seconds(now)
    check_period(evaluation, valid_from)
    doc: dict[str, Any] = {
        "@context": [VC_CONTEXT, ATTEST_CONTEXT],
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": did_key.encode_did_key(issuer),
        "validFrom": format_datetime_stamp(valid_from),
    }
    if valid_for is not None:
        if valid_for <= timedelta(0):
            raise UsageError("credential.bad_validity", "a credential must be valid for > 0s")
        doc["validUntil"] = format_datetime_stamp(valid_from + valid_for)
    doc["credentialSubject"] = {
        "id": evaluation.subject,
        "evaluation": _evaluation_json(evaluation),
    }
    if supersedes is not None:
        doc["credentialSubject"]["evaluation"]["supersedes"] = supersedes.to_json()
    if evidence:
        doc["evidence"] = [e.to_json() for e in evidence]
    if status:
        entries = [dict(e) for e in status]
        doc["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    content = "sha256:" + hashlib.sha256(canonicalize(doc)).hexdigest()
    import uuid  # only issuing names credentials; uuid costs a verifier ~9 ms at start-up

    doc["id"] = uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, ATTEST_CONTEXT), content).urn
    return doc


def sign_json(unsigned: Mapping[str, Any], key: PrivateKey) -> dict[str, Any]:
    """The credential secured with an eddsa-jcs-2022 proof, ``created`` = ``validFrom``."""
    _check_issuer(unsigned, key.public_key)
    options = data_integrity.ProofOptions(created=str(unsigned["validFrom"]))
    return dict(data_integrity.add_proof(unsigned, key, options))


#: The COSE alg ``sign_cose`` writes by default: -8 (EdDSA), the one most deployed COSE
#: libraries read (specs/cose.md §1). -19 (Ed25519, RFC 9864) on request.
DEFAULT_COSE_ALG = -8  # attest.vc.cose.ALG_EDDSA, without importing COSE at start-up


def sign_cose(
    unsigned: Mapping[str, Any], key: PrivateKey, *, alg: int | str = DEFAULT_COSE_ALG
) -> bytes:
    """COSE_Sign1 over the deterministic CBOR of the credential, CWT claims protected.

    ``alg`` is -8 / ``"EdDSA"`` (the default) or -19 / ``"Ed25519"``: the same Ed25519
    signature under either label; the reader accepts both."""
    from attest.vc import cose

    alg_value = cose.alg_from_name(alg)
    _check_issuer(unsigned, key.public_key)
    valid_from = int(parse_datetime_stamp(str(unsigned["validFrom"])).timestamp())
    until = unsigned.get("validUntil")
    claims = cose.CwtClaims(
        iss=str(unsigned["issuer"]),
        sub=str(unsigned["credentialSubject"]["id"]),
        iat=valid_from,
        nbf=valid_from,
        exp=int(parse_datetime_stamp(str(until)).timestamp()) if until is not None else None,
    )
    kid = did_key.verification_method_id(key.public_key).encode()
    return cose.sign(
        key,
        encode_deterministic(unsigned),
        kid=kid,
        content_type=COSE_CONTENT_TYPE,
        claims=claims,
        alg=alg_value,
    )


def _check_issuer(unsigned: Mapping[str, Any], public_key: PublicKey) -> None:
    if unsigned.get("issuer") != did_key.encode_did_key(public_key):
        raise UsageError("credential.issuer_key_mismatch", "the issuer is not the signing key")


def credential_digest(secured: Mapping[str, Any] | bytes) -> Digest:
    """What the log records for a credential: SHA-256 of its COSE bytes, or of the RFC 8785
    canonical JSON of the secured document."""
    if isinstance(secured, bytes):
        return Digest(hashlib.sha256(secured).digest())
    if not isinstance(secured, Mapping):
        raise MalformedError("credential.bad_type", "a credential is a JSON object or COSE bytes")
    return Digest(hashlib.sha256(canonicalize(dict(secured))).digest())


# --- the reader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One measurement as the credential states it."""

    value: float | int
    unit: str
    sample_size: int | None
    method: str | None = None
    judge: str | None = None


@dataclass(frozen=True)
class EvaluationClaims:
    """What a credential whose signature verified says, read once into typed fields.

    ``evidence`` and ``status`` stay as the signed JSON objects: the verifier compares their
    members with the log and the status lists, and a disagreement there is that step's
    failure, not a malformed credential.
    """

    id: str
    issuer: str
    subject: str
    pact_id: str
    pact_version: str
    pact_digest: str
    valid_from: datetime
    valid_until: datetime | None
    period_end: datetime
    verdict: str
    measurements: Mapping[str, Measured]
    outcomes: tuple[Mapping[str, Any], ...]
    evidence: tuple[Mapping[str, Any], ...]
    status: tuple[Mapping[str, Any], ...]
    logged_digest: Digest | None = field(default=None, compare=False, repr=False)
    """What the log records for this credential (:func:`credential_digest`), set by
    :func:`open_credential` from the bytes its signature check already built."""

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(o.get("dimension")) for o in self.outcomes))

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> EvaluationClaims:
        """Read the claims of specs/credential.md §1; any other shape is refused."""
        _check_context_and_type(doc)
        subject = _object(doc.get("credentialSubject"), "credentialSubject")
        ev = _object(subject.get("evaluation"), "credentialSubject.evaluation")
        pact = _object(ev.get("pact"), "evaluation.pact")
        period = _object(ev.get("evaluationPeriod"), "evaluation.evaluationPeriod")
        valid_from, valid_until = _validity(doc)
        status = doc.get("credentialStatus")
        outcomes = tuple(_objects(ev.get("obligationOutcome"), "obligationOutcome"))
        measurements = _measurements(ev.get("measurement"))
        verdict = _text(ev, "verdict", "evaluation")
        _check_outcomes(outcomes, measurements, verdict)
        evidence = _objects(doc.get("evidence", []), "evidence", single=True)
        if len(evidence) > MAX_CITED_EVIDENCE:
            raise LimitExceededError(
                "credential.too_much_evidence",
                f"a credential cites at most {MAX_CITED_EVIDENCE} items",
            )
        return cls(
            id=_text(doc, "id"),
            issuer=_text(doc, "issuer"),
            subject=_text(subject, "id", "credentialSubject"),
            pact_id=_text(pact, "id", "pact"),
            pact_version=_text(pact, "version", "pact"),
            pact_digest=_text(pact, "digest", "pact"),
            valid_from=valid_from,
            valid_until=valid_until,
            period_end=parse_datetime_stamp(_text(period, "end", "evaluationPeriod")),
            verdict=verdict,
            measurements=measurements,
            outcomes=outcomes,
            evidence=tuple(evidence),
            status=() if status is None else tuple(_objects(status, "credentialStatus", True)),
        )


@dataclass(frozen=True)
class OpenedCredential:
    """A credential whose signature verified: the signed document, its claims, and how."""

    document: Mapping[str, Any]
    claims: EvaluationClaims
    how: str


def open_credential(
    secured: Mapping[str, Any] | bytes, *, now: datetime | None = None
) -> OpenedCredential:
    """Verify a credential's signature (a Data Integrity proof on JSON, or COSE_Sign1 bytes)
    by the key its issuer names, then read its claims. Nothing an unverified credential says
    is read. With ``now``, a proof whose ``expires`` has passed is refused."""
    if isinstance(secured, bytes):
        doc, how = _open_cose(secured)
        digest = credential_digest(secured)
    else:
        doc, how, digest = _open_json(secured, now)
    claims = replace(EvaluationClaims.from_json(doc), logged_digest=digest)
    return OpenedCredential(doc, claims, how)


def _require(cond: bool, code: str, message: str) -> None:
    if not cond:
        raise VerificationError(code, message)


def _open_json(
    doc: Mapping[str, Any], now: datetime | None
) -> tuple[Mapping[str, Any], str, Digest]:
    proof = data_integrity.verify_proof(doc, expected_proof_purpose="assertionMethod", now=now)
    if proof.canonical_document is None:
        digest = credential_digest(doc)
    else:  # the same bytes as canonicalize(doc), from the document the proof check wrote
        whole = canonicalize_with_member(proof.canonical_document, doc, "proof")
        digest = Digest(hashlib.sha256(whole).digest())
    issuer = doc.get("issuer")
    _require(
        proof.controller == issuer,
        "credential.issuer_key_mismatch",
        f"signed by {proof.controller}, but the issuer is {str(issuer)[:100]}",
    )
    if proof.cryptosuite != data_integrity.CRYPTOSUITE:
        # An RDF signature does not cover the JSON: what this reader reads must be what the
        # signed RDF says (the W3C credential verifier's rule, specs/data-integrity.md).
        from attest.vc import jsonld, model

        model.check_agreement(doc, jsonld.expand_safe(doc))
    return doc, f"{proof.cryptosuite} proof by {proof.verification_method}", digest


def _open_cose(data: bytes) -> tuple[Mapping[str, Any], str]:
    # Parsed once; the key comes from the protected kid, and the claims are checked against
    # that key after the signature verified.
    from attest.vc import cose

    parsed = cose.parse_sign1(data, max_size=1 << 20)
    kid = parsed.protected.get(cose.HEADER_KID)
    if not isinstance(kid, bytes):
        raise MalformedError("credential.malformed", "the COSE protected header has no kid")
    try:
        kid_text = kid.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedError("credential.malformed", "the COSE kid is not a did:key URL") from exc
    public_key = did_key.decode_did_key(kid_text, require_fragment=True)
    verified = parsed.verify(public_key)
    doc_raw = decode_cbor(verified.payload, require_deterministic=True, max_size=1 << 20)
    doc = to_json_value(doc_raw, code="credential.malformed")
    if not isinstance(doc, dict):
        raise MalformedError("credential.malformed", "the COSE payload is not a credential")
    _check_cwt_claims(doc, verified.claims, did_key.encode_did_key(public_key))
    return doc, f"COSE_Sign1 (alg {verified.alg}) by {kid_text}"


def _check_cwt_claims(doc: Mapping[str, Any], claims: cose.CwtClaims | None, did: str) -> None:
    _require(claims is not None, "credential.claims_mismatch", "no CWT claims")
    assert claims is not None
    _require(
        doc.get("issuer") == did and claims.iss == did,
        "credential.issuer_key_mismatch",
        "the issuer, the CWT iss and the signing key differ",
    )
    subject = doc.get("credentialSubject")
    sub = subject.get("id") if isinstance(subject, Mapping) else None
    vf = int(parse_datetime_stamp(_text(doc, "validFrom")).timestamp())
    vu = doc.get("validUntil")
    exp = int(parse_datetime_stamp(vu).timestamp()) if isinstance(vu, str) else None
    _require(
        claims.sub == sub and claims.nbf == vf and claims.iat == vf and claims.exp == exp,
        "credential.claims_mismatch",
        "the CWT claims (sub, iat, nbf, exp) disagree with the credential",
    )


def _check_context_and_type(doc: Mapping[str, Any]) -> None:
    ctx = doc.get("@context")
    _require(
        isinstance(ctx, Sequence)
        and not isinstance(ctx, str)
        and list(ctx) == [VC_CONTEXT, ATTEST_CONTEXT],
        "credential.bad_context",
        f"@context must be [{VC_CONTEXT!r}, {ATTEST_CONTEXT!r}]",
    )
    types = doc.get("type")
    _require(
        isinstance(types, list)  # not a string (a substring would match) nor CBOR bytes
        and "VerifiableCredential" in types
        and CREDENTIAL_TYPE in types,
        "credential.bad_type",
        f"type must include VerifiableCredential and {CREDENTIAL_TYPE}",
    )


def _check_outcomes(
    outcomes: Sequence[Mapping[str, Any]], measured: Mapping[str, Measured], verdict: str
) -> None:
    """Outcomes are computed from the pact and the measurements, never typed in: recompute
    each obligation's outcome and the verdict, and refuse a credential that says otherwise
    (one signed through a general-purpose issuer with outcomes of the signer's choosing)."""
    computed = []
    for i, o in enumerate(outcomes):
        try:
            obligation = Obligation(
                o.get("metric"),  # type: ignore[arg-type]
                o.get("comparator"),  # type: ignore[arg-type]
                o.get("threshold"),  # type: ignore[arg-type]
                o.get("unit"),  # type: ignore[arg-type]
                o.get("dimension"),  # type: ignore[arg-type]
                min_sample_size=o.get("minSampleSize"),
            )
            m = measured.get(obligation.metric)
            measurement = (
                None
                if m is None
                else Measurement(obligation.metric, m.value, m.unit, m.sample_size)
            )
            outcome = judge(obligation, measurement)
        except MalformedError as exc:
            if exc.code == "evaluation.unit_mismatch":  # well formed, but not what was measured
                raise VerificationError(
                    "credential.inconsistent_outcome", f"obligation outcome {i}: {exc.message}"
                ) from exc
            raise MalformedError(
                "credential.malformed", f"obligation outcome {i}: {exc.message}"
            ) from exc
        stated = o.get("outcome")
        # Before "insufficient" existed, too few samples were written as "fail".
        if stated != outcome and not (outcome == "insufficient" and stated == "fail"):
            raise VerificationError(
                "credential.inconsistent_outcome",
                f"obligation {obligation.metric} {obligation.comparator} {obligation.threshold} "
                f"is stated {str(o.get('outcome'))[:20]!r}, but the measurements give {outcome!r}",
            )
        computed.append(outcome)
    expected = "pass" if all(c == "pass" for c in computed) else "fail"
    if verdict != expected:
        raise VerificationError(
            "credential.inconsistent_outcome",
            f"the verdict is stated {verdict[:20]!r}, but the obligations give {expected!r}",
        )


def _validity(doc: Mapping[str, Any]) -> tuple[datetime, datetime | None]:
    valid_until = doc.get("validUntil")
    valid_from = parse_datetime_stamp(_text(doc, "validFrom"))
    until = parse_datetime_stamp(valid_until) if isinstance(valid_until, str) else None
    if valid_until is not None and until is None:
        raise MalformedError("credential.malformed", "validUntil must be a dateTimeStamp")
    if until is not None and until < valid_from:
        raise MalformedError("credential.malformed", "validUntil is before validFrom")
    return valid_from, until


def _measurements(value: object) -> dict[str, Measured]:
    out: dict[str, Measured] = {}
    for m in _objects(value, "measurement"):
        name, v, unit = m.get("metric"), m.get("value"), m.get("unit")
        if (
            not isinstance(name, str)
            or isinstance(v, bool)
            or not isinstance(v, int | float)
            or (isinstance(v, float) and not math.isfinite(v))
            or not isinstance(unit, str)
        ):
            raise MalformedError("credential.malformed", "a measurement is malformed")
        n, method, judge = m.get("sampleSize"), m.get("method"), m.get("judge")
        out[name] = Measured(
            v,
            unit,
            n if isinstance(n, int) else None,
            method if isinstance(method, str) else None,
            judge if isinstance(judge, str) else None,
        )
    return out


def _text(doc: Mapping[str, Any], key: str, where: str = "credential") -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedError("credential.malformed", f"{where} {key} must be a non-empty string")
    return value


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedError("credential.malformed", f"{what} must be one object")
    return value


def _objects(value: object, what: str, single: bool = False) -> list[Mapping[str, Any]]:
    if single and isinstance(value, Mapping):
        return [value]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise MalformedError("credential.malformed", f"{what} must be a list")
    if not all(isinstance(v, Mapping) for v in value):
        raise MalformedError("credential.malformed", f"every {what} item must be an object")
    return list(value)
