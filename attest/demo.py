"""The main job, start to finish, on the embedded default: nothing to set up.

``run(directory)`` plays an evaluator and a counterparty in a fresh directory: an evaluator
key, an evidence log, a pact, measured results and evidence files, an issued bundle in both
encodings, and what a counterparty sees. Every step writes real files with the same library
calls the commands use, and reports the command a person would type for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from attest.codec.dates import format_datetime_stamp
from attest.errors import UsageError
from attest.evaluation.bundle import parse_bundle
from attest.evaluation.credential import SupersededRef
from attest.evaluation.inspection import credential_document, describe
from attest.evaluation.pact import TEMPLATE, parse_pact
from attest.evaluation.results import parse_results
from attest.files import generate_key_file
from attest.issue import EvidenceFile, issue
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PublicKey
from attest.store import status as status_store
from attest.store.log import Log
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.note import Ed25519Signer
from attest.verifier.pipeline import Decision, verify
from attest.verifier.policy import TEMPLATE as POLICY_TEMPLATE
from attest.verifier.policy import parse_policy

__all__ = ["DemoStep", "run"]

ORIGIN = "demo.attest.example/evals"
EVALUATOR = "demo.attest.example/evaluator"
STATUS_URL = "https://demo.attest.example/status"
SUBJECT = "did:web:agents.example:support-bot"

_RESULTS = """\
# Measured by the evaluator's harness; outcomes are computed from the pact, not typed in.
method = "attest-demo-suite/1.0"
period_start = {start}
period_end = {end}

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
"""


def results_text(when: datetime) -> str:
    """The demo's measured results: an evaluation that ran for three weeks and ended a week
    before ``when``. Every date is relative to the run, so the demo decides alike in any year."""
    return _RESULTS.format(
        start=format_datetime_stamp(when - timedelta(days=28)),
        end=format_datetime_stamp(when - timedelta(days=7)),
    )


@dataclass(frozen=True)
class DemoStep:
    """One step: what it did, the command a person would type, and what it showed."""

    title: str
    command: str
    lines: tuple[str, ...] = field(default_factory=tuple)


def _transcripts() -> str:
    rows = []
    for i in range(40):
        rows.append(
            json.dumps(
                {
                    "ticket": f"T-{1000 + i}",
                    "user": f"My order {5000 + i} has not arrived.",
                    "agent": "I have checked the carrier: it arrives tomorrow.",
                    "resolved": i % 15 != 0,
                },
                sort_keys=True,
            )
        )
    return "\n".join(rows) + "\n"


def run(
    directory: str | Path,
    *,
    now: datetime | None = None,
    report: Callable[[DemoStep], None] | None = None,
) -> list[DemoStep]:
    """Run the demo in ``directory`` (created; must be new or empty)."""
    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise UsageError("demo.not_empty", f"{root} is not empty; give a new directory")
    root.mkdir(parents=True, exist_ok=True)
    # The story runs in the past and ends at ``now``, so every credential and status list it
    # writes is already valid when the demo ends (and can be served and verified at once):
    # the first evaluation is issued two hours ago, recertified an hour ago.
    end = (now or datetime.now(UTC)).replace(microsecond=0)
    when, later = end - timedelta(hours=2), end - timedelta(hours=1)
    steps: list[DemoStep] = []

    def step(title: str, command: str, *lines: str) -> None:
        s = DemoStep(title, command, tuple(lines))
        steps.append(s)
        if report is not None:
            report(s)

    key_path = root / "evaluator.key"
    log_key_path = root / "log.key"
    # Demo keys are unencrypted so the demo runs unattended; real keys get a passphrase.
    named = generate_key_file(key_path, EVALUATOR, None, allow_unencrypted=True)
    log_key = generate_key_file(log_key_path, ORIGIN, None, allow_unencrypted=True)
    step(
        "Two keys: the evaluator's, which signs credentials, and the log's, which signs "
        "checkpoints (demo only: unencrypted, mode 0600)",
        f"attest key generate {EVALUATOR} -o {key_path} --no-passphrase; "
        f"attest key generate {ORIGIN} -o {log_key_path} --no-passphrase",
        f"issuer: {encode_did_key(named.public_key)}",
        "separate keys: a thief of one cannot both sign credentials and rewrite the log",
    )

    signer = Ed25519Signer(ORIGIN, log_key.private_key)
    log_dir = root / "log"
    with Log.create(log_dir, signer, key_file="../log.key") as log:
        step(
            "An append-only evidence log (C2SP tlog-tiles in a directory)",
            f"attest log init {log_dir} --origin {ORIGIN} --key {log_key_path}",
            f"log verifier key: {log.config.vkey}",
        )
        log_vkey = log.config.vkey

        pact_path = root / "pact.toml"
        pact_path.write_text(TEMPLATE, encoding="utf-8")
        pact = parse_pact(TEMPLATE.encode())
        step(
            "A pact: what the agent promised",
            f"attest pact init -o {pact_path}",
            f"{pact.id} v{pact.version}, digest {pact.digest}",
            *(
                f"  [{o.dimension}] {o.metric} {o.comparator} {o.threshold} {o.unit}"
                for o in pact.obligations
            ),
        )

        results_path = root / "results.toml"
        text = results_text(when)
        results_path.write_text(text, encoding="utf-8")
        results = parse_results(text.encode())
        evidence_dir = root / "evidence"
        evidence_dir.mkdir()
        transcripts = evidence_dir / "transcripts.jsonl"
        transcripts.write_text(_transcripts(), encoding="utf-8")
        metrics = evidence_dir / "metrics.json"
        metrics.write_text(
            json.dumps({m.metric: m.value for m in results.measurements}, indent=2) + "\n",
            encoding="utf-8",
        )
        step(
            "Measured results and the raw evidence behind them",
            f"(written by the evaluation harness: {results_path}, {evidence_dir}/)",
            *(
                f"  {m.metric} = {m.value} {m.unit} (n={m.sample_size})"
                for m in results.measurements
            ),
        )

        status_dir = root / "status"
        with status_store.init(status_dir, STATUS_URL) as store:
            allocations = [store.allocate(), store.allocate()]
        step(
            "A status store: revocation and suspension lists (W3C Bitstring Status List)",
            f"attest status init {status_dir} --url {STATUS_URL}",
            *(f"credential {i + 1} gets status index {a.index}" for i, a in enumerate(allocations)),
        )

        evidence = [EvidenceFile(transcripts), EvidenceFile(metrics)]
        outputs = {}
        encodings: tuple[Literal["json", "cbor"], ...] = ("json", "cbor")
        for encoding, allocation in zip(encodings, allocations, strict=True):
            bundle = issue(
                log=log,
                issuer=named.private_key,
                subject=SUBJECT,
                pact=pact,
                results=results,
                evidence=evidence,
                now=when,
                valid_for=timedelta(days=90),
                encoding=encoding,
                status=allocation.credential_status(),
            )
            path = root / f"bundle.{encoding}"
            path.write_bytes(bundle.encode())
            outputs[encoding] = path
        step(
            "Issue: log the evidence, sign the credential, log it, checkpoint, bundle it",
            f"attest issue --key {key_path} --log {log_dir} --subject {SUBJECT} "
            f"--pact {pact_path} --results {results_path} --evidence {transcripts} "
            f"--evidence {metrics} --status {status_dir} -o {outputs['json']}",
            *(f"{p.name}: {p.stat().st_size} bytes" for p in outputs.values()),
            f"log size now {log.checkpoint_size}; evidence logged once, cited by both",
        )

    view = describe(parse_bundle(outputs["json"].read_bytes()))
    cred = view["credential"]
    step(
        "What a counterparty receives (an unverified view)",
        f"attest inspect {outputs['json']}",
        f"verdict {cred['verdict']} for {cred['subject']}, valid until {cred['validUntil']}",
        *(
            f"  {o['outcome']:<8}[{o['dimension']}] "
            f"{o['metric']} {o['comparator']} {o['threshold']}"
            for o in cred["outcomes"]
        ),
        f"checkpoint size {view['log']['checkpoint']['size']}, "
        f"{len(view['entries'])} entries proven under it",
    )

    published = root / "published"
    with status_store.open_store(status_dir, write=True) as store:
        store.publish(named.private_key, when, timedelta(days=1), published)
    policy_path = root / "policy.toml"
    policy_path.write_text(_policy_text(named.public_key, log_vkey), encoding="utf-8")
    policy = parse_policy(policy_path.read_bytes())
    lists = [_read_json(p) for p in sorted(published.iterdir())]
    bundles = {p.name: p.read_bytes() for p in outputs.values()}
    decision = verify(bundles, policy, now=when + timedelta(minutes=30), status_lists=lists)
    step(
        "A counterparty decides, offline, under its own policy",
        f"attest status publish {status_dir} --key {key_path} -o {published}\n"
        f"$ attest verify {outputs['json']} {outputs['cbor']} --policy {policy_path} "
        f"--status {published}/revocation --status {published}/suspension",
        *_decision_lines(decision),
    )

    # Recertification: a later evaluation replaces the first credential; the old one is
    # revoked as superseded, and the newest evidence decides.
    recert_results = results_text(later)
    with status_store.open_store(status_dir, write=True) as store:
        allocation = store.allocate()
    with Log.open(log_dir, signer, write=True) as log:
        old = parse_bundle(bundles[outputs["json"].name])
        renewed = issue(
            log=log,
            issuer=named.private_key,
            subject=SUBJECT,
            pact=pact,
            results=parse_results(recert_results.encode()),
            evidence=evidence,
            now=later,
            valid_for=timedelta(days=90),
            status=allocation.credential_status(),
            supersedes=SupersededRef(
                str(credential_document(old)["id"]), old.credential_entry.decoded.digest
            ),
        )
        # What a counterparty reading the published tiles (--log-tiles) computes: the log at
        # the first bundle's size is a prefix of the log at the new one's.
        before, after = old.claimed_checkpoint.size, log.checkpoint_size
        grown = ConsistencyProof(
            ORIGIN,
            before,
            log.tree_hash(before),
            after,
            log.tree_hash(after),
            tuple(log.consistency_proof(before, after)),
        )
    renewed_path = root / "bundle-recertified.json"
    renewed_path.write_bytes(renewed.encode())
    with status_store.open_store(status_dir, write=True) as store:
        store.revoke(allocations[0].index)
        store.record_reason(allocations[0].index, "revocation", "superseded")
        # Dated now, never ahead: a list dated in the future is refused by every verifier
        # (status.not_yet_valid) until that time comes.
        store.publish(named.private_key, end, timedelta(days=1), published)
    lists = [_read_json(p) for p in sorted(published.iterdir())]
    check_at = end
    alone = verify(
        {outputs["json"].name: bundles[outputs["json"].name]},
        policy,
        now=check_at,
        status_lists=lists,
    )
    both = verify(
        {outputs["json"].name: bundles[outputs["json"].name], renewed_path.name: renewed.encode()},
        policy,
        now=check_at,
        status_lists=lists,
        consistency=[grown],
    )
    step(
        "Recertification: a new evaluation supersedes the first credential, which is revoked "
        "as superseded; shown alone it is refused, shown with its successor the newest decides",
        f"attest issue … --status {status_dir} --supersedes {outputs['json']} -o {renewed_path}; "
        f"attest status publish {status_dir} --key {key_path} -o {published}\n"
        f"$ attest verify {outputs['json']} --policy {policy_path} --status …\n"
        f"$ attest verify {outputs['json']} {renewed_path} --policy {policy_path} --status …",
        *_decision_lines(alone),
        *_decision_lines(both),
    )
    return steps


def _read_json(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise UsageError("demo.bad_status_list", f"{path} is not a JSON object")
    return doc


def _decision_lines(decision: Decision) -> list[str]:
    lines = [f"decision: {decision.decision.upper()} (exit {0 if decision.accepted else 1})"]
    for v in decision.dimensions:
        lines.append(f"  {v.dimension:<12} {v.result} ({len(v.evaluators)} evaluator)")
    if decision.expires is not None:
        lines.append(f"  re-verify by {decision.expires.isoformat().replace('+00:00', 'Z')}")
    lines.extend(f"  reason: {r}" for r in decision.reasons)
    return lines


def _policy_text(issuer: PublicKey, log_vkey: str) -> str:
    """The counterparty's policy: ``attest policy init``'s template with the demo's evaluator,
    log and subject filled in, so the demo runs on exactly what a counterparty starts from."""
    filled = POLICY_TEMPLATE.replace(
        '# subject = "did:web:agents.example:support-bot"', f'subject = "{SUBJECT}"'
    )
    filled = filled.replace('name = "Example evaluator"', 'name = "Demo evaluator"')
    filled = filled.replace('id = "did:key:z6Mk..."', f'id = "{encode_did_key(issuer)}"')
    filled = filled.replace('origin = "example.com/evals"', f'origin = "{ORIGIN}"', 1)
    return filled.replace('key = "example.com/evals+01234567+A..."', f'key = "{log_vkey}"')
