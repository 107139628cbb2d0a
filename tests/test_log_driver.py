"""The storage driver interface: the directory log satisfies it as it is."""

from __future__ import annotations

from pathlib import Path

from attest.codec.digest import hash_bytes
from attest.keys.ed25519 import PrivateKey
from attest.store.driver import LogDriver
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer


def _driver(log: Log) -> LogDriver:
    return log  # mypy checks the structural match here


def test_directory_log_is_a_driver(tmp_path: Path) -> None:
    signer = Ed25519Signer("example.com/log", PrivateKey(bytes(range(32))))
    with Log.create(tmp_path / "log", signer) as log:
        driver = _driver(log)
        assert isinstance(driver, LogDriver)
        entry = LogEntry("evidence", hash_bytes(b"hi"), 2, "text/plain", 1_800_000_000)
        indices, note = driver.append_and_checkpoint([entry])
        assert indices == [0]
        assert driver.checkpoint_note == note
        assert driver.find(entry.digest) == [0]
        assert driver.entry(0) == entry.encode()
        assert driver.audit().size == 1
        assert driver.prove(0).index == 0


def test_a_plain_object_is_not_a_driver() -> None:
    assert not isinstance(object(), LogDriver)
