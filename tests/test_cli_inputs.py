"""Every file a command reads is refused by its type and size before it is read.

A FIFO given where a file is expected would block a plain read forever, a device would
never end, and a sparse terabyte would exhaust memory: each command that reads a file reads
it through one bounded reader (cli/_input.py, attest/files.py), so each refuses them at
once with exit status 2 and one line, ``error: <what>.not_regular`` or ``<what>.too_large``.
Each test runs under an alarm, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from unittest import mock

import pytest

from attest.errors import LimitExceededError, MalformedError, UsageError
from attest.files import hash_file, load_policy, load_state, read_file, read_key_file
from attest_cli import _input
from attest_cli.main import main

from . import vectors

VERIFY = vectors.path("verify")


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("blocked reading a file")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "input.fifo"
    os.mkfifo(path)
    return path


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge"
    with open(path, "wb") as f:
        f.truncate(1 << 40)  # a sparse terabyte: reading it would never finish
    return path


def attest(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Run ``attest ARGS`` through the real entry point: (exit status, the one error line)."""
    with (
        mock.patch.object(sys, "argv", ["attest", *map(str, args)]),
        mock.patch.dict(os.environ, {"ATTEST_PASSPHRASE": "pw"}),
        pytest.raises(SystemExit) as exc,
    ):
        main()
    _, err = capsys.readouterr()
    assert "Traceback" not in err, err
    code = exc.value.code
    return (code if isinstance(code, int) else 0), err.splitlines()[0] if err else ""


def refused(capsys: pytest.CaptureFixture[str], code: str, *args: str | Path) -> None:
    status, line = attest(capsys, *args)
    assert status == 2, line
    assert line.startswith(f"error: {code}: "), line


def test_verify_server_refuses_a_fifo_before_any_request(
    capsys: pytest.CaptureFixture[str], fifo: Path, huge: Path
) -> None:
    with mock.patch("attest.client.ServiceClient.verify", side_effect=AssertionError("sent")):
        refused(capsys, "bundle.not_regular", "verify", "--server", "http://127.0.0.1:9", fifo)
        refused(capsys, "bundle.too_large", "verify", "--server", "http://127.0.0.1:9", huge)


def test_verify_side_files_refuse_fifos(capsys: pytest.CaptureFixture[str], fifo: Path) -> None:
    bundle = VERIFY / "bundles" / "base.json"
    policy = VERIFY / "policies" / "base.toml"
    base: list[str | Path] = ["verify", bundle, "--no-state", "--now", "2026-11-26T12:00:00Z"]
    refused(capsys, "policy.not_regular", *base, "--policy", fifo)
    refused(capsys, "status.not_regular", *base, "--policy", policy, "--status", fifo)
    refused(capsys, "consistency.not_regular", *base, "--policy", policy, "--consistency", fifo)
    refused(
        capsys,
        "state.not_regular",
        "verify",
        bundle,
        "--policy",
        policy,
        "--state",
        fifo,
    )
    refused(capsys, "credential.not_regular", "verify", "--credential", fifo)


def test_a_policy_key_file_that_is_a_fifo_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (VERIFY / "policies" / "base.toml").read_text()
    did = next(line for line in text.splitlines() if line.startswith("id = "))
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace(did, 'key_file = "evaluator.key"'))
    os.mkfifo(tmp_path / "evaluator.key")
    refused(capsys, "keyfile.not_regular", "policy", "check", policy)
    with pytest.raises(MalformedError) as exc:
        load_policy(policy)
    assert exc.value.code == "keyfile.not_regular"


def test_pact_show_refuses_fifos_and_huge_files(
    capsys: pytest.CaptureFixture[str], fifo: Path, huge: Path
) -> None:
    refused(capsys, "pact.not_regular", "pact", "show", fifo)
    refused(capsys, "pact.too_large", "pact", "show", huge)


def test_issue_refuses_a_fifo_pact_or_results(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fifo: Path
) -> None:
    pact = tmp_path / "pact.toml"
    assert attest(capsys, "pact", "init", "-o", pact)[0] == 0
    key = tmp_path / "any.key"
    key.write_bytes(b"never read")
    args: list[str | Path] = [
        "issue",
        "--key",
        key,
        "--log",
        tmp_path,
        "--subject",
        "did:web:a.example",
    ]
    args += ["-o", tmp_path / "out.json"]
    refused(capsys, "pact.not_regular", *args, "--pact", fifo, "--results", key)
    refused(capsys, "results.not_regular", *args, "--pact", pact, "--results", fifo)


def test_inspect_and_status_refuse_a_fifo_bundle(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fifo: Path
) -> None:
    refused(capsys, "bundle.not_regular", "inspect", fifo)
    store = tmp_path / "store"
    assert attest(capsys, "status", "init", store, "--url", "https://a.example/status")[0] == 0
    refused(capsys, "bundle.not_regular", "status", "revoke", store, "--bundle", fifo)


def test_log_append_refuses_a_fifo_instead_of_blocking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fifo: Path
) -> None:
    refused(capsys, "evidence.not_regular", "log", "append", tmp_path, fifo)


def test_key_show_refuses_a_fifo_and_a_huge_file(
    capsys: pytest.CaptureFixture[str], fifo: Path, huge: Path
) -> None:
    refused(capsys, "keyfile.not_regular", "key", "show", fifo)
    refused(capsys, "keyfile.too_large", "key", "show", huge)


def test_serve_refuses_a_fifo_token_or_submitters_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fifo: Path, huge: Path
) -> None:
    refused(capsys, "token.not_regular", "serve", "--vc-api", "--token-file", fifo)
    refused(capsys, "token.too_large", "serve", "--vc-api", "--token-file", huge)
    bad = tmp_path / "token"
    bad.write_bytes(b"\xff\xfe")
    refused(capsys, "token.bad_encoding", "serve", "--vc-api", "--token-file", bad)
    refused(capsys, "submitters.not_regular", "serve", "--log", tmp_path, "--submitters", fifo)


def test_the_readers_refuse_directories_and_name_missing_files(tmp_path: Path) -> None:
    with pytest.raises(MalformedError) as exc:
        _input.read_input(tmp_path, "bundle")
    assert exc.value.code == "bundle.not_regular"
    with pytest.raises(UsageError) as usage:
        _input.read_input(tmp_path / "missing", "bundle")
    assert usage.value.code == "bundle.unreadable"
    with pytest.raises(MalformedError) as exc:
        load_state(tmp_path)
    assert exc.value.code == "state.not_regular"
    with pytest.raises(MalformedError) as exc:
        hash_file(tmp_path)
    assert exc.value.code == "evidence.not_regular"
    with pytest.raises(MalformedError) as exc:
        read_key_file(tmp_path)
    assert exc.value.code == "keyfile.not_regular"


def test_a_file_that_grows_past_its_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    assert read_file(path, 11, what="f") == b"x" * 11
    with pytest.raises(LimitExceededError) as exc:
        read_file(path, 10, what="f")
    assert exc.value.code == "f.too_large"


def test_embedded_evidence_is_read_regular_and_bounded(tmp_path: Path) -> None:
    """attest issue --embed-evidence reads each file after hashing it: through the bounded
    reader, so a file swapped for a FIFO in between is refused, not read."""
    from attest.codec.digest import hash_bytes
    from attest.evaluation.credential import EvidenceRef
    from attest.issue import MAX_EMBEDDED, EvidenceFile, _embedded

    f = tmp_path / "e.txt"
    f.write_bytes(b"evidence")
    ref = EvidenceRef(hash_bytes(b"evidence"), 8, "text/plain", "a.example/log", 0, name="e.txt")
    assert _embedded([EvidenceFile(f)], [(ref, 0)]) == {str(ref.digest): b"evidence"}
    f.unlink()
    os.mkfifo(f)
    with pytest.raises(MalformedError) as exc:
        _embedded([EvidenceFile(f)], [(ref, 0)])
    assert exc.value.code == "evidence.not_regular"
    assert MAX_EMBEDDED < 1 << 40
