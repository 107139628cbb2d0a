"""Verification benchmark: bundles/s in-process, and ``attest verify`` wall time beside
``sigstore verify --offline`` on its own bundle, in the same run.

In-process: "single" verifies one bundle per call; "batch" verifies many bundles that share
one checkpoint in one call (the checkpoint's signature is checked once per bundle either
way; the policy and status lists are parsed once). Wall time: the whole command, process
start to exit, median of repeated runs.

    python bench/verify.py [--sigstore PATH-TO-sigstore]

sigstore is a bench-only peer; give its executable (its own venv is simplest).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import RESULTS_TOML, machine, table

from attest.evaluation.pact import TEMPLATE, parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, IssueRequest, issue_many
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import note
from attest.verifier.pipeline import verify
from attest.verifier.policy import parse_policy

KEY = PrivateKey(b"\x31" * 32)
ORIGIN = "bench.example/evals"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ASSETS = Path(__file__).resolve().parent / "assets" / "sigstore"
RESULTS = parse_results(RESULTS_TOML)


def policy_text(vkey: str) -> str:
    return f"""
version = 1
[freshness]
max_evidence_age = "90d"
require_status = false  # the bench's credentials carry no status entry
[decay]
half_life = "60d"
floor = 0.25
[[issuer]]
name = "bench"
id = "{encode_did_key(KEY.public_key)}"
dimensions = ["reliability", "safety", "capability"]
[[log]]
origin = "{ORIGIN}"
key = "{vkey}"
[[threshold]]
dimension = "reliability"
metric = "task_success_rate"
comparator = ">="
value = 0.9
"""


def wall(cmd: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        samples.append(time.perf_counter() - t0)
        if proc.returncode not in ok:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sigstore", help="path to the sigstore executable")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="attest-bench-verify-"))
    rows: list[list[object]] = []
    try:
        ev = work / "evidence.json"
        ev.write_text('{"run": 1}\n')
        pact = parse_pact(TEMPLATE.encode())
        with Log.create(work / "log", note.Ed25519Signer(ORIGIN, KEY)) as log:
            requests = [
                IssueRequest(f"did:example:a{i}", pact, RESULTS, [EvidenceFile(ev)])
                for i in range(args.bundles)
            ]
            bundles = [
                b.encode() for b in issue_many(log=log, issuer=KEY, requests=requests, now=NOW)
            ]
            vkey = log.config.vkey
        policy_file = work / "policy.toml"
        policy_file.write_text(policy_text(vkey))
        policy = parse_policy(policy_file.read_bytes())
        now = NOW + timedelta(hours=1)

        d = verify([bundles[0]], policy, now=now)
        assert d.accepted, d.reasons
        n = min(300, len(bundles))
        t0 = time.perf_counter()
        for b in bundles[:n]:
            verify([b], policy, now=now)
        single = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        batch = verify({str(i): b for i, b in enumerate(bundles)}, policy, now=now)
        batched = len(bundles) / (time.perf_counter() - t0)
        assert len(batch.bundles) == len(bundles)
        assert all(r.counted for r in batch.bundles)
        rows += [
            ["attest, in-process", "one bundle per call", f"{single:,.0f} bundles/s"],
            [
                "attest, in-process",
                f"{len(bundles):,} bundles, one checkpoint, one call",
                f"{batched:,.0f} bundles/s",
            ],
        ]

        one = work / "one.bundle.json"
        one.write_bytes(bundles[0])
        attest_cmd = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
        ms = wall(
            [
                attest_cmd,
                "verify",
                str(one),
                "--policy",
                str(policy_file),
                "--no-state",
                "--now",
                "2026-11-26T13:00:00Z",
            ],
            args.runs,
        )
        rows.append(["attest verify (CLI)", "one JSON bundle, wall time, median", f"{ms:.0f} ms"])
        help_ms = wall([attest_cmd, "--help"], args.runs)
        rows.append(["attest --help", "start-up floor, wall time, median", f"{help_ms:.0f} ms"])

        sig = args.sigstore or shutil.which("sigstore")
        if sig:
            sig_ms = wall(
                [
                    sig,
                    "--staging",
                    "verify",
                    "identity",
                    "--offline",
                    "--bundle",
                    str(ASSETS / "bundle_v3.txt.sigstore"),
                    "--cert-identity",
                    "william@yossarian.net",
                    "--cert-oidc-issuer",
                    "https://github.com/login/oauth",
                    str(ASSETS / "bundle_v3.txt"),
                ],
                args.runs,
            )
            rows.append(
                ["sigstore verify --offline", "one bundle, wall time, median", f"{sig_ms:.0f} ms"]
            )
            rows.append(["ratio", "sigstore / attest wall time", f"{sig_ms / ms:.1f}x"])
        else:
            rows.append(["sigstore", "not installed (--sigstore PATH)", "-"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# Verification benchmark\n\n{machine()}\n")
    print(table(["what", "measure", "result"], rows))


if __name__ == "__main__":
    main()
