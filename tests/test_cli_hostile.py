"""``attest verify`` on hostile files: every malformed input exits 2 with one line,
``error: <code>: <message>``, naming what is wrong; no traceback is ever printed; a bug (an
exception that is not the library's) exits 3 with ``error: internal: …``; ``--debug`` adds
the traceback (specs/verification.md §5).

These run ``attest_cli.main.main`` in-process, the real entry point with its exception
handling, on the files of test_vectors/verify and test_vectors/bundle.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from attest_cli.main import main

from . import vectors
from .helpers.mutations import Model, load_seeds

VERIFY = vectors.path("verify")
INDEX = vectors.load_json("bundle/index.json")
PARSE_CASES = [c for c in INDEX["invalid"] if c["stage"] == "parse" and "file" in c]
WORLD = [
    "--policy",
    str(VERIFY / "policies" / "base.toml"),
    "--status",
    str(VERIFY / "status" / "fresh-revocation.json"),
    "--status",
    str(VERIFY / "status" / "fresh-suspension.json"),
    "--now",
    "2026-11-26T12:00:00Z",
    "--no-state",
]


def attest(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run ``attest ARGS`` through the real entry point: (exit status, stdout, stderr)."""
    with (
        mock.patch.object(sys, "argv", ["attest", *map(str, args)]),
        pytest.raises(SystemExit) as exc,
    ):
        main()
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    first = err.splitlines()[0]
    assert first.startswith("error: "), err
    return first


def test_a_valid_bundle_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = attest(capsys, "verify", VERIFY / "bundles" / "base.json", *WORLD)
    assert status == 0, err


@pytest.mark.parametrize("case", PARSE_CASES, ids=[c["id"] for c in PARSE_CASES])
def test_every_malformed_bundle_vector_exits_2_naming_its_code(
    capsys: pytest.CaptureFixture[str], case: dict[str, Any]
) -> None:
    path = vectors.path(f"bundle/{case['file']}")
    status, _, err = attest(capsys, "verify", path, *WORLD)
    assert status == 2
    assert one_error_line(err).startswith(f"error: {case['code']}: {path}: ")


def test_mutated_bundles_exit_1_or_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A deterministic sample of the mutation suite's bundles (tests/test_mutations.py)
    through the command line: rejected (1), or malformed (2) with one error line."""
    seed = next(s for s in load_seeds() if s.name == "verify/accept-embedded-json")
    sites = Model(seed).sites()
    rng = random.Random(7)
    path = tmp_path / "mutant.json"
    seen = set()
    for site in rng.sample(sites, 60):
        path.write_bytes(site.make().data)
        status, _, err = attest(capsys, "verify", path, *WORLD)
        assert status in (1, 2), (site.where, site.kind, status, err)
        assert "Traceback" not in err
        if status == 2:
            one_error_line(err)
        seen.add(status)
    assert seen == {1, 2}


@pytest.mark.parametrize(
    ("option", "content", "code"),
    [
        ("--policy", b"version = 2\n", "policy.unknown_version"),
        ("--policy", b"\xff\xfe", "policy.bad_toml"),
        ("--status", b"[1, 2]", "status.malformed"),
        ("--status", b'{"a": 1, "a": 2}', "json.duplicate_key"),
        ("--status", b"[" * 100 + b"]" * 100, "json.too_deep"),
        ("--consistency", b'{"origin": 1}', "consistency.malformed"),
        ("--consistency", b"[NaN]", "json.non_finite"),
    ],
)
def test_malformed_side_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str, content: bytes, code: str
) -> None:
    f = tmp_path / "file"
    f.write_bytes(content)
    args = [a for a in WORLD if a != "--no-state"]
    if option == "--policy":
        args[1] = str(f)
    else:
        args += [option, str(f)]
    status, _, err = attest(capsys, "verify", VERIFY / "bundles" / "base.json", *args, "--no-state")
    assert status == 2
    assert one_error_line(err).startswith(f"error: {code}: ")


def test_oversized_files_are_refused_from_their_size(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(1 << 40)  # a sparse terabyte: reading it would never finish
    status, _, err = attest(capsys, "verify", huge, *WORLD)
    assert status == 2
    assert one_error_line(err).startswith("error: bundle.too_large: ")
    status, _, err = attest(
        capsys, "verify", VERIFY / "bundles" / "base.json", *WORLD, "--status", huge
    )
    assert status == 2
    assert one_error_line(err).startswith("error: status.too_large: ")
    status, _, err = attest(capsys, "inspect", huge)
    assert status == 2
    assert one_error_line(err).startswith("error: bundle.too_large: ")


def test_a_fifo_given_as_a_bundle_does_not_block(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "bundle.json"
    os.mkfifo(fifo)
    status, _, err = attest(capsys, "verify", fifo, *WORLD)
    assert status == 2
    assert one_error_line(err).startswith("error: bundle.not_regular: ")


def test_evidence_dir_symlinks_are_not_followed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The cited transcript is a symlink to a file with other bytes: followed, it would fail
    ``evidence.bytes``; it is skipped instead, and the good file beside it is checked."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    good = VERIFY / "evidence" / "good"
    names = sorted(p.name for p in good.iterdir())
    (tmp_path / "elsewhere").write_bytes(b"not the evidence")
    (folder / names[0]).symlink_to(tmp_path / "elsewhere")
    (folder / names[1]).write_bytes((good / names[1]).read_bytes())
    os.mkfifo(folder / "a-fifo")  # skipped, never opened
    status, out, err = attest(
        capsys,
        "verify",
        VERIFY / "bundles" / "base.json",
        *WORLD,
        "--evidence-dir",
        folder,
        "--json",
    )
    assert status == 0, err
    checks = {c["step"]: c for c in json.loads(out)["bundles"][0]["checks"]}
    assert checks["evidence.bytes"]["result"] == "pass"
    assert checks["evidence.bytes"]["reason"].startswith("1 evidence file")


def test_terminal_escapes_in_a_strangers_bundle_never_reach_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A credential signed by an untrusted key still gets its steps run, and its subject,
    units and evidence index appear in reasons and in 'attest inspect': every control
    character is printed escaped, so no escape sequence can repaint the verdict."""
    from attest.keys import did_key
    from attest.keys.ed25519 import PrivateKey
    from attest.vc import data_integrity

    keys = vectors.load_json("verify/cases.json")["keys"]
    other = PrivateKey(bytes.fromhex(keys["other"]["seed_hex"]))
    doc = json.loads((VERIFY / "bundles" / "base.json").read_bytes())
    cred = {k: v for k, v in doc["credential"].items() if k != "proof"}
    cred["issuer"] = did_key.encode_did_key(other.public_key)
    cred["credentialSubject"]["id"] = "did:web:\x1b[2J\x1b[32mACCEPT\x1b[0m\u202e"
    evaluation = cred["credentialSubject"]["evaluation"]
    metric = evaluation["measurement"][0]["metric"]
    evaluation["measurement"][0]["unit"] = "\x1b]0;title\x07"
    for o in evaluation["obligationOutcome"]:  # kept consistent: the verifier recomputes them
        if o["metric"] == metric:
            o["unit"] = "\x1b]0;title\x07"
    options = data_integrity.ProofOptions(created="2026-11-25T12:00:00Z")
    doc["credential"] = data_integrity.add_proof(cred, other, options)
    path = tmp_path / "escape.json"
    path.write_text(json.dumps(doc))
    for args in (["verify", path, *WORLD], ["inspect", path]):
        status, out, err = attest(capsys, *args)
        assert status in (0, 1), err
        assert "\x1b" not in out + err and "\u202e" not in out + err
        assert "\\x1b[2J" in out, out


def test_a_bug_exits_3_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch(
        "attest.verifier.pipeline.verify", side_effect=RuntimeError("boom\nsecond line")
    ):
        status, _, err = attest(capsys, "verify", VERIFY / "bundles" / "base.json", *WORLD)
    assert status == 3
    assert err == "error: internal: RuntimeError: boom second line (run with --debug for details)\n"


def test_debug_prints_the_traceback_of_a_bug(capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch("attest.verifier.pipeline.verify", side_effect=RuntimeError("boom")):
        status, _, err = attest(
            capsys, "--debug", "verify", VERIFY / "bundles" / "base.json", *WORLD
        )
    assert status == 3
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: boom" in err
    assert err.splitlines()[-1].startswith("error: internal: RuntimeError: boom")


def test_debug_prints_the_traceback_of_a_library_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"version = 2\n")
    args = ["verify", VERIFY / "bundles" / "base.json", "--policy", policy, "--no-state"]
    status, _, err = attest(capsys, *args)
    assert status == 2
    assert err == one_error_line(err) + "\n"
    status, _, err = attest(capsys, "--debug", *args)
    assert status == 2
    assert err.startswith("Traceback (most recent call last):")
    assert "MalformedError" in err
    assert err.splitlines()[-1].startswith("error: policy.unknown_version: ")


def test_an_unreadable_file_is_an_input_error_not_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = OSError(5, "Input/output error", "bundle.json")
    with mock.patch("attest.verifier.pipeline.verify", side_effect=error):
        status, _, err = attest(capsys, "verify", VERIFY / "bundles" / "base.json", *WORLD)
    assert status == 2
    assert one_error_line(err) == "error: cli.io: Input/output error: bundle.json"
