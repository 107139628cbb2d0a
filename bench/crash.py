"""Crash safety at scale: kill -9 a log writer many times and count what was lost.

Runs the suite's crash trial (tests/test_log_crash.py) for as many trials as asked (1,000
by default): a writer appends batches and checkpoints, is killed with SIGKILL at a random
moment, and the log is reopened, audited and checked for every acknowledged entry. Any loss
or checkpoint regression stops the run with an assertion naming the trial.

    python bench/crash.py [--trials 1000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_log_crash import run_trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="attest-crash-"))
    t0 = time.perf_counter()
    try:
        stats = run_trials(work, args.trials)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{stats.trials} kill -9 trials in {time.perf_counter() - t0:.0f} s: "
        f"{stats.acknowledged:,} acknowledged entries, 0 lost; "
        f"{stats.checkpoints_checked} checkpoints read, 0 regressions; every audit passed"
    )


if __name__ == "__main__":
    main()
