"""Fixed inputs for the issuing tests: keys from fixed seeds, a fixed clock, a pact, results
and evidence files, and independent re-computations written from the specs (not the code)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import rfc8785

from attest.evaluation.bundle import Bundle
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer

ISSUER = PrivateKey(hashlib.sha256(b"attest test issuer").digest())
OTHER = PrivateKey(hashlib.sha256(b"attest test other key").digest())
LOG_KEY = PrivateKey(hashlib.sha256(b"attest test log").digest())
ORIGIN = "log.example/evidence"
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
SUBJECT = "did:web:agents.example:support-bot"

PACT_TOML = """\
# a pact for the tests
id = "urn:example:pact:support"
version = "2.1.0"
subject_kind = "ai-agent"
title = "Support agent"

[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
min_sample_size = 200

[[obligation]]
metric = "harmful_output_rate"
comparator = "<="
threshold = 0.001
unit = "ratio"
dimension = "safety"

[[obligation]]
metric = "p95_latency"
comparator = "<"
threshold = 8
unit = "s"
dimension = "capability"
description = "Answers fast."
"""

RESULTS_TOML = """\
method = "support-suite/3"
period_start = 2026-11-01T00:00:00Z
period_end = 2026-11-20T00:00:00+01:00

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
value = 6.5
unit = "s"

[[metric]]
name = "tokens_per_task"
value = 812
unit = "tokens"
"""

EVIDENCE = {
    "transcripts.jsonl": b'{"ticket": 1, "resolved": true}\n{"ticket": 2, "resolved": false}\n',
    "metrics.json": b'{"task_success_rate": 0.934}\n',
}
MEDIA = {"transcripts.jsonl": "application/jsonl", "metrics.json": "application/json"}


def write_evidence(directory: Path, files: Mapping[str, bytes] = EVIDENCE) -> list[EvidenceFile]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in files.items():
        (directory / name).write_bytes(data)
        out.append(EvidenceFile(directory / name, media_type=MEDIA.get(name)))
    return out


def new_log(path: Path) -> Log:
    return Log.create(path, Ed25519Signer(ORIGIN, LOG_KEY))


def issue_fixed(
    root: Path,
    *,
    encoding: str = "json",
    now: datetime = NOW,
    subject: str = SUBJECT,
    results: str = RESULTS_TOML,
    evidence: Mapping[str, bytes] = EVIDENCE,
    embed: bool = False,
    valid_for: timedelta | None = timedelta(days=90),
) -> Bundle:
    """One issuance in a fresh log under ``root`` (which must not exist yet)."""
    files = write_evidence(root / "evidence", evidence)
    with new_log(root / "log") as log:
        return issue(
            log=log,
            issuer=ISSUER,
            subject=subject,
            pact=parse_pact(PACT_TOML.encode()),
            results=parse_results(results.encode()),
            evidence=files,
            now=now,
            valid_for=valid_for,
            encoding="cbor" if encoding == "cbor" else "json",
            embed_evidence=embed,
        )


# --- independent re-computations ------------------------------------------------------------

_OBLIGATION_FIELDS = (
    "metric",
    "comparator",
    "threshold",
    "unit",
    "dimension",
    "min_sample_size",
    "description",
)


def normalized_pact(doc: Mapping[str, Any]) -> dict[str, Any]:
    """specs/pact.md §2, from a TOML (``obligation``) or JSON (``obligations``) document."""
    items: Sequence[Mapping[str, Any]] = doc.get("obligations") or doc["obligation"]
    out: dict[str, Any] = {
        k: doc[k] for k in ("id", "version", "subject_kind", "title") if k in doc
    }
    out["obligations"] = [{f: o[f] for f in _OBLIGATION_FIELDS if f in o} for o in items]
    return out


def pact_digest(doc: Mapping[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of the RFC 8785 bytes of the normalized pact."""
    return "sha256:" + hashlib.sha256(rfc8785.dumps(normalized_pact(doc))).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# base58btc (the Bitcoin alphabet) and did:key, written out from the multibase and did:key drafts
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        n = n * 58 + _B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key_of(raw_public_key: bytes) -> str:
    """did:key of an Ed25519 key: multibase base58btc ('z') of 0xed 0x01 || key."""
    return "did:key:z" + b58encode(b"\xed\x01" + raw_public_key)
