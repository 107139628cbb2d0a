"""The evidence log on disk: appends, checkpoints, proofs, lookup, audit, locking, recovery."""

from __future__ import annotations

import os
from pathlib import Path

import cbor2
import pytest

from attest.codec.digest import hash_bytes
from attest.errors import MalformedError, UsageError, VerificationError
from attest.keys.ed25519 import PrivateKey
from attest.store.log import JOURNAL_FILE, Log
from attest.tlog import checkpoint, merkle, note
from attest.tlog import proof as tlog_proof
from attest.tlog.entry import LogEntry

SIGNER = note.Ed25519Signer("example.com/evals", PrivateKey(b"\x07" * 32))


def entry(i: int, kind: str = "evidence") -> LogEntry:
    return LogEntry(kind, hash_bytes(b"item %d" % i), i, "application/json", 1764000000 + i)


def make_log(tmp_path: Path, n: int, batch: int = 100) -> Log:
    log = Log.create(tmp_path / "log", SIGNER)
    for start in range(0, n, batch):
        log.append_and_checkpoint([entry(i) for i in range(start, min(n, start + batch))])
    return log


def test_create_signs_empty_checkpoint(tmp_path: Path) -> None:
    with Log.create(tmp_path / "log", SIGNER) as log:
        signed = checkpoint.open_checkpoint(log.checkpoint_note, SIGNER.verifier())
        assert signed.checkpoint.size == 0
        assert signed.checkpoint.root_hash == merkle.EMPTY_ROOT
    with pytest.raises(UsageError) as info:
        Log.create(tmp_path / "log", SIGNER)
    assert info.value.code == "log.exists"


def test_appends_checkpoints_and_proofs(tmp_path: Path) -> None:
    n = 1000
    with make_log(tmp_path, n, batch=333) as log:
        leaves = [e.encode() for e in (entry(i) for i in range(n))]
        tree = merkle.MemoryTree.from_entries(leaves)
        assert log.checkpoint_size == n
        assert log.root_hash == tree.root()
        for i in (0, 1, 255, 256, 511, 999):
            assert log.entry(i) == leaves[i]
            assert log.inclusion_proof(i) == tree.inclusion_proof(i)
            proof = tlog_proof.parse_tlog_proof(log.prove(i).encode())
            tlog_proof.verify_tlog_proof(proof, merkle.leaf_hash(leaves[i]), SIGNER.verifier())
        for old in (1, 333, 666, 999):
            assert log.consistency_proof(old) == tree.consistency_proof(old)
            merkle.verify_consistency(
                old, n, log.tree_hash(old), log.root_hash, log.consistency_proof(old)
            )
        assert log.find(hash_bytes(b"item 700")) == [700]
        assert log.find(hash_bytes(b"never logged")) == []
        report = log.audit()
        assert report.size == n and report.root_hash == tree.root()


def test_same_digest_twice_is_found_twice(tmp_path: Path) -> None:
    with Log.create(tmp_path / "log", SIGNER) as log:
        log.append_and_checkpoint([entry(1), entry(2), entry(1, kind="credential")])
        assert log.find(hash_bytes(b"item 1")) == [0, 2]


def test_appends_are_journalled_until_checkpoint(tmp_path: Path) -> None:
    root = tmp_path / "log"
    log = Log.create(root, SIGNER)
    log.append_and_checkpoint([entry(i) for i in range(10)])
    assert log.append_many([entry(i) for i in range(10, 15)]) == list(range(10, 15))
    assert log.size == 15 and log.checkpoint_size == 10
    with pytest.raises(UsageError):
        log.entry(12)  # not under a checkpoint yet
    log.close()  # as if the process ended here: the journal keeps the acknowledged five
    with Log.open(root, SIGNER, write=True) as log:
        assert log.size == 15 and log.checkpoint_size == 10
        log.checkpoint()
        assert log.checkpoint_size == 15
        assert LogEntry.decode(log.entry(14)) == entry(14)
        log.audit()


def test_torn_journal_tail_is_dropped(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with Log.create(root, SIGNER) as log:
        log.append_many([entry(0), entry(1)])
    with open(root / JOURNAL_FILE, "ab") as f:
        f.write(b"\x00\x00\x00\x30garbage")  # a record whose write never finished
    with Log.open(root, SIGNER, write=True) as log:
        assert log.size == 2
        log.checkpoint()
        log.audit()


def test_second_writer_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with Log.create(root, SIGNER):
        with pytest.raises(UsageError) as info:
            Log.open(root, SIGNER, write=True)
        assert info.value.code == "log.locked"
        with Log.open(root, write=False) as reader:  # readers need no lock
            assert reader.checkpoint_size == 0
    with Log.open(root, SIGNER, write=True):
        pass  # the lock went with the first writer


def test_wrong_key_and_read_only(tmp_path: Path) -> None:
    root = tmp_path / "log"
    Log.create(root, SIGNER).close()
    other = note.Ed25519Signer("example.com/evals", PrivateKey(b"\x08" * 32))
    with pytest.raises(UsageError) as info:
        Log.open(root, other, write=True)
    assert info.value.code == "log.wrong_key"
    with Log.open(root, write=False) as log, pytest.raises(UsageError) as info:
        log.append(entry(0))
    assert info.value.code == "log.read_only"


def test_checkpoint_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "log"
    Log.create(root, SIGNER).close()
    other = note.Ed25519Signer("example.com/evals", PrivateKey(b"\x08" * 32))
    forged = checkpoint.sign_checkpoint(
        checkpoint.Checkpoint("example.com/evals", 0, merkle.EMPTY_ROOT), other
    )
    (root / "checkpoint").write_bytes(forged)
    with pytest.raises(VerificationError) as info:
        Log.open(root, write=False)
    assert info.value.code == "checkpoint.log_signature_missing"


def _corrupt(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_audit_names_corrupted_tile(tmp_path: Path) -> None:
    with make_log(tmp_path, 600) as log:
        _corrupt(log.root / "tile/0/001", 32 * 7 + 3)
        with pytest.raises(VerificationError) as info:
            log.audit()
        assert info.value.code == "log.audit_failed"
        assert "tile/0/001 hash 7" in info.value.message
        assert "index 263" in info.value.message


def test_audit_names_corrupted_entry(tmp_path: Path) -> None:
    with make_log(tmp_path, 600) as log:
        bundle = log.root / "tile/entries/000"
        data = bundle.read_bytes()
        # Flip a byte inside entry 5's digest: still CBOR, but no longer its leaf hash.
        offset = data.index(hash_bytes(b"item 5").sha256) + 4
        _corrupt(bundle, offset)
        with pytest.raises(VerificationError) as info:
            log.audit()
        assert "tile/0/000 hash 5" in info.value.message


def test_audit_detects_missing_tile(tmp_path: Path) -> None:
    with make_log(tmp_path, 600) as log:
        os.unlink(log.root / "tile/1/000.p/2")
        with pytest.raises(VerificationError) as info:
            log.audit()
        assert "tile/1/000.p/2" in info.value.message


def test_superseded_partials_are_pruned_and_old_sizes_still_prove(tmp_path: Path) -> None:
    with make_log(tmp_path, 300, batch=100) as log:
        root = log.root
        assert (log.root / "tile/0/001.p/44").exists()
        tree = merkle.MemoryTree.from_entries(entry(i).encode() for i in range(300))
        # A client holding the size-100 checkpoint falls back to the full tile.
        assert log.inclusion_proof(42, 100) == tree.inclusion_proof(42, 100)
    # Pruning runs after the checkpoint, off the append path; closing the log waits for it.
    assert (root / "tile/0/000").exists()
    assert not (root / "tile/0/000.p").exists()  # tile 0 is full: its partials went


def test_bad_requests(tmp_path: Path) -> None:
    with make_log(tmp_path, 10) as log:
        for bad in (-1, 10, True):
            with pytest.raises(UsageError):
                log.inclusion_proof(bad)
        with pytest.raises(UsageError) as info:
            log.inclusion_proof(0, 11)
        assert info.value.code == "log.beyond_checkpoint"
    with pytest.raises(UsageError) as info:
        Log.open(tmp_path / "nothing", write=False)
    assert info.value.code == "log.not_found"


def test_log_entry_rules() -> None:
    e = entry(3)
    assert LogEntry.decode(e.encode()) == e
    named = LogEntry("evidence", hash_bytes(b"x"), 1, "text/plain", 5, name="run-1.jsonl")
    assert LogEntry.decode(named.encode()) == named
    for kwargs in (
        {"kind": "Evidence"},
        {"media_type": "text/plain; charset=utf-8"},
        {"size": -1},
        {"name": "a\nb"},
        {"name": ""},
    ):
        args = {
            "kind": "evidence",
            "digest": hash_bytes(b"x"),
            "size": 1,
            "media_type": "text/plain",
            "logged_at": 5,
        } | kwargs
        with pytest.raises(MalformedError):
            LogEntry(**args)  # type: ignore[arg-type]

    rec = cbor2.loads(e.encode())
    for bad in (
        cbor2.dumps(dict(rec) | {"v": 2}, canonical=True),
        cbor2.dumps(dict(rec) | {"extra": 1}, canonical=True),
        cbor2.dumps({k: v for k, v in rec.items() if k != "size"}, canonical=True),
        cbor2.dumps(dict(reversed(list(rec.items())))),  # keys out of deterministic order
        e.encode()[:-1],
        b"\xff",
    ):
        with pytest.raises(MalformedError):
            LogEntry.decode(bad)


def test_inner_levels_are_stored_used_and_audited(tmp_path: Path) -> None:
    from attest.tlog.tiles import INNER_SIZE, inner_path

    with make_log(tmp_path, 70000, batch=10000) as log:
        tree = merkle.MemoryTree.from_entries(entry(i).encode() for i in range(70000))
        inner = log.root / inner_path(0, 5)
        assert inner.stat().st_size == INNER_SIZE
        assert (log.root / inner_path(1, 0)).exists()
        assert not (log.root / inner_path(0, 273)).exists()  # partial tiles have none
        for i in (0, 1300, 65535, 69999):
            assert log.inclusion_proof(i) == tree.inclusion_proof(i)
        # A reader without the stored levels (or with a damaged file) gives the same proofs.
        inner.write_bytes(b"\x00" * 7)
        with Log.open(log.root, write=False) as fresh:
            assert fresh.inclusion_proof(1300) == tree.inclusion_proof(1300)
            with pytest.raises(VerificationError) as info:
                fresh.audit()
            assert "inner/0/005" in info.value.message
        inner.unlink()
        with Log.open(log.root, write=False) as fresh:
            assert fresh.inclusion_proof(1301) == tree.inclusion_proof(1301)
            fresh.audit()
