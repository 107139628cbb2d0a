"""Regenerate the verifier vectors: bundles, policies, status lists, state, proofs, cases.json.

Run from the repository root with the project installed::

    python test_vectors/verify/generate.py [OUTPUT_DIR]

(default: this folder). Every key is SHA-256 of a fixed label, every time is fixed, Ed25519
is deterministic and every encoding is canonical, so running it again writes the same bytes
(the status lists' GZIP comes from zlib at level 9 with mtime 0). The logs are built in a
temporary folder and only what a verifier reads is written.

The expected outcome of each case (decision, failing step and code, remembered checkpoint,
expiry) is decided here, by hand, from specs/verification.md; nothing is copied from the
verifier's output. tests/test_verify_vectors.py runs every case through attest.verifier.pipeline.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import math
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from attest.codec.cbor import CBORTag, decode_cbor
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.codec.digest import hash_bytes
from attest.evaluation.bundle import Bundle, LoggedEntry
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import checkpoint
from attest.tlog.cosignature import CosignatureSigner
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.tlog.proof import TlogProof
from attest.vc import cose, data_integrity
from attest.vc.status_list import StatusEntry, new_list, status_list_credential, with_bit

HERE = Path(__file__).resolve().parent


def key(label: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"attest verify vectors: {label}".encode()).digest())


KEYS = {
    "evaluator-a": key("evaluator A"),
    "evaluator-b": key("evaluator B"),
    "other": key("not the issuer"),
    "log": key("log"),
    "other-log": key("another log"),
    "witness-1": key("witness 1"),
    "witness-2": key("witness 2"),
}
ISSUER, SECOND, OTHER = KEYS["evaluator-a"], KEYS["evaluator-b"], KEYS["other"]
ORIGIN = "log.example/verify-vectors"
OTHER_ORIGIN = "other.example/log"
WITNESS_NAMES = ("witness.example/w1", "witness.example/w2")
ISSUED = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 11, 20, 0, 0, 0, tzinfo=UTC)
VALID_FOR = timedelta(days=90)
COSIGNED_AT = int(datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC).timestamp())
SUBJECT = "did:web:agents.example:support-bot"
OTHER_SUBJECT = "did:web:agents.example:sales-bot"
PACT_ID = "urn:example:pact:support"
STATUS_BASE = "https://status.example/evaluator-a"
STATUS_INDEX = 4242
DIMENSIONS = ["reliability", "safety", "capability"]

PACT = f"""\
id = "{PACT_ID}"
version = "2.1.0"
subject_kind = "ai-agent"

[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"

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
"""


def results(latency: float) -> str:
    return f"""\
method = "support-suite/3"
period_start = 2026-11-01T00:00:00Z
period_end = {format_datetime_stamp(PERIOD_END)}

[[metric]]
name = "task_success_rate"
value = 0.934
unit = "ratio"

[[metric]]
name = "harmful_output_rate"
value = 0.0004
unit = "ratio"

[[metric]]
name = "p95_latency"
value = {latency}
unit = "s"
"""


EVIDENCE = {
    "transcripts.jsonl": b'{"ticket": 1, "resolved": true}\n{"ticket": 2, "resolved": false}\n',
    "metrics.json": b'{"task_success_rate": 0.934}\n',
}


def did(k: PrivateKey) -> str:
    return did_key.encode_did_key(k.public_key)


def log_vkey(origin: str, k: PrivateKey) -> str:
    return Ed25519Signer(origin, k).verifier().vkey()


def witnesses() -> list[CosignatureSigner]:
    keys = (KEYS["witness-1"], KEYS["witness-2"])
    return [CosignatureSigner(n, k, COSIGNED_AT) for n, k in zip(WITNESS_NAMES, keys, strict=True)]


def cosign(note: bytes, signers: Sequence[CosignatureSigner]) -> bytes:
    for s in signers:
        note = checkpoint.cosign_checkpoint(note, s)
    return note


def status_entries() -> list[dict[str, str]]:
    purposes = ("revocation", "suspension")
    return [StatusEntry(p, STATUS_INDEX, f"{STATUS_BASE}/{p}").to_json() for p in purposes]


def status_list(
    purpose: str,
    valid_from: datetime,
    *,
    set_bit: bool = False,
    valid_for: timedelta = timedelta(7),
) -> dict[str, Any]:
    bits = new_list()
    if set_bit:
        bits = with_bit(bits, STATUS_INDEX, True)
    return dict(
        status_list_credential(
            ISSUER,
            url=f"{STATUS_BASE}/{purpose}",
            purpose=purpose,
            bits=bits,
            valid_from=valid_from,
            valid_until=valid_from + valid_for,
        )
    )


# --- policies ---------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime):
        return format_datetime_stamp(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def to_toml(doc: Mapping[str, Any]) -> str:
    lines = [f"{k} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict | list)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]", *(f"{kk} = {toml_value(vv)}" for kk, vv in v.items())]
    for k, v in doc.items():
        if isinstance(v, list):
            for item in v:
                lines += ["", f"[[{k}]]", *(f"{kk} = {toml_value(vv)}" for kk, vv in item.items())]
    return "\n".join(lines) + "\n"


def issuer(k: PrivateKey = ISSUER, name: str = "Evaluator A", **extra: Any) -> dict[str, Any]:
    return {"name": name, "id": did(k), "dimensions": list(DIMENSIONS), **extra}


THRESHOLDS = [
    {"dimension": "reliability", "metric": "task_success_rate", "comparator": ">=", "value": 0.9},
    {"dimension": "safety", "metric": "harmful_output_rate", "comparator": "<=", "value": 0.001},
]


def policy(**changes: Any) -> dict[str, Any]:
    """The base policy with ``table__field`` set (``None`` removes it) or whole tables."""
    doc: dict[str, Any] = {
        "version": 1,
        "decision": {
            "subject": SUBJECT,
            "pact": PACT_ID,
            "min_evaluators": 1,
            "require_verdict": "pass",
            "consistency": "when-available",
        },
        "freshness": {
            "clock_skew": "5m",
            "max_credential_age": "180d",
            "max_evidence_age": "100d",
            "status_max_age": "1d",
            "status_unknown": "reject",
        },
        "decay": {"half_life": "60d", "floor": 0.25},
        "issuer": [issuer()],
        "log": [{"origin": ORIGIN, "key": log_vkey(ORIGIN, KEYS["log"])}],
        "witness": [
            {"name": n, "key": w.verifier().vkey()}
            for n, w in zip(WITNESS_NAMES, witnesses(), strict=True)
        ],
        "quorum": {"witnesses": 2},
        "threshold": copy.deepcopy(THRESHOLDS),
    }
    for name, value in changes.items():
        table, _, item = name.partition("__")
        if not item:
            doc[table] = value
        elif value is None:
            doc[table].pop(item)
        else:
            doc[table][item] = value
    return doc


_DURATION = re.compile(r"([0-9]+)([wdhms])")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def duration(text: str) -> timedelta:
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in _DURATION.findall(text)))


# --- the logs and the bundles ---------------------------------------------------------------------


def reprove(bundle: Bundle, log: Log, note: bytes, size: int) -> Bundle:
    entries = tuple(
        LoggedEntry(
            e.role, e.entry, TlogProof(e.index, tuple(log.inclusion_proof(e.index, size)), note)
        )
        for e in bundle.entries
    )
    return dataclasses.replace(bundle, entries=entries)


def with_note(bundle: Bundle, note: bytes) -> Bundle:
    entries = tuple(
        LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
        for e in bundle.entries
    )
    return dataclasses.replace(bundle, entries=entries)


def resigned(bundle: Bundle, by: PrivateKey, *, method_of: PrivateKey | None = None) -> Bundle:
    """The credential signed by ``by``, its issuer unchanged (``method_of``: the JSON proof names
    that key's verification method instead of the signer's)."""
    if isinstance(bundle.credential, bytes):
        verified = cose.verify(bundle.credential, ISSUER.public_key)
        kid = did_key.verification_method_id(by.public_key).encode()
        signed = cose.sign(
            by, verified.payload, kid=kid, content_type="application/vc", claims=verified.claims
        )
        return dataclasses.replace(bundle, credential=signed)
    doc = copy.deepcopy(dict(bundle.credential))
    doc.pop("proof")
    secured = data_integrity.add_proof(
        doc, by, data_integrity.ProofOptions(created=str(doc["validFrom"]))
    )
    if method_of is not None:
        proof = secured["proof"]
        assert isinstance(proof, dict)
        proof["verificationMethod"] = did_key.verification_method_id(method_of.public_key)
    return dataclasses.replace(bundle, credential=secured)


def plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def claims(bundle: Bundle) -> dict[str, Any]:
    if isinstance(bundle.credential, bytes):
        item = decode_cbor(bundle.credential, allowed_tags=frozenset({cose.COSE_SIGN1_TAG}))
        assert isinstance(item, CBORTag)
        return dict(plain(decode_cbor(item.value[2])))
    return dict(plain(bundle.credential))


@dataclass
class World:
    bundles: dict[str, Bundle] = field(default_factory=dict)
    raw_bundles: dict[str, bytes] = field(default_factory=dict)
    #: name -> (size, root, note) of checkpoints of the log's two histories
    checkpoints: dict[str, tuple[int, bytes, bytes]] = field(default_factory=dict)
    consistency: dict[str, dict[str, Any]] = field(default_factory=dict)


def _issue(log: Log, folder: Path, *, by: PrivateKey = ISSUER, **kw: Any) -> Bundle:
    evidence: Mapping[str, bytes] = kw.pop("evidence", EVIDENCE)
    files = []
    for name, data in evidence.items():
        (folder / name).write_bytes(data)
        files.append(EvidenceFile(folder / name, media_type="application/json"))
    return issue(
        log=log,
        issuer=by,
        subject=kw.pop("subject", SUBJECT),
        pact=parse_pact(PACT.encode()),
        results=parse_results(results(kw.pop("latency", 6.5)).encode()),
        evidence=files,
        now=ISSUED,
        valid_for=VALID_FOR,
        encoding=kw.pop("encoding", "json"),
        embed_evidence=kw.pop("embed", False),
        status=kw.pop("status", None),
        # These vectors keep COSE alg -19 (Ed25519); test_vectors/credential and bundle
        # carry the default, -8 (EdDSA): a reader is checked against both.
        cose_alg="Ed25519",
    )


def build(tmp: Path) -> World:
    w = World()
    folder = tmp / "evidence"
    folder.mkdir()
    signer = Ed25519Signer(ORIGIN, KEYS["log"])
    issued: dict[str, Bundle] = {}
    with Log.create(tmp / "log", signer) as log:
        issued["base.json"] = _issue(log, folder, status=status_entries())
        w.checkpoints["early"] = (log.checkpoint_size, log.root_hash, log.checkpoint_note)
        issued["base.cbor"] = _issue(log, folder, encoding="cbor", status=status_entries())
        for enc in ("json", "cbor"):
            issued[f"embedded.{enc}"] = _issue(
                log, folder, encoding=enc, embed=True, status=status_entries()
            )
            issued[f"verdict-fail.{enc}"] = _issue(
                log, folder, encoding=enc, latency=9.5, status=status_entries()
            )
        issued["second-issuer.json"] = _issue(log, folder, by=SECOND)
        issued["other-subject.json"] = _issue(log, folder, subject=OTHER_SUBJECT)
        size, plain_note = log.checkpoint_size, log.checkpoint_note
        note = cosign(plain_note, witnesses())
        w.checkpoints["final"] = (size, log.root_hash, note)
        early_size, early_root, _ = w.checkpoints["early"]
        w.consistency["early-to-final"] = {
            "origin": ORIGIN,
            "old_size": early_size,
            "old_root": base64.b64encode(early_root).decode(),
            "new_size": size,
            "new_root": base64.b64encode(log.root_hash).decode(),
            "proof": [base64.b64encode(h).decode() for h in log.consistency_proof(early_size)],
        }
        b = {k: reprove(v, log, note, size) for k, v in issued.items()}
        for enc in ("json", "cbor"):
            base = b[f"base.{enc}"]
            b[f"one-witness.{enc}"] = with_note(base, cosign(plain_note, witnesses()[:1]))
            entries = list(base.entries)
            del entries[1]
            b[f"evidence-missing.{enc}"] = dataclasses.replace(base, entries=tuple(entries))
            embedded = b[f"embedded.{enc}"]
            altered = {d: data + b"tampered" for d, data in embedded.evidence_data.items()}
            b[f"embedded-altered.{enc}"] = dataclasses.replace(embedded, evidence_data=altered)
            b[f"other-key.{enc}"] = resigned(base, OTHER)
        b["forged-proof.json"] = resigned(b["base.json"], OTHER, method_of=ISSUER)
        carried = status_list("revocation", NOW - timedelta(hours=3))
        b["carried-status.json"] = dataclasses.replace(b["base.json"], status_list=carried)

        log.append(LogEntry("evidence", hash_bytes(b"later"), 5, "text/plain", 0))
        later = cosign(log.checkpoint(), witnesses())
        w.checkpoints["later"] = (log.checkpoint_size, log.root_hash, later)
        for enc in ("json", "cbor"):
            stale = b[f"base.{enc}"]
            fresh = reprove(stale, log, later, log.checkpoint_size)
            b[f"later-checkpoint.{enc}"] = dataclasses.replace(
                fresh, entries=(with_note(stale, later).entries[0], *fresh.entries[1:])
            )

    # The same key and origin, other entries: a second history of the log.
    with Log.create(tmp / "split-log", signer) as split:
        filler = [
            LogEntry("evidence", hash_bytes(b"other %d" % i), i + 1, "text/plain", 0)
            for i in range(size - 3)
        ]
        split.append_many(filler[:early_size])
        split.checkpoint()
        w.checkpoints["split-early"] = (early_size, split.root_hash, split.checkpoint_note)
        split.append_many(filler[early_size:])
        other_folder = tmp / "split-evidence"
        other_folder.mkdir()
        other = {k: v + b"(other)" for k, v in EVIDENCE.items()}
        bundle = _issue(split, other_folder, evidence=other, status=status_entries())
        assert split.checkpoint_size == size
        split_note = cosign(split.checkpoint_note, witnesses())
        w.checkpoints["split-final"] = (size, split.root_hash, split_note)
        b["split.json"] = reprove(bundle, split, split_note, size)

    # Log A's proof from its early size, presented as if from the other history's early root.
    forged = dict(w.consistency["early-to-final"])
    forged["old_root"] = base64.b64encode(w.checkpoints["split-early"][1]).decode()
    w.consistency["split-early-to-final"] = forged

    w.bundles = b
    w.raw_bundles["bad-version.json"] = (
        b'{"mediaType": "application/vnd.attest.bundle+json", "version": 2}\n'
    )
    w.raw_bundles["not-a-bundle.cbor"] = b"\x00\x01\x02"
    return w


# --- the cases ------------------------------------------------------------------------------------


FRESH = ["fresh-revocation", "fresh-suspension"]


@dataclass
class Case:
    id: str
    description: str
    bundles: list[str]
    expect: str = "reject"
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    malformed: bool = False
    unmet: list[str] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)
    now: datetime = NOW
    status: list[str] = field(default_factory=lambda: list(FRESH))
    evidence: str | None = None
    state: str | None = None
    consistency: list[str] = field(default_factory=list)
    #: the checkpoint remembered afterwards: a name in World.checkpoints, or None
    state_after: str | None = "final"


def generic(enc: str) -> list[Case]:
    """Cases that apply to both encodings: the base bundle with one thing changed."""
    base = [f"base.{enc}"]
    expired_at = ISSUED + VALID_FOR + timedelta(minutes=5)
    early_at = ISSUED - timedelta(minutes=5, seconds=1)
    cut_off = 1 if enc == "json" else 2  # the base credential's index minus one
    t = datetime(2026, 11, 25, 11, 59, 59, tzinfo=UTC)

    def c(id: str, description: str, step: str, code: str, **kw: Any) -> Case:
        return Case(
            f"{id}-{enc}", description, kw.pop("bundles", base), "reject", [(0, step, code)], **kw
        )

    return [
        Case(f"accept-{enc}", "the base bundle under the base policy", base, "accept"),
        Case(
            f"accept-embedded-{enc}",
            "evidence bytes embedded in the bundle match their logged digests",
            [f"embedded.{enc}"],
            "accept",
        ),
        Case(
            f"accept-evidence-dir-{enc}",
            "evidence files supplied beside the bundle match their logged digests",
            base,
            "accept",
            evidence="good",
        ),
        c(
            "other-key",
            "credential re-signed by another key, issuer unchanged",
            "credential.signature",
            "credential.issuer_key_mismatch",
            bundles=[f"other-key.{enc}"],
            state_after=None,
        ),
        c(
            "untrusted-issuer",
            "the issuer is not in the policy",
            "issuer.trusted",
            "issuer.untrusted",
            policy={"issuer": [issuer(SECOND, "B")]},
        ),
        c(
            "key-not-yet-valid",
            "issued before the issuer key's window opens",
            "issuer.trusted",
            "issuer.key_not_yet_valid",
            policy={"issuer": [issuer(not_before=ISSUED + timedelta(seconds=1))]},
        ),
        c(
            "key-retired",
            "issued after the issuer key was retired",
            "issuer.trusted",
            "issuer.key_retired",
            policy={"issuer": [issuer(not_after=t)]},
        ),
        c(
            "compromised-index",
            "logged after the compromise cut-off index",
            "issuer.trusted",
            "issuer.compromised",
            policy={"issuer": [issuer(compromised_after={"log": ORIGIN, "index": cut_off})]},
        ),
        c(
            "compromised-time",
            "issued after the compromise cut-off time",
            "issuer.trusted",
            "issuer.compromised",
            policy={"issuer": [issuer(compromised_after={"time": t})]},
        ),
        c(
            "expired",
            "now is validUntil + clock_skew",
            "credential.validity",
            "credential.expired",
            now=expired_at,
            status=["expired-revocation", "expired-suspension"],
        ),
        c(
            "not-yet-valid",
            "validFrom is beyond now + clock_skew",
            "credential.validity",
            "credential.not_yet_valid",
            now=early_at,
            status=["early-revocation", "early-suspension"],
        ),
        c(
            "too-old",
            "older than max_credential_age",
            "credential.validity",
            "credential.too_old",
            policy={"freshness__max_credential_age": "12h"},
        ),
        c(
            "untrusted-log",
            "the checkpoint's log is not in the policy",
            "checkpoint.signature",
            "checkpoint.untrusted_log",
            state_after=None,
            policy={
                "log": [{"origin": OTHER_ORIGIN, "key": log_vkey(OTHER_ORIGIN, KEYS["other-log"])}]
            },
        ),
        c(
            "wrong-log-key",
            "the policy trusts another key for the log's origin than the bundle names",
            "checkpoint.signature",
            "bundle.log_key_mismatch",
            state_after=None,
            policy={"log": [{"origin": ORIGIN, "key": log_vkey(ORIGIN, KEYS["other-log"])}]},
        ),
        c(
            "one-witness",
            "one cosignature, quorum 2",
            "checkpoint.witnesses",
            "witness.quorum",
            bundles=[f"one-witness.{enc}"],
            state_after=None,  # a checkpoint short of the quorum is never remembered
        ),
        c(
            "split-view-same-size",
            "remembered: another root at the same size",
            "checkpoint.consistency",
            "consistency.split_view",
            state="split-final",
            state_after="split-final",
        ),
        c(
            "split-view-bad-proof",
            "the consistency proof from the remembered checkpoint fails",
            "checkpoint.consistency",
            "consistency.split_view",
            state="split-early",
            consistency=["split-early-to-final"],
            state_after="split-early",
        ),
        c(
            "consistency-unproven",
            "no consistency proof under consistency = require",
            "checkpoint.consistency",
            "consistency.unproven",
            state="early",
            state_after="early",
            policy={"decision__consistency": "require"},
        ),
        c(
            "later-checkpoint",
            "the credential's proof is for an earlier size than the note's",
            "inclusion.credential",
            "merkle.root_mismatch",
            bundles=[f"later-checkpoint.{enc}"],
            state_after="later",
        ),
        c(
            "evidence-missing",
            "an evidence entry removed from the bundle",
            "inclusion.evidence",
            "inclusion.evidence_missing",
            bundles=[f"evidence-missing.{enc}"],
        ),
        c(
            "evidence-dir-altered",
            "an evidence file beside the bundle was altered",
            "evidence.bytes",
            "evidence.altered",
            evidence="altered",
        ),
        c(
            "embedded-altered",
            "embedded evidenceData altered",
            "evidence.bytes",
            "evidence.altered",
            bundles=[f"embedded-altered.{enc}"],
        ),
        c(
            "revoked",
            "the revocation bit is set",
            "credential.status",
            "status.revoked",
            status=["revoked-revocation", "fresh-suspension"],
        ),
        c(
            "suspended",
            "the suspension bit is set",
            "credential.status",
            "status.suspended",
            status=["fresh-revocation", "suspended-suspension"],
        ),
        c(
            "status-stale",
            "status lists older than status_max_age",
            "credential.status",
            "status.stale",
            status=["stale-revocation", "stale-suspension"],
        ),
        c(
            "status-unknown",
            "no status list: fail closed",
            "credential.status",
            "status.unknown",
            status=[],
        ),
        Case(
            f"status-unknown-accepted-{enc}",
            'no status list, status_unknown = "accept"',
            base,
            "accept",
            status=[],
            policy={"freshness__status_unknown": "accept"},
        ),
        c(
            "evidence-too-old",
            "the evaluation ended longer ago than max_evidence_age",
            "evidence.freshness",
            "evidence.too_old",
            policy={"freshness__max_evidence_age": "6d"},
        ),
        c(
            "decayed",
            "the decay weight is below the floor",
            "evidence.decay",
            "decay.below_floor",
            policy={"decay": {"half_life": "3d", "floor": 0.25}},
        ),
        c(
            "wrong-subject",
            "about another subject",
            "policy.subject",
            "policy.wrong_subject",
            policy={"decision__subject": "did:web:agents.example:other-bot"},
        ),
        c(
            "wrong-pact",
            "against another pact",
            "policy.subject",
            "policy.wrong_pact",
            policy={"decision__pact": "urn:example:pact:other"},
        ),
        c(
            "wrong-pact-digest",
            "against another version of the pact",
            "policy.subject",
            "policy.wrong_pact",
            policy={"decision__pact_digest": "sha256:" + "0" * 64},
        ),
        c(
            "verdict-fail",
            "the evaluator's verdict is fail; the policy requires pass",
            "policy.verdict",
            "policy.verdict_fail",
            bundles=[f"verdict-fail.{enc}"],
        ),
        Case(
            f"verdict-fail-any-{enc}",
            'verdict fail, require_verdict = "any": only the policy\'s thresholds count',
            [f"verdict-fail.{enc}"],
            "accept",
            policy={"decision__require_verdict": "any"},
        ),
        c(
            "threshold-missed",
            "a threshold the measured value misses",
            "policy.thresholds",
            "policy.threshold_missed",
            policy={"threshold": [{**THRESHOLDS[0], "value": 0.95}, THRESHOLDS[1]]},
        ),
        c(
            "metric-missing",
            "a threshold on a metric the credential does not measure",
            "policy.thresholds",
            "policy.metric_missing",
            policy={
                "threshold": [
                    *THRESHOLDS,
                    {
                        "dimension": "safety",
                        "metric": "refusal_rate",
                        "comparator": "<=",
                        "value": 1,
                    },
                ]
            },
        ),
    ]


#: With too few evaluators overall, each dimension the policy sets thresholds in lacks them too.
EACH_DIMENSION = ["dimension:reliability", "dimension:safety"]


def cases() -> list[Case]:
    two = [issuer(), issuer(SECOND, "Evaluator B")]
    out = generic("json") + generic("cbor")
    out += [
        Case(
            "forged-proof-json",
            "a proof by another key naming the issuer's verification method",
            ["forged-proof.json"],
            failures=[(0, "credential.signature", "signature.invalid")],
            state_after=None,
        ),
        Case(
            "accept-both-encodings",
            "the same evaluation in both encodings",
            ["base.json", "base.cbor"],
            "accept",
        ),
        Case(
            "consistency-advance",
            "a consistency proof from the remembered early checkpoint",
            ["base.json"],
            "accept",
            state="early",
            consistency=["early-to-final"],
        ),
        Case(
            "consistency-not-compared",
            "no proof from the remembered early checkpoint",
            ["base.json"],
            "accept",
            state="early",
            state_after="early",
        ),
        Case(
            "status-carried-in-bundle",
            "the revocation list travels in the bundle",
            ["carried-status.json"],
            "accept",
            status=["fresh-suspension"],
        ),
        Case(
            "too-few-evaluators",
            "min_evaluators 2, one evaluator",
            ["base.json"],
            unmet=["min_evaluators", *EACH_DIMENSION],
            policy={"decision__min_evaluators": 2},
        ),
        Case(
            "one-evaluator-counted-once",
            "two bundles from one evaluator, min_evaluators 2",
            ["base.json", "base.cbor"],
            unmet=["min_evaluators", *EACH_DIMENSION],
            policy={"decision__min_evaluators": 2},
        ),
        Case(
            "two-evaluators",
            "two trusted evaluators, min_evaluators 2 (B publishes no status lists)",
            ["base.json", "second-issuer.json"],
            "accept",
            policy={
                "decision__min_evaluators": 2,
                "issuer": two,
                "freshness__require_status": False,
            },
        ),
        Case(
            "reliability-only-issuer",
            "an issuer trusted only for reliability; safety unmet",
            ["base.json"],
            unmet=["dimension:safety"],
            policy={"issuer": [issuer(dimensions=["reliability"])]},
        ),
        Case(
            "different-subjects",
            "bundles about two subjects, none named in the policy",
            ["base.json", "other-subject.json"],
            unmet=["subjects", "min_evaluators", *EACH_DIMENSION],
            policy={
                "decision__subject": None,
                "decision__pact": None,
                "freshness__require_status": False,
            },
        ),
        Case(
            "split-view-bundle",
            "the other history's bundle after the log's own was seen",
            ["split.json"],
            failures=[(0, "checkpoint.consistency", "consistency.split_view")],
            state="final",
            state_after="final",
        ),
        Case(
            "malformed-bundle-version",
            "a bundle of an unknown version",
            ["bad-version.json"],
            failures=[(0, "bundle.format", "bundle.unknown_version")],
            malformed=True,
            state_after=None,
        ),
        Case(
            "malformed-bundle-bytes",
            "bytes that are no bundle",
            ["not-a-bundle.cbor"],
            failures=[(0, "bundle.format", "cbor.trailing_data")],
            malformed=True,
            state_after=None,
        ),
        Case(
            "malformed-status-list",
            "a status list credential without its proof",
            ["base.json"],
            failures=[(0, "credential.status", "di.missing_proof")],
            malformed=True,
            status=["unsigned-revocation", "fresh-suspension"],
        ),
    ]
    return out


def expiry(case: Case, w: World, lists: Mapping[str, dict[str, Any]]) -> str | None:
    """specs/verification.md §3: the earliest of the candidates over the counted bundles."""
    if case.expect != "accept":
        return None
    doc = policy(**case.policy)
    fresh, decay = doc["freshness"], doc["decay"]
    failed = {i for i, _, _ in case.failures}
    given = [lists[n] for n in case.status]
    candidates = []
    for i, name in enumerate(case.bundles):
        if i in failed:
            continue
        bundle = w.bundles[name]
        cred = claims(bundle)
        valid_from = parse_datetime_stamp(cred["validFrom"])
        end = parse_datetime_stamp(
            cred["credentialSubject"]["evaluation"]["evaluationPeriod"]["end"]
        )
        candidates += [
            parse_datetime_stamp(cred["validUntil"]),
            valid_from + duration(fresh["max_credential_age"]),
            end + duration(fresh["max_evidence_age"]),
            end + duration(decay["half_life"]) * math.log2(1 / decay["floor"]),
        ]
        available = given + ([dict(bundle.status_list)] if bundle.status_list else [])
        for entry in cred.get("credentialStatus", []):
            sl = next((s for s in available if s["id"] == entry["statusListCredential"]), None)
            if sl is not None:
                candidates.append(
                    parse_datetime_stamp(sl["validFrom"]) + duration(fresh["status_max_age"])
                )
                candidates.append(parse_datetime_stamp(sl["validUntil"]))
    return format_datetime_stamp(min(candidates).replace(microsecond=0))


def dumps(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def state_file(cp: tuple[int, bytes, bytes]) -> bytes:
    size, root, note = cp
    doc = {
        "format": "attest-verifier-state/v1",
        "logs": {
            ORIGIN: {
                "size": size,
                "root": base64.b64encode(root).decode(),
                "checkpoint": note.decode(),
            }
        },
    }
    return dumps(doc)


def files(w: World) -> dict[str, bytes]:
    """Every file to write, by path relative to the output folder."""
    out: dict[str, bytes] = {}
    for name, bundle in w.bundles.items():
        out[f"bundles/{name}"] = bundle.encode()
    for name, data in w.raw_bundles.items():
        out[f"bundles/{name}"] = data
    expired_at = ISSUED + VALID_FOR + timedelta(minutes=5)
    early_at = ISSUED - timedelta(minutes=5, seconds=1)
    lists = {}
    for purpose in ("revocation", "suspension"):
        lists[f"fresh-{purpose}"] = status_list(purpose, NOW - timedelta(hours=1))
        lists[f"stale-{purpose}"] = status_list(purpose, NOW - timedelta(days=1, seconds=1))
        lists[f"expired-{purpose}"] = status_list(purpose, expired_at - timedelta(hours=1))
        lists[f"early-{purpose}"] = status_list(purpose, early_at - timedelta(hours=1))
    lists["revoked-revocation"] = status_list("revocation", NOW - timedelta(hours=1), set_bit=True)
    lists["suspended-suspension"] = status_list(
        "suspension", NOW - timedelta(hours=1), set_bit=True
    )
    lists["unsigned-revocation"] = {
        k: v for k, v in lists["fresh-revocation"].items() if k != "proof"
    }
    for name, sl in lists.items():
        out[f"status/{name}.json"] = dumps(sl)
    for name in ("early", "split-early", "split-final", "final"):
        out[f"state/{name}.json"] = state_file(w.checkpoints[name])
    for name, proof in w.consistency.items():
        out[f"consistency/{name}.json"] = dumps(proof)
    for name, data in EVIDENCE.items():
        out[f"evidence/good/{name}"] = data
    out["evidence/altered/transcripts.jsonl"] = EVIDENCE["transcripts.jsonl"] + b"one more\n"
    out["evidence/altered/metrics.json"] = EVIDENCE["metrics.json"]

    index = []
    policies: dict[bytes, str] = {}
    for case in cases():
        text = to_toml(policy(**case.policy)).encode()
        if text not in policies:
            name = "base" if not case.policy else case.id.removesuffix("-json")
            if f"policies/{name}.toml" in policies.values():
                name = case.id  # the same change with other values for the other encoding
            policies[text] = f"policies/{name}.toml"
            out[policies[text]] = text
        after = w.checkpoints[case.state_after] if case.state_after else None
        index.append(
            {
                "id": case.id,
                "description": case.description,
                "now": format_datetime_stamp(case.now),
                "policy": policies[text],
                "bundles": [f"bundles/{b}" for b in case.bundles],
                "statusLists": [f"status/{s}.json" for s in case.status],
                "evidenceDir": f"evidence/{case.evidence}" if case.evidence else None,
                "state": f"state/{case.state}.json" if case.state else None,
                "consistency": [f"consistency/{c}.json" for c in case.consistency],
                "expect": {
                    "decision": "malformed" if case.malformed else case.expect,
                    "failures": [
                        {"bundle": i, "step": step, "code": code} for i, step, code in case.failures
                    ],
                    "malformed": case.malformed,
                    "unmet": case.unmet,
                    "expires": expiry(case, w, lists),
                    "remembered": None
                    if after is None
                    else {
                        "origin": ORIGIN,
                        "size": after[0],
                        "root": base64.b64encode(after[1]).decode(),
                    },
                },
            }
        )
    keys = {name: {"seed_hex": k.seed.hex(), "did": did(k)} for name, k in sorted(KEYS.items())}
    keys["log"]["vkey"] = log_vkey(ORIGIN, KEYS["log"])
    for i, wit in enumerate(witnesses()):
        keys[f"witness-{i + 1}"]["vkey"] = wit.verifier().vkey()
    out["cases.json"] = dumps({"keys": keys, "cases": index})
    return out


def main(target: Path = HERE) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = build(Path(tmp))
    for rel, data in files(world).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
