"""The service over real HTTP on loopback: uvicorn serving the app on 127.0.0.1, an ephemeral
port, real clients (the project's urllib client, httpx, the independent tiles client of
test_tiles_http, and the command line)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.client import ServiceClient
from attest.codec.digest import hash_bytes
from attest.errors import RemoteError
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.files import load_policy
from attest.issue import EvidenceFile, IssueRequest, issue_many
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import NamedKey, encode_key_file
from attest.service import ServiceConfig, create_app
from attest.service.openapi import decision_component as openapi_decision
from attest.service.published import PublishedLog, inclusion_paths
from attest.store.log import Log
from attest.tlog import note
from attest.tlog.entry import LogEntry
from attest.tlog.merkle import MemoryTree, inclusion_proof
from attest.tlog.proof import parse_tlog_proof, verify_tlog_proof
from attest.tlog.submission import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    Submission,
    SubmittedEntry,
    Submitter,
    Submitters,
    new_nonce,
    sign_submission,
)
from attest.verifier.pipeline import verify
from attest_cli.main import cli

from .helpers.fuzzing import fuzz_schema
from .helpers.serving import running
from .test_tiles_http import TileClient, _verify_inclusion

ORIGIN = "example.com/shared"
LOG_KEY = PrivateKey(b"\x11" * 32)
SIGNER = note.Ed25519Signer(ORIGIN, LOG_KEY)
VKEY = SIGNER.verifier().vkey()
ISSUER = PrivateKey(b"\x22" * 32)
ACME = PrivateKey(b"\x33" * 32)  # a registered submitter
MALLORY = PrivateKey(b"\x44" * 32)  # not registered
SUBMITTERS = Submitters([Submitter("acme", ACME.public_key)])

PACT = b"""
id = "urn:example:pact:served"
version = "1.0.0"
subject_kind = "ai-agent"
[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
"""


def _results(value: float, now: datetime) -> bytes:
    start, end = now - timedelta(days=10), now - timedelta(days=1)
    return f"""
method = "served/1"
period_start = {start.strftime("%Y-%m-%dT%H:%M:%SZ")}
period_end = {end.strftime("%Y-%m-%dT%H:%M:%SZ")}
[[metric]]
name = "task_success_rate"
value = {value}
unit = "ratio"
sample_size = 500
""".encode()


POLICY = f"""
version = 1
[freshness]
max_evidence_age = "90d"
status_unknown = "accept"
require_status = false
[[issuer]]
name = "Served evaluator"
id = "{encode_did_key(ISSUER.public_key)}"
dimensions = ["reliability"]
[[log]]
origin = "{ORIGIN}"
key = "{VKEY}"
[[threshold]]
dimension = "reliability"
metric = "task_success_rate"
comparator = ">="
value = 0.9
"""


@dataclass(frozen=True)
class World:
    """A log with issued bundles, a fork of it (a split view), and the files around them."""

    log: Path
    policy: Path
    good: bytes  # JSON bundle, accepted
    good_cbor: bytes  # CBOR bundle, accepted
    failing: bytes  # well-formed, its verdict fails: rejected
    forked: bytes  # signed by the log key over another tree: a split view


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    d = tmp_path_factory.mktemp("world")
    evidence = d / "transcript.jsonl"
    evidence.write_text('{"turn": 1}\n')
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    pact = parse_pact(PACT)
    good, bad = parse_results(_results(0.95, now)), parse_results(_results(0.5, now))
    ev = [EvidenceFile(evidence)]
    Log.create(d / "log", SIGNER).close()
    shutil.copytree(d / "log", d / "fork")
    with Log.open(d / "log", SIGNER, write=True) as log:
        one, failing = issue_many(
            log=log,
            issuer=ISSUER,
            requests=[
                IssueRequest("did:web:a.example", pact, good, ev),
                IssueRequest("did:web:b.example", pact, bad, ev),
            ],
            now=now,
        )
        (cbor,) = issue_many(
            log=log,
            issuer=ISSUER,
            requests=[IssueRequest("did:web:c.example", pact, good, ev)],
            now=now,
            encoding="cbor",
        )
    with Log.open(d / "fork", SIGNER, write=True) as log:
        (forked,) = issue_many(
            log=log,
            issuer=ISSUER,
            requests=[IssueRequest("did:web:z.example", pact, good, ev)],
            now=now,
        )
    policy = d / "policy.toml"
    policy.write_text(POLICY)
    return World(d / "log", policy, one.encode(), cbor.encode(), failing.encode(), forked.encode())


# --- running the real server ------------------------------------------------------------------


def _copy(world: World, tmp_path: Path) -> Path:
    d = tmp_path / "log"
    shutil.copytree(world.log, d)
    return d


@contextlib.contextmanager
def serving(
    world: World, tmp_path: Path, *, writer: bool = True, policy: bool = True, **config: Any
) -> Iterator[str]:
    d = _copy(world, tmp_path) if not (tmp_path / "log").exists() else tmp_path / "log"
    log = Log.open(d, SIGNER, write=True) if writer else Log.open(d, write=False)
    app = create_app(
        log,
        policy=load_policy(world.policy) if policy else None,
        submitters=SUBMITTERS if writer else None,
        config=ServiceConfig(**config),
        policy_path=world.policy,
    )
    with running(app) as url:
        yield url


def _key_file(path: Path, name: str, key: PrivateKey) -> Path:
    path.write_bytes(encode_key_file(NamedKey(name, key), None, allow_unencrypted=True))
    return path


def _entry(data: bytes, kind: str = "evidence", name: str | None = "x.txt") -> SubmittedEntry:
    return SubmittedEntry(kind, hash_bytes(data), len(data), "text/plain", name)


def _signed(
    entries: list[SubmittedEntry],
    key: PrivateKey = ACME,
    *,
    origin: str = ORIGIN,
    when: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    s = Submission(origin, int(time.time()) if when is None else when, new_nonce(), tuple(entries))
    body, headers = sign_submission(s, key)
    return body, {**headers, "Content-Type": "application/json"}


def _raw(url: str, request: bytes) -> tuple[int, Any]:
    """Send bytes as they are and read one answer (for what HTTP clients refuse to send)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
            data.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0]
            if b"content-length: " in data.lower()
            else 0
        ):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def _error(r: httpx.Response) -> str:
    assert r.headers["content-type"] == "application/json"
    code: str = r.json()["error"]["code"]
    return code


# --- proofs for a batch -------------------------------------------------------------------------


@given(size=st.integers(1, 3000), data=st.data())
@settings(max_examples=60, deadline=None)
def test_batch_proofs_equal_single_proofs(size: int, data: st.DataObject) -> None:
    tree = MemoryTree(hashlib.sha256(b"%d" % i).digest() for i in range(size))
    indices = data.draw(st.lists(st.integers(0, size - 1), max_size=20))
    paths = inclusion_paths(indices, size, tree)
    assert paths == [inclusion_proof(i, size, tree) for i in indices]


# --- submit, checkpoint, proof, tiles ----------------------------------------------------------


def test_submit_prove_and_read_with_the_tiles_client(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path) as url:
        client = ServiceClient(url)
        before = client.health()["checkpointSize"]
        items = [_entry(b"item %d" % i, name=f"f{i}.txt") for i in range(300)]
        receipts = client.add(items, ACME, log_key=VKEY)
        assert [r.index for r in receipts] == list(range(before, before + 300))
        assert not any(r.existing for r in receipts)
        for r, item in zip(receipts, items, strict=True):
            assert r.entry.digest == item.digest and r.entry.name == item.name
            verify_tlog_proof(
                r.proof, hashlib.sha256(b"\x00" + r.entry_bytes).digest(), SIGNER.verifier()
            )
        published = PublishedLog(tmp_path / "log", SIGNER.verifier(), client.checkpoint())
        texts = published.proof_texts([r.index for r in receipts])
        assert texts == [r.proof.encode().decode() for r in receipts]  # the one encoding
        proof = client.proof(receipts[7].index)  # fetched later, under the latest checkpoint
        verify_tlog_proof(
            proof, hashlib.sha256(b"\x00" + receipts[7].entry_bytes).digest(), SIGNER.verifier()
        )

        tiles = TileClient(url)
        origin, size, root = tiles.checkpoint(VKEY)
        assert (origin, size) == (ORIGIN, before + 300)
        assert tiles.mth(0, size, size) == root
        for r in (receipts[0], receipts[255 - before], receipts[-1]):
            data = tiles.entry(r.index, size)
            assert data == r.entry_bytes
            leaf = hashlib.sha256(b"\x00" + data).digest()
            assert _verify_inclusion(r.index, size, leaf, tiles.path(r.index, 0, size, size), root)

        with httpx.Client(base_url=url) as http:
            cp = http.get("/checkpoint")
            assert cp.headers["content-type"] == "text/plain; charset=utf-8"
            assert cp.headers["cache-control"] == "public, max-age=5"
            full = http.get("/tile/0/000")
            assert full.headers["content-type"] == "application/octet-stream"
            assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert len(full.content) == 256 * 32
            partial = http.get(f"/tile/0/001.p/{size - 256}")
            assert len(partial.content) == 32 * (size - 256)
            assert "immutable" not in partial.headers["cache-control"]
            older = http.get("/tile/entries/001.p/1")  # an older tree's tile: a prefix
            assert older.status_code == 200
            assert http.get("/tile/entries/000").headers["cache-control"].endswith("immutable")
            assert http.get(f"/proof/{size}").json()["error"]["code"] == "log.no_such_entry"


def test_private_files_and_bad_paths_are_never_served(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path) as url, httpx.Client(base_url=url) as http:
        for path in (
            "/log.json",
            "/pending",
            "/index.sqlite",
            "/lock",
            "/tile/../log.json",
            "/tile/%2e%2e/log.json",
            "/tile/0/../../log.json",
            "/tile/0/000.p/0",
            "/tile/0/x000/001",
            "/tile/0/1",
            "/tile/64/000",
            "/tile/0/999",
            "/tile/entries/000.p/300",
        ):
            r = http.get(path)
            assert r.status_code == 404, path
            assert _error(r) in {"request.not_found", "tiles.bad_path", "tiles.not_found"}
        r = http.delete("/checkpoint")
        assert (r.status_code, _error(r)) == (405, "request.method_not_allowed")


# --- verification ---------------------------------------------------------------------------


def _steps(decision: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(c["step"], c["result"], c["code"]) for c in decision["bundles"][0]["checks"]]


def test_verify_over_http_matches_offline(world: World, tmp_path: Path) -> None:
    policy = load_policy(world.policy)
    with serving(world, tmp_path) as url, httpx.Client(base_url=url) as http:
        for bundle, media, verdict in (
            (world.good, "application/vnd.attest.bundle+json", "accept"),
            (world.good_cbor, "application/vnd.attest.bundle+cbor", "accept"),
            (world.good_cbor, None, "accept"),  # sniffed
            (world.failing, "application/json", "reject"),
        ):
            headers = {"Content-Type": media} if media else {}
            r = http.post("/verify", content=bundle, headers=headers)
            assert r.status_code == 200, r.text
            served = r.json()
            local = verify({"bundle 1": bundle}, policy, now=datetime.now(UTC)).to_json()
            assert served["decision"] == local["decision"] == verdict
            assert set(served) == set(local)
            assert _steps(served) == _steps(local)
            assert served["reasons"] == local["reasons"]
        checks = dict((s, r) for s, r, _ in _steps(http.post("/verify", content=world.good).json()))
        assert checks["checkpoint.consistency"] == "pass"


def test_verify_on_worker_processes(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path, verify_workers=1) as url, httpx.Client(base_url=url) as http:
        assert http.post("/verify", content=world.good).json()["decision"] == "accept"
        assert http.post("/verify", content=world.forked).json()["decision"] == "reject"
        assert http.post("/verify", content=b"{}").status_code == 400


def test_a_checkpoint_the_log_never_published_is_a_split_view(world: World, tmp_path: Path) -> None:
    policy = load_policy(world.policy)
    assert verify([world.forked], policy, now=datetime.now(UTC)).accepted  # offline, alone: fine
    with serving(world, tmp_path) as url, httpx.Client(base_url=url) as http:
        served = http.post("/verify", content=world.forked).json()
    assert served["decision"] == "reject"
    assert ("checkpoint.consistency", "fail", "consistency.split_view") in _steps(served)


def test_verify_refusals(world: World, tmp_path: Path) -> None:
    with (
        serving(world, tmp_path, max_bundle_bytes=64 * 1024) as url,
        httpx.Client(base_url=url) as http,
    ):
        r = http.post("/verify", content=b'{"mediaType": 1}')
        assert r.status_code == 400 and _error(r).startswith("bundle.")
        assert r.json()["decision"]["decision"] == "malformed"  # the decision, as the CLI prints
        r = http.post("/verify", content=b"\xff\x00")
        assert r.status_code == 400 and _error(r).startswith(("cbor.", "bundle."))
        r = http.post("/verify", content=b'{"a": 1, "a": 2}')
        assert (r.status_code, _error(r)) == (400, "json.duplicate_key")
        r = http.post("/verify", content=world.good, headers={"Content-Type": "text/html"})
        assert (r.status_code, _error(r)) == (415, "request.unsupported_media_type")
        r = http.post(
            "/verify", content=world.good_cbor, headers={"Content-Type": "application/json"}
        )
        assert (r.status_code, _error(r)) == (400, "request.content_mismatch")
        r = http.post("/verify", content=b"{" + b" " * 70_000 + b"}")
        assert (r.status_code, _error(r)) == (413, "request.too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: refused while reading
            for _ in range(100):
                yield b" " * 1024

        r = http.post("/verify", content=chunks())
        assert (r.status_code, _error(r)) == (413, "request.too_large")
    with serving(world, tmp_path, policy=False) as url:
        r = httpx.post(url + "/verify", content=world.good)
        assert (r.status_code, _error(r)) == (404, "server.no_policy")


# --- authentication and limits --------------------------------------------------------------------


def test_unauthenticated_and_malformed_submissions_are_refused(
    world: World, tmp_path: Path
) -> None:
    item = _entry(b"refused")
    with (
        serving(world, tmp_path, max_submission_bytes=4096) as url,
        httpx.Client(base_url=url) as http,
    ):
        size = http.get("/healthz").json()["checkpointSize"]

        def add(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
            r = http.post("/add", content=body, headers=headers)
            return r.status_code, _error(r)

        body, headers = _signed([item])
        assert add(body, {"Content-Type": "application/json"}) == (401, "auth.missing")
        r = http.post("/add", content=body)
        assert r.headers["www-authenticate"] == 'Attest-Ed25519 realm="submissions"'

        assert add(*_signed([item], MALLORY)) == (403, "auth.unknown_submitter")
        forged = {**headers, SIGNATURE_HEADER: _signed([item], MALLORY)[1][SIGNATURE_HEADER]}
        assert add(body, forged) == (401, "auth.bad_signature")
        tampered = body.replace(b"x.txt", b"y.txt")
        assert add(tampered, headers) == (401, "auth.bad_signature")
        assert add(body, {**headers, KEY_HEADER: "did:key:zNotAKey"}) == (401, "auth.bad_key")
        assert add(body, {**headers, SIGNATURE_HEADER: "AAAA"}) == (401, "auth.bad_signature")
        assert add(*_signed([item], when=int(time.time()) - 3600)) == (401, "auth.stale")
        assert add(*_signed([item], origin="example.com/other")) == (400, "submission.wrong_log")
        assert add(b"{not json", headers) == (400, "json.syntax")
        r = http.post("/add", content=body, headers={**headers, "Content-Type": "text/plain"})
        assert (r.status_code, _error(r)) == (415, "request.unsupported_media_type")

        def signed_doc(doc: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
            from attest.codec.canonical import canonicalize
            from attest.tlog.submission import DOMAIN

            raw = canonicalize(doc)
            sig = base64.b64encode(ACME.sign(DOMAIN + raw)).decode()
            return raw, {KEY_HEADER: encode_did_key(ACME.public_key), SIGNATURE_HEADER: sig}

        good = json.loads(body)
        e = good["entries"][0]
        for doc, code in (
            ({**good, "extra": 1}, "submission.unknown_field"),
            ({k: v for k, v in good.items() if k != "nonce"}, "submission.missing_field"),
            ({**good, "nonce": "short"}, "submission.bad_nonce"),
            ({**good, "entries": []}, "submission.no_entries"),
            ({**good, "entries": [{**e, "digest": "sha256:00"}]}, "digest.malformed"),
            ({**good, "entries": [{**e, "kind": "key"}]}, "submission.bad_kind"),
            ({**good, "entries": [{**e, "type": "Text/Plain"}]}, "entry.bad_media_type"),
            ({**good, "entries": [{**e, "size": -1}]}, "entry.bad_size"),
        ):
            assert add(*signed_doc(doc)) == (400, code), code
        big = [_entry(b"%d" % i, name="n" * 200) for i in range(40)]
        assert add(*_signed(big)) == (413, "request.too_large")
        # Refused by Content-Length before any of the body is sent.
        head = b"POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n"
        head += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n"
        status, answer = _raw(url, head)
        assert (status, answer["error"]["code"]) == (413, "request.too_large")

        first = http.post("/add", content=body, headers=headers)
        assert first.status_code == 200
        assert add(body, headers) == (409, "auth.replayed")
        with pytest.raises(RemoteError) as refused:  # the library client says the same
            ServiceClient(url).add([item], MALLORY)
        assert (refused.value.code, refused.value.status) == ("auth.unknown_submitter", 403)
        assert http.get("/healthz").json()["checkpointSize"] == size + 1  # only the good one
    with serving(world, tmp_path, writer=False) as url:
        r = httpx.post(url + "/add", content=body, headers=headers)
        assert (r.status_code, _error(r)) == (403, "server.read_only")


def test_idempotent_submissions(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path) as url:
        client = ServiceClient(url)
        a, b = _entry(b"alpha"), _entry(b"beta")
        (first,) = client.add([a], ACME)
        again = client.add([a, b, a], ACME)  # a repeat, a new one, a repeat in one request
        assert [r.index for r in again] == [first.index, first.index + 1, first.index]
        assert [r.existing for r in again] == [True, False, True]
        renamed = _entry(b"alpha", name="other-name.txt")  # same kind, digest, size
        assert client.add([renamed], ACME)[0].index == first.index
        as_credential = _entry(b"alpha", kind="credential")  # another kind: another item
        assert client.add([as_credential], ACME)[0].index != first.index

        same = _entry(b"concurrent")
        with ThreadPoolExecutor(8) as pool:
            indices = set(pool.map(lambda _: client.add([same], ACME)[0].index, range(16)))
        assert len(indices) == 1
    with serving(world, tmp_path) as url:  # the same directory, a new process state
        assert ServiceClient(url).add([a], ACME)[0].index == first.index


def test_respond_async_answers_once_journalled(world: World, tmp_path: Path) -> None:
    # A checkpoint interval longer than the test: only a waiting request brings one.
    with (
        serving(world, tmp_path, checkpoint_interval=60) as url,
        httpx.Client(base_url=url) as http,
    ):
        body, headers = _signed([_entry(b"async one"), _entry(b"async two")])
        r = http.post("/add", content=body, headers={**headers, "Prefer": "respond-async"})
        assert r.status_code == 202 and r.headers["preference-applied"] == "respond-async"
        first = r.json()["entries"][0]
        index = first["index"]
        assert "proof" not in first and r.json()["checkpointSize"] <= index
        assert http.get("/healthz").json()["pending"] == 2
        pending = http.get(first["proofUrl"])
        assert (pending.status_code, _error(pending)) == (404, "log.pending")
        assert pending.headers["retry-after"] == "1"

        client = ServiceClient(url)
        (again,) = client.add([_entry(b"async one")], ACME, wait=False)  # matched in memory
        assert (again.index, again.existing, again.proof) == (index, True, None)
        (waited,) = client.add([_entry(b"async two")], ACME, log_key=VKEY)  # brings a checkpoint
        assert waited.index == index + 1 and waited.proof is not None
        assert http.get(first["proofUrl"]).status_code == 200
        assert http.get("/healthz").json()["pending"] == 0
    with serving(world, tmp_path, checkpoint_interval=0.05) as url:
        client = ServiceClient(url)
        (r3,) = client.add([_entry(b"async three")], ACME, wait=False)
        deadline = time.monotonic() + 10
        while True:  # the interval brings the checkpoint on its own
            with contextlib.suppress(RemoteError):
                proof = client.proof(r3.index)
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        verify_tlog_proof(
            proof, hashlib.sha256(b"\x00" + r3.entry_bytes).digest(), SIGNER.verifier()
        )


def test_a_full_queue_answers_429(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path, queue_size=3, batch_size=100, batch_wait=1.2) as url:
        client = ServiceClient(url, retries=0)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(client.add, [_entry(b"q%d" % i) for i in range(3)], ACME)
            deadline = time.monotonic() + 5
            while client.health()["queued"] < 3:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            body, headers = _signed([_entry(b"one more")])
            r = httpx.post(url + "/add", content=body, headers=headers)
            assert (r.status_code, _error(r)) == (429, "server.busy")
            assert r.headers["retry-after"] == "1"
            assert len(waiting.result(timeout=10)) == 3  # the queued ones are logged
        r = httpx.post(url + "/add", content=body, headers=headers)  # the same request: not seen
        assert r.status_code == 200


def test_openapi_health_and_errors(world: World, tmp_path: Path) -> None:
    with serving(world, tmp_path) as url, httpx.Client(base_url=url) as http:
        doc = http.get("/openapi.json").json()
        assert doc["openapi"] == "3.1.0"
        assert set(doc["paths"]) == {
            "/checkpoint",
            "/tile/{tile}",
            "/proof/{index}",
            "/add",
            "/verify",
            "/healthz",
            "/openapi.json",
        }
        # The served schema is the verifier's one definition (tests/test_decision_schema.py
        # compares the whole shape); here: it is what this server actually serves.
        assert doc["components"]["schemas"]["Decision"] == openapi_decision()
        health = http.get("/healthz").json()
        assert health["status"] == "ok" and health["origin"] == ORIGIN
        r = http.get("/nowhere")
        assert (r.status_code, _error(r)) == (404, "request.not_found")


# --- the command line --------------------------------------------------------------------------


def test_cli_client_commands(world: World, tmp_path: Path) -> None:
    key = _key_file(tmp_path / "acme.key", "acme", ACME)
    f = tmp_path / "metrics.json"
    f.write_text('{"ok": true}\n')
    bundle = tmp_path / "b.json"
    bundle.write_bytes(world.good)
    failing = tmp_path / "f.json"
    failing.write_bytes(world.failing)
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"mediaType": "x"}')
    runner = CliRunner()
    with serving(world, tmp_path) as url:
        argv = [
            "log",
            "append",
            "--server",
            url,
            str(f),
            "--key",
            str(key),
            "--log-key",
            VKEY,
            "--json",
        ]
        r = runner.invoke(cli, argv)
        assert r.exit_code == 0, r.output
        (row,) = json.loads(r.stdout)["entries"]
        assert row["digest"] == str(hash_bytes(f.read_bytes())) and row["name"] == "metrics.json"
        parse_tlog_proof(row["proof"].encode())

        r = runner.invoke(cli, ["verify", "--server", url, str(bundle), "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["decision"] == "accept"
        r = runner.invoke(cli, ["verify", "--server", url, str(failing)])
        assert r.exit_code == 1 and r.stdout.startswith("REJECT")
        r = runner.invoke(cli, ["verify", "--server", url, str(bad)])
        assert r.exit_code == 2 and r.stderr.startswith("error: bundle.")
        r = runner.invoke(
            cli, ["verify", "--server", url, str(bundle), "--policy", str(world.policy)]
        )
        assert r.exit_code == 2 and "cli.usage" in r.stderr
        r = runner.invoke(cli, ["log", "append", "--server", url, str(f), "--key", str(key)])
        assert r.exit_code == 0  # idempotent
    r = runner.invoke(cli, ["verify", "--server", "http://127.0.0.1:9", str(bundle)])
    assert r.exit_code == 2 and "client.unreachable" in r.stderr


def test_attest_serve_starts_with_one_command(world: World, tmp_path: Path) -> None:
    d = _copy(world, tmp_path)
    key, sub = _key_file(tmp_path / "log.key", ORIGIN, LOG_KEY), tmp_path / "submitters.txt"
    sub.write_text(f"# who may submit\n{encode_did_key(ACME.public_key)} acme\n")
    attest = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
    argv = [attest, "serve", "--log", str(d), "--port", "0"]
    argv += ["--key", str(key), "--submitters", str(sub), "--policy", str(world.policy)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith(f"serving {ORIGIN} at http://127.0.0.1:"), (
            proc.stderr.read() if proc.stderr else line
        )
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        client = ServiceClient(url, timeout=10)
        (receipt,) = client.add([_entry(b"via the command")], ACME, log_key=VKEY)
        assert client.verify(world.good).accepted
        second = subprocess.run(
            [*argv[:-6], "--key", str(key), "--submitters", str(sub)],
            capture_output=True,
            timeout=30,
        )
        assert second.returncode == 2 and b"log.locked" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal so the status tells why.
    assert proc.returncode in (0, -signal.SIGTERM)
    assert proc.stderr is not None and b"Traceback" not in proc.stderr.read()
    with Log.open(d, SIGNER, write=True) as log:  # the lock was released
        log.audit()
        assert LogEntry.decode(log.entry(receipt.index)).digest == hash_bytes(b"via the command")


def test_journalled_answers_survive_sigkill(world: World, tmp_path: Path) -> None:
    d = _copy(world, tmp_path)
    key, sub = _key_file(tmp_path / "log.key", ORIGIN, LOG_KEY), tmp_path / "submitters.txt"
    sub.write_text(f"{encode_did_key(ACME.public_key)}\n")
    attest = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
    argv = [attest, "serve", "--log", str(d), "--port", "0", "--key", str(key)]
    argv += ["--submitters", str(sub), "--checkpoint-interval-ms", "60000"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().split(" at ", 1)[1].split(" ", 1)[0]
        items = [_entry(b"journalled %d" % i) for i in range(50)]
        receipts = ServiceClient(url, timeout=10).add(items, ACME, wait=False)
    finally:
        proc.send_signal(signal.SIGKILL)  # before any checkpoint covers them
        proc.wait(timeout=20)
    with Log.open(d, SIGNER, write=True) as log:  # recovery keeps the journal
        assert log.checkpoint_size <= receipts[0].index
        log.checkpoint()
        for r, item in zip(receipts, items, strict=True):
            assert log.entry(r.index) == r.entry_bytes
            assert LogEntry.decode(r.entry_bytes).digest == item.digest


# --- schemathesis -------------------------------------------------------------------------------


def test_schemathesis_finds_no_server_error(world: World, tmp_path: Path) -> None:
    """Every operation of /openapi.json, fuzzed (bounded: 40 cases each): no 5xx, and every
    answer is one the document describes."""
    with serving(world, tmp_path) as url:
        failures, _ = fuzz_schema(url)
    assert not failures, "\n".join(failures)
