"""Crash safety: a writer killed with SIGKILL at random moments never loses an acknowledged
entry, never regresses its checkpoint, and always reopens to a log that passes its audit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from attest.store.log import CHECKPOINT_FILE, Log
from attest.tlog.checkpoint import open_checkpoint

from .helpers.crash_writer import SIGNER, entry

WRITER = Path(__file__).parent / "helpers" / "crash_writer.py"
TRIALS = int(os.environ.get("ATTEST_CRASH_TRIALS", "50"))


@dataclass
class CrashStats:
    """What a series of kill -9 trials saw; every loss or regression fails an assertion."""

    trials: int = 0
    acknowledged: int = 0
    checkpoints_checked: int = 0


def _run_and_kill(root: Path, seed: int, delay: float) -> int:
    """Start the writer, kill it after ``delay`` seconds of work; the last acknowledged index."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(root), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n", proc.stderr.read() if proc.stderr else ""
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    acked = -1
    for line in out.decode().splitlines():
        if line.startswith("ack "):
            acked = max(acked, int(line.split()[2]))
    return acked


def _checkpoint_size(root: Path) -> int:
    note = (root / CHECKPOINT_FILE).read_bytes()
    return open_checkpoint(note, SIGNER.verifier()).checkpoint.size


def run_trials(work: Path, trials: int, *, seed: int = 2026, per_log: int = 10) -> CrashStats:
    """Kill a writer ``trials`` times; after each kill reopen, audit and check nothing
    acknowledged is missing and the checkpoint did not go back. ``per_log`` trials share a
    log, so each audit stays small."""
    rng = random.Random(seed)
    stats = CrashStats()
    for series in range(0, trials, per_log):
        root = work / f"log{series}"
        acked = -1
        last_checkpoint = 0
        for trial in range(series, min(trials, series + per_log)):
            acked = max(acked, _run_and_kill(root, trial, rng.uniform(0.0, 0.15)))
            size = _checkpoint_size(root)
            assert size >= last_checkpoint, f"trial {trial}: checkpoint went back"
            last_checkpoint = size
            stats.checkpoints_checked += 1
            with Log.open(root, SIGNER, write=True) as log:
                assert log.size >= acked + 1, f"trial {trial}: acknowledged entries lost"
                log.audit()
            stats.trials += 1
        with Log.open(root, SIGNER, write=True) as log:
            log.checkpoint()
            assert log.audit().size >= acked + 1
            for index, data in log.entries():
                assert data == entry(index).encode(), f"entry {index} differs"
        assert acked > 0, "the writer never acknowledged anything: the series proved nothing"
        stats.acknowledged += acked + 1
    return stats


def test_sigkill_trials(tmp_path: Path) -> None:
    stats = run_trials(tmp_path, TRIALS)
    assert stats.trials == TRIALS
    assert stats.acknowledged > 0
