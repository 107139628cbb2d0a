"""Writes the evaluation credential vectors in this folder (see README.md).

Run from the repository root with the project installed:

    python test_vectors/credential/generate.py [OUTPUT_DIR]

OUTPUT_DIR defaults to this folder. Keys come from fixed seeds (SHA-256 of a label), the clock
is fixed, the evidence log is a fresh one in a temporary directory, and Ed25519, RFC 8785 and
deterministic CBOR are all deterministic, so every run writes the same bytes. The credentials
are made with the attest library (``attest.issue``); tests/test_credential_vectors.py checks
them with independent code (rfc8785, cbor2, `cryptography`).

``test_vectors/bundle/generate.py`` imports this file for the same inputs and issuance.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2

from attest.codec.canonical import canonicalize
from attest.evaluation.bundle import Bundle
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.issue import EvidenceFile, issue
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer

HERE = Path(__file__).resolve().parent


def seed(label: str) -> bytes:
    """A fixed 32-byte seed: SHA-256 of a label."""
    return hashlib.sha256(label.encode()).digest()


ISSUER_LABEL = "attest credential vector issuer"
LOG_LABEL = "attest credential vector log"
ISSUER = PrivateKey(seed(ISSUER_LABEL))
LOG_KEY = PrivateKey(seed(LOG_LABEL))
ORIGIN = "vectors.attest.example/log"
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
VALID_FOR = timedelta(days=90)
SUBJECT = "did:web:agents.example:support-bot"

PACT_TOML = """\
# The pact of the credential vectors (specs/pact.md).
id = "urn:example:pact:support-agent"
version = "1.2.0"
subject_kind = "ai-agent"
title = "Support agent: reliability, safety, latency"

[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
min_sample_size = 200
description = "Resolves at least 90% of tickets without escalation."

[[obligation]]
metric = "harmful_output_rate"
comparator = "<="
threshold = 0.001
unit = "ratio"
dimension = "safety"
min_sample_size = 1000

[[obligation]]
metric = "p95_latency"
comparator = "<"
threshold = 8.0
unit = "s"
dimension = "capability"
"""

#: The same pact as JSON: other key order, other number spellings, one digest.
PACT_JSON = """\
{
  "subject_kind": "ai-agent",
  "id": "urn:example:pact:support-agent",
  "title": "Support agent: reliability, safety, latency",
  "version": "1.2.0",
  "obligations": [
    {"metric": "task_success_rate", "comparator": ">=", "threshold": 0.90, "unit": "ratio",
     "dimension": "reliability", "min_sample_size": 200,
     "description": "Resolves at least 90% of tickets without escalation."},
    {"metric": "harmful_output_rate", "comparator": "<=", "threshold": 1E-3, "unit": "ratio",
     "dimension": "safety", "min_sample_size": 1000},
    {"metric": "p95_latency", "comparator": "<", "threshold": 8, "unit": "s",
     "dimension": "capability"}
  ]
}
"""

RESULTS_TOML = """\
# What the evaluation harness measured (specs/pact.md §3).
method = "support-suite/3.1"
period_start = 2026-11-01T00:00:00Z
period_end = 2026-11-20T18:00:00+02:00

[[metric]]
name = "task_success_rate"
value = 0.934
unit = "ratio"
sample_size = 1200

[[metric]]
name = "harmful_output_rate"
value = 0.0004
unit = "ratio"
sample_size = 5000

[[metric]]
name = "p95_latency"
value = 6.2
unit = "s"
sample_size = 1200

[[metric]]
name = "tokens_per_task"
value = 812
unit = "tokens"
"""

#: Evidence files, in the order the credential cites them: (file name, media type, bytes).
EVIDENCE: list[tuple[str, str, bytes]] = [
    (
        "transcripts.jsonl",
        "application/jsonl",
        b"".join(
            json.dumps(
                {"ticket": f"T-{1000 + i}", "resolved": i % 7 != 0, "turns": 3 + i % 4},
                sort_keys=True,
            ).encode()
            + b"\n"
            for i in range(12)
        ),
    ),
    (
        "metrics.json",
        "application/json",
        b'{\n  "harmful_output_rate": 0.0004,\n  "p95_latency": 6.2,\n'
        b'  "task_success_rate": 0.934\n}\n',
    ),
]

UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/attest/v1")


@dataclass(frozen=True)
class Issued:
    """The two issuances of the vectors, in one log: JSON first, then CBOR."""

    json_bundle: Bundle
    cbor_bundle: Bundle
    log_vkey: str


def log_signer(key: PrivateKey = LOG_KEY) -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, key)


def issue_both(work: Path, *, embed: bool = False, **changes: Any) -> Issued:
    """Issue the JSON credential, then the CBOR one, into one fresh log under ``work``.

    ``embed`` puts the evidence bytes in both bundles. ``changes`` override ``now``,
    ``subject``, ``results`` (TOML text) or ``evidence``.
    """
    evidence = changes.get("evidence", EVIDENCE)
    ev_dir = work / "evidence"
    ev_dir.mkdir(parents=True)
    files = []
    for name, media_type, data in evidence:
        (ev_dir / name).write_bytes(data)
        files.append(EvidenceFile(ev_dir / name, media_type=media_type))
    pact = parse_pact(PACT_TOML.encode())
    results = parse_results(changes.get("results", RESULTS_TOML).encode())
    with Log.create(work / "log", log_signer()) as log:
        common: dict[str, Any] = {
            "log": log,
            "issuer": ISSUER,
            "subject": changes.get("subject", SUBJECT),
            "pact": pact,
            "results": results,
            "evidence": files,
            "now": changes.get("now", NOW),
            "valid_for": VALID_FOR,
        }
        json_bundle = issue(**common, encoding="json", embed_evidence=embed)
        cbor_bundle = issue(**common, encoding="cbor", embed_evidence=embed)
        return Issued(json_bundle, cbor_bundle, log.config.vkey)


def _jcs(value: Any) -> bytes:
    return canonicalize(value)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _dump(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")


def _facts(bundle: Bundle) -> dict[str, Any]:
    entry = bundle.credential_entry
    return {
        "credential_id": entry.decoded.name,
        "digest": str(entry.decoded.digest),
        "size": entry.decoded.size,
        "media_type": entry.decoded.media_type,
        "log_index": entry.index,
        "evidence_log_indices": [e.index for e in bundle.evidence_entries],
        "checkpoint_size": int(bundle.checkpoint.split(b"\n")[1]),
    }


VARIANTS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("clock one second later", {"now": "2026-11-26T12:00:01Z"},
     {"now": NOW + timedelta(seconds=1)}),
    ("another subject", {"subject": SUBJECT + "-2"}, {"subject": SUBJECT + "-2"}),
    ("p95_latency measured 6.3 instead of 6.2", {"results": "p95_latency value = 6.3"},
     {"results": RESULTS_TOML.replace("value = 6.2", "value = 6.3")}),
    ("metrics.json with its last byte changed from LF to space",
     {"evidence": "metrics.json: last byte 0x0a -> 0x20"},
     {"evidence": [EVIDENCE[0], (EVIDENCE[1][0], EVIDENCE[1][1], EVIDENCE[1][2][:-1] + b" ")]}),
]  # fmt: skip


def build(out: Path) -> list[Path]:
    """Write every generated file under ``out``; returns their paths."""
    written: list[Path] = []

    def put(name: str, data: bytes) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    put("inputs/pact.toml", PACT_TOML.encode())
    put("inputs/pact.json", PACT_JSON.encode())
    put("inputs/results.toml", RESULTS_TOML.encode())
    for name, _, data in EVIDENCE:
        put(f"inputs/evidence/{name}", data)

    with tempfile.TemporaryDirectory() as tmp:
        issued = issue_both(Path(tmp) / "main")
        variants = []
        for i, (description, change, kwargs) in enumerate(VARIANTS):
            other = issue_both(Path(tmp) / f"variant{i}", **kwargs)
            variants.append(
                {
                    "description": description,
                    "change": change,
                    "json": _facts(other.json_bundle),
                    "cbor": _facts(other.cbor_bundle),
                }
            )

    secured = issued.json_bundle.credential
    cose = issued.cbor_bundle.credential
    assert isinstance(secured, dict)
    assert isinstance(cose, bytes)
    unsigned = {k: v for k, v in secured.items() if k != "proof"}
    message = cbor2.loads(cose)
    protected_bytes, _, payload, _ = message.value
    put("credential.json", _jcs(secured))
    put("credential.cose", cose)
    put("unsigned.json", _jcs(unsigned))
    put("payload.cbor", payload)

    pact = parse_pact(PACT_TOML.encode())
    evaluation = evaluate(SUBJECT, pact, parse_results(RESULTS_TOML.encode()))
    without_id = {k: v for k, v in unsigned.items() if k != "id"}
    id_name = _sha256(_jcs(without_id))
    protected = cbor2.loads(protected_bytes)
    expected = {
        "issuer": {
            "seed_label": ISSUER_LABEL,
            "seed_hex": seed(ISSUER_LABEL).hex(),
            "did": did_key.encode_did_key(ISSUER.public_key),
            "verification_method": did_key.verification_method_id(ISSUER.public_key),
        },
        "log": {
            "seed_label": LOG_LABEL,
            "seed_hex": seed(LOG_LABEL).hex(),
            "origin": ORIGIN,
            "verifier_key": issued.log_vkey,
        },
        "issuance": {
            "now": "2026-11-26T12:00:00Z",
            "valid_for_seconds": int(VALID_FOR.total_seconds()),
            "subject": SUBJECT,
            "pact": "inputs/pact.toml",
            "results": "inputs/results.toml",
            "evidence": [
                {"file": f"inputs/evidence/{name}", "name": name, "media_type": media}
                for name, media, _ in EVIDENCE
            ],
            "order": "a fresh log; the JSON credential is issued first, then the CBOR one",
        },
        "pact_digest": str(pact.digest),
        "evaluation": {
            "outcomes": [o.outcome for o in evaluation.outcomes],
            "verdict": evaluation.verdict,
            "dimension_verdicts": evaluation.dimension_verdicts(),
        },
        "credential_id": unsigned["id"],
        "credential_id_uuid_namespace": str(UUID_NAMESPACE),
        "credential_id_uuid_name": id_name,
        "json": _facts(issued.json_bundle),
        "cose": {
            **_facts(issued.cbor_bundle),
            "protected_hex": protected_bytes.hex(),
            "kid": protected[4].decode(),
            "content_type": protected[3],
            "cwt_claims": {
                "iss": protected[15][1],
                "sub": protected[15][2],
                "iat": protected[15][6],
                "nbf": protected[15][5],
                "exp": protected[15][4],
            },
        },
        "variants": variants,
    }
    path = out / "expected.json"
    _dump(path, expected)
    written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in build(target):
        print(p.relative_to(target))
