"""The witness (attest.tlog.witness, attest witness serve) attacked as a log would: forks of the
same log key at a larger, equal and smaller size, stale old sizes, unknown logs; and killed
with SIGKILL at random moments, it never cosigns two roots at one size nor goes backwards."""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from attest.codec.digest import hash_bytes
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.store.witness import WitnessStore
from attest.tlog.checkpoint import open_checkpoint
from attest.tlog.cosignature import CosignatureSigner
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.tlog.witness import (
    Latest,
    add_checkpoint,
    cosign,
    encode_add_checkpoint,
    parse_add_checkpoint,
)

ORIGIN = "log.example/witnessed"
LOG_KEY = PrivateKey(hashlib.sha256(b"witness test: log").digest())
WITNESS_KEY = PrivateKey(hashlib.sha256(b"witness test: witness").digest())
SIGNER = Ed25519Signer(ORIGIN, LOG_KEY)
LOGS = {ORIGIN: SIGNER.verifier()}


def entry(tag: bytes, i: int) -> LogEntry:
    return LogEntry("evidence", hash_bytes(tag + b"%d" % i), i + 1, "text/plain", 0)


def grow(log: Log, tag: bytes, n: int) -> bytes:
    start = log.size
    log.append_many([entry(tag, start + i) for i in range(n)])
    return log.checkpoint()


def ask(latest: dict[str, Latest], old: int, proof: list[bytes], note: bytes) -> tuple[int, bytes]:
    a = add_checkpoint(LOGS, latest, parse_add_checkpoint(encode_add_checkpoint(old, proof, note)))
    if a.store is not None:
        latest[a.origin] = a.store
        return 200, cosign(note, CosignatureSigner("witness.example/w", WITNESS_KEY, 1700000000))
    return a.status, a.body


def test_forks_of_every_size_are_refused(tmp_path: Path) -> None:
    latest: dict[str, Latest] = {}
    with (
        Log.create(tmp_path / "honest", SIGNER) as honest,
        Log.create(tmp_path / "fork", SIGNER) as fork,
    ):
        note = grow(honest, b"h", 5)
        status, line = ask(latest, 0, [], note)
        assert status == 200
        cosigned = note + line
        w = CosignatureSigner("witness.example/w", WITNESS_KEY, 0).verifier()
        assert len(open_checkpoint(cosigned, LOGS[ORIGIN], witnesses=[w]).cosignatures) == 1

        grow(fork, b"f", 7)
        # larger fork, with the fork's own (valid for the fork) proof: 422
        fnote = fork.checkpoint_note
        assert ask(latest, 5, fork.consistency_proof(5, 7), fnote)[0] == 422
        # same size, another root: 409, no cosignature
        small = Log.create(tmp_path / "fork5", SIGNER)
        with small:
            f5 = grow(small, b"g", 5)
        assert ask(latest, 5, [], f5) == (409, b"5\n")
        # smaller: the checkpoint is behind the old size the caller claims
        with Log.create(tmp_path / "fork3", SIGNER) as f3log:
            f3 = grow(f3log, b"k", 3)
        assert ask(latest, 5, [], f3)[0] == 400
        assert ask(latest, 3, [], f3) == (409, b"5\n")  # behind: told the latest size
        # the honest log grows: cosigned
        n8 = grow(honest, b"h", 3)
        assert ask(latest, 5, honest.consistency_proof(5, 8), n8)[0] == 200
        assert latest[ORIGIN].size == 8


def test_unknown_log_and_bad_signature_are_403(tmp_path: Path) -> None:
    other = Ed25519Signer("log.example/other", LOG_KEY)
    with Log.create(tmp_path / "o", other) as log:
        assert ask({}, 0, [], grow(log, b"o", 2))[0] == 403
    with Log.create(tmp_path / "x", Ed25519Signer(ORIGIN, WITNESS_KEY)) as log:
        assert ask({}, 0, [], grow(log, b"x", 2))[0] == 403


# --- the service, killed at random moments ------------------------------------------------------


def start(config: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from attest_cli.main import cli; cli()", "witness", "serve",
         str(config), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, line
    return proc, line.split("listening on ")[1].strip()


def post(url: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url + "add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0, b""


@pytest.mark.slow
def test_kill_9_loses_nothing_and_never_double_signs(tmp_path: Path) -> None:
    from attest.keys.keyfile import NamedKey, encode_key_file

    rng = random.Random(15)
    keyfile = tmp_path / "w.key"
    keyfile.write_bytes(
        encode_key_file(NamedKey("witness.example/w", WITNESS_KEY), None, allow_unencrypted=True)
    )
    config = tmp_path / "witness.toml"
    config.write_text(
        f'key = "w.key"\nstate = "state"\n\n[[log]]\norigin = "{ORIGIN}"\n'
        f'key = "{SIGNER.verifier().vkey()}"\n'
    )
    answered: dict[int, set[bytes]] = {}
    acked = 0
    with Log.create(tmp_path / "h", SIGNER) as honest, Log.create(tmp_path / "f", SIGNER) as fork:
        for _round in range(8):
            proc, url = start(config)
            killer = threading.Timer(rng.random() * 0.3, proc.kill)  # at a random moment
            killer.start()
            for _ in range(rng.randint(1, 6)):
                old = acked
                note = grow(honest, b"h", rng.randint(1, 3))
                proof = honest.consistency_proof(old, honest.size) if old else []
                if old and rng.random() < 0.15:
                    proc.send_signal(signal.SIGKILL)  # dies mid-round; the posts fail
                status, body = post(url, encode_add_checkpoint(old, proof, note))
                if status == 200:
                    answered.setdefault(honest.size, set()).add(honest.root_hash)
                    acked = honest.size
                elif status == 409:
                    acked = int(body)
                # a fork at the same size as the honest one: never cosigned
                while fork.size < honest.size:
                    grow(fork, b"f", honest.size - fork.size)
                fstatus, _ = post(url, encode_add_checkpoint(honest.size, [], fork.checkpoint_note))
                assert fstatus != 200
            killer.join()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            store = WitnessStore(tmp_path / "state")
            kept = store.get(ORIGIN)
            store.close()
            assert kept is not None and kept.size >= acked - 0  # nothing acknowledged is lost
            assert kept.root_hash == honest.tree_hash(kept.size)
            acked = kept.size
    assert all(len(roots) == 1 for roots in answered.values())


def test_the_witness_line_matches_the_cosignature_vectors() -> None:
    """The line the witness answers verifies as the vectors' cosignature/v1 says: key id of the
    vector's vkey, timestamp, and an Ed25519 signature over the vector's signed message."""
    import base64
    import json

    from attest.keys.ed25519 import PublicKey
    from attest.tlog.note import sign

    vectors = json.loads(
        (Path(__file__).resolve().parent.parent / "test_vectors/note/cosignatures.json").read_text()
    )
    w1 = vectors["keys"]["w1"]
    key = PrivateKey(bytes.fromhex(w1["seed_hex"]))
    for m in vectors["messages"][:2]:
        log = vectors["keys"]["log"]
        signer = Ed25519Signer(log["name"], PrivateKey(bytes.fromhex(log["seed_hex"])))
        note = sign(m["text"], [signer])
        line = cosign(note, CosignatureSigner(w1["name"], key, m["timestamp"]))
        name, blob = line.decode().removeprefix("\u2014 ").split()
        raw = base64.b64decode(blob)
        assert name == w1["name"] and raw[:4].hex() == w1["vkey"].split("+")[1]
        assert int.from_bytes(raw[4:12], "big") == m["timestamp"]
        public = base64.b64decode(w1["vkey"].split("+", 2)[2])
        assert public[0] == 0x04  # the cosignature/v1 key type
        PublicKey(public[1:]).verify(m["signed_message"].encode(), raw[12:])
