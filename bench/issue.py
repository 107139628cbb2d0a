"""Issuing benchmark: credentials per second, single and batched, and bundle sizes.

Each credential is the full path: judge results against the pact, build the VC, sign it
(eddsa-jcs-2022, or COSE_Sign1), log it, checkpoint, and assemble its bundle with
tlog-proofs. "single" is one credential per call (one checkpoint each); "batched" is
``issue_many`` with one checkpoint per batch.

    python bench/issue.py
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import RESULTS_TOML, machine, table

from attest.evaluation.pact import TEMPLATE, parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, IssueRequest, issue, issue_many
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import note

KEY = PrivateKey(b"\x21" * 32)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
RESULTS = parse_results(RESULTS_TOML)
PACT = parse_pact(TEMPLATE.encode())


def fresh_log(work: Path, name: str) -> Log:
    return Log.create(work / name, note.Ed25519Signer("bench.example/evals", KEY))


def bench(work: Path, n_single: int, n_batch: int, rows: list[list[object]]) -> None:
    ev = work / "evidence.json"
    ev.write_text('{"run": 1}\n')
    for encoding in ("json", "cbor"):
        with fresh_log(work, f"single-{encoding}") as log:
            t0 = time.perf_counter()
            for i in range(n_single):
                issue(
                    log=log,
                    issuer=KEY,
                    subject=f"did:example:agent{i}",
                    pact=PACT,
                    results=RESULTS,
                    evidence=[EvidenceFile(ev)],
                    now=NOW,
                    encoding=encoding,  # type: ignore[arg-type]
                )
            single = n_single / (time.perf_counter() - t0)
        with fresh_log(work, f"batch-{encoding}") as log:
            requests = [
                IssueRequest(f"did:example:agent{i}", PACT, RESULTS, [EvidenceFile(ev)])
                for i in range(n_batch)
            ]
            t0 = time.perf_counter()
            bundles = issue_many(
                log=log,
                issuer=KEY,
                requests=requests,
                now=NOW,
                encoding=encoding,  # type: ignore[arg-type]
            )
            for b in bundles:
                b.encode()
            batched = n_batch / (time.perf_counter() - t0)
        rows += [
            [encoding, "single (one checkpoint each)", f"{single:,.0f}/s"],
            [
                encoding,
                f"batched ({n_batch:,} per checkpoint, bundles encoded)",
                f"{batched:,.0f}/s",
            ],
        ]

    files = []
    for i in range(10):
        f = work / f"evidence-{i}.jsonl"
        f.write_text("".join(f'{{"step": {j}, "item": {i}}}\n' for j in range(100)))
        files.append(EvidenceFile(f))
    for encoding in ("json", "cbor"):
        with fresh_log(work, f"sizes-{encoding}") as log:
            b = issue(
                log=log,
                issuer=KEY,
                subject="did:example:agent",
                pact=PACT,
                results=RESULTS,
                evidence=files,
                now=NOW - timedelta(seconds=1),
                encoding=encoding,  # type: ignore[arg-type]
            )
            rows.append([encoding, "bundle size, 10 evidence items", f"{len(b.encode()):,} bytes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="attest-bench-issue-"))
    rows: list[list[object]] = []
    try:
        bench(work, args.single, args.batch, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# Issuing benchmark\n\n{machine()}\n")
    print(table(["encoding", "measure", "result"], rows))


if __name__ == "__main__":
    main()
