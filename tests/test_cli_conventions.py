"""The command line behaves as the tools people already use do (issue 19): ``-`` for standard
input and output, ``-h``, ``--version``, no silent overwrite, ``--quiet``/``--verbose``, colour
only on a terminal, passphrases from a file or descriptor, an issue command that shows its
judgement first, starter files, and help text on every option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from attest.codec.dates import format_datetime_stamp
from attest.evaluation.bundle import parse_bundle
from attest.evaluation.pact import TEMPLATE as PACT_TEMPLATE
from attest.store.log import Log
from attest_cli.main import cli
from tests.helpers.issuing import PACT_TOML, RESULTS_TOML, SUBJECT, write_evidence

from .helpers.verify_world import NOW, World, build_world, policy_doc, status_lists, to_toml

PASS = "conventions test passphrase"
ENV = {"ATTEST_PASSPHRASE": PASS}
ISSUE_NOW = "2026-11-26T12:00:00Z"


def run(
    *args: str | Path, env: dict[str, str | None] | None = None, input: bytes | str | None = None
) -> Result:
    return CliRunner().invoke(
        cli, [str(a) for a in args], env=ENV if env is None else env, input=input
    )


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def assert_error(result: Result, code: str, exit_code: int = 2) -> None:
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"error: {code}"), result.stderr
    assert "Traceback" not in result.output


# --- a verifier's world ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def vworld(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("conventions-verify") / "world")


@pytest.fixture
def vfiles(vworld: World, tmp_path: Path) -> dict[str, Any]:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(vworld.json.encode())
    policy = tmp_path / "policy.toml"
    policy.write_text(to_toml(policy_doc()), encoding="utf-8")
    status = []
    for i, sl in enumerate(status_lists()):
        p = tmp_path / f"{i}.status.json"
        p.write_text(json.dumps(sl), encoding="utf-8")
        status += ["--status", p]
    base = ["--policy", policy, *status, "--no-state", "--now", format_datetime_stamp(NOW)]
    return {"bundle": bundle, "args": base, "dir": tmp_path}


# --- an evaluator's world --------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("conventions-keys")
    out = {}
    for name in ("evaluator", "log"):
        out[name] = d / f"{name}.key"
        ok(run("key", "generate", f"example.com/{name}", "-o", out[name], "--kdf", "interactive"))
    return out


@pytest.fixture
def eworld(tmp_path: Path, keys: dict[str, Path]) -> dict[str, Any]:
    log_dir = tmp_path / "log"
    ok(run("log", "init", log_dir, "--origin", "example.com/log", "--key", keys["log"]))
    pact = tmp_path / "pact.toml"
    pact.write_text(PACT_TOML, encoding="utf-8")
    results = tmp_path / "results.toml"
    results.write_text(RESULTS_TOML, encoding="utf-8")
    files = [f.path for f in write_evidence(tmp_path / "evidence")]
    return {"dir": tmp_path, "log": log_dir, "pact": pact, "results": results, "files": files}


def issue_args(w: dict[str, Any], keys: dict[str, Path], out: Path | str, *extra: Any) -> list[Any]:
    args: list[Any] = ["issue", "--key", keys["evaluator"], "--log", w["log"]]
    args += ["--subject", SUBJECT, "--pact", w["pact"], "--results", w["results"]]
    for f in w["files"]:
        args += ["--evidence", f]
    return [*args, "--no-status", "--now", ISSUE_NOW, "-o", out, *extra]


def log_size(log_dir: Path) -> int:
    with Log.open(log_dir, write=False) as log:
        return log.size


# --- 1. - is standard input and standard output ----------------------------------------------


def test_verify_reads_a_bundle_from_standard_input(vfiles: dict[str, Any]) -> None:
    data = vfiles["bundle"].read_bytes()
    from_file = run("verify", vfiles["bundle"], *vfiles["args"], "--json")
    from_stdin = run("verify", "-", *vfiles["args"], "--json", input=data)
    ok(from_file)
    ok(from_stdin)
    decision = json.loads(from_stdin.stdout)
    assert decision["decision"] == "accept"
    assert [b["bundle"] for b in decision["bundles"]] == ["-"]
    # standard input can be read once only
    assert_error(run("verify", "-", "-", *vfiles["args"], input=data), "cli.usage")


def test_standard_input_is_bounded(vfiles: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from attest_cli import _input

    monkeypatch.setattr(_input, "max_size", lambda what: 100)
    r = run("inspect", "-", input=b"x" * 101)
    assert_error(r, "bundle.too_large")
    assert "standard input" in r.stderr


def test_inspect_reads_standard_input(vworld: World) -> None:
    r = ok(run("inspect", "-", "--json", input=vworld.json.encode()))
    assert json.loads(r.stdout)["encoding"] == "json"
    assert_error(run("inspect", "-", input=b"not a bundle"), "")


def test_template_to_standard_output(tmp_path: Path) -> None:
    r = ok(CliRunner().invoke(cli, ["pact", "init", "-o", "-"], catch_exceptions=False))
    assert r.stdout == PACT_TEMPLATE
    r = ok(run("policy", "init", "-o", "-"))
    assert "[[issuer]]" in r.stdout or "issuer" in r.stdout
    assert not (Path.cwd() / "-").exists()


def test_issue_to_standard_output(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    r = ok(run(*issue_args(eworld, keys, "-")))
    bundle = parse_bundle(r.stdout_bytes)
    assert bundle.credential_entry.index < log_size(eworld["log"])
    assert "wrote standard output" in r.stderr
    assert not (Path.cwd() / "-").exists()


# --- 2. -h and --version ---------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["-h"], ["verify", "-h"], ["log", "init", "-h"]])
def test_dash_h_is_help(argv: list[str]) -> None:
    short = ok(run(*argv))
    long = ok(run(*argv[:-1], "--help"))
    assert short.stdout == long.stdout
    assert "Usage: " in short.stdout and "-h, --help" in short.stdout


def test_version_names_the_crypto_libraries() -> None:
    from importlib.metadata import version

    from attest import __version__

    out = ok(run("--version")).stdout.splitlines()
    assert out[0] == f"attest {__version__}"
    for dist in ("pynacl", "cryptography", "cbor2", "pyld"):
        assert any(line.startswith(f"{dist} {version(dist)}") for line in out), out


# --- 3. writing commands never overwrite -----------------------------------------------------


def test_issue_refuses_an_existing_output(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    out = eworld["dir"] / "bundle.json"
    out.write_bytes(b"an earlier bundle")
    before = log_size(eworld["log"])
    r = run(*issue_args(eworld, keys, out))
    assert_error(r, "cli.exists")
    assert "--force" in r.stderr
    assert out.read_bytes() == b"an earlier bundle"
    assert log_size(eworld["log"]) == before  # nothing signed or logged
    ok(run(*issue_args(eworld, keys, out, "--force")))
    parse_bundle(out.read_bytes())


# --- 4. --quiet, --verbose and colour --------------------------------------------------------


def test_quiet_prints_only_the_decision_line(vfiles: dict[str, Any]) -> None:
    r = ok(run("verify", vfiles["bundle"], *vfiles["args"], "--quiet"))
    assert r.stdout.splitlines() == [r.stdout.splitlines()[0]]
    assert r.stdout.startswith("ACCEPT  ")
    assert_error(run("verify", vfiles["bundle"], *vfiles["args"], "-q", "--json"), "cli.usage")


def test_the_table_shows_failed_and_skipped_steps_and_verbose_all(vfiles: dict[str, Any]) -> None:
    default = ok(run("verify", vfiles["bundle"], *vfiles["args"])).stdout
    verbose = ok(run("verify", vfiles["bundle"], *vfiles["args"], "--verbose")).stdout
    steps = [line for line in verbose.splitlines() if line.startswith("  ok   ")]
    assert len(steps) > 3
    assert not any(line in default.splitlines() for line in steps)
    assert f"  ok   {len(steps)} step(s) passed (--verbose lists them)" in default
    skipped = [line for line in verbose.splitlines() if line.startswith("  n/a  ")]
    assert skipped and all(line in default.splitlines() for line in skipped)


def test_colour_only_when_wanted(vfiles: dict[str, Any]) -> None:
    argv = ["verify", str(vfiles["bundle"]), *map(str, vfiles["args"])]
    esc = "\x1b["
    # CliRunner(color=True) stands for a terminal
    tty = CliRunner().invoke(cli, argv, color=True, env={"NO_COLOR": None})
    assert esc in tty.stdout
    assert esc not in CliRunner().invoke(cli, argv, color=True, env={"NO_COLOR": "1"}).stdout
    assert esc not in CliRunner().invoke(cli, [*argv, "--color", "never"], color=True).stdout
    assert esc not in CliRunner().invoke(cli, argv, color=False).stdout  # a pipe
    assert esc in CliRunner().invoke(cli, [*argv, "--color", "always"], color=False).stdout


# --- 5. passphrases from a file or a descriptor ----------------------------------------------


def test_passphrase_from_a_file(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    secret = eworld["dir"] / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    out = eworld["dir"] / "b.json"
    no_env = {"ATTEST_PASSPHRASE": None}
    ok(run(*issue_args(eworld, keys, out, "--passphrase-file", secret), env=no_env))
    parse_bundle(out.read_bytes())
    # on the root group too, for every command that unlocks a key
    out2 = eworld["dir"] / "b2.json"
    ok(run("--passphrase-file", secret, *issue_args(eworld, keys, out2), env=no_env))
    secret.write_text("wrong\n", encoding="utf-8")
    r = run(
        *issue_args(eworld, keys, eworld["dir"] / "c.json", "--passphrase-file", secret), env=no_env
    )
    assert r.exit_code == 2 and r.stderr.startswith("error: keyfile."), r.stderr


def test_passphrase_from_a_descriptor(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, (PASS + "\n").encode())
    os.close(write_end)
    try:
        out = eworld["dir"] / "b.json"
        argv = [*issue_args(eworld, keys, out), "--passphrase-fd", str(read_end)]
        ok(run(*argv, env={"ATTEST_PASSPHRASE": None}))
    finally:
        os.close(read_end)
    parse_bundle(out.read_bytes())


def test_no_terminal_and_no_passphrase_is_a_clear_error(
    eworld: dict[str, Any], keys: dict[str, Path]
) -> None:
    r = run(*issue_args(eworld, keys, eworld["dir"] / "b.json"), env={"ATTEST_PASSPHRASE": None})
    # the runner stands for a terminal whose input ends: the prompt is shown, then refused
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[-1].startswith("error: key.passphrase_required: ")
    assert "--passphrase-file" in r.stderr and "interrupted" not in r.output


def test_no_terminal_in_a_subprocess(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    """A real process with no controlling terminal and empty standard input (as under cron)."""
    env = {k: v for k, v in os.environ.items() if k != "ATTEST_PASSPHRASE"}
    argv = [sys.executable, "-c", "from attest_cli.main import main; main()"]
    argv += [str(a) for a in issue_args(eworld, keys, eworld["dir"] / "b.json")]
    r = subprocess.run(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        start_new_session=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().startswith("error: key.passphrase_required: "), r.stderr
    assert b"GetPassWarning" not in r.stderr


# --- 6. issue shows its judgement first ------------------------------------------------------


def test_issue_shows_the_verdict_and_every_outcome(
    eworld: dict[str, Any], keys: dict[str, Path]
) -> None:
    r = ok(run(*issue_args(eworld, keys, eworld["dir"] / "b.json")))
    lines = r.stdout.splitlines()
    assert lines[0].startswith("verdict      pass against urn:example:pact:support")
    for metric in ("task_success_rate", "harmful_output_rate", "p95_latency"):
        assert any(line.startswith("  pass") and metric in line for line in lines[1:4])
    assert lines.index(next(x for x in lines if x.startswith("wrote "))) > 3


def test_dry_run_signs_and_logs_nothing(eworld: dict[str, Any], keys: dict[str, Path]) -> None:
    before = log_size(eworld["log"])
    out = eworld["dir"] / "b.json"
    r = ok(run(*issue_args(eworld, keys, out, "--dry-run"), env={"ATTEST_PASSPHRASE": None}))
    assert "verdict      pass" in r.stdout and "dry run" in r.stdout
    assert not out.exists() and log_size(eworld["log"]) == before


def test_a_failing_verdict_exits_1_unless_allowed(
    eworld: dict[str, Any], keys: dict[str, Path]
) -> None:
    # a typo in a metric name: the pact's metric is never measured, the typo is not in the pact
    eworld["results"].write_text(
        RESULTS_TOML.replace('name = "p95_latency"', 'name = "p95_latncy"'), encoding="utf-8"
    )
    before = log_size(eworld["log"])
    out = eworld["dir"] / "b.json"
    r = run(*issue_args(eworld, keys, out))
    assert r.exit_code == 1, r.output
    assert "verdict      fail" in r.stdout
    assert "  missing" in r.stdout
    assert "warning: the results measure p95_latncy, which the pact does not name" in r.stdout
    assert "warning: obligation p95_latency was never measured" in r.stdout
    assert r.stderr.startswith("error: issue.verdict_fail: ")
    assert not out.exists() and log_size(eworld["log"]) == before
    ok(run(*issue_args(eworld, keys, out, "--allow-fail")))
    assert log_size(eworld["log"]) > before


# --- 7. starter files ------------------------------------------------------------------------


def test_results_init_fits_the_pact_template(tmp_path: Path) -> None:
    from attest.evaluation.pact import parse_pact
    from attest.evaluation.results import evaluate, parse_results

    out = tmp_path / "results.toml"
    ok(run("results", "init", "-o", out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ")
    measured = parse_results(text.encode())
    evaluation = evaluate(SUBJECT, parse_pact(PACT_TEMPLATE.encode()), measured)
    assert evaluation.verdict == "pass"
    assert_error(run("results", "init", "-o", out), "cli.exists")


# --- 8. every option has help text -----------------------------------------------------------

#: The commands of this part of the command line; the others' commands join as theirs get help.
OWNED = {"attest", "verify", "issue", "inspect", "pact", "policy", "results"}


def _walk(command: Any, path: str) -> Any:
    import click

    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, f"{path} {name}")


def test_every_option_has_help_text() -> None:
    import click

    missing = []
    for path, command in _walk(cli, "attest"):
        parts = path.split()
        if (parts[1] if len(parts) > 1 else parts[0]) not in OWNED:
            continue
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{path} {param.opts[-1]}")
    assert missing == []
