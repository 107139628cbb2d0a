"""A log writer that a crash test kills with SIGKILL at random moments.

Usage: python crash_writer.py LOG_DIR SEED. It prints ``ack <first> <last>`` once a batch is
acknowledged (journalled and fsynced) and ``cp <size>`` once a checkpoint is published, each
line flushed before the next step starts, so whatever the parent read was really done.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from attest.codec.digest import hash_bytes
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import note
from attest.tlog.entry import LogEntry

SIGNER = note.Ed25519Signer("example.com/crash", PrivateKey(b"\x05" * 32))


def entry(i: int) -> LogEntry:
    return LogEntry("evidence", hash_bytes(b"crash %d" % i), i, "application/octet-stream", i)


def main() -> None:
    root, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    log = Log.open(root, SIGNER, write=True) if root.exists() else Log.create(root, SIGNER)
    print("ready", flush=True)
    while True:
        n = rng.choice((1, 7, 100, 300, 700))
        first = log.size
        log.append_many([entry(i) for i in range(first, first + n)])
        print(f"ack {first} {first + n - 1}", flush=True)
        if rng.random() < 0.8:
            log.checkpoint()
            print(f"cp {log.checkpoint_size}", flush=True)


if __name__ == "__main__":
    main()
