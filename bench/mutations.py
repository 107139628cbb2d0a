"""Mutation run at scale: 10^6 single-field mutations of valid bundles, none may be accepted.

Draws a site at random from every site of every seed (tests/helpers/mutations.py: each
valid bundle of test_vectors/, every field of every layer, every signature, hash, proof and
checkpoint byte) and builds it with random parameters (which bit of which byte, which
replacement value), then verifies it in the seed's world. Counts: mutations, distinct
mutated inputs, rejected, accepted (must be 0), uncaught exceptions (must be 0; an
AttestError escaping ``verify`` is counted apart, as malformed), first failing step, and
rejections by a step other than the one the site names (must be 0).

    python bench/mutations.py [--count 1000000] [--workers 2] [--seed 1]

The loop is bounded: exactly ``--count`` mutations, split between the workers.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import multiprocessing
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine

from attest.errors import AttestError
from tests.helpers.mutations import Model, first_failure, load_seeds


def work(args: tuple[int, int]) -> dict[str, Any]:
    count, seed = args
    rng = random.Random(seed)
    sites = [site for s in load_seeds() for site in Model(s).sites()]
    steps: collections.Counter[str] = collections.Counter()
    accepted: list[str] = []
    crashes: list[str] = []
    wrong: collections.Counter[str] = collections.Counter()
    malformed = 0
    digests: set[bytes] = set()
    for _ in range(count):
        site = rng.choice(sites)
        try:
            mutant = site.make(rng)
            digests.add(hashlib.blake2b(mutant.data, digest_size=8).digest())
            decision = site.seed.verify(mutant.data)
        except AttestError:
            malformed += 1
            continue
        except Exception:
            crashes.append(f"{site.seed.name} {site.where} {site.kind}\n{traceback.format_exc()}")
            continue
        if decision.accepted:
            accepted.append(f"{site.seed.name} {site.where} {site.kind}")
            continue
        step = first_failure(decision) or "(no failed step)"
        steps[step] += 1
        if step not in site.expect:
            wrong[f"{site.where} {site.kind}: {step}"] += 1
    return {
        "count": count,
        "steps": steps,
        "accepted": accepted,
        "crashes": crashes,
        "wrong": wrong,
        "malformed": malformed,
        "digests": digests,
        "sites": len(sites),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    shares = [args.count // args.workers] * args.workers
    shares[0] += args.count - sum(shares)
    jobs = [(n, args.seed * 1000 + i) for i, n in enumerate(shares)]
    with multiprocessing.Pool(args.workers) as pool:
        results = pool.map(work, jobs)
    elapsed = time.perf_counter() - start
    steps: collections.Counter[str] = collections.Counter()
    wrong: collections.Counter[str] = collections.Counter()
    digests: set[bytes] = set()
    for r in results:
        steps.update(r["steps"])
        wrong.update(r["wrong"])
        digests |= r["digests"]
    accepted = [a for r in results for a in r["accepted"]]
    crashes = [c for r in results for c in r["crashes"]]
    malformed = sum(r["malformed"] for r in results)
    total = sum(r["count"] for r in results)
    rejected = sum(steps.values()) + malformed
    print(f"# bench/mutations.py, {machine()}, {args.workers} workers, {elapsed:,.0f} s")
    print(f"sites (every seed)      {results[0]['sites']:>10,}")
    print(f"mutations               {total:>10,}")
    print(f"distinct mutated inputs {len(digests):>10,}")
    print(f"rejected                {rejected:>10,}")
    print(f"accepted                {len(accepted):>10,}")
    print(f"uncaught exceptions     {len(crashes):>10,}")
    print(f"AttestError from verify {malformed:>10,}")
    print(f"rejected by another step than expected {sum(wrong.values()):,}")
    print("first failing step:")
    for step, n in sorted(steps.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<24} {n:>10,}")
    for line in accepted[:20]:
        print("ACCEPTED", line)
    for line in crashes[:5]:
        print("CRASH", line)
    for line, n in wrong.most_common(20):
        print("WRONG STEP", n, line)
    if accepted or crashes or wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
