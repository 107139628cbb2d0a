"""The service attacked over real HTTP on loopback, each attack built the way an attacker
would build it (specs/service.md §security, issue 16): open signing, anyone revoking, slow
and idle connections, oversized and deeply nested bodies, expensive strangers, forks of the
server's own log, hostile error text and unregistered submitters."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from attest.codec.digest import hash_bytes
from attest.evaluation.credential import unsigned_credential
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.files import load_policy
from attest.issue import EvidenceFile, IssueRequest, issue_many
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import NamedKey, encode_key_file
from attest.service import ServiceConfig, VcApi, VcApiConfig, create_app
from attest.store import status as status_store
from attest.store.log import Log
from attest.tlog.submission import Submission, SubmittedEntry, new_nonce, sign_submission
from attest.vc import data_integrity, jsonld
from attest.verifier.pipeline import verify
from attest_cli.main import cli

from .helpers.serving import running
from .test_server import ISSUER, SIGNER, World, _results, serving, world  # noqa: F401
from .test_server import PACT as SERVED_PACT

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
LIST_BASE = "https://issuer.example/status"
ISSUER_KEY = PrivateKey(b"\x51" * 32)
TOKEN = "a-bearer-token-of-32-characters!"
BEARER = {"authorization": "Bearer " + TOKEN}
JSON_HEADERS = {"content-type": "application/json"}

PACT = b"""
id = "urn:example:pact:abuse"
version = "1.0.0"
subject_kind = "ai-agent"
[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
"""


def _code(r: httpx.Response) -> str:
    body = r.json()
    if "error" in body:
        return str(body["error"]["code"])
    return str(body["errors"][0]["code"])


def _made_up_evaluation(issuer: PrivateKey) -> dict[str, Any]:
    """What a caller types in: a passing evaluation with invented numbers, for any subject."""
    now = datetime.now(UTC).replace(microsecond=0)
    results = parse_results(
        f"""
method = "made-up/1"
period_start = {(now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")}
period_end = {(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
[[metric]]
name = "task_success_rate"
value = 0.99
unit = "ratio"
sample_size = 100000
""".encode()
    )
    evaluation = evaluate("did:web:mallory.example", parse_pact(PACT), results)
    return unsigned_credential(evaluation, issuer.public_key, [], now=now, valid_for=None)


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc", "alumniOf": {"name": "Example U"}},
    }


@pytest.fixture
def issuer_url(tmp_path: Path) -> Iterator[str]:
    store = status_store.init(tmp_path / "status", LIST_BASE)
    app = create_app(None, vcapi=VcApi(ISSUER_KEY, store, VcApiConfig(token=TOKEN)))
    with running(app) as url:
        yield url
    store.close()


# --- 1. open signing and anyone-can-revoke -----------------------------------------------------


def test_an_issuer_without_a_token_signs_nothing(tmp_path: Path) -> None:
    # `attest serve --issuer-key K` with no --token-file: a stranger asks for a signature.
    store = status_store.init(tmp_path / "status", LIST_BASE)
    app = create_app(None, vcapi=VcApi(ISSUER_KEY, store))
    issuer = encode_did_key(ISSUER_KEY.public_key)
    with running(app) as url, httpx.Client(timeout=30) as client:
        r = client.post(url + "/credentials/issue", json={"credential": _credential(issuer)})
        assert (r.status_code, _code(r)) == (403, "auth.issuing_closed")
        r = client.post(
            url + "/credentials/status",
            json={"credential": {}, "credentialStatus": {"statusPurpose": "revocation"}},
        )
        assert (r.status_code, _code(r)) == (403, "auth.issuing_closed")
    store.close()
    # Opening it takes an explicit choice.
    open_app = create_app(None, vcapi=VcApi(ISSUER_KEY, None, VcApiConfig(open_issuing=True)))
    with running(open_app) as url:
        r = httpx.post(url + "/credentials/issue", json={"credential": _credential(issuer)})
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("open_issuing", [False, True])
def test_the_issuer_never_signs_an_evaluation_credential(
    tmp_path: Path, open_issuing: bool
) -> None:
    # Even an authorized caller cannot have the server sign attest's own evaluation types:
    # outcomes are computed from a pact and results, never typed in.
    config = VcApiConfig(open_issuing=True) if open_issuing else VcApiConfig(token=TOKEN)
    app = create_app(None, vcapi=VcApi(ISSUER_KEY, None, config))
    forged = _made_up_evaluation(ISSUER_KEY)
    issuer = encode_did_key(ISSUER_KEY.public_key)
    # The same claims under the type alone, the context alone, or an inline alias of the type.
    only_type = {**_credential(issuer), "type": ["VerifiableCredential", "EvaluationCredential"]}
    aliased = _credential(issuer)
    aliased["@context"] = [
        V2,
        EXAMPLES,
        {"Listed": "https://w3id.org/attest#EvaluationCredential"},
    ]
    aliased["type"] = ["VerifiableCredential", "Listed"]
    property_only = _credential(issuer)
    property_only["@context"] = [V2, EXAMPLES, {"score": "https://w3id.org/attest#verdict"}]
    property_only["credentialSubject"] = {"id": "did:example:abc", "score": "pass"}
    with running(app) as url, httpx.Client(timeout=30, headers=BEARER) as client:
        for doc in (forged, only_type, aliased, property_only):
            r = client.post(url + "/credentials/issue", json={"credential": doc})
            assert (r.status_code, _code(r)) == (403, "issue.evaluation_type"), (doc, r.text)
        r = client.post(url + "/credentials/issue", json={"credential": _credential(issuer)})
        assert r.status_code == 201, r.text
        # a type that is an object, not a name: refused as malformed, never a 500 (found by
        # schemathesis)
        odd = {**_credential(issuer), "type": ["VerifiableCredential", {"a": 1}]}
        r = client.post(url + "/credentials/issue", json={"credential": odd})
        assert r.status_code < 500, r.text


def test_a_copy_of_someone_elses_credential_revokes_nothing(issuer_url: str) -> None:
    issuer = encode_did_key(ISSUER_KEY.public_key)
    with httpx.Client(timeout=30) as client:
        status = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
        body = {"credential": _credential(issuer), "options": {"credentialStatus": status}}
        r = client.post(url := issuer_url + "/credentials/issue", json=body, headers=BEARER)
        assert r.status_code == 201, (url, r.text)
        theirs = r.json()["verifiableCredential"]
        # A stranger (or the holder, to lift a suspension) with a copy of the credential:
        for value in (True, False):
            change = {
                "credential": copy.deepcopy(theirs),
                "credentialStatus": [{"statusPurpose": "suspension", "status": value}],
            }
            r = client.post(issuer_url + "/credentials/status", json=change)
            assert (r.status_code, _code(r)) == (401, "auth.bad_token")
        r = client.post(issuer_url + "/credentials/verify", json={"verifiableCredential": theirs})
        assert r.status_code == 200, r.text


def test_attest_serve_refuses_an_unguarded_issuer_and_warns_when_told_to_open(
    tmp_path: Path,
) -> None:
    key = tmp_path / "issuer.key"
    key.write_bytes(encode_key_file(NamedKey("issuer", ISSUER_KEY), None, allow_unencrypted=True))
    attest = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
    argv = [attest, "serve", "--issuer-key", str(key), "--port", "0"]
    refused = subprocess.run(argv, capture_output=True, timeout=60)
    assert refused.returncode == 2 and b"serve.needs_token" in refused.stderr, refused.stderr
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*argv, "--open-issuing"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("serving the VC-API at http://127.0.0.1:"), line
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert b"WARNING: --open-issuing: ANYONE" in err, err


# --- 2. slow and idle connections --------------------------------------------------------------


@contextlib.contextmanager
def _attest_serve(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``attest serve ARGS --port 0`` as a marketplace runs it; its base URL."""
    attest = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [attest, "serve", *args, "--port", "0"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert " at http://127.0.0.1:" in line, proc.stderr.read() if proc.stderr else line
        yield line.split(" at ", 1)[1].split(" ", 1)[0], proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _open_idle(port: int, count: int, half_sent: bool) -> list[socket.socket]:
    """``count`` connections from many loopback addresses (as a botnet would come from many
    hosts), each idle or stopped in the middle of its headers."""
    socks = []
    for i in range(count):
        s = socket.socket()
        s.bind((f"127.0.{1 + i // 50 // 250}.{2 + (i // 50) % 250}", 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        if half_sent and i % 2:
            s.send(b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Le")
        socks.append(s)
    return socks


def _closed_by_server(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        while s.recv(65536):
            pass  # a 408 or 503 answer before the close
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset
    return True


def test_two_thousand_idle_connections_do_not_lock_anyone_out() -> None:
    # Slowloris: hold 2,000 connections that never finish their headers, then use the
    # service as everyone else does. Every legitimate request must still succeed.
    with _attest_serve("--vc-api", "--header-timeout", "3") as (url, _):
        port = int(url.rsplit(":", 1)[1])
        started = time.monotonic()
        idle = _open_idle(port, 2000, half_sent=True)
        try:
            assert time.monotonic() - started < 60
            answers = []
            for _ in range(20):
                with httpx.Client(timeout=5) as client:
                    answers.append(client.get(url + "/healthz").status_code)
                time.sleep(0.05)
            assert answers == [200] * 20
            # The stalled connections are closed by the server, none kept past the timeout.
            time.sleep(4)
            assert all(_closed_by_server(s) for s in idle)
        finally:
            for s in idle:
                s.close()


def test_one_address_holds_few_connections_and_headers_are_bounded() -> None:
    with _attest_serve("--vc-api", "--max-connections-per-client", "8") as (url, _):
        port = int(url.rsplit(":", 1)[1])
        held = []
        try:
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                held.append(s)
            time.sleep(0.3)
            refused = [s for s in held if _closed_by_server(s)]
            assert len(refused) == 2
            # Endless headers: 431 once past the bound, not memory without end.
            with socket.create_connection(("127.0.0.1", port), 5, ("127.0.0.2", 0)) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                with contextlib.suppress(OSError):
                    for _ in range(100):
                        s.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
                answer = s.recv(4096)
                assert answer.startswith(b"HTTP/1.1 431"), answer
        finally:
            for s in held:
                s.close()
        assert httpx.get(url + "/healthz", timeout=5).status_code == 200


# --- 3. memory per request ---------------------------------------------------------------------

#: The documented worst case of one POST /verify (specs/limits.md), bytes.
VERIFY_MEMORY_BOUND = 32 << 20


def _collect(into: list[httpx.Response], post: Any, body: bytes) -> None:
    into.append(post(content=body))


def _peak_of(send: Any) -> int:
    """Peak traced memory of this process (the server runs in a thread of it) during send()."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    send()
    return tracemalloc.get_traced_memory()[1] - before


def test_a_hostile_verify_body_costs_bounded_memory(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    # 16 MiB of {"x":[{},{},…]} cost 558 MiB of the server; now every body the default
    # limits let in costs at most the documented bound, and these are refused before parsing.
    limit = ServiceConfig().max_bundle_bytes
    empty_objects = b'{"x":[' + b",".join([b"{}"] * ((limit - 8) // 3)) + b"]}"
    deep = b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    # The costliest shape found within the bounds: distinct members with short strings.
    many_members = b"{" + b",".join(b'"k%05d":"%s"' % (i, b"v" * 16) for i in range(65_000)) + b"}"
    long_string = b'{"x":"' + b"a" * (limit - 16) + b'"}'
    bodies = {
        "empty objects": (empty_objects, "request.too_many_elements"),
        "deep nesting": (deep, "request.too_deep"),
        "many members": (many_members, None),
        "one long string": (long_string, None),
        "a real bundle": (world.good, None),
    }
    tracemalloc.start()
    try:
        with serving(world, tmp_path) as url, httpx.Client(timeout=60) as client:
            for name, (body, code) in bodies.items():
                assert len(body) <= limit, name
                answers: list[httpx.Response] = []
                post = functools.partial(client.post, url + "/verify", headers=JSON_HEADERS)
                peak = _peak_of(functools.partial(_collect, answers, post, body))
                (r,) = answers
                if code is not None:
                    assert (r.status_code, r.json()["error"]["code"]) == (413, code), name
                else:
                    assert r.status_code in (200, 400), (name, r.text[:300])
                assert peak < VERIFY_MEMORY_BOUND, (name, peak >> 20)
            # Over the limit: refused by Content-Length before a byte is read.
            r = client.post(url + "/verify", content=b" " * (limit + 1), headers=JSON_HEADERS)
            assert (r.status_code, r.json()["error"]["code"]) == (413, "request.too_large")
    finally:
        tracemalloc.stop()


def test_the_verification_slot_is_taken_before_the_body_is_read(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Two uploads that never finish hold both places: a third is answered 429 at once, not
    # buffered (30 slow uploads of 16 MiB each used to reach 1.3 GiB).
    with serving(world, tmp_path, verify_queue=2) as url:
        port = int(url.rsplit(":", 1)[1])
        slow = []
        try:
            for _ in range(2):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(
                    b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000000\r\n\r\n{"
                )
                slow.append(s)
            time.sleep(0.3)
            r = httpx.post(url + "/verify", content=world.good, headers=JSON_HEADERS, timeout=10)
            assert (r.status_code, r.json()["error"]["code"]) == (429, "server.busy")
        finally:
            for s in slow:
                s.close()
        time.sleep(0.3)
        r = httpx.post(url + "/verify", content=world.good, headers=JSON_HEADERS, timeout=30)
        assert r.status_code == 200, r.text


# --- 4. expensive strangers --------------------------------------------------------------------


def _stranger_rdfc_credential(size: int) -> dict[str, Any]:
    """A valid eddsa-rdfc-2022 credential by a key nobody trusts, padded to ``size`` bytes."""
    stranger = PrivateKey(b"\x66" * 32)
    doc = _credential(encode_did_key(stranger.public_key))
    doc["credentialSubject"]["alumniOf"]["name"] = "x" * 64
    doc["credentialSubject"]["alumniOf"]["description"] = [
        f"line {i} " + "y" * (size // 200) for i in range(200)
    ]
    options = data_integrity.ProofOptions(created="2026-01-01T00:00:00Z")
    return data_integrity.add_proof(doc, stranger, options, cryptosuite="eddsa-rdfc-2022")


def test_a_strangers_rdfc_credential_is_refused_before_canonicalizing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vc = _stranger_rdfc_credential(85_000)
    holder = PrivateKey(b"\x67" * 32)
    presentation: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": encode_did_key(holder.public_key),
        "verifiableCredential": [vc],
    }
    vp = data_integrity.add_proof(
        presentation,
        holder,
        data_integrity.ProofOptions(created="2026-01-01T00:00:00Z", proof_purpose="authentication"),
        cryptosuite="eddsa-rdfc-2022",
    )
    trusted = frozenset({encode_did_key(ISSUER_KEY.public_key)})
    config = VcApiConfig(token=TOKEN, trusted_issuers=trusted)
    app = create_app(None, vcapi=VcApi(ISSUER_KEY, None, config))

    def no_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a stranger's document was expanded or canonicalized")

    monkeypatch.setattr(jsonld, "canonical_nquads", no_work)
    monkeypatch.setattr(jsonld, "expand_safe", no_work)
    with running(app) as url, httpx.Client(timeout=30) as client:
        r = client.post(url + "/credentials/verify", json={"verifiableCredential": vc})
        assert (r.status_code, _code(r)) == (422, "vc.untrusted_issuer"), r.text
        r = client.post(url + "/presentations/verify", json={"verifiablePresentation": vp})
        assert (r.status_code, _code(r)) == (422, "vc.untrusted_issuer"), r.text


# --- 5. a fork of the server's own log, ahead of it --------------------------------------------


def test_a_fork_ahead_of_the_servers_own_log_is_a_split_view(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    # The log's key signs a second history that runs past what the server has published:
    # no size of it has been seen, so it used to pass as "first seen".
    fork = tmp_path / "fork"
    shutil.copytree(world.log, fork)
    evidence = tmp_path / "transcript.jsonl"
    evidence.write_text('{"turn": "forked"}\n')
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    pact = parse_pact(SERVED_PACT)
    results = parse_results(_results(0.97, now))
    with Log.open(fork, SIGNER, write=True) as log:
        published = log.checkpoint_size
        bundles = issue_many(
            log=log,
            issuer=ISSUER,
            requests=[
                IssueRequest(f"did:web:f{i}.example", pact, results, [EvidenceFile(evidence)])
                for i in range(4)
            ],
            now=now,
        )
        assert log.checkpoint_size > published
    ahead = bundles[-1].encode()
    assert verify([ahead], load_policy(world.policy), now=datetime.now(UTC)).accepted  # alone
    with serving(world, tmp_path) as url, httpx.Client(base_url=url, timeout=30) as http:
        served = http.post("/verify", content=ahead).json()
        assert served["decision"] == "reject", served
        steps = {(c["step"], c["code"]) for c in served["bundles"][0]["checks"]}
        assert ("checkpoint.consistency", "consistency.split_view") in steps, served
        assert http.post("/verify", content=world.good).json()["decision"] == "accept"


# --- 6. a hostile server's text ----------------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\u202e"


def _hostile_server(answer: tuple[int, dict[str, Any]]) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def verify_route(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(answer[1], answer[0])

    return Starlette(routes=[Route("/verify", verify_route, methods=["POST"])])


@pytest.mark.parametrize(
    "answer",
    [
        (429, {"error": {"code": "server.busy" + ESCAPES, "message": "wait" + ESCAPES}}),
        (503, {"error": {"code": "server.timeout", "message": "later" + ESCAPES}}),
        (
            400,
            {
                "error": {"code": "bundle.malformed" + ESCAPES, "message": "no" + ESCAPES},
                "decision": {
                    "decision": "malformed" + ESCAPES,
                    "subject": None,
                    "pact": None,
                    "evaluators": {"counted": [], "required": 1},
                    "bundles": [],
                    "reasons": ["bad" + ESCAPES],
                },
            },
        ),
    ],
)
def test_a_hostile_servers_text_reaches_the_terminal_escaped(
    tmp_path: Path, answer: tuple[int, dict[str, Any]]
) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text("{}")
    with running(_hostile_server(answer)) as url:
        result = CliRunner().invoke(cli, ["verify", "--server", url, str(bundle)])
    shown = result.output + result.stderr
    assert result.exit_code != 0
    assert not any(c in shown for c in "\x1b\x07\u202e"), repr(shown)
    assert "\\x1b" in shown, repr(shown)  # shown, escaped


# --- 7. unregistered submitters ----------------------------------------------------------------


def test_an_unregistered_submitter_gets_403_with_a_clear_code(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    mallory = PrivateKey(b"\x44" * 32)
    key = tmp_path / "mallory.key"
    key.write_bytes(encode_key_file(NamedKey("mallory", mallory), None, allow_unencrypted=True))
    evidence = tmp_path / "metrics.json"
    evidence.write_text('{"ok": true}\n')
    signed = Submission(
        SIGNER.name,
        int(time.time()),
        new_nonce(),
        (SubmittedEntry("evidence", hash_bytes(b"x"), 1, "text/plain", "x.txt"),),
    )
    body, headers = sign_submission(signed, mallory)
    with serving(world, tmp_path) as url, httpx.Client(base_url=url, timeout=30) as http:
        # Whatever the body (well-formed, garbage, a heap of values), the key decides first.
        for content in (body, b"not json at all", b"[" + b"{}," * 100_000 + b"{}]"):
            r = http.post("/add", content=content, headers=headers)
            assert (r.status_code, r.json()["error"]["code"]) == (403, "auth.unknown_submitter")
        argv = ["log", "append", "--server", url, str(evidence), "--key", str(key)]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code != 0
        assert "auth.unknown_submitter" in result.stderr, result.stderr


# --- 8. k-of-n over HTTP -----------------------------------------------------------------------


def test_several_bundles_are_decided_together_as_offline(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    policy = load_policy(world.policy)
    files = []
    for name, data in (("good.json", world.good), ("failing.json", world.failing)):
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    with serving(world, tmp_path) as url, httpx.Client(base_url=url, timeout=30) as http:
        for bundles in ([world.good, world.good], [world.good, world.failing]):
            body = b"[" + b",".join(bundles) + b"]"
            served = http.post("/verify", content=body, headers=JSON_HEADERS).json()
            offline = verify(bundles, policy, now=datetime.now(UTC)).to_json()
            assert served["decision"] == offline["decision"], served
            assert [b["bundle"] for b in served["bundles"]] == ["bundle 1", "bundle 2"]
            assert [b["counted"] for b in served["bundles"]] == [
                b["counted"] for b in offline["bundles"]
            ]
        r = http.post("/verify", content=b"[]", headers=JSON_HEADERS)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "request.bad_bundles")
        r = http.post("/verify", content=b"[" + b",".join([b"{}"] * 17) + b"]")
        assert (r.status_code, r.json()["error"]["code"]) == (400, "request.bad_bundles")
        result = CliRunner().invoke(cli, ["verify", "--server", url, *files, "--json"])
        local = verify([world.good, world.failing], policy, now=datetime.now(UTC)).to_json()
        assert json.loads(result.stdout)["decision"] == local["decision"], result.output
        assert len(json.loads(result.stdout)["bundles"]) == 2
