"""`attest log prove` checks its proof against the signed checkpoint before printing it, and
`attest log audit` reads nothing through a symlinked directory (SECURITY.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from attest.tlog import proof as tlog_proof
from attest_cli.main import cli
from tests.test_cli_log import logdir, runner  # noqa: F401 (fixtures)


def _fill(tmp_path: Path, runner: CliRunner, logdir: Path, n: int = 300) -> None:  # noqa: F811
    files = []
    for i in range(n):
        f = tmp_path / f"e{i}"
        f.write_bytes(b"%d" % i)
        files.append(str(f))
    r = runner.invoke(cli, ["log", "append", str(logdir), *files])
    assert r.exit_code == 0, r.output


def test_prove_checks_before_printing(
    tmp_path: Path,
    runner: CliRunner,  # noqa: F811
    logdir: Path,  # noqa: F811
) -> None:
    _fill(tmp_path, runner, logdir)
    good = runner.invoke(cli, ["log", "prove", str(logdir), "--index", "3"])
    assert good.exit_code == 0, good.output
    assert tlog_proof.parse_tlog_proof(good.output.encode()).index == 3
    tile = logdir / "tile" / "0" / "000"
    data = bytearray(tile.read_bytes())
    data[2 * 32] ^= 1  # hash 2: the sibling on entry 3's path
    tile.write_bytes(bytes(data))
    out = tmp_path / "proof.txt"
    for args in (["--index", "3"], ["--index", "3", "-o", str(out)]):
        r = runner.invoke(cli, ["log", "prove", str(logdir), *args])
        assert r.exit_code == 1, r.output
        assert "error: log.bad_proof:" in r.output
        assert "attest log audit" in r.output
        assert "c2sp.org/tlog-proof" not in r.output and "Traceback" not in r.output
    assert not out.exists()
    # an entry whose path does not cross the damage is still proven
    far = runner.invoke(cli, ["log", "prove", str(logdir), "--index", "299"])
    assert far.exit_code == 0, far.output


@pytest.mark.parametrize("which", ["entries", "level"])
def test_audit_does_not_follow_a_symlinked_directory(
    tmp_path: Path,
    runner: CliRunner,  # noqa: F811
    logdir: Path,  # noqa: F811
    which: str,
) -> None:
    _fill(tmp_path, runner, logdir)
    assert runner.invoke(cli, ["log", "audit", str(logdir)]).exit_code == 0
    # The same content, moved elsewhere and linked back: audit must refuse, not read it.
    moved = tmp_path / "elsewhere"
    target = logdir / "tile" / ("entries" if which == "entries" else "0")
    target.rename(moved)
    target.symlink_to(moved, target_is_directory=True)
    r = runner.invoke(cli, ["log", "audit", str(logdir)])
    assert r.exit_code != 0, r.output
    assert "symlink" in r.output.lower() or "link" in r.output.lower(), r.output
    assert "Traceback" not in r.output
