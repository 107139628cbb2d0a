"""The issuer's status store: allocation (random, never repeated, durable), revoke / suspend /
reinstate semantics, the writer's lock, and publication checked with check_status."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from attest.codec.canonical import parse_json
from attest.errors import AttestError, MalformedError, UsageError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.store import status as ss
from attest.vc import status_list as sl
from attest.vc.status_list import StatusEntry

BASE = "https://issuer.example/status"
KEY = PrivateKey(b"\x61" * 32)
OTHER = PrivateKey(b"\x62" * 32)
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _code(exc: pytest.ExceptionInfo[AttestError]) -> str:
    return exc.value.code


@pytest.fixture
def root(tmp_path: Path) -> Path:
    d = tmp_path / "status"
    ss.init(d, BASE).close()
    return d


def test_init_layout(tmp_path: Path) -> None:
    d = tmp_path / "s"
    with ss.init(d, BASE, sl.MIN_SIZE + 8) as store:
        assert store.size == sl.MIN_SIZE + 8
        assert store.list_url("revocation") == BASE + "/revocation"
        assert store.list_url("suspension") == BASE + "/suspension"
        assert store.issuer is None
    assert sorted(p.name for p in d.iterdir()) == [
        "allocated",
        "lock",
        "revocation",
        "status.json",
        "suspension",
    ]
    for name in ("allocated", "revocation", "suspension"):
        assert (d / name).read_bytes() == bytes(sl.MIN_SIZE // 8 + 1)
    config = json.loads((d / "status.json").read_text())
    assert config == {"format": "attest-status/v1", "urlBase": BASE, "size": sl.MIN_SIZE + 8}


@pytest.mark.parametrize(
    ("url", "size", "code"),
    [
        (BASE + "/", sl.DEFAULT_SIZE, "status_store.bad_url"),
        (BASE + "?x=1", sl.DEFAULT_SIZE, "status_store.bad_url"),
        (BASE + "#f", sl.DEFAULT_SIZE, "status_store.bad_url"),
        ("ftp://issuer.example/status", sl.DEFAULT_SIZE, "status_store.bad_url"),
        (BASE, 1024, "status.bad_size"),
        (BASE, sl.MIN_SIZE + 3, "status.bad_size"),
    ],
)
def test_init_refuses(tmp_path: Path, url: str, size: int, code: str) -> None:
    with pytest.raises(UsageError) as info:
        ss.init(tmp_path / "s", url, size)
    assert _code(info) == code
    assert not (tmp_path / "s").exists()


def test_init_refuses_a_used_directory(root: Path) -> None:
    with pytest.raises(UsageError) as info:
        ss.init(root, BASE)
    assert _code(info) == "status_store.exists"


def test_open_refuses_a_non_store(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        ss.open_store(tmp_path, write=False)
    assert _code(info) == "status_store.not_found"


def test_allocation_is_unique_and_persists_across_reopen(root: Path) -> None:
    seen: set[int] = set()
    with ss.open_store(root, write=True) as store:
        for _ in range(100):
            allocation = store.allocate()
            assert allocation.index not in seen
            seen.add(allocation.index)
            assert allocation.entries == (
                StatusEntry("revocation", allocation.index, BASE + "/revocation"),
                StatusEntry("suspension", allocation.index, BASE + "/suspension"),
            )
            assert allocation.credential_status() == [e.to_json() for e in allocation.entries]
    with ss.open_store(root, write=False) as reader:
        assert reader.summary().allocated == 100
        assert all(reader.is_allocated(i) for i in seen)
    with ss.open_store(root, write=True) as store:
        for _ in range(100):
            index = store.allocate().index
            assert index not in seen
            seen.add(index)
    # Random, not sequential: 200 draws from 131,072 are not a run from 0.
    assert seen != set(range(200))
    assert max(seen) > 1000


def test_allocation_fills_the_last_free_indices_then_refuses(root: Path) -> None:
    free = {5, 77_777, sl.MIN_SIZE - 1}
    full = bytearray(b"\xff" * (sl.MIN_SIZE // 8))
    for i in free:
        full[i >> 3] &= ~(0x80 >> (i & 7)) & 0xFF
    (root / "allocated").write_bytes(bytes(full))
    with ss.open_store(root, write=True) as store:
        got = {store.allocate().index for _ in range(3)}
        assert got == free
        with pytest.raises(UsageError) as info:
            store.allocate()
        assert _code(info) == "status_store.full"
    with ss.open_store(root, write=False) as reader:
        assert reader.summary().allocated == sl.MIN_SIZE


def test_revoke_suspend_reinstate(root: Path) -> None:
    with ss.open_store(root, write=True) as store:
        a, b = store.allocate().index, store.allocate().index
        store.suspend(a)
        assert store.get(a, "suspension")
        assert not store.get(a, "revocation")
        store.reinstate(a)
        assert not store.get(a, "suspension")
        store.suspend(a)
        store.revoke(a)
        store.revoke(a)  # idempotent
        with pytest.raises(UsageError) as info:
            store.reinstate(a)
        assert _code(info) == "status_store.revoked"
        assert store.get(a, "revocation")
        assert store.get(a, "suspension")  # untouched by the refused reinstatement
        with pytest.raises(UsageError) as info:
            store.set(a, "revocation", False)
        assert _code(info) == "status_store.revocation_permanent"
        store.revoke(b)
        assert not store.get(b, "suspension")
    with ss.open_store(root, write=False) as reader:  # durable
        assert reader.get(a, "revocation")
        assert reader.get(a, "suspension")
        assert reader.get(b, "revocation")
        summary = reader.summary()
        assert (summary.allocated, summary.revoked, summary.suspended) == (2, 2, 1)


def test_changes_need_an_allocated_index_in_range(root: Path) -> None:
    with ss.open_store(root, write=True) as store:
        index = store.allocate().index
        unused = next(i for i in range(10) if not store.is_allocated(i))
        cases = [
            (lambda: store.revoke(unused), "status_store.not_allocated"),
            (lambda: store.suspend(-1), "status_store.bad_index"),
            (lambda: store.revoke(sl.MIN_SIZE), "status_store.bad_index"),
            (lambda: store.set(index, "refresh", True), "status.unsupported_purpose"),
        ]
        for action, code in cases:
            with pytest.raises(UsageError) as info:
                action()
            assert _code(info) == code


def test_read_only_store_refuses_changes(root: Path) -> None:
    with ss.open_store(root, write=False) as reader:
        for action in (reader.allocate, lambda: reader.revoke(0)):
            with pytest.raises(UsageError) as info:
                action()
            assert _code(info) == "status_store.read_only"


def test_second_writer_is_refused(root: Path) -> None:
    with ss.open_store(root, write=True):
        with pytest.raises(UsageError) as info:
            ss.open_store(root, write=True)
        assert _code(info) == "status_store.locked"
        with ss.open_store(root, write=False) as reader:  # readers take no lock
            assert reader.size == sl.DEFAULT_SIZE
    with ss.open_store(root, write=True):
        pass  # the lock left with the first writer


def _try_open(path: str, queue: multiprocessing.Queue[str]) -> None:
    try:
        ss.open_store(path, write=True).close()
        queue.put("opened")
    except AttestError as exc:
        queue.put(exc.code)


def test_writer_in_another_process_is_refused(root: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = ctx.Queue()
    with ss.open_store(root, write=True):
        proc = ctx.Process(target=_try_open, args=(str(root), queue))
        proc.start()
        proc.join(30)
    assert queue.get(timeout=5) == "status_store.locked"


def test_publish_writes_lists_that_check_status_reads(root: Path, tmp_path: Path) -> None:
    issuer = did_key.encode_did_key(KEY.public_key)
    with ss.open_store(root, write=True) as store:
        revoked, suspended, active = (store.allocate() for _ in range(3))
        store.revoke(revoked.index)
        store.suspend(suspended.index)
        out = tmp_path / "site"
        credentials = store.publish(KEY, NOW, DAY, out)
        assert store.issuer == issuer
    assert [c["id"] for c in credentials] == [BASE + "/revocation", BASE + "/suspension"]
    for purpose, credential in zip(sl.PURPOSES, credentials, strict=True):
        written = parse_json((out / purpose).read_bytes())
        assert written == credential
        assert credential["validFrom"] == "2026-11-26T12:00:00Z"
        assert credential["validUntil"] == "2026-11-27T12:00:00Z"
    lists = dict(zip(sl.PURPOSES, credentials, strict=True))

    def status(allocation: ss.Allocation) -> list[bool]:
        return [
            sl.check_status(e, lists[e.purpose], issuer=issuer, now=NOW, max_age=DAY).set
            for e in allocation.entries
        ]

    assert status(revoked) == [True, False]
    assert status(suspended) == [False, True]
    assert status(active) == [False, False]
    config = json.loads((root / "status.json").read_text())
    assert config["issuer"] == issuer


def test_publish_defaults_to_the_published_folder(root: Path) -> None:
    with ss.open_store(root, write=True) as store:
        store.publish(KEY, NOW, DAY)
    assert sorted(p.name for p in (root / "published").iterdir()) == ["revocation", "suspension"]


def test_publish_refuses_another_key_once_pinned(root: Path) -> None:
    with ss.open_store(root, write=True) as store:
        store.publish(KEY, NOW, DAY)
    with ss.open_store(root, write=True) as store:
        with pytest.raises(UsageError) as info:
            store.publish(OTHER, NOW, DAY)
        assert _code(info) == "status_store.wrong_key"
        with pytest.raises(UsageError) as info:
            store.publish(KEY, NOW, timedelta(0))
        assert _code(info) == "status_store.bad_validity"


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (lambda d: (d / "revocation").write_bytes(b"\x00" * 10), "status_store.corrupt"),
        (lambda d: (d / "allocated").unlink(), "status_store.corrupt"),
        (lambda d: (d / "status.json").write_text("{"), "status_store.corrupt"),
        (lambda d: (d / "status.json").write_text('{"format": "x"}'), "status_store.corrupt"),
        (
            lambda d: (d / "status.json").write_text(
                json.dumps({"format": "attest-status/v1", "urlBase": BASE, "size": 8})
            ),
            "status_store.corrupt",
        ),
        (
            lambda d: (d / "status.json").write_text(
                json.dumps({"format": "attest-status/v1", "urlBase": BASE, "size": 131072, "x": 1})
            ),
            "status_store.corrupt",
        ),
        (
            lambda d: (d / "status.json").write_text(
                json.dumps(
                    {
                        "format": "attest-status/v1",
                        "urlBase": BASE,
                        "size": 131072,
                        "issuer": "did:web:x",
                    }
                )
            ),
            "status_store.corrupt",
        ),
    ],
)
def test_damaged_store_is_refused(root: Path, damage: object, code: str) -> None:
    assert callable(damage)
    damage(root)
    with pytest.raises(MalformedError) as info:
        ss.open_store(root, write=False)
    assert info.value.code == code


def test_stale_temporary_files_are_removed_by_a_writer(root: Path) -> None:
    (root / "allocated.tmp").write_bytes(b"partial")
    with ss.open_store(root, write=True):
        pass
    assert not (root / "allocated.tmp").exists()
