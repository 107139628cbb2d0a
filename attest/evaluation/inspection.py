"""A readable view of a bundle: what it claims, as data, before anything is verified.

``describe`` never checks a signature or a proof; it only reads. Its output says so, so
nobody mistakes a view for a verification (that is ``attest verify``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from attest.codec.cbor import decode_cbor, to_json_value
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle
from attest.vc.cose import parse_sign1

__all__ = ["credential_document", "describe"]


def credential_document(bundle: Bundle) -> Mapping[str, Any]:
    """The credential's claims as a JSON-like document, from either encoding (unverified).

    A COSE credential is read by :func:`attest.vc.cose.parse_sign1` (structure and headers,
    no signature) and its payload by :func:`attest.codec.cbor.to_json_value`: the same
    readers the verifier uses, so a view never shows what the verifier would read otherwise.
    """
    if not isinstance(bundle.credential, bytes):
        return bundle.credential
    message = parse_sign1(bundle.credential)
    if message.payload is None:
        raise MalformedError("inspect.bad_cose", "the credential is not a COSE_Sign1 with payload")
    doc = to_json_value(decode_cbor(message.payload), code="inspect.bad_cose")
    if not isinstance(doc, dict):
        raise MalformedError("inspect.bad_cose", "the COSE payload is not a credential map")
    return doc


def _dimensions(outcomes: object) -> dict[str, str]:
    """Each dimension the credential's obligations speak to, as it states them: ``pass`` when
    every obligation in it says pass, else ``fail`` (unverified, like the rest of the view)."""
    out: dict[str, str] = {}
    for o in outcomes if isinstance(outcomes, list) else []:
        if isinstance(o, Mapping) and isinstance(o.get("dimension"), str):
            d = o["dimension"]
            out[d] = (
                "pass" if out.get(d, "pass") == "pass" and o.get("outcome") == "pass" else "fail"
            )
    return out


def describe(bundle: Bundle) -> dict[str, Any]:
    """Everything in ``bundle`` as plain data (JSON-serializable)."""
    doc = credential_document(bundle)
    subject = doc.get("credentialSubject", {})
    evaluation = subject.get("evaluation", {}) if isinstance(subject, Mapping) else {}
    if not isinstance(evaluation, Mapping):  # an unverified view shows what it can
        evaluation = {}
    cp = bundle.claimed_checkpoint
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
            "dimensions": _dimensions(evaluation.get("obligationOutcome")),
            "supersedes": evaluation.get("supersedes"),
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
