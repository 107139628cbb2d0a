"""What the atheris harnesses share: seeding a corpus folder and starting libFuzzer.

A harness module defines ``one_input(data)``, which runs parsers on ``data`` and lets only
:class:`attest.errors.AttestError` pass: any other exception is a crash, and libFuzzer
keeps the input (``-artifact_prefix``). The same functions replay the committed corpus in
the test suite (tests/test_corpus.py), so a harness must import without atheris.

    bench/fuzz_bundle.py WORK_DIR tests/corpus/bundle -max_total_time=600

Every folder named on the command line that is empty is first filled with the harness's
seeds (the project's own test vectors), so a first run starts from valid inputs. The
harnesses are executable scripts (``#!/usr/bin/env python3``; put the environment's python
first on PATH) because libFuzzer's ``-merge=1``, which minimizes a corpus, re-runs argv[0].
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path


def seed_folders(argv: list[str], seeds: Iterable[bytes]) -> None:
    folders = [Path(a) for a in argv[1:] if not a.startswith("-")]
    data = list(seeds)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.iterdir()):
            continue
        for item in data:
            (folder / hashlib.sha1(item).hexdigest()).write_bytes(item)


def main(one_input: Callable[[bytes], None], seeds: Callable[[], Iterable[bytes]]) -> None:
    import atheris  # bench/requirements.txt; only the fuzzing run needs it

    seed_folders(sys.argv, seeds())
    atheris.instrument_all()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
