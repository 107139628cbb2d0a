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
from typing import Literal

from .bundle import parse_bundle
from .did_key import encode_did_key
from .errors import UsageError
from .evaluation import parse_results
from .inspect import describe
from .issue import EvidenceFile, issue
from .keyfile import generate_key_file
from .log import Log
from .note import Ed25519Signer
from .pact import TEMPLATE, parse_pact

__all__ = ["DemoStep", "run"]

ORIGIN = "demo.attest.example/evals"
SUBJECT = "did:web:agents.example:support-bot"

RESULTS = """\
# Measured by the evaluator's harness; outcomes are computed from the pact, not typed in.
method = "attest-demo-suite/1.0"
period_start = 2026-11-01T00:00:00Z
period_end = 2026-11-20T00:00:00Z

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
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    steps: list[DemoStep] = []

    def step(title: str, command: str, *lines: str) -> None:
        s = DemoStep(title, command, tuple(lines))
        steps.append(s)
        if report is not None:
            report(s)

    key_path = root / "evaluator.key"
    # The demo key is unencrypted so the demo runs unattended; real keys get a passphrase.
    named = generate_key_file(key_path, ORIGIN, None, allow_unencrypted=True)
    step(
        "An evaluator key (Ed25519; demo only: unencrypted, mode 0600)",
        f"attest key generate {ORIGIN} -o {key_path} --no-passphrase",
        f"issuer: {encode_did_key(named.public_key)}",
    )

    signer = Ed25519Signer(ORIGIN, named.private_key)
    log_dir = root / "log"
    with Log.create(log_dir, signer, key_file="../evaluator.key") as log:
        step(
            "An append-only evidence log (C2SP tlog-tiles in a directory)",
            f"attest log init {log_dir} --origin {ORIGIN} --key {key_path}",
            f"log verifier key: {log.config.vkey}",
        )

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
        results_path.write_text(RESULTS, encoding="utf-8")
        results = parse_results(RESULTS.encode())
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

        evidence = [EvidenceFile(transcripts), EvidenceFile(metrics)]
        outputs = {}
        encodings: tuple[Literal["json", "cbor"], ...] = ("json", "cbor")
        for encoding in encodings:
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
            )
            path = root / f"bundle.{encoding}"
            path.write_bytes(bundle.encode())
            outputs[encoding] = path
        step(
            "Issue: log the evidence, sign the credential, log it, checkpoint, bundle it",
            f"attest issue --key {key_path} --log {log_dir} --subject {SUBJECT} "
            f"--pact {pact_path} --results {results_path} --evidence {transcripts} "
            f"--evidence {metrics} -o {outputs['json']}",
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
    return steps
