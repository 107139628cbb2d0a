"""Evaluation credentials: one set of claims, two signed encodings.

The claims are a W3C VC Data Model 2.0 document (specs/credential.md): the issuer's did:key,
validity window, the subject and its :class:`~attest.evaluation.results.Evaluation` (pact reference,
measurements, outcomes computed from the pact, verdict) and references to the logged
evidence. They are secured either

- as JSON with a Data Integrity proof, cryptosuite ``eddsa-jcs-2022``; or
- as COSE_Sign1 over the deterministic CBOR of the same document, with the CWT claims
  ``iss``, ``sub``, ``iat``, ``nbf``, ``exp`` in the protected header.

Everything here is a pure function of its inputs, the issuer's clock included (``now``), so
issuing is reproducible.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from attest.codec.canonical import canonicalize
from attest.codec.cbor import encode_deterministic
from attest.codec.dates import format_datetime_stamp
from attest.codec.digest import Digest
from attest.errors import MalformedError, UsageError
from attest.evaluation.results import Evaluation
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey, PublicKey
from attest.vc import cose, data_integrity

__all__ = [
    "ATTEST_CONTEXT",
    "COSE_CONTENT_TYPE",
    "CREDENTIAL_TYPE",
    "JSON_MEDIA_TYPE",
    "VC_CONTEXT",
    "EvidenceRef",
    "credential_digest",
    "sign_cose",
    "sign_json",
    "unsigned_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ATTEST_CONTEXT = "https://w3id.org/attest/v1"
CREDENTIAL_TYPE = "EvaluationCredential"
#: Media types of the two encodings, as logged (VC 2.0 §6.3, VC-JOSE-COSE §3.3).
JSON_MEDIA_TYPE = "application/vc"
COSE_MEDIA_TYPE = "application/vc+cose"
COSE_CONTENT_TYPE = "application/vc"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, ATTEST_CONTEXT)


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


def unsigned_credential(
    evaluation: Evaluation,
    issuer: PublicKey,
    evidence: Sequence[EvidenceRef],
    *,
    now: datetime,
    valid_for: timedelta | None,
    status: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The VC 2.0 document (no proof yet) for ``evaluation`` issued by ``issuer`` at ``now``.

    ``validFrom`` is ``now`` to the second; ``validUntil`` is ``now + valid_for`` when given.
    The ``id`` is a name-based ``urn:uuid:`` (RFC 9562 version 5) of the rest of the
    document's canonical hash, so the same inputs always give the same credential.
    """
    valid_from = _seconds(now)
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
    if evidence:
        doc["evidence"] = [e.to_json() for e in evidence]
    if status:
        entries = [dict(e) for e in status]
        doc["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    content = "sha256:" + hashlib.sha256(canonicalize(doc)).hexdigest()
    doc["id"] = uuid.uuid5(_ID_NAMESPACE, content).urn
    return doc


def sign_json(unsigned: Mapping[str, Any], key: PrivateKey) -> dict[str, Any]:
    """The credential secured with an eddsa-jcs-2022 proof, ``created`` = ``validFrom``."""
    _check_issuer(unsigned, key.public_key)
    options = data_integrity.ProofOptions(created=str(unsigned["validFrom"]))
    return dict(data_integrity.add_proof(unsigned, key, options))


def sign_cose(unsigned: Mapping[str, Any], key: PrivateKey) -> bytes:
    """COSE_Sign1 over the deterministic CBOR of the credential, CWT claims protected."""
    from attest.codec.dates import parse_datetime_stamp

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
