"""JCS benchmark: attest.codec.canonical.canonicalize beside the rfc8785 package.

On realistic documents — a signed evaluation credential, a status list credential, a JSON
bundle with its credential, and a batch-sized array of ten credentials — it checks that both
write the same bytes, then times each (best of ``--repeats`` runs of as many calls as fit in
``--seconds``) and prints a Markdown table of calls per second and the ratio.

    python bench/canonical.py [--seconds 1] [--repeats 5]

rfc8785 is a test dependency (the independent implementation the canonicalizer is checked
against), not a runtime one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rfc8785
from _harness import machine, table

from attest.codec.canonical import canonicalize

VECTORS = Path(__file__).resolve().parent.parent / "test_vectors"


def documents() -> dict[str, Any]:
    def load(relpath: str) -> Any:
        return json.loads((VECTORS / relpath).read_text(encoding="utf-8"))

    credential = load("credential/credential.json")
    return {
        "signed credential": credential,
        "status list credential": load("verify/status/fresh-revocation.json"),
        "JSON bundle (credential, 2 entries)": load("bundle/valid/bundle.json"),
        "10 signed credentials": [credential] * 10,
    }


def best_rates(
    fns: tuple[Callable[[], object], Callable[[], object]], seconds: float, repeats: int
) -> tuple[float, float]:
    """Calls per second of each function: the best of ``repeats`` timed runs, the two run in
    turn within each repeat, so a burst of load elsewhere slows both alike."""
    calls = []
    for fn in fns:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 10:
            fn()
            n += 1
        calls.append(max(1, n * 10 // repeats))
    best = [0.0, 0.0]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(calls[i]):
                fn()
            best[i] = max(best[i], calls[i] / (time.perf_counter() - t0))
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for name, doc in documents().items():
        ours = canonicalize(doc)
        if ours != rfc8785.dumps(doc):
            raise SystemExit(f"{name}: the two canonical forms differ")
        attest_rate, peer_rate = best_rates(
            (partial(canonicalize, doc), partial(rfc8785.dumps, doc)), args.seconds, args.repeats
        )
        rows.append(
            (
                name,
                f"{len(ours):,} bytes",
                f"{attest_rate:,.0f}/s",
                f"{peer_rate:,.0f}/s",
                f"{attest_rate / peer_rate:.1f}x",
            )
        )
    print(machine())
    print(table(("document", "canonical size", "attest", f"rfc8785 {_version()}", "ratio"), rows))


def _version() -> str:
    from importlib.metadata import version

    return version("rfc8785")


if __name__ == "__main__":
    main()
