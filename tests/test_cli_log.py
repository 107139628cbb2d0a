"""`attest log` end to end through click, as a user runs it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from attest.store.log import Log
from attest.tlog import merkle
from attest.tlog import proof as tlog_proof
from attest.tlog.note import parse_verifier_key
from attest_cli.main import cli

ENV = {"ATTEST_PASSPHRASE": "correct horse"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENV)


@pytest.fixture
def logdir(tmp_path: Path, runner: CliRunner) -> Path:
    key = tmp_path / "log.key"
    r = runner.invoke(
        cli, ["key", "generate", "example.com/k", "-o", str(key), "--kdf", "interactive"]
    )
    assert r.exit_code == 0, r.output
    d = tmp_path / "evlog"
    r = runner.invoke(
        cli, ["log", "init", str(d), "--origin", "example.com/evals", "--key", str(key)]
    )
    assert r.exit_code == 0, r.output
    assert "example.com/evals+" in r.output
    return d


def test_append_prove_consistency_audit(tmp_path: Path, runner: CliRunner, logdir: Path) -> None:
    files = []
    for i in range(3):
        f = tmp_path / f"run{i}.json"
        f.write_text(json.dumps({"run": i}))
        files.append(f)
    r = runner.invoke(cli, ["log", "append", str(logdir), *map(str, files), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [e["index"] for e in out["entries"]] == [0, 1, 2]
    assert out["checkpoint_size"] == 3
    for e, f in zip(out["entries"], files, strict=True):
        assert e["digest"] == "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()

    r = runner.invoke(cli, ["log", "prove", str(logdir), "--digest", out["entries"][1]["digest"]])
    assert r.exit_code == 0, r.output
    proof = tlog_proof.parse_tlog_proof(r.output.encode())
    assert proof.index == 1
    with Log.open(logdir, write=False) as log:
        vkey = log.config.vkey
        leaf = merkle.leaf_hash(log.entry(1))
    tlog_proof.verify_tlog_proof(proof, leaf, parse_verifier_key(vkey))

    r = runner.invoke(cli, ["log", "consistency", str(logdir), "--old", "1", "--json"])
    assert r.exit_code == 0, r.output
    c = json.loads(r.output)
    merkle.verify_consistency(
        1,
        3,
        *(tlog_proof._decode(c[k], k) for k in ("old_root", "new_root")),
        [tlog_proof._decode(h, "h") for h in c["proof"]],
    )
    r = runner.invoke(cli, ["log", "audit", str(logdir)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ok: 3 entries")
    r = runner.invoke(cli, ["log", "show", str(logdir), "--json"])
    assert json.loads(r.output)["size"] == 3


def test_no_checkpoint_then_checkpoint(tmp_path: Path, runner: CliRunner, logdir: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("a")
    r = runner.invoke(cli, ["log", "append", str(logdir), str(f), "--no-checkpoint"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["log", "show", str(logdir), "--json"])
    assert json.loads(r.output)["size"] == 0
    r = runner.invoke(cli, ["log", "checkpoint", str(logdir)])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[:2] == ["example.com/evals", "1"]


def test_errors_exit_cleanly(tmp_path: Path, runner: CliRunner, logdir: Path) -> None:
    cases = [
        (["log", "prove", str(logdir), "--index", "7"], 2, "log.no_such_entry"),
        (["log", "prove", str(logdir)], 2, "cli.usage"),
        (["log", "prove", str(logdir), "--digest", "sha256:abc"], 2, "digest.malformed"),
        (["log", "show", str(tmp_path)], 2, "log.not_found"),
    ]
    for args, code, name in cases:
        r = runner.invoke(cli, args)
        assert r.exit_code == code, (args, r.output)
        assert f"error: {name}:" in r.output
        assert "Traceback" not in r.output
    (logdir / "tile").mkdir(exist_ok=True)
    r = CliRunner(env={"ATTEST_PASSPHRASE": "wrong"}).invoke(
        cli, ["log", "checkpoint", str(logdir)]
    )
    assert r.exit_code == 2
    assert "keyfile.bad_passphrase" in r.output


def test_audit_failure_exits_1(tmp_path: Path, runner: CliRunner, logdir: Path) -> None:
    files = []
    for i in range(300):
        f = tmp_path / f"e{i}"
        f.write_bytes(b"%d" % i)
        files.append(str(f))
    assert runner.invoke(cli, ["log", "append", str(logdir), *files]).exit_code == 0
    tile = logdir / "tile" / "0" / "000"
    data = bytearray(tile.read_bytes())
    data[100] ^= 1
    tile.write_bytes(bytes(data))
    r = runner.invoke(cli, ["log", "audit", str(logdir)])
    assert r.exit_code == 1
    assert "log.audit_failed" in r.output
    assert "tile/0/000 hash 3" in r.output
