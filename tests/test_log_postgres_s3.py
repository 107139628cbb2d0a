"""The PostgreSQL + S3 log driver against real servers (PostgreSQL 15, SeaweedFS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from attest.codec.digest import hash_bytes
from attest.errors import UsageError, VerificationError
from attest.keys.ed25519 import PrivateKey
from attest.store.driver import LogDriver
from attest.store.log import Log
from attest.tlog import checkpoint as _checkpoint
from attest.tlog.entry import LogEntry
from attest.tlog.merkle import leaf_hash
from attest.tlog.note import Ed25519Signer
from attest.tlog.proof import verify_tlog_proof
from tests.conftest_services import pg_fixture, weed_fixture  # noqa: F401
from tests.helpers.services import Postgres, Seaweed

pytestmark = pytest.mark.services

SIGNER = Ed25519Signer("example.com/shared", PrivateKey(bytes(range(32))))


def entry(i: int) -> LogEntry:
    return LogEntry("evidence", hash_bytes(b"e%d" % i), i, "text/plain", 1_800_000_000 + i)


def _new(pg: Postgres, weed: Seaweed):  # type: ignore[no-untyped-def]
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    dsn = pg.fresh_database()
    url = f"s3://{weed.fresh_bucket()}/log"
    return dsn, url, SharedLog.create(dsn, BucketTiles(url, weed.endpoint), SIGNER)


def test_tiles_in_the_bucket_are_the_directory_logs_byte_for_byte(
    pg: Postgres, weed: Seaweed, tmp_path: Path
) -> None:
    from attest.store.postgres_s3 import BucketTiles

    _, url, shared = _new(pg, weed)
    entries = [entry(i) for i in range(700)]
    with shared, Log.create(tmp_path / "log", SIGNER) as local:
        driver: LogDriver = shared
        for chunk in (entries[:1], entries[1:300], entries[300:513], entries[513:]):
            driver.append_and_checkpoint(chunk)
            local.append_and_checkpoint(chunk)
        assert shared.root_hash == local.root_hash and shared.checkpoint_size == 700
        bucket = BucketTiles(url, weed.endpoint)
        for path in sorted(p for p in (tmp_path / "log" / "tile").rglob("*") if p.is_file()):
            rel = path.relative_to(tmp_path / "log").as_posix()
            assert bucket.get(rel) == path.read_bytes(), rel
        assert bucket.get("checkpoint") == shared.checkpoint_note
        assert shared.find(entries[600].digest) == [600]
        assert shared.entry(600) == entries[600].encode()
        proof = shared.prove(600)
        cp = verify_tlog_proof(proof, leaf_hash(entries[600].encode()), SIGNER.verifier())
        assert cp.checkpoint.size == 700
        report = shared.audit()
        assert (report.size, report.bundles) == (700, 3)


def test_replicas_sequence_and_one_integrates(pg: Postgres, weed: Seaweed) -> None:
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    dsn, url, first = _new(pg, weed)
    second = SharedLog.open(dsn, BucketTiles(url, weed.endpoint), SIGNER)
    with first, second:
        a = first.append_many([entry(1), entry(2)])
        b = second.append_many([entry(3)])
        assert a == [0, 1] and b == [2]
        assert first.integrate() and first.leading
        assert not second.integrate() and not second.leading
        note = second.checkpoint()  # waits for the integrator's checkpoint
        assert _checkpoint.open_checkpoint(note, SIGNER.verifier()).checkpoint.size == 3
        first.close()  # the lock goes with the session: the other one takes over
        c = second.append_many([entry(4)])
        assert c == [3]
        second.checkpoint()
        assert second.leading and second.checkpoint_size == 4
        assert second.audit().size == 4


def test_a_stale_integrator_is_fenced_off(pg: Postgres, weed: Seaweed) -> None:
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    dsn, url, first = _new(pg, weed)
    with first, SharedLog.open(dsn, BucketTiles(url, weed.endpoint), SIGNER) as second:
        first.append_many([entry(1)])
        assert first.integrate()
        # The first integrator's session dies behind its back; the second takes over.
        assert first._conn is not None
        with first._conn.cursor() as c:
            c.execute("SELECT pg_advisory_unlock_all()")
        second.append_many([entry(2)])
        assert second.integrate()
        first.append_many([entry(3)])
        assert not first.integrate()  # its lease epoch is old: it may not commit
        assert not first.leading
        second.checkpoint()
        assert second.checkpoint_size == 3 and second.audit().size == 3


def test_open_and_create_refusals(pg: Postgres, weed: Seaweed) -> None:
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    dsn, url, log = _new(pg, weed)
    log.close()
    with pytest.raises(UsageError) as exc:
        SharedLog.create(dsn, BucketTiles(url, weed.endpoint), SIGNER)
    assert exc.value.code == "log.exists"
    other = Ed25519Signer("example.com/other", PrivateKey(b"\x07" * 32))
    with pytest.raises(UsageError) as exc:
        SharedLog.open(dsn, BucketTiles(url, weed.endpoint), other)
    assert exc.value.code == "log.wrong_key"
    with pytest.raises(UsageError) as exc:
        SharedLog.open(pg.fresh_database(), BucketTiles(url, weed.endpoint), SIGNER)
    assert exc.value.code == "store.schema_old"
    with pytest.raises(UsageError) as exc:
        BucketTiles("http://bucket/x")
    assert exc.value.code == "store.bad_tiles_url"


def test_audit_finds_a_damaged_tile_in_the_bucket(pg: Postgres, weed: Seaweed) -> None:
    from attest.store.postgres_s3 import BucketTiles

    dsn, url, log = _new(pg, weed)
    with log:
        log.append_and_checkpoint([entry(i) for i in range(10)])
        BucketTiles(url, weed.endpoint).put("tile/0/000.p/10", b"\x00" * 320)
        fresh = type(log).open(dsn, BucketTiles(url, weed.endpoint))
        with pytest.raises(VerificationError) as exc:
            fresh.audit()
        assert exc.value.code == "log.audit_failed"
        fresh.close()


def test_migrations_are_versioned_and_applied_once(pg: Postgres) -> None:
    from attest.store.postgres_s3 import MIGRATIONS, connect, migrate, schema_version

    conn = connect(pg.fresh_database())
    with conn:
        assert schema_version(conn) == 0
        assert migrate(conn) == [v for v, _ in MIGRATIONS]
        assert migrate(conn) == []
        assert schema_version(conn) == MIGRATIONS[-1][0]


def test_verification_on_a_replica_knows_its_own_tree(
    pg: Postgres, weed: Seaweed, tmp_path: Path
) -> None:
    """``attest serve --store … --policy``: POST /verify is offered, and the server's check of
    its own log (a checkpoint of its origin must be a prefix of what it published) reads the
    tree from the bucket exactly as the directory log reads it from its tiles."""
    from types import SimpleNamespace

    import httpx

    from attest.keys.did_key import encode_did_key
    from attest.service.app import create_app
    from attest.service.verifier import _Judge
    from attest.verifier.policy import parse_policy

    from .helpers.serving import running

    _, _, shared = _new(pg, weed)
    issuer = encode_did_key(PrivateKey(bytes(32)).public_key)
    entries = [entry(i) for i in range(300)]
    with Log.create(tmp_path / "dir", SIGNER) as directory:
        shared.append_many(entries)
        shared.checkpoint()
        directory.append_many(entries)
        directory.checkpoint()
        policy = parse_policy(
            f"""version = 1
[[issuer]]
name = "e"
id = "{issuer}"
dimensions = ["reliability"]
[[log]]
origin = "{SIGNER.name}"
key = "{SIGNER.verifier().vkey()}"
""".encode()
        )
        for size in (1, 255, 256, 257, 300):
            claimed = SimpleNamespace(
                claimed_checkpoint=_checkpoint.Checkpoint(SIGNER.name, size, b"\0" * 32)
            )
            from_bucket = _Judge(policy, SIGNER.name, shared.tree_hash)._own_tree(claimed, 300)  # type: ignore[arg-type]
            from_tiles = _Judge(policy, SIGNER.name, directory.root)._own_tree(claimed, 300)  # type: ignore[arg-type]
            assert from_bucket is not None and from_bucket == from_tiles, size
    app = create_app(shared, policy=policy)  # type: ignore[arg-type]
    with running(app) as base:
        r = httpx.post(base + "/verify", content=b'{"mediaType": 1}', timeout=30)
    assert r.status_code == 400 and r.json()["decision"]["decision"] == "malformed", r.text
