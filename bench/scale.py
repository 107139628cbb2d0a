"""The shared log (PostgreSQL + S3) beside the directory log, on this machine.

Starts a private PostgreSQL 15 and a SeaweedFS S3 gateway (tests/helpers/services.py), then in
one run:

1. the directory log behind one ``attest serve --log`` and the shared log behind 1, 2 and 3
   ``attest serve --store --tiles`` replicas, each under the same HTTP load (signed
   ``POST /add`` of ``--batch`` entries from ``--submitters`` threads, each waiting for the
   checkpoint) for ``--seconds``: entries/s acknowledged, request p50/p99;
2. proof latency reading tiles from the bucket with a cold cache (``SharedLog.prove``);
3. with ``--crash-trials N``: the integrating process SIGKILLed N times at random moments, then
   every acknowledged index read back from the bucket and the bucket audited.

Usage: python bench/scale.py [--seconds 15] [--crash-trials 500] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attest.store.log import Log
from attest.store.postgres_s3 import BucketTiles, SharedLog
from tests.helpers.replicas import (
    SIGNER,
    Cluster,
    Load,
    Replica,
    check_everything_acknowledged,
    free_port,
)
from tests.helpers.services import postgres_server, seaweed_server


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _measure(cluster: Cluster, seconds: float, threads: int, batch: int) -> dict[str, Any]:
    load = Load(cluster, threads=threads, batch=batch)
    load.start()
    time.sleep(1.0)  # warm up
    start_acked, start_lat = len(load.acked), len(load.latencies)
    t0 = time.perf_counter()
    time.sleep(seconds)
    acked, lat = len(load.acked) - start_acked, load.latencies[start_lat:]
    took = time.perf_counter() - t0
    load.stop()
    return {
        "entries_per_s": round(acked / took, 1),
        "requests_per_s": round(len(lat) / took, 1),
        "p50_ms": round(_pct(lat, 0.5) * 1000, 1),
        "p99_ms": round(_pct(lat, 0.99) * 1000, 1),
        "errors": load.errors,
    }


def _directory(work: Path, seconds: float, threads: int, batch: int) -> dict[str, Any]:
    """The same load against one ``attest serve --log`` on a directory log."""
    cluster = Cluster("", "", "", work)
    Log.create(work / "dirlog", SIGNER).close()
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        "from attest_cli.main import main; main()",
        "serve",
        "--log",
        str(work / "dirlog"),
        "--submitters",
        str(cluster.submitters),
        "--key",
        str(cluster.key),
        "--port",
        str(port),
        "--no-vc-api",
        "--checkpoint-interval-ms",
        str(cluster.interval_ms),
    ]
    log = (work / "dir-server.log").open("ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    replica = Replica(proc, f"http://127.0.0.1:{port}")
    cluster.replicas.append(replica)
    try:
        cluster.wait_ready(replica)
        return _measure(cluster, seconds, threads, batch)
    finally:
        cluster.stop()


def _shared(
    pg: Any, weed: Any, work: Path, replicas: int, seconds: float, threads: int, batch: int
) -> tuple[dict[str, Any], tuple[str, str]]:
    dsn, tiles = pg.fresh_database(), f"s3://{weed.fresh_bucket()}/log"
    SharedLog.create(dsn, BucketTiles(tiles, weed.endpoint), SIGNER).close()
    work.mkdir()
    cluster = Cluster(dsn, tiles, weed.endpoint, work)
    for _ in range(replicas):
        cluster.start(wait=False)
    try:
        for r in cluster.replicas:
            cluster.wait_ready(r)
        result = _measure(cluster, seconds, threads, batch)
    finally:
        cluster.stop()
    return result, (dsn, tiles)


def _proof_latency(dsn: str, tiles: str, endpoint: str, samples: int = 200) -> dict[str, Any]:
    log = SharedLog.open(dsn, BucketTiles(tiles, endpoint))
    try:
        size = log.checkpoint_size
        rng = random.Random(5)
        cold, warm = [], []
        for _ in range(samples):
            index = rng.randrange(size)
            log._objects.clear()  # every tile read from the bucket
            log._cache = type(log._cache)()
            t = time.perf_counter()
            log.prove(index)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            log.prove(index)
            warm.append(time.perf_counter() - t)
        return {
            "size": size,
            "cold_p50_ms": round(_pct(cold, 0.5) * 1000, 2),
            "cold_p99_ms": round(_pct(cold, 0.99) * 1000, 2),
            "warm_p50_ms": round(statistics.median(warm) * 1000, 3),
        }
    finally:
        log.close()


def _crash(pg: Any, weed: Any, trials: int) -> dict[str, Any]:
    from tests.helpers.shared_crash import CrashRun

    dsn, tiles = pg.fresh_database(), f"s3://{weed.fresh_bucket()}/log"
    SharedLog.create(dsn, BucketTiles(tiles, weed.endpoint), SIGNER).close()
    run = CrashRun(dsn, tiles, weed.endpoint)
    t0 = time.perf_counter()
    try:
        run.run(trials)
    finally:
        run.stop()
    figures = check_everything_acknowledged(dsn, tiles, weed.endpoint, run.acked)
    return {
        "trials": run.kills,
        "seconds": round(time.perf_counter() - t0, 1),
        "acknowledged": len(run.acked),
        "log_size": figures["size"],
        "takeover_p50_ms": round(_pct(run.takeovers, 0.5) * 1000, 1),
        "takeover_max_ms": round(max(run.takeovers) * 1000, 1),
        "lost": 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--submitters", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--crash-trials", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out: dict[str, Any] = {
        "submitters": args.submitters,
        "entries_per_request": args.batch,
        "seconds": args.seconds,
    }
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as pg, seaweed_server() as weed:
        work = Path(tmp)
        (work / "dir").mkdir()
        out["directory"] = _directory(work / "dir", args.seconds, args.submitters, args.batch)
        print("directory", out["directory"], flush=True)
        last = None
        for n in (1, 2, 3):
            result, last = _shared(
                pg, weed, work / f"r{n}", n, args.seconds, args.submitters, args.batch
            )
            out[f"shared_{n}"] = result
            print(f"shared, {n} replica(s)", result, flush=True)
        assert last is not None
        out["proof_from_bucket"] = _proof_latency(*last, weed.endpoint)
        print("proof latency", out["proof_from_bucket"], flush=True)
        if args.crash_trials:
            out["crash"] = _crash(pg, weed, args.crash_trials)
            print("crash", out["crash"], flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
