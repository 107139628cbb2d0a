"""POST /verify with revocation checked: status lists from a watched directory and fetched
under a URL prefix (conditional GET, bounded by status_max_age, fetching off), over real HTTP
on loopback; and decision receipts signed by the server."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from click.testing import CliRunner

from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.files import load_policy
from attest.issue import EvidenceFile, IssueRequest, issue_many
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.service import ServiceConfig, create_app
from attest.service.receipt import verify_receipt
from attest.service.status_source import StatusSources, check_source
from attest.store.log import Log
from attest.tlog import note
from attest.vc.status_list import StatusEntry, new_list, status_list_credential, with_bit
from attest_cli.main import cli

from .helpers.serving import running
from .test_server import PACT, _results

ORIGIN = "example.com/status-served"
SIGNER = note.Ed25519Signer(ORIGIN, PrivateKey(b"\x51" * 32))
ISSUER = PrivateKey(b"\x52" * 32)
RECEIPT_KEY = PrivateKey(b"\x53" * 32)
INDEX = 77


class _Static(http.server.SimpleHTTPRequestHandler):
    """A static file server that records each request's conditional headers."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("If-Modified-Since")))
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    handler = lambda *a, **k: _Static(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass(frozen=True)
class World:
    root: Path
    site: Path  # what the static server serves
    base: str  # its URL
    log: Path
    policy: Path
    bundle: bytes


def _policy() -> str:
    return f"""
version = 1
[freshness]
max_evidence_age = "90d"
status_max_age = "1d"
status_unknown = "reject"
require_status = true
[[issuer]]
name = "Served evaluator"
id = "{encode_did_key(ISSUER.public_key)}"
dimensions = ["reliability"]
[[log]]
origin = "{ORIGIN}"
key = "{SIGNER.verifier().vkey()}"
[[threshold]]
dimension = "reliability"
metric = "task_success_rate"
comparator = ">="
value = 0.9
"""


def publish(directory: Path, base: str, *, revoked: bool = False, when: float = 0) -> None:
    """Write both lists of ISSUER into ``directory`` (as attest status publish does)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    for purpose in ("revocation", "suspension"):
        bits = with_bit(new_list(), INDEX, revoked and purpose == "revocation")
        doc = status_list_credential(
            ISSUER,
            url=f"{base}status/{purpose}",
            purpose=purpose,
            bits=bits,
            valid_from=now,
            valid_until=now + timedelta(days=1),
        )
        path = directory / purpose
        path.write_text(json.dumps(doc))
        if when:
            os.utime(path, (when, when))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    d = tmp_path_factory.mktemp("status-served")
    site = d / "site"
    (site / "status").mkdir(parents=True)
    with static_server(site) as base:
        evidence = d / "transcript.jsonl"
        evidence.write_text('{"turn": 1}\n')
        now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        status = [
            StatusEntry(p, INDEX, f"{base}status/{p}").to_json()
            for p in ("revocation", "suspension")
        ]
        with Log.create(d / "log", SIGNER) as log:
            (bundle,) = issue_many(
                log=log,
                issuer=ISSUER,
                requests=[
                    IssueRequest(
                        "did:web:a.example",
                        parse_pact(PACT),
                        parse_results(_results(0.95, now)),
                        [EvidenceFile(evidence)],
                        status=status,
                    )
                ],
                now=now,
            )
        policy = d / "policy.toml"
        policy.write_text(_policy())
        yield World(d, site, base, d / "log", policy, bundle.encode())


@contextlib.contextmanager
def serving(world: World, **config: Any) -> Iterator[str]:
    receipt_key = config.pop("receipt_key", None)
    app = create_app(
        Log.open(world.log, write=False),
        policy=load_policy(world.policy),
        config=ServiceConfig(**config),
        policy_path=world.policy,
        receipt_key=receipt_key,
    )
    with running(app) as url:
        yield url


def _decide(url: str, bundle: bytes) -> tuple[bool, str]:
    r = httpx.post(
        url + "/verify",
        content=bundle,
        headers={"Content-Type": "application/vnd.attest.bundle+json"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    return doc["decision"] == "accept", json.dumps(doc)


def test_a_watched_directory_decides_revocation(tmp_path: Path, world: World) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    with serving(world, status_sources=(str(lists),)) as url:
        accepted, text = _decide(url, world.bundle)
        assert not accepted and "status.unknown" in text  # fail closed: nothing to check yet
        publish(lists / "issuer-a", world.base)  # one folder down, as published
        accepted, text = _decide(url, world.bundle)
        assert accepted, text
        publish(lists / "issuer-a", world.base, revoked=True, when=time.time() + 5)
        accepted, text = _decide(url, world.bundle)
        assert not accepted and "status.revoked" in text


def test_lists_fetched_under_a_prefix_are_revalidated(world: World) -> None:
    prefix = world.base + "status/"
    publish(world.site / "status", world.base, when=time.time() - 60)
    _Static.seen.clear()
    with serving(world, status_sources=(prefix,), status_refresh=0.0) as url:
        accepted, text = _decide(url, world.bundle)
        assert accepted, text
        accepted, text = _decide(url, world.bundle)
        assert accepted, text
        # the second verification revalidated both lists with If-Modified-Since (304)
        assert len(_Static.seen) == 4
        assert all(since is not None for _, since in _Static.seen[2:])
        publish(world.site / "status", world.base, revoked=True, when=time.time() + 5)
        accepted, text = _decide(url, world.bundle)
        assert not accepted and "status.revoked" in text
    with serving(world, status_sources=(prefix,), status_fetch=False) as url:
        accepted, text = _decide(url, world.bundle)
        assert not accepted and "status.unknown" in text  # fetching off: nothing fetched
    publish(world.site / "status", world.base, when=time.time() + 10)


def test_a_cached_list_is_not_used_past_status_max_age() -> None:
    clock = [0.0]
    answers = [(200, b'{"id": "https://i.example/s/revocation"}', {"ETag": '"v1"'})]
    asked: list[dict[str, str]] = []

    def fetch(url: str, headers: Any) -> tuple[int, bytes, dict[str, str]]:
        asked.append(dict(headers))
        return answers.pop(0) if answers else (503, b"", {})

    sources = StatusSources(
        ["https://i.example/s/"], refresh=10, max_age=100, fetcher=fetch, clock=lambda: clock[0]
    )
    url = "https://i.example/s/revocation"
    assert len(sources.lists_for([url])) == 1
    clock[0] = 50
    assert len(sources.lists_for([url])) == 1  # the server is down, the copy is 50 s old
    assert asked[1] == {"If-None-Match": '"v1"'}
    clock[0] = 101
    assert sources.lists_for([url]) == []  # too old to stand for the list: unknown
    assert sources.lists_for(["https://elsewhere.example/x"]) == []  # not under the prefix
    assert len(asked) == 3
    big = StatusSources(["https://i.example/s/"], fetcher=lambda u, h: (200, b"{" * 2, {}))
    assert big.lists_for([url]) == []  # not JSON: skipped, the verifier says unknown


@pytest.mark.parametrize(
    "source", ["http://issuer.example/status/", "https://issuer.example/status", "ftp://x/"]
)
def test_a_status_source_must_be_https_or_loopback(source: str) -> None:
    with pytest.raises(Exception, match="https://") as err:
        check_source(source)
    assert getattr(err.value, "code", None) == "serve.bad_status_source"


def test_a_receipt_is_the_decision_signed_by_the_server(tmp_path: Path, world: World) -> None:
    publish(world.site / "status", world.base, when=time.time() + 20)
    prefix = world.base + "status/"
    with serving(world, status_sources=(prefix,), receipt_key=RECEIPT_KEY) as url:
        r = httpx.post(
            url + "/verify",
            content=world.bundle,
            headers={"Content-Type": "application/vnd.attest.bundle+json"},
            timeout=30,
        )
    assert r.status_code == 200, r.text
    answer = r.json()
    receipt = answer.pop("receipt")
    payload = verify_receipt(receipt, RECEIPT_KEY.public_key)
    assert payload["decision"] == answer and answer["decision"] == "accept"
    import hashlib

    assert payload["bundles"] == ["sha256:" + hashlib.sha256(world.bundle).hexdigest()]
    path = tmp_path / "receipt.jws"
    path.write_text(receipt)
    server = encode_did_key(RECEIPT_KEY.public_key)
    out = CliRunner().invoke(cli, ["receipt", "verify", str(path), "--key", server])
    assert out.exit_code == 0, out.output
    assert "accept" in out.output
    whole = tmp_path / "answer.json"
    whole.write_text(json.dumps({**answer, "receipt": receipt}))
    out = CliRunner().invoke(cli, ["receipt", "verify", str(whole), "--key", server])
    assert out.exit_code == 0, out.output
    other = encode_did_key(ISSUER.public_key)
    out = CliRunner().invoke(cli, ["receipt", "verify", str(path), "--key", other])
    assert out.exit_code != 0 and "receipt.bad_signature" in out.output
    forged = receipt.rsplit(".", 1)[0] + "." + receipt.rsplit(".", 1)[1][::-1]
    path.write_text(forged)
    out = CliRunner().invoke(cli, ["receipt", "verify", str(path), "--key", server])
    assert out.exit_code != 0 and "receipt." in out.output
