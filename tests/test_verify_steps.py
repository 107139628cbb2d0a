"""The verifier's step table is the spec's table, every failure carries one of its step's
codes, and the verifier package stays made of small functions."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

from attest.verifier import steps
from attest.verifier.pipeline import STEPS

from . import test_verify_vectors as vv

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "specs" / "verification.md").read_text("utf-8")


def spec_table() -> list[tuple[str, tuple[str, ...]]]:
    """(step, failure codes) of every row of specs/verification.md §2, in order."""
    section = SPEC.split("## 2. Steps, in order", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        rows.append((cells[0].strip("`"), tuple(re.findall(r"`([^`]+)`", cells[2]))))
    return rows


def test_table_is_the_spec_table() -> None:
    table = [(s.name, s.codes) for s in steps.STEPS]
    assert spec_table() == table
    assert [name for name, _ in table] == list(STEPS)


def test_every_step_is_a_documented_function() -> None:
    for step in steps.STEPS:
        doc = step.run.__doc__ or ""
        assert step.name in doc or "§4" in doc, step.name


@pytest.mark.parametrize("case", vv.CASES, ids=[c["id"] for c in vv.CASES])
def test_failure_codes_belong_to_their_step(case: dict[str, object]) -> None:
    codes = {s.name: s.codes for s in steps.STEPS}
    for report in vv.run(case).bundles:
        for check in report.failures:
            assert check.code is not None
            patterns = codes[check.step]
            assert any(fnmatch.fnmatchcase(check.code, p) for p in patterns), (
                f"{check.step} failed with {check.code}, not one of {patterns}"
            )


def test_no_long_functions_in_the_verifier() -> None:
    """ARCHITECTURE.md: a function of attest/verifier is short enough to read at once."""
    long = []
    for path in sorted((ROOT / "attest" / "verifier").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long.append(f"{path.name}:{node.name} ({length} lines)")
    assert long == []
