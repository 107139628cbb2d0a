"""``attest log init --store --tiles``, ``attest log migrate`` and ``attest log audit-store``
against real PostgreSQL and SeaweedFS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from attest.codec.digest import hash_bytes
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest_cli.main import cli
from tests.conftest_services import pg_fixture, weed_fixture  # noqa: F401
from tests.helpers.services import Postgres, Seaweed

pytestmark = pytest.mark.services

ENV = {"ATTEST_PASSPHRASE": "correct horse"}


def _key(tmp_path: Path, runner: CliRunner) -> Path:
    key = tmp_path / "log.key"
    r = runner.invoke(
        cli, ["key", "generate", "example.com/k", "-o", str(key), "--kdf", "interactive"]
    )
    assert r.exit_code == 0, r.output
    return key


def test_init_a_shared_log(tmp_path: Path, pg: Postgres, weed: Seaweed) -> None:
    runner = CliRunner(env=ENV)
    key = _key(tmp_path, runner)
    dsn, tiles = pg.fresh_database(), f"s3://{weed.fresh_bucket()}/evals"
    args = ["log", "init", str(tmp_path / "d"), "--origin", "example.com/evals", "--key", str(key)]
    store = ["--store", dsn, "--tiles", tiles, "--s3-endpoint", weed.endpoint]
    r = runner.invoke(cli, [*args, *store])
    assert r.exit_code == 0, r.output
    assert "created shared log example.com/evals" in r.output
    doc = json.loads((tmp_path / "d" / "store.json").read_text())
    assert doc["tiles"] == tiles and doc["store"] == dsn
    r = runner.invoke(cli, [*args, *store])
    assert r.exit_code != 0 and "log.exists" in r.output
    r = runner.invoke(cli, [*args, "--store", dsn])
    assert r.exit_code != 0 and "cli.usage" in r.output
    r = runner.invoke(cli, ["log", "audit-store", str(tmp_path / "d"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["size"] == 0


def test_migrate_copies_and_proves(
    tmp_path: Path, pg: Postgres, weed: Seaweed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attest_cli._keys import load_signing_key

    runner = CliRunner(env=ENV)
    key = _key(tmp_path, runner)
    d = tmp_path / "dirlog"
    r = runner.invoke(
        cli, ["log", "init", str(d), "--origin", "example.com/moving", "--key", str(key)]
    )
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("ATTEST_PASSPHRASE", ENV["ATTEST_PASSPHRASE"])
    signer = Ed25519Signer("example.com/moving", load_signing_key(key).private_key)
    with Log.open(d, signer, write=True) as log:
        for chunk in range(3):
            entries = [
                LogEntry("evidence", hash_bytes(b"m%d" % i), i, "text/plain", 1_800_000_000)
                for i in range(chunk * 300, chunk * 300 + 300)
            ]
            log.append_and_checkpoint(entries)
        note = log.checkpoint_note
    dsn, tiles = pg.fresh_database(), f"s3://{weed.fresh_bucket()}/moved"
    r = runner.invoke(
        cli,
        [
            "log",
            "migrate",
            str(d),
            "--store",
            dsn,
            "--tiles",
            tiles,
            "--s3-endpoint",
            weed.endpoint,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["size"] == 900 and report["same_checkpoint"] is True
    assert report["bundles"] == 4
    r = runner.invoke(cli, ["log", "audit-store", str(d)])
    assert r.exit_code == 0 and "ok: 900 entries" in r.output
    from attest.store.postgres_s3 import BucketTiles

    assert BucketTiles(tiles, weed.endpoint).get("checkpoint") == note
    # A database that already holds a log is refused.
    r = runner.invoke(
        cli,
        [
            "log",
            "migrate",
            str(d),
            "--store",
            dsn,
            "--tiles",
            tiles,
            "--s3-endpoint",
            weed.endpoint,
        ],
    )
    assert r.exit_code != 0 and "log.exists" in r.output
