"""A readable view of a bundle: what it claims, as data, before anything is verified.

``describe`` never checks a signature or a proof; it only reads. Its output says so, so
nobody mistakes a view for a verification (that is ``attest verify``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from attest.codec.cbor import CBORTag, decode_cbor
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle
from attest.tlog.checkpoint import parse_checkpoint
from attest.tlog.note import parse as parse_note
from attest.vc.cose import COSE_SIGN1_TAG

__all__ = ["credential_document", "describe"]


def credential_document(bundle: Bundle) -> Mapping[str, Any]:
    """The credential's claims as a JSON-like document, from either encoding (unverified)."""
    if not isinstance(bundle.credential, bytes):
        return bundle.credential
    item = decode_cbor(bundle.credential, allowed_tags=frozenset({COSE_SIGN1_TAG}))
    if isinstance(item, CBORTag):
        item = item.value
    if not isinstance(item, tuple) or len(item) != 4 or not isinstance(item[2], bytes):
        raise MalformedError("inspect.bad_cose", "the credential is not a COSE_Sign1 with payload")
    doc = decode_cbor(item[2])
    if not isinstance(doc, Mapping):
        raise MalformedError("inspect.bad_cose", "the COSE payload is not a credential map")
    plain: dict[str, Any] = _plain(doc)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):  # JSON values only (specs/credential.md §3)
        raise MalformedError("inspect.bad_cose", "the COSE payload holds a byte string")
    return value


def describe(bundle: Bundle) -> dict[str, Any]:
    """Everything in ``bundle`` as plain data (JSON-serializable)."""
    doc = credential_document(bundle)
    subject = doc.get("credentialSubject", {})
    evaluation = subject.get("evaluation", {}) if isinstance(subject, Mapping) else {}
    if not isinstance(evaluation, Mapping):  # an unverified view shows what it can
        evaluation = {}
    cp = parse_checkpoint(parse_note(bundle.checkpoint).text)
    return {
        "verified": False,
        "encoding": "cbor" if bundle.is_cbor else "json",
        "credential": {
            "id": doc.get("id"),
            "issuer": doc.get("issuer"),
            "subject": subject.get("id") if isinstance(subject, Mapping) else None,
            "validFrom": doc.get("validFrom"),
            "validUntil": doc.get("validUntil"),
            "pact": evaluation.get("pact"),
            "method": evaluation.get("method"),
            "evaluationPeriod": evaluation.get("evaluationPeriod"),
            "measurements": evaluation.get("measurement", []),
            "outcomes": evaluation.get("obligationOutcome", []),
            "verdict": evaluation.get("verdict"),
            "evidence": doc.get("evidence", []),
            "status": doc.get("credentialStatus"),
        },
        "log": {
            "origin": bundle.log_origin,
            "verifierKey": bundle.log_key,
            "checkpoint": {
                "origin": cp.origin,
                "size": cp.size,
                "root": base64.b64encode(cp.root_hash).decode(),
            },
        },
        "entries": [
            {
                "role": e.role,
                "index": e.index,
                "kind": e.decoded.kind,
                "digest": str(e.decoded.digest),
                "size": e.decoded.size,
                "mediaType": e.decoded.media_type,
                "name": e.decoded.name,
                "proofHashes": len(e.proof.hashes),
            }
            for e in bundle.entries
        ],
        "embeddedEvidence": sorted(bundle.evidence_data),
        "statusList": bundle.status_list is not None,
    }
