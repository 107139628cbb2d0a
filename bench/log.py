"""Evidence log benchmark: durable appends, proofs read back from disk, bytes per entry.

The attest log is measured on its full durable path (record encoding, digest index, tiles
and bundles made durable, a signed checkpoint per batch of 1,000), beside pymerkle's SQLite
backend (one transaction per batch) in the same run on the same disk.

    python bench/log.py                    # up to 10^6 entries
    python bench/log.py --sizes 1000000 10000000 --peer-max 1000000

pymerkle (GPL) is a bench-only dependency: pip install -r bench/requirements.txt.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, table, time_each

from attest.codec.digest import Digest
from attest.keys.ed25519 import PrivateKey
from attest.store.log import INDEX_FILE, Log
from attest.tlog import merkle, note
from attest.tlog.entry import LogEntry

try:
    import pymerkle
except ImportError:  # pragma: no cover - reported in the output
    pymerkle = None

SIGNER = note.Ed25519Signer("bench.example/log", PrivateKey(b"\x42" * 32))
BATCH = 1000  # overridden by --batch
PROOF_SAMPLES = 2000


def entries(start: int, n: int) -> list[LogEntry]:
    return [
        LogEntry(
            "evidence",
            Digest(i.to_bytes(32, "big")),
            i,
            "application/json",
            1764000000,
            name=f"run-{i}.json",
        )
        for i in range(start, start + n)
    ]


def dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def bench_attest(work: Path, sizes: list[int], rows: list[list[object]]) -> None:
    root = work / "attest-log"
    log = Log.create(root, SIGNER)
    appended = 0
    elapsed = 0.0
    for size in sizes:
        while appended < size:
            batch = entries(appended, min(BATCH, size - appended))
            t0 = time.perf_counter()
            log.append_and_checkpoint(batch)
            elapsed += time.perf_counter() - t0
            appended += len(batch)
        log.close()
        total = dir_bytes(root)
        index = sum(
            (root / f).stat().st_size
            for f in (INDEX_FILE, INDEX_FILE + "-wal")
            if (root / f).exists()
        )
        reader = Log.open(root, write=False)
        rng = random.Random(size)
        idx = [rng.randrange(size) for _ in range(PROOF_SAMPLES)]
        p50, p99 = time_each(reader.inclusion_proof, idx)
        # Check what was timed: every sampled proof verifies against the checkpoint.
        for i in idx[:50]:
            merkle.verify_inclusion(
                i,
                size,
                merkle.leaf_hash(reader.entry(i)),
                reader.inclusion_proof(i),
                reader.root_hash,
            )
        cold = Log.open(root, write=False)
        c50, c99 = time_each(cold.prove, idx[:200])
        reader.close()
        cold.close()
        rows += [
            [
                f"{size:,}",
                "attest",
                f"durable appends, batches of {BATCH:,}",
                f"{appended / elapsed:,.0f}/s",
            ],
            [
                f"{size:,}",
                "attest",
                "inclusion proof from disk, p50 / p99",
                f"{p50:.0f} / {p99:.0f} µs",
            ],
            [
                f"{size:,}",
                "attest",
                "tlog-proof, fresh reader, p50 / p99",
                f"{c50:.0f} / {c99:.0f} µs",
            ],
            [f"{size:,}", "attest", "disk bytes per entry (all files)", f"{total / size:.1f}"],
            [
                f"{size:,}",
                "attest",
                "index bytes per entry (SQLite digest index)",
                f"{index / size:.1f}",
            ],
        ]
        log = Log.open(root, SIGNER, write=True)
    log.close()


def bench_pymerkle(work: Path, size: int, rows: list[list[object]]) -> None:
    if pymerkle is None:
        return
    db = work / "pymerkle.sqlite"
    tree = pymerkle.SqliteTree(str(db))
    t0 = time.perf_counter()
    for start in range(0, size, BATCH):
        tree.append_entries([e.encode() for e in entries(start, min(BATCH, size - start))])
    rate = size / (time.perf_counter() - t0)
    rng = random.Random(size)
    idx = [rng.randrange(size) for _ in range(200)]
    p50, p99 = time_each(lambda i: tree.prove_inclusion(i + 1, size), idx)
    rows += [
        [
            f"{size:,}",
            "pymerkle SqliteTree",
            f"appends, one transaction per {BATCH:,}",
            f"{rate:,.0f}/s",
        ],
        [
            f"{size:,}",
            "pymerkle SqliteTree",
            "inclusion proof, p50 / p99",
            f"{p50:.0f} / {p99:.0f} µs",
        ],
        [
            f"{size:,}",
            "pymerkle SqliteTree",
            "disk bytes per entry",
            f"{os.path.getsize(db) / size:.1f}",
        ],
    ]
    tree.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--peer-max", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="where to build the logs (default: a temp dir)")
    parser.add_argument("--batch", type=int, default=1000, help="entries per checkpoint")
    args = parser.parse_args()
    global BATCH
    BATCH = args.batch
    work = Path(tempfile.mkdtemp(prefix="attest-bench-", dir=args.dir))
    rows: list[list[object]] = []
    try:
        bench_attest(work, sorted(args.sizes), rows)
        peer = [s for s in args.sizes if s <= args.peer_max]
        if peer:
            bench_pymerkle(work, max(peer), rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# Log benchmark\n\n{machine()}\n")
    if pymerkle is None:
        print("(pymerkle not installed: pip install -r bench/requirements.txt)\n")
    print(table(["entries", "implementation", "measure", "result"], rows))


if __name__ == "__main__":
    main()
