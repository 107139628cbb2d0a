"""The consistency-proof JSON (attest.tlog.consistency): what ``attest log consistency
--json`` writes, byte for byte, and what ``attest verify --consistency`` reads, strictly."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from attest.errors import LimitExceededError, MalformedError
from attest.store.log import Log
from attest.tlog import merkle
from attest.tlog.consistency import ConsistencyProof
from attest_cli.main import cli

from . import vectors

ENV = {"ATTEST_PASSPHRASE": "correct horse"}
ORIGIN = "example.com/evals"
H = [bytes([i]) * 32 for i in range(4)]
GOOD: dict[str, Any] = {
    "origin": ORIGIN,
    "old_size": 3,
    "old_root": base64.b64encode(H[0]).decode(),
    "new_size": 10,
    "new_root": base64.b64encode(H[1]).decode(),
    "proof": [base64.b64encode(h).decode() for h in H[2:]],
}


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def with_field(name: str, value: Any) -> bytes:
    return encode({**GOOD, name: value})


def test_round_trip() -> None:
    p = ConsistencyProof.from_json(encode(GOOD))
    assert p == ConsistencyProof(ORIGIN, 3, H[0], 10, H[1], (H[2], H[3]))
    assert ConsistencyProof.from_json(p.to_json()) == p
    assert json.loads(p.to_json()) == GOOD


def test_the_empty_old_tree_is_written_null_and_read_as_the_empty_root() -> None:
    p = ConsistencyProof(ORIGIN, 0, merkle.EMPTY_ROOT, 5, H[1], ())
    assert json.loads(p.to_json())["old_root"] is None
    assert ConsistencyProof.from_json(p.to_json()) == p


@pytest.mark.parametrize("path", vectors.json_files("verify/consistency"), ids=lambda p: p.name)
def test_the_vectors_are_written_byte_for_byte(path: Path) -> None:
    data = path.read_bytes()
    assert ConsistencyProof.from_json(data).to_json() + b"\n" == data


def _old_cli_json(lg: Log, old_size: int, new_size: int) -> str:
    """What ``attest log consistency --json`` printed before it used the codec."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    data = {
        "origin": lg.origin,
        "old_size": old_size,
        "old_root": b64(lg.tree_hash(old_size)) if old_size else None,
        "new_size": new_size,
        "new_root": b64(lg.tree_hash(new_size)),
        "proof": [b64(h) for h in lg.consistency_proof(old_size, new_size)],
    }
    return json.dumps(data, indent=2) + "\n"


def test_the_cli_writes_the_codec_s_json_as_it_always_did(tmp_path: Path) -> None:
    runner = CliRunner(env=ENV)
    key = tmp_path / "log.key"
    r = runner.invoke(
        cli, ["key", "generate", "example.com/k", "-o", str(key), "--kdf", "interactive"]
    )
    assert r.exit_code == 0, r.output
    d = tmp_path / "evlog"
    r = runner.invoke(cli, ["log", "init", str(d), "--origin", ORIGIN, "--key", str(key)])
    assert r.exit_code == 0, r.output
    files = []
    for i in range(5):
        f = tmp_path / f"run{i}.json"
        f.write_text(json.dumps({"run": i}))
        files.append(str(f))
    r = runner.invoke(cli, ["log", "append", str(d), *files])
    assert r.exit_code == 0, r.output
    with Log.open(d, write=False) as lg:
        for old, new in [(1, 5), (3, 5), (2, 4), (5, 5)]:
            r = runner.invoke(
                cli, ["log", "consistency", str(d), "--old", str(old), "--new", str(new), "--json"]
            )
            assert r.exit_code == 0, r.output
            assert r.output == _old_cli_json(lg, old, new)
            p = ConsistencyProof.from_json(r.output.encode())
            assert p.to_json().decode() + "\n" == r.output
            merkle.verify_consistency(old, new, p.old_root, p.new_root, p.proof)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"[]", "consistency.malformed"),
        (b'"proof"', "consistency.malformed"),
        (encode({k: v for k, v in GOOD.items() if k != "proof"}), "consistency.malformed"),
        (encode({k: v for k, v in GOOD.items() if k != "origin"}), "consistency.malformed"),
        (encode({**GOOD, "extra": 1}), "consistency.malformed"),
        (with_field("proof", "AAAA"), "consistency.malformed"),
        (with_field("proof", {}), "consistency.malformed"),
        (with_field("origin", 1), "consistency.bad_origin"),
        (with_field("origin", ""), "consistency.bad_origin"),
        (with_field("origin", "a\nb"), "consistency.bad_origin"),
        (with_field("origin", "x" * 1025), "consistency.bad_origin"),
        (with_field("old_size", "3"), "consistency.bad_size"),
        (with_field("old_size", -1), "consistency.bad_size"),
        (with_field("old_size", 3.0), "consistency.bad_size"),
        (with_field("old_size", True), "consistency.bad_size"),
        (with_field("old_size", None), "consistency.bad_size"),
        (with_field("new_size", "10"), "consistency.bad_size"),
        (with_field("new_size", -10), "consistency.bad_size"),
        (with_field("new_size", 2), "consistency.bad_size"),  # below old_size
        (with_field("old_root", None), "consistency.bad_hash"),  # old_size is 3
        (with_field("old_root", 7), "consistency.bad_hash"),
        (with_field("old_root", "not base64!"), "consistency.bad_hash"),
        (with_field("old_root", base64.b64encode(b"x" * 31).decode()), "consistency.bad_hash"),
        (with_field("old_root", base64.b64encode(b"x" * 33).decode()), "consistency.bad_hash"),
        (with_field("new_root", None), "consistency.bad_hash"),
        (with_field("new_root", base64.b64encode(b"").decode()), "consistency.bad_hash"),
        (
            with_field("new_root", base64.urlsafe_b64encode(b"\xff" * 32).decode()),
            "consistency.bad_hash",
        ),
        (with_field("proof", [1]), "consistency.bad_hash"),
        (with_field("proof", ["AAAA"]), "consistency.bad_hash"),
        (encode({**GOOD, "old_size": 0}), "consistency.bad_hash"),  # the empty tree's root is null
        (b'{"origin": 1, "origin": 2}', "json.duplicate_key"),
        (b"{", "json.syntax"),
        (b"\xff", "json.bad_encoding"),
        (b'{"old_size": NaN}', "json.non_finite"),
    ],
)
def test_every_malformed_field_is_refused_with_its_code(data: bytes, code: str) -> None:
    with pytest.raises(MalformedError) as exc:
        ConsistencyProof.from_json(data)
    assert exc.value.code == code


def test_a_non_canonical_base64_hash_is_refused() -> None:
    canonical = base64.b64encode(H[0]).decode()
    other = canonical[:-2] + chr(ord(canonical[-2]) + 1) + "="  # same bytes, other pad bits
    assert base64.b64decode(other) == H[0]
    with pytest.raises(MalformedError) as exc:
        ConsistencyProof.from_json(with_field("old_root", other))
    assert exc.value.code == "consistency.bad_hash"


def test_a_proof_of_more_than_63_hashes_is_refused() -> None:
    hashes = [base64.b64encode(H[2]).decode()] * merkle.MAX_PROOF_HASHES
    assert len(ConsistencyProof.from_json(with_field("proof", hashes)).proof) == 63
    with pytest.raises(LimitExceededError) as exc:
        ConsistencyProof.from_json(with_field("proof", [*hashes, hashes[0]]))
    assert exc.value.code == "consistency.too_long"


def test_a_huge_proof_file_is_refused_by_its_size() -> None:
    with pytest.raises(LimitExceededError) as exc:
        ConsistencyProof.from_json(with_field("origin", "x" * (1 << 20)))
    assert exc.value.code == "json.too_large"
