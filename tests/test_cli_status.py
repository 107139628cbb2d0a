"""`attest status` end to end through click: init, allocate, revoke / suspend / reinstate (by
index and from a bundle), publish, show, and the one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner, Result

from attest.demo import results_text
from attest.evaluation.bundle import Bundle
from attest.evaluation.pact import TEMPLATE, parse_pact
from attest.evaluation.results import parse_results
from attest.files import read_key_file
from attest.issue import issue
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.store import status as ss
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer
from attest.vc import status_list as sl
from attest_cli.main import cli

ENV = {"ATTEST_PASSPHRASE": "correct horse"}
URL = "https://issuer.example/status"
NOW = "2026-11-26T12:00:00Z"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENV)


@pytest.fixture
def key(tmp_path: Path, runner: CliRunner) -> Path:
    path = tmp_path / "issuer.key"
    r = runner.invoke(
        cli, ["key", "generate", "issuer.example", "-o", str(path), "--kdf", "interactive"]
    )
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def store(tmp_path: Path, runner: CliRunner) -> Path:
    d = tmp_path / "status"
    r = runner.invoke(cli, ["status", "init", str(d), "--url", URL])
    assert r.exit_code == 0, r.output
    assert f"revocation: {URL}/revocation" in r.output
    assert f"suspension: {URL}/suspension" in r.output
    return d


def _ok(runner: CliRunner, *args: str) -> Result:
    r = runner.invoke(cli, ["status", *args])
    assert r.exit_code == 0, r.output
    return r


def _error(runner: CliRunner, code: str, *args: str) -> None:
    r = runner.invoke(cli, ["status", *args])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {code}: "), r.output
    assert len(r.output.splitlines()) == 1


def _allocate(runner: CliRunner, store: Path) -> int:
    out = json.loads(_ok(runner, "allocate", str(store), "--json").output)
    assert out["credentialStatus"] == [
        e.to_json() for e in ss.open_store(store, write=False).entries(out["index"])
    ]
    index: int = out["index"]
    return index


def _show(runner: CliRunner, store: Path, index: int | None = None) -> dict[str, Any]:
    extra = ["--index", str(index)] if index is not None else []
    data: dict[str, Any] = json.loads(_ok(runner, "show", str(store), "--json", *extra).output)
    return data


def test_init_show(runner: CliRunner, store: Path) -> None:
    data = _show(runner, store)
    assert data == {
        "urlBase": URL,
        "size": 131072,
        "issuer": None,
        "lists": {"revocation": URL + "/revocation", "suspension": URL + "/suspension"},
        "allocated": 0,
        "revoked": 0,
        "suspended": 0,
    }
    text = _ok(runner, "show", str(store)).output
    assert "issuer:    (not published yet)" in text


def test_init_errors(tmp_path: Path, runner: CliRunner, store: Path) -> None:
    _error(runner, "status_store.bad_url", "init", str(tmp_path / "a"), "--url", URL + "/")
    _error(runner, "status.bad_size", "init", str(tmp_path / "b"), "--url", URL, "--size", "8")
    _error(runner, "status_store.exists", "init", str(store), "--url", URL)


def test_revoke_suspend_reinstate_by_index(runner: CliRunner, store: Path) -> None:
    a, b = _allocate(runner, store), _allocate(runner, store)
    assert "suspended" in _ok(runner, "suspend", str(store), "--index", str(a)).output
    assert _show(runner, store, a)["index"] == {
        "index": a,
        "allocated": True,
        "revoked": False,
        "suspended": True,
        "revocationReason": None,
        "suspensionReason": "unspecified",
    }
    assert "active" in _ok(runner, "reinstate", str(store), "--index", str(a)).output
    assert "revoked" in _ok(runner, "revoke", str(store), "--index", str(b)).output
    again = _ok(runner, "revoke", str(store), "--index", str(b), "--reason", "incident").output
    assert "reason incident (it already was)" in again
    assert _show(runner, store, b)["index"]["revocationReason"] == "incident"
    _error(runner, "status_store.revoked", "reinstate", str(store), "--index", str(b))
    data = _show(runner, store)
    assert (data["allocated"], data["revoked"], data["suspended"]) == (2, 1, 0)
    assert (
        f"index {b}: allocated, revoked"
        in _ok(runner, "show", str(store), "--index", str(b)).output
    )


def test_change_errors(tmp_path: Path, runner: CliRunner, store: Path) -> None:
    index = _allocate(runner, store)
    unused = next(i for i in range(10) if i != index)
    _error(runner, "status_store.not_allocated", "revoke", str(store), "--index", str(unused))
    _error(runner, "status_store.bad_index", "revoke", str(store), "--index", "131072")
    _error(runner, "cli.usage", "revoke", str(store))
    bundle = tmp_path / "b.json"
    bundle.write_text('{"mediaType": "text/plain", "version": 1}')
    _error(runner, "cli.usage", "revoke", str(store), "--index", "1", "--bundle", str(bundle))
    _error(runner, "bundle.bad_media_type", "revoke", str(store), "--bundle", str(bundle))
    _error(runner, "status_store.not_found", "revoke", str(tmp_path), "--index", "1")


def test_second_writer_is_refused(runner: CliRunner, store: Path) -> None:
    index = _allocate(runner, store)
    with ss.open_store(store, write=True):
        _error(runner, "status_store.locked", "revoke", str(store), "--index", str(index))
        _show(runner, store)  # reading needs no lock


def test_publish(tmp_path: Path, runner: CliRunner, store: Path, key: Path) -> None:
    revoked, active = _allocate(runner, store), _allocate(runner, store)
    _ok(runner, "revoke", str(store), "--index", str(revoked))
    out = tmp_path / "site"
    r = _ok(
        runner, "publish", str(store), "--key", str(key), "-o", str(out), "--now", NOW,
        "--valid-for", "12h",
    )  # fmt: skip
    assert f"wrote {out / 'revocation'}" in r.output
    assert "valid until 2026-11-27T00:00:00Z" in r.output
    public = read_key_file(key).public_key
    assert public is not None
    issuer = did_key.encode_did_key(public)
    now = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    lists = {p: json.loads((out / p).read_text()) for p in sl.PURPOSES}
    for index, expected in ((revoked, True), (active, False)):
        entry = sl.StatusEntry("revocation", index, URL + "/revocation")
        result = sl.check_status(
            entry, lists["revocation"], issuer=issuer, now=now, max_age=timedelta(days=1)
        )
        assert result.set is expected
    assert _show(runner, store)["issuer"] == issuer
    _ok(runner, "publish", str(store), "--key", str(key))
    assert sorted(p.name for p in (store / "published").iterdir()) == ["revocation", "suspension"]


def test_publish_errors(tmp_path: Path, runner: CliRunner, store: Path, key: Path) -> None:
    _error(
        runner, "duration.malformed", "publish", str(store), "--key", str(key), "--valid-for", "x"
    )
    _error(runner, "datetime.bad_syntax", "publish", str(store), "--key", str(key), "--now", "x")
    _ok(runner, "publish", str(store), "--key", str(key))
    other = tmp_path / "other.key"
    r = runner.invoke(cli, ["key", "generate", "other", "-o", str(other), "--kdf", "interactive"])
    assert r.exit_code == 0, r.output
    _error(runner, "status_store.wrong_key", "publish", str(store), "--key", str(other))


def _bundle(
    tmp_path: Path, status: list[dict[str, str]] | None, encoding: Literal["json", "cbor"]
) -> Path:
    log_dir = tmp_path / f"log-{encoding}-{status is not None}"
    issuer = PrivateKey(b"\x71" * 32)
    with Log.create(log_dir, Ed25519Signer("log.example/evals", PrivateKey(b"\x72" * 32))) as log:
        bundle: Bundle = issue(
            log=log,
            issuer=issuer,
            subject="did:web:agents.example:bot",
            pact=parse_pact(TEMPLATE.encode()),
            results=parse_results(results_text(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)).encode()),
            now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
            encoding=encoding,
            status=status,
        )
    path = tmp_path / f"bundle-{encoding}-{status is not None}"
    path.write_bytes(bundle.encode())
    return path


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_changes_from_a_bundle(
    tmp_path: Path, runner: CliRunner, store: Path, encoding: Literal["json", "cbor"]
) -> None:
    with ss.open_store(store, write=True) as s:
        allocation = s.allocate()
    bundle = _bundle(tmp_path, allocation.credential_status(), encoding)
    index = str(allocation.index)
    assert (
        f"index {index}: suspended"
        in _ok(runner, "suspend", str(store), "--bundle", str(bundle)).output
    )
    assert (
        f"index {index}: active"
        in _ok(runner, "reinstate", str(store), "--bundle", str(bundle)).output
    )
    assert (
        f"index {index}: revoked"
        in _ok(runner, "revoke", str(store), "--bundle", str(bundle)).output
    )
    assert _show(runner, store, allocation.index)["index"]["revoked"]


def test_bundle_of_another_store_or_without_status(
    tmp_path: Path, runner: CliRunner, store: Path
) -> None:
    other = ss.init(tmp_path / "other", "https://elsewhere.example/status")
    with other:
        allocation = other.allocate()
    foreign = _bundle(tmp_path, allocation.credential_status(), "json")
    _error(runner, "status_store.wrong_list", "revoke", str(store), "--bundle", str(foreign))
    plain = _bundle(tmp_path, None, "json")
    _error(runner, "status_store.no_entry", "revoke", str(store), "--bundle", str(plain))
