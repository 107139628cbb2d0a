"""Every file of the fuzzing corpus (tests/corpus/) through its atheris harness's check.

The harnesses (bench/fuzz_*.py) let only :class:`AttestError` escape the parsers and require
``verify`` to return a decision that accepts no forgery; here the same checks run on every
corpus file and every kept crasher, each within a time bound.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
TARGETS = ("bundle", "note", "cbor")


def _harness(target: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(
            f"fuzz_{target}", ROOT / "bench" / f"fuzz_{target}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


HARNESSES: dict[str, Callable[[bytes], None]] = {t: _harness(t).one_input for t in TARGETS}


def _files() -> list[tuple[str, Path]]:
    out = [(t, p) for t in TARGETS for p in sorted((CORPUS / t).iterdir())]
    out += [(p.name.split("-")[0], p) for p in sorted((CORPUS / "crashers").iterdir())]
    return out


FILES = _files()


def test_the_corpus_is_there_and_small() -> None:
    for target in TARGETS:
        files = list((CORPUS / target).iterdir())
        assert 10 <= len(files) <= 400, target
        assert sum(p.stat().st_size for p in files) < 2 << 20, target
    assert all(name in HARNESSES for name, _ in FILES)


@pytest.mark.parametrize("target", [*TARGETS, "crashers"])
def test_every_corpus_file_passes_its_harness(target: str) -> None:
    files = [(t, p) for t, p in FILES if p.parent.name == target]
    assert files
    for name, path in files:
        data = path.read_bytes()
        started = time.perf_counter()
        HARNESSES[name](data)  # raises anything but AttestError: a bug
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, f"{path.name}: {elapsed:.2f} s"
