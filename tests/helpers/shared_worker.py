"""One process on a shared log that a fault test kills with SIGKILL at random moments.

Usage: python shared_worker.py DSN TILES ENDPOINT TAG. It loops: sequence a batch of 1-8
entries (printing ``ack <first> <count>`` once the transaction committed: acknowledged, as
``Prefer: respond-async`` is), then ``checkpoint`` (integrating while it holds the lock,
else waiting for the holder; printing ``cp <size>``). Entry ``k`` of batch ``n`` (the batch
counter, printed too) records the digest of ``<TAG>/<n>/<k>``, so the parent can recompute
what was acknowledged.
"""

from __future__ import annotations

import random
import sys

from attest.codec.digest import hash_bytes
from attest.keys.ed25519 import PrivateKey
from attest.store.postgres_s3 import BucketTiles, SharedLog
from attest.tlog import note
from attest.tlog.entry import LogEntry

SIGNER = note.Ed25519Signer("example.com/replicated", PrivateKey(b"\x61" * 32))


def entry(tag: str, n: int, k: int) -> LogEntry:
    data = f"{tag}/{n}/{k}".encode()
    return LogEntry("evidence", hash_bytes(data), len(data), "text/plain", 1_800_000_000)


def main() -> None:
    dsn, tiles, endpoint, tag = sys.argv[1:5]
    rng = random.Random(tag)
    log = SharedLog.open(dsn, BucketTiles(tiles, endpoint), SIGNER, poll_seconds=0.005)
    n = 0
    while True:
        n += 1
        count = rng.randint(1, 8)
        first = log.append_many([entry(tag, n, k) for k in range(count)])[0]
        print(f"ack {first} {count} {n}", flush=True)
        log.checkpoint()
        print(f"cp {log.checkpoint_size}", flush=True)


if __name__ == "__main__":
    main()
