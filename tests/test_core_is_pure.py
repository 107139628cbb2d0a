"""The core packages take and return values: no file, socket, clock or command-line code.

File access lives at the edge (attest/files.py, attest/_fs.py, attest/store/, cli/), so the
core can be reasoned about, fuzzed and reused over bytes alone. This test reads every core
module's syntax tree and fails on an import or call that would reach the outside world.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import attest

CORE = ("codec", "keys", "tlog", "vc", "evaluation", "verifier")
FORBIDDEN_MODULES = {
    "os",
    "pathlib",
    "io",
    "shutil",
    "tempfile",
    "socket",
    "subprocess",
    "urllib",
    "http",
    "time",
    "click",
    "attest._fs",
    "attest.files",
    "attest.store",
    "attest.service",
    "attest.client",
    "attest.issue",
    "attest.demo",
    "attest_cli",
    "cli",
}
FORBIDDEN_CALLS = {"open", "now", "utcnow", "today", "time", "read_bytes", "read_text"}

ROOT = Path(attest.__file__).parent
#: The shipped JSON-LD contexts are package data (importlib.resources), not a user's file.
ALLOWED = {("vc/contexts/__init__.py", "read_bytes")}
MODULES = sorted(p for package in CORE for p in (ROOT / package).rglob("*.py"))


def _forbidden(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _forbidden(node.module):
                found.append(f"from {node.module} import …")
            elif node.module == "attest":
                found += [
                    f"from attest import {a.name}"
                    for a in node.names
                    if _forbidden(f"attest.{a.name}")
                ]
        elif isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            where = (path.relative_to(ROOT).as_posix(), name) if path.is_relative_to(ROOT) else None
            if name in FORBIDDEN_CALLS and where not in ALLOWED:
                found.append(f"{name}(…) at line {node.lineno}")
    return found


def test_the_core_packages_are_found() -> None:
    assert len(MODULES) > 30
    assert ROOT / "verifier" / "policy.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_core_module_reaches_no_file_socket_clock_or_cli(path: Path) -> None:
    assert _problems(path) == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\nfrom attest import _fs\nfrom pathlib import Path\n"
        "from datetime import datetime\nx = open('f')\ny = datetime.now()\n"
    )
    assert len(_problems(bad)) == 5
