"""The documentation runs: examples that drift from the code fail here, not in a reader's hands.

- the doctests of ``attest/__init__.py`` (the public surface) and of every package docstring;
- every ```` ```python ```` block of README.md and specs/*.md, run in a temporary directory
  that holds what the examples name (``policy.toml``, ``bot.bundle.json``, the published
  status lists: a real evaluator's output, issued a moment ago). A block that cannot run (an
  API synopsis with ``...`` for arguments) is marked by a ``<!-- not run -->`` line right
  before it; it must still compile, and its imports must still resolve;
- every ``attest …`` command line in README.md's shell blocks names a command that exists
  (``--help`` exits 0) and only options that command has.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import attest
from attest import errors
from attest.codec.canonical import parse_json
from attest.codec.dates import parse_datetime_stamp
from attest.demo import results_text
from attest.evaluation.pact import TEMPLATE, parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.store import status as status_store
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer
from attest_cli.main import cli

from . import vectors

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "specs").glob("*.md"))]
NOT_RUN = "<!-- not run -->"
SUBJECT = "did:web:agents.example:bot"

# --- (a) doctests --------------------------------------------------------------------------

#: Packages whose docstring teaches by example; each must hold at least one doctest.
DOCTESTED = ["attest", "attest.codec", "attest.keys", "attest.tlog", "attest.vc"]
DOCTESTED += ["attest.evaluation", "attest.store"]


@pytest.mark.parametrize("name", DOCTESTED)
def test_package_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, report=True)
    assert result.attempted > 0, f"{name}'s docstring has no example"
    assert result.failed == 0


def test_the_public_names_are_the_library_objects() -> None:
    from attest.files import load_policy
    from attest.verifier.pipeline import Decision, verify
    from attest.verifier.policy import parse_policy
    from attest.verifier.state import VerifierState

    expected = {
        "verify": verify,
        "load_policy": load_policy,
        "parse_policy": parse_policy,
        "Decision": Decision,
        "VerifierState": VerifierState,
    }
    expected |= {name: getattr(errors, name) for name in errors.__all__}
    assert set(attest.__all__) == {*expected, "__version__"}
    for name, obj in expected.items():
        assert getattr(attest, name) is obj, name
    with pytest.raises(AttributeError):
        attest.no_such_name  # noqa: B018


def test_the_public_verify_accepts_a_vector_bundle() -> None:
    """``attest.verify`` is the verifier: the base vector accepts through the façade."""
    (case,) = (
        c for c in vectors.load_json("verify/cases.json")["cases"] if c["id"] == "accept-json"
    )
    lists = [parse_json(vectors.load_bytes(f"verify/{s}")) for s in case["statusLists"]]
    decision = attest.verify(
        [vectors.load_bytes(f"verify/{b}") for b in case["bundles"]],
        attest.parse_policy(vectors.load_bytes(f"verify/{case['policy']}")),
        now=parse_datetime_stamp(case["now"]),
        status_lists=[d for d in lists if isinstance(d, dict)],
    )
    assert isinstance(decision, attest.Decision)
    assert decision.accepted, decision.reasons
    assert decision.state.to_json() != attest.VerifierState().to_json()


# --- (b) the python blocks of README.md and specs/ -----------------------------------------


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    code: str
    run: bool

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def python_blocks(doc: Path) -> Iterator[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            before = next((s.strip() for s in reversed(lines[:i]) if s.strip()), "")
            end = lines.index("```", i + 1)
            yield Block(doc, i + 1, "\n".join(lines[i + 1 : end]) + "\n", before != NOT_RUN)
            i = end
        i += 1


BLOCKS = [b for doc in DOCS for b in python_blocks(doc)]


def test_the_docs_have_python_blocks_and_few_are_not_run() -> None:
    assert any(b.doc.name == "README.md" and b.run for b in BLOCKS)
    assert sum(not b.run for b in BLOCKS) <= max(1, len(BLOCKS) // 3)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the examples name, made as an evaluator makes it, issued an hour ago: a policy
    (``policy.toml``), a bundle (``bot.bundle.json``) and the published status lists."""
    root = tmp_path_factory.mktemp("world")
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key = PrivateKey(bytes(range(32)))
    origin = "example.com/evals"
    results = results_text(now)
    evidence = root / "metrics.json"
    evidence.write_text('{"task_success_rate": 0.934}\n', encoding="utf-8")
    with status_store.init(root / "status", "https://example.com/status") as store:
        allocation = store.allocate()
    with Log.create(root / "evlog", Ed25519Signer(origin, key)) as log:
        bundle = issue(
            log=log,
            issuer=key,
            subject=SUBJECT,
            pact=parse_pact(TEMPLATE.encode()),
            results=parse_results(results.encode()),
            evidence=[EvidenceFile(evidence)],
            now=now,
            status=allocation.credential_status(),
        )
        vkey = log.config.vkey
    (root / "bot.bundle.json").write_bytes(bundle.encode())
    with status_store.open_store(root / "status", write=True) as store:
        store.publish(key, now, timedelta(days=1), root / "published")
    (root / "policy.toml").write_text(
        f'version = 1\n\n[decision]\nsubject = "{SUBJECT}"\n\n'
        f'[[issuer]]\nname = "Evals"\nid = "{encode_did_key(key.public_key)}"\n'
        'dimensions = ["reliability", "safety", "capability"]\n\n'
        f'[[log]]\norigin = "{origin}"\nkey = "{vkey}"\n',
        encoding="utf-8",
    )
    return root


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.run], ids=str)
def test_python_block_runs(
    block: Block, world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for f in world.rglob("*"):
        if f.is_file() and not f.is_relative_to(world / "evlog") and "status" not in f.parts:
            target = tmp_path / f.relative_to(world)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())
    monkeypatch.chdir(tmp_path)
    listed: list[tuple[str, Any]] = []

    def list_agent(subject: str, *, until: datetime | None) -> None:
        """What a marketplace does with an accepted agent (the README's example calls it)."""
        listed.append((subject, until))

    namespace: dict[str, Any] = {"__name__": "__doc_example__", "list_agent": list_agent}
    exec(compile(block.code, str(block), "exec"), namespace)
    if "list_agent(" in block.code:
        assert listed, "the example's bundle should be accepted"
        assert listed[0][0] == SUBJECT


@pytest.mark.parametrize("block", [b for b in BLOCKS if not b.run], ids=str)
def test_unrun_block_compiles_and_its_imports_resolve(block: Block) -> None:
    tree = ast.parse(block.code, str(block))
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            exec(compile(ast.Module([node], []), str(block), "exec"), {})


# --- (c) the command lines of README.md ----------------------------------------------------


def readme_command_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line.strip())  # the comment after the command
            if line.startswith("attest "):
                out.append(line)
    return out


COMMAND_LINES = readme_command_lines()


def test_readme_has_command_lines() -> None:
    assert len(COMMAND_LINES) > 20


def _resolve(argv: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The command path named by ``argv``, the command, and the options given to it."""
    command: click.Command = cli
    path: list[str] = []
    rest = argv
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command = command.commands[rest[0]]
        path.append(rest[0])
        rest = rest[1:]
    options = [a.split("=", 1)[0] for a in rest if a.startswith("--")]
    return path, command, options


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_readme_command_exists_with_its_options(line: str) -> None:
    argv = shlex.split(line.replace("|", " "), comments=True)[1:]
    path, command, options = _resolve(argv)
    assert path, f"{line!r} names no attest command"
    assert not isinstance(command, click.Group), f"{line!r} names a group, not a command"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    unknown = [o for o in options if o not in known]
    assert not unknown, f"{line!r}: attest {' '.join(path)} has no option {unknown}"


def test_the_command_check_can_fail() -> None:
    assert _resolve(["log", "frobnicate"])[1] is cli.commands["log"]
    _, command, options = _resolve(["verify", "b.json", "--no-such-option"])
    assert "--no-such-option" not in {o for p in command.params for o in p.opts}
    assert options == ["--no-such-option"]


def test_json_fixture_is_what_a_policy_reads(world: Path) -> None:
    policy = attest.load_policy(world / "policy.toml")
    assert policy.subject == SUBJECT
    assert json.loads((world / "published" / "revocation").read_text("utf-8"))["type"]
    assert os.path.getsize(world / "bot.bundle.json") > 0
