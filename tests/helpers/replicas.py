"""Replicas of a shared log as real processes (``attest serve --store … --tiles …``), load from
several submitters, and the checks a fault run ends with. Used by the fault tests and by
bench/scale.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from attest.codec.digest import hash_bytes
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import NamedKey, encode_key_file
from attest.tlog import note
from attest.tlog.entry import LogEntry
from attest.tlog.submission import Submission, SubmittedEntry, new_nonce, sign_submission

ORIGIN = "example.com/replicated"
LOG_KEY = PrivateKey(b"\x61" * 32)
SIGNER = note.Ed25519Signer(ORIGIN, LOG_KEY)
SUBMITTER = PrivateKey(b"\x62" * 32)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    proc: subprocess.Popen[bytes]
    url: str
    ready: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Cluster:
    """Replicas of one shared log, started and stopped by PID."""

    dsn: str
    tiles: str
    endpoint: str
    work: Path
    interval_ms: float = 20.0
    add_timeout: float = 40.0
    replicas: list[Replica] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = self.work / "log.key"
        self.key.write_bytes(
            encode_key_file(NamedKey(ORIGIN, LOG_KEY), None, allow_unencrypted=True)
        )
        self.submitters = self.work / "submitters"
        self.submitters.write_text(encode_did_key(SUBMITTER.public_key) + " bench\n")

    def start(self, wait: bool = True) -> Replica:
        port = free_port()
        cmd = [
            sys.executable,
            "-c",
            "from attest_cli.main import main; main()",
            "serve",
            "--store",
            self.dsn,
            "--tiles",
            self.tiles,
            "--s3-endpoint",
            self.endpoint,
            "--submitters",
            str(self.submitters),
            "--key",
            str(self.key),
            "--port",
            str(port),
            "--no-vc-api",
            "--checkpoint-interval-ms",
            str(self.interval_ms),
            "--add-timeout",
            str(self.add_timeout),
        ]
        log = (self.work / f"replica-{port}.log").open("ab")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        replica = Replica(proc, f"http://127.0.0.1:{port}")
        self.replicas.append(replica)
        if wait:
            self.wait_ready(replica)
        else:
            threading.Thread(target=self._ready_quietly, args=(replica,), daemon=True).start()
        return replica

    def _ready_quietly(self, replica: Replica) -> None:
        with contextlib.suppress(RuntimeError):
            self.wait_ready(replica)

    def wait_ready(self, replica: Replica, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not replica.alive():
                raise RuntimeError(f"replica exited with {replica.proc.returncode}")
            try:
                if httpx.get(replica.url + "/healthz", timeout=1).status_code == 200:
                    replica.ready = True
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("replica did not start")

    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive()]

    def ready(self) -> list[Replica]:
        return [r for r in self.replicas if r.ready and r.alive()]

    def integrator_pid(self) -> int | None:
        """The PID in the lease row, if that process still runs."""
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute("SELECT holder FROM attest_lease WHERE id = 1").fetchone()
        if row is None:
            return None
        pid = int(str(row[0]).split(":")[1])
        return pid if any(r.pid == pid and r.alive() for r in self.replicas) else None

    def kill(self, replica: Replica) -> None:
        replica.proc.send_signal(signal.SIGKILL)
        replica.proc.wait()

    def stop(self) -> None:
        for r in self.replicas:
            if r.alive():
                r.proc.send_signal(signal.SIGTERM)
        for r in self.replicas:
            try:
                r.proc.wait(15)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait()


def submission(n: int, tag: str) -> tuple[bytes, dict[str, str], list[SubmittedEntry]]:
    entries = [
        SubmittedEntry("evidence", hash_bytes(f"{tag}/{i}".encode()), 10 + i, "text/plain", None)
        for i in range(n)
    ]
    s = Submission(ORIGIN, int(time.time()), new_nonce(), tuple(entries))
    body, headers = sign_submission(s, SUBMITTER)
    return body, {**headers, "Content-Type": "application/json"}, entries


@dataclass
class Load:
    """Submitters posting to random live replicas until stopped; records what was acked."""

    cluster: Cluster
    threads: int = 3
    batch: int = 4
    wait: bool = True
    acked: list[tuple[int, bytes]] = field(default_factory=list)  # (index, sha256)
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _work(self, worker: int) -> None:
        rng = random.Random(worker)
        client = httpx.Client(timeout=60)
        n = 0
        while not self._stop.is_set():
            live = self.cluster.ready()
            if not live:
                time.sleep(0.01)
                continue
            replica = rng.choice(live)
            n += 1
            body, headers, entries = submission(
                self.batch, f"{os.getpid()}/{worker}/{n}/{rng.random()}"
            )
            if not self.wait:
                headers["Prefer"] = "respond-async"
            start = time.perf_counter()
            try:
                r = client.post(replica.url + "/add", content=body, headers=headers)
            except httpx.HTTPError as exc:
                self._count(type(exc).__name__)
                time.sleep(0.01)  # the replica died under us: pick again
                continue
            took = time.perf_counter() - start
            if r.status_code not in (200, 202):
                self._count(f"{r.status_code}")
                continue
            doc = r.json()
            with self._lock:
                self.latencies.append(took)
                for item, entry in zip(doc["entries"], entries, strict=True):
                    self.acked.append((int(item["index"]), entry.digest.sha256))
        client.close()

    def _count(self, what: str) -> None:
        with self._lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._work, args=(i,), daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(90)


class CheckpointWatch(threading.Thread):
    """Polls the bucket's checkpoint object; records every size seen (to catch regressions)."""

    def __init__(self, tiles: str, endpoint: str) -> None:
        super().__init__(daemon=True)
        from attest.store.postgres_s3 import BucketTiles

        self.bucket = BucketTiles(tiles, endpoint, retry_seconds=2)
        self.sizes: list[int] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        from attest.tlog.checkpoint import open_checkpoint

        verifier = SIGNER.verifier()
        while not self.stopped.is_set():
            try:
                note_bytes = self.bucket.get("checkpoint")
                self.sizes.append(open_checkpoint(note_bytes, verifier).checkpoint.size)
            except Exception:  # the gateway away for a while
                pass
            time.sleep(0.01)


def check_everything_acknowledged(
    dsn: str, tiles: str, endpoint: str, acked: list[tuple[int, bytes]]
) -> dict[str, int]:
    """Wait until the log has integrated all it sequenced, then read every acknowledged index
    back from the bucket with its digest and audit the bucket. Returns figures."""
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    log = SharedLog.open(dsn, BucketTiles(tiles, endpoint), SIGNER)
    try:
        log.checkpoint()  # integrates whatever is left, as a replica would
        seen: dict[int, bytes] = {}
        for index, sha in acked:
            assert seen.setdefault(index, sha) == sha, f"index {index} acknowledged twice"
            entry = LogEntry.decode(log.entry(index))
            assert entry.digest.sha256 == sha, f"entry {index} is not what was acknowledged"
        report = log.audit()
        return {"size": report.size, "acked": len(acked), "tiles": report.tiles}
    finally:
        log.close()


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2))
