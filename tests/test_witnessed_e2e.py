"""End to end on loopback: a log, two witnesses (the tlog-witness HTTP service) and a verifier.

The evaluator's log asks both witnesses to cosign every checkpoint (``attest log witness``
remembered them; :func:`attest.issue.issue` asks again after its checkpoint), so its bundles
carry two cosignatures and pass a ``[quorum] witnesses = 2`` policy. A second history of the
same log (same key, another root) is then made at a larger, an equal and a smaller size: the
witnesses refuse to cosign each, and the verifier, which remembers the honest checkpoint and
reads the published tiles, rejects each as a split view and keeps both signed notes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from attest.codec.digest import hash_bytes
from attest.evaluation.bundle import Bundle
from attest.service.witness import Witness, make_server
from attest.store import cosigned
from attest.store.log import Log
from attest.store.witness import WitnessStore
from attest.tiles_client import TileSource, proofs_for
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.verifier.decision import Decision
from attest.verifier.pipeline import verify
from attest.verifier.state import VerifierState

from .helpers.verify_world import (
    COSIGNED_AT,
    LOG_KEY,
    NOW,
    ORIGIN,
    WITNESS_KEYS,
    WITNESS_NAMES,
    _issue,
    make_policy,
    status_entries,
    status_lists,
)

SIGNER = Ed25519Signer(ORIGIN, LOG_KEY)


@dataclass
class Witnesses:
    urls: list[str]
    stores: list[WitnessStore]


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[Witnesses]:
    servers, threads, stores, urls = [], [], [], []
    for i, (name, key) in enumerate(zip(WITNESS_NAMES, WITNESS_KEYS, strict=True)):
        store = WitnessStore(tmp_path / f"witness{i}")
        w = Witness(name, key, {ORIGIN: SIGNER.verifier()}, store)
        server = make_server(w, "127.0.0.1", 0, clock=lambda: COSIGNED_AT)
        t = threading.Thread(target=server.serve_forever, daemon=True)
        t.start()
        servers.append(server)
        threads.append(t)
        stores.append(store)
        urls.append(f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        yield Witnesses(urls, stores)
    finally:
        for server, t, store in zip(servers, threads, stores, strict=True):
            server.shutdown()
            server.server_close()
            t.join(5)
            store.close()


def decide(bundles: list[Bundle], state: VerifierState, tiles: Path | None = None) -> Decision:
    data = [b.encode() for b in bundles]
    proofs = []
    if tiles is not None:
        proofs = proofs_for([TileSource(str(tiles))], data, state, {ORIGIN: SIGNER.verifier()})
    return verify(
        data,
        make_policy(),  # two witnesses, quorum 2
        now=NOW,
        state=state,
        status_lists=status_lists(NOW - timedelta(hours=1)),
        consistency=tuple(proofs),
    )


def fill(log: Log, tag: bytes, n: int) -> None:
    log.append_many(
        [LogEntry("evidence", hash_bytes(tag + b"%d" % i), 1, "text/plain", 0) for i in range(n)]
    )


def fork_bundle(root: Path, urls: list[str], size: int) -> tuple[Bundle, cosigned.Cosigned]:
    """A second history of the log signed with its key, whose credential makes it ``size``
    entries long; its witnesses are asked to cosign it as the honest log's are."""
    with Log.create(root / "fork", SIGNER) as fork:
        fill(fork, b"fork", size - 3)  # _issue logs two evidence items and a credential
        fork.checkpoint()
        cosigned.witness_checkpoint(fork, urls)  # the fork's first checkpoint: refused too
        (root / "fork-evidence").mkdir()
        bundle = _issue(
            fork,
            root / "fork-evidence",
            evidence={"a.json": b"{}", "b.json": b"[]"},
            status=status_entries(),
        )
        assert fork.checkpoint_size == size
        side = cosigned.read(fork.root)
        assert side is not None
        return bundle, side


def test_honest_bundles_pass_quorum_2_and_forks_of_every_size_are_refused(
    tmp_path: Path, witnesses: Witnesses
) -> None:
    log_dir = tmp_path / "log"
    with Log.create(log_dir, SIGNER) as log:
        first = cosigned.witness_checkpoint(log, witnesses.urls)  # remembers the witnesses
        assert sorted(first.cosignatures) == sorted(witnesses.urls) and not first.errors
        (tmp_path / "evidence").mkdir()
        one = _issue(log, tmp_path / "evidence", status=status_entries())
        fill(log, b"honest", 20)
        log.checkpoint()
        two = _issue(log, tmp_path / "evidence", status=status_entries())
        honest_size, honest_note = log.checkpoint_size, log.checkpoint_note
    for b in (one, two):
        assert b.checkpoint.startswith(b.checkpoint.split(b"\n\n")[0])
        assert b.checkpoint.count("\u2014 ".encode()) == 3  # the log and two witnesses
    for i, store in enumerate(witnesses.stores):
        kept = store.get(ORIGIN)
        assert kept is not None and kept.size == honest_size, i

    d = decide([one], VerifierState())
    assert d.accepted, d.to_json()
    d = decide([two], d.state, log_dir)
    assert d.accepted, d.to_json()
    state = d.state
    remembered = state.get(ORIGIN)
    assert remembered is not None and remembered.size == honest_size

    # A second history at a larger, an equal and a smaller size. The witnesses refuse each.
    for size, tiles in ((honest_size + 5, "fork"), (honest_size, "log"), (honest_size - 4, "log")):
        root = tmp_path / f"fork-{size}"
        root.mkdir()
        bundle, side = fork_bundle(root, witnesses.urls, size)
        assert not side.cosignatures, side
        assert set(side.errors) == set(witnesses.urls)
        for i, store in enumerate(witnesses.stores):
            kept = store.get(ORIGIN)
            assert kept is not None and kept.size == honest_size, (size, i)
        # The lying log shows this counterparty its fork's tiles when they reach further.
        source = root / "fork" if tiles == "fork" else log_dir
        d = decide([bundle], state, source)
        assert not d.accepted, size
        [e] = d.to_json()["equivocations"]
        notes = [n.split("\n\n")[0] for n in e["checkpoints"]]
        assert honest_note.decode().split("\n\n")[0] in notes, size
        assert bundle.checkpoint.decode().split("\n\n")[0] in notes, size
        assert [n.split("\n\n")[0] for n in e["checkpoints"]] != [notes[0]] * 2


def test_log_witness_and_prove_from_the_command_line(tmp_path: Path, witnesses: Witnesses) -> None:
    import json

    from click.testing import CliRunner

    from attest.tlog.checkpoint import open_checkpoint
    from attest.tlog.proof import parse_tlog_proof
    from attest_cli.main import cli

    from .helpers.verify_world import witness_signers

    def run(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, list(args), env={"ATTEST_PASSPHRASE": None})
        return r.exit_code, r.output

    with Log.create(tmp_path / "log", SIGNER) as log:
        fill(log, b"x", 3)
        log.checkpoint()
    code, out = run("log", "witness", str(tmp_path / "log"), "--json",
                    *(a for u in witnesses.urls for a in ("--witness", u)))  # fmt: skip
    assert code == 0, out
    assert sorted(json.loads(out)["cosigned_by"]) == sorted(witnesses.urls)
    code, out = run("log", "prove", str(tmp_path / "log"), "--index", "1")
    assert code == 0, out
    proof = parse_tlog_proof(out.encode())
    signed = open_checkpoint(
        proof.checkpoint, SIGNER.verifier(), witnesses=[w.verifier() for w in witness_signers()]
    )
    assert len(signed.cosignatures) == 2
    # A witness that is down: the other still cosigns, the command exits 1 naming it.
    with Log.open(tmp_path / "log", SIGNER, write=True) as log:
        fill(log, b"y", 2)
        log.checkpoint()
    code, out = run("log", "witness", str(tmp_path / "log"), "--witness", "http://127.0.0.1:9/")
    assert code == 1, out
    assert "error: log.not_cosigned: http://127.0.0.1:9/" in out
    assert out.count("cosigned size 5 by") == 2
    code, out = run("log", "prove", str(tmp_path / "log"), "--index", "4")
    signed = open_checkpoint(
        parse_tlog_proof(out.encode()).checkpoint,
        SIGNER.verifier(),
        witnesses=[w.verifier() for w in witness_signers()],
    )
    assert len(signed.cosignatures) == 2


def test_the_counterparty_needs_only_public_data(tmp_path: Path, witnesses: Witnesses) -> None:
    """attest log publish writes the public files only; show, audit, consistency and proof
    verify work on them (a mirror directory and HTTP) with the log's key, without log.json."""
    import functools
    import http.server
    import json

    from click.testing import CliRunner

    from attest_cli.main import cli

    from .helpers.verify_world import witness_vkey

    def run(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, list(args), env={"ATTEST_PASSPHRASE": None})
        return r.exit_code, r.output

    log_dir, pub = tmp_path / "log", tmp_path / "public"
    with Log.create(log_dir, SIGNER) as log:
        fill(log, b"p", 300)
        log.checkpoint()
        cosigned.witness_checkpoint(log, witnesses.urls)
        entry = log.entry(257)
    (tmp_path / "entry.bin").write_bytes(entry)
    code, out = run("log", "publish", str(log_dir), str(pub))
    assert code == 0, out
    public = sorted(p.relative_to(pub).as_posix() for p in pub.rglob("*") if p.is_file())
    assert public[0] == "checkpoint" and all(p.startswith("tile/") for p in public[1:])
    assert not {"log.json", "index.sqlite", "lock", "pending", "cosigned.json"} & set(public)
    assert b"\n\n" in (pub / "checkpoint").read_bytes()
    assert (pub / "checkpoint").read_bytes().count("\u2014 ".encode()) == 3  # cosigned
    code, out = run("log", "prove", str(log_dir), "--index", "257", "-o", str(tmp_path / "p"))
    assert code == 0, out

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(pub))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        vkey = SIGNER.verifier().vkey()
        for where in (str(pub), url):
            code, out = run("log", "show", where, "--log-key", vkey, "--json")
            assert code == 0, out
            assert json.loads(out)["size"] == 300
            code, out = run("log", "audit", where, "--log-key", vkey, "--origin", ORIGIN)
            assert code == 0 and out.startswith("ok: 300 entries") and "published" in out, out
            code, out = run("log", "consistency", where, "--log-key", vkey, "--old", "7")
            assert code == 0, out
            with Log.open(log_dir, write=False) as lg:
                expected = [base64_lines(h) for h in lg.consistency_proof(7, 300)]
            assert out.splitlines()[2:] == expected
            wk = (a for i in range(2) for a in ("--witness", witness_vkey(i)))
            code, out = run("proof", "verify", str(tmp_path / "p"), "--log-key", vkey,
                            "--tiles", where, "--quorum", "2", *wk)  # fmt: skip
            assert code == 0 and "cosigned by 2" in out, out
        code, out = run("proof", "verify", str(tmp_path / "p"), "--log-key", vkey,
                        "--entry", str(tmp_path / "entry.bin"), "--digest",
                        str(hash_bytes(b"p257")))  # fmt: skip
        assert code == 0, out
        code, out = run("proof", "verify", str(tmp_path / "p"), "--log-key", vkey,
                        "--entry", str(tmp_path / "entry.bin"), "--digest",
                        str(hash_bytes(b"p258")))  # fmt: skip
        assert code == 1 and "proof.other_digest" in out, out
        (tmp_path / "other.bin").write_bytes(entry.replace(b"text/plain", b"text/plaiN"))
        code, out = run("proof", "verify", str(tmp_path / "p"), "--log-key", vkey,
                        "--entry", str(tmp_path / "other.bin"))  # fmt: skip
        assert code == 1, out
        # a damaged published tile is found by the audit
        tile = pub / "tile" / "entries" / "000"
        tile.write_bytes(tile.read_bytes().replace(b"text/plain", b"text/plaiN", 1))
        code, out = run("log", "audit", str(pub), "--log-key", vkey)
        assert code == 1 and "tiles.audit_failed" in out, out
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def base64_lines(h: bytes) -> str:
    import base64

    return base64.b64encode(h).decode()


def test_the_server_publishes_and_proves_under_a_witnessed_checkpoint(
    witnesses: Witnesses, tmp_path: Path
) -> None:
    """``attest serve --witness``: every checkpoint the server makes goes to the witnesses,
    and what it serves at /checkpoint and proves submissions under is the cosigned note."""
    from attest.client import ServiceClient
    from attest.keys.ed25519 import PrivateKey
    from attest.service.app import create_app
    from attest.service.config import ServiceConfig
    from attest.tlog.checkpoint import open_checkpoint
    from attest.tlog.cosignature import CosignatureSigner
    from attest.tlog.submission import SubmittedEntry, Submitter, Submitters

    from .helpers.serving import running
    from .helpers.verify_world import WITNESS_KEYS

    submitter = PrivateKey(b"\x42" * 32)
    log = Log.create(tmp_path / "served", SIGNER)
    app = create_app(
        log,
        submitters=Submitters([Submitter("acme", submitter.public_key)]),
        config=ServiceConfig(witnesses=tuple(witnesses.urls)),
    )
    verifiers = [
        CosignatureSigner(n, k, COSIGNED_AT).verifier()
        for n, k in zip(WITNESS_NAMES, WITNESS_KEYS, strict=True)
    ]
    with running(app) as url:
        client = ServiceClient(url)
        (receipt,) = client.add(
            [SubmittedEntry("evidence", hash_bytes(b"served"), 6, "text/plain")], submitter
        )
        assert receipt.proof is not None
        for note in (receipt.proof.checkpoint, client.checkpoint()):
            opened = open_checkpoint(note, SIGNER.verifier(), witnesses=verifiers)
            assert {c.name for c in opened.cosignatures} == set(WITNESS_NAMES)
