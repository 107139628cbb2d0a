"""Kill the integrator of a shared log at random moments: processes running
tests/helpers/shared_worker.py, SIGKILLed by PID; what they acknowledged is collected from their
output. Used by the fault tests (50 trials) and bench/scale.py (500)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

WORKER = Path(__file__).with_name("shared_worker.py")


@dataclass
class CrashRun:
    dsn: str
    tiles: str
    endpoint: str
    workers: int = 3
    acked: list[tuple[int, bytes]] = field(default_factory=list)
    takeovers: list[float] = field(default_factory=list)
    kills: int = 0
    _procs: list[subprocess.Popen[str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _serial: int = 0

    def _spawn(self) -> None:
        self._serial += 1
        tag = f"w{self._serial}"
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), self.dsn, self.tiles, self.endpoint, tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=str(WORKER.parents[2]),
        )
        self._procs.append(proc)
        threading.Thread(target=self._read, args=(proc, tag), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str], tag: str) -> None:
        from tests.helpers.shared_worker import entry

        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "ack":
                first, count, n = int(parts[1]), int(parts[2]), int(parts[3])
                got = [(first + k, entry(tag, n, k).digest.sha256) for k in range(count)]
                with self._lock:
                    self.acked.extend(got)

    def _holder(self) -> int | None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute("SELECT holder FROM attest_lease WHERE id = 1").fetchone()
        if row is None:
            return None
        pid = int(str(row[0]).split(":")[1])
        live = {p.pid for p in self._procs if p.poll() is None}
        return pid if pid in live else None

    def _wait_holder(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self._holder()
            if pid is not None:
                return pid
            time.sleep(0.005)
        return None

    def run(self, trials: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        for _ in range(self.workers):
            self._spawn()
        for _ in range(trials):
            time.sleep(rng.uniform(0.0, 0.25))  # a random moment under load
            pid = self._wait_holder(10)
            if pid is None:
                continue
            victim = next(p for p in self._procs if p.pid == pid)
            killed = time.monotonic()
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            self.kills += 1
            self._spawn()
            if self._wait_holder(30) is not None:
                self.takeovers.append(time.monotonic() - killed)

    def stop(self) -> None:
        for p in self._procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
