"""``attest verify`` and ``attest policy`` through click's CliRunner, on the verifier world
of tests/helpers/verify_world.py written to files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.files import load_policy, load_state, save_state
from attest.tlog.note import Ed25519Signer
from attest.verifier.policy import TEMPLATE
from attest.verifier.state import Remembered, VerifierState
from attest_cli.main import cli

from .helpers.verify_world import (
    EVIDENCE,
    ISSUED,
    ISSUER,
    LOG_KEY,
    NOW,
    ORIGIN,
    STATUS_INDEX,
    World,
    build_world,
    did,
    policy_doc,
    status_lists,
    to_toml,
)

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "specs" / "decision.schema.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("cli-verify") / "world")


@dataclass
class Files:
    dir: Path
    json: Path
    cbor: Path
    policy: Path
    status: list[Path]
    state: Path

    def run(self, *args: str | Path, now: datetime | None = NOW) -> Result:
        argv = ["verify", *map(str, args)]
        if now is not None:
            argv += ["--now", format_datetime_stamp(now)]
        return CliRunner().invoke(cli, argv, env={"XDG_STATE_HOME": str(self.dir / "xdg")})

    def verify(self, *args: str | Path, now: datetime | None = NOW) -> Result:
        """The base bundle with the base policy, fresh status lists and a state file."""
        status = [a for p in self.status for a in ("--status", str(p))]
        return self.run(
            self.json, "--policy", self.policy, *status, "--state", self.state, *args, now=now
        )


def write(path: Path, data: bytes | str | Any) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    elif isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def write_lists(directory: Path, lists: list[dict[str, Any]], prefix: str = "") -> list[Path]:
    return [write(directory / f"{prefix}{i}.status.json", sl) for i, sl in enumerate(lists)]


@pytest.fixture
def files(world: World, tmp_path: Path) -> Files:
    return Files(
        dir=tmp_path,
        json=write(tmp_path / "bundle.json", world.json.encode()),
        cbor=write(tmp_path / "bundle.cbor", world.cbor.encode()),
        policy=write(tmp_path / "policy.toml", to_toml(policy_doc())),
        status=write_lists(tmp_path, status_lists()),
        state=tmp_path / "state.json",
    )


def assert_exit(result: Result, code: int) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def assert_error(result: Result, code: str) -> None:
    """Exit 2, and the first line on standard error names the error code."""
    assert_exit(result, 2)
    assert result.stderr.startswith(f"error: {code}")
    first = result.stderr.splitlines()[0]
    assert first.count(": ") >= 2, first


# --- accept and reject ------------------------------------------------------------------------


def test_accept_exits_0(files: Files) -> None:
    for bundle in (files.json, files.cbor):
        r = files.run(
            bundle,
            "--policy",
            files.policy,
            "--status",
            files.status[0],
            "--status",
            files.status[1],
            "--no-state",
            "--verbose",
        )
        assert_exit(r, 0)
        assert r.stdout.startswith("ACCEPT")
        assert r.stderr == ""
        assert "credential.status" in r.stdout and "FAIL" not in r.stdout


def test_both_encodings_in_one_run(files: Files) -> None:
    r = files.verify(files.cbor, "--json")
    assert_exit(r, 0)
    out = json.loads(r.stdout)
    assert [b["bundle"] for b in out["bundles"]] == [str(files.json), str(files.cbor)]
    assert out["evaluators"] == {"counted": [did(ISSUER)], "required": 1}


def test_reject_exits_1(files: Files) -> None:
    revoked = write_lists(files.dir, status_lists(revoked=[STATUS_INDEX]), "revoked-")
    r = files.run(
        files.json,
        "--policy",
        files.policy,
        "--status",
        revoked[0],
        "--status",
        revoked[1],
        "--no-state",
    )
    assert_exit(r, 1)
    assert r.stdout.startswith("REJECT")
    assert "status.revoked" in r.stdout
    assert r.stderr == ""


def test_json_output_matches_the_schema(files: Files) -> None:
    r = files.verify("--json")
    assert_exit(r, 0)
    out = json.loads(r.stdout)
    jsonschema.validate(out, SCHEMA)
    assert out["decision"] == "accept" and out["verifiedAt"] == format_datetime_stamp(NOW)
    assert out["expires"] == format_datetime_stamp(NOW - timedelta(hours=1) + timedelta(days=1))

    r = files.run(files.json, "--policy", files.policy, "--no-state", "--json")  # no status
    assert_exit(r, 1)
    out = json.loads(r.stdout)
    jsonschema.validate(out, SCHEMA)
    assert out["decision"] == "reject" and out["expires"] is None
    failed = [c for c in out["bundles"][0]["checks"] if c["result"] == "fail"]
    assert [(c["step"], c["code"]) for c in failed] == [("credential.status", "status.unknown")]


def test_no_now_uses_the_clock(files: Files) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    r = files.verify("--json", now=None)
    after = datetime.now(UTC)
    verified_at = parse_datetime_stamp(json.loads(r.stdout)["verifiedAt"])
    assert before <= verified_at <= after


# --- malformed input: exit 2 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x00not a bundle", "cbor."),
        (b"{not json", "json."),
        (
            b'{"mediaType": "application/vnd.attest.bundle+json", "version": 7}',
            "bundle.unknown_version",
        ),
    ],
    ids=["not cbor", "not json", "unknown version"],
)
def test_malformed_bundle_exits_2(files: Files, data: bytes, code: str) -> None:
    bad = write(files.dir / "bad.bundle", data)
    r = files.run(bad, "--policy", files.policy, "--no-state", "--json")
    assert_error(r, code)
    assert str(bad) in r.stderr.splitlines()[0]
    out = json.loads(r.stdout)  # the decision is still printed, and still valid
    jsonschema.validate(out, SCHEMA)
    assert out["bundles"][0]["checks"][0]["malformed"] is True


def test_malformed_bundle_beside_a_good_one_still_exits_2(files: Files) -> None:
    bad = write(
        files.dir / "bad.json", {"mediaType": "application/vnd.attest.bundle+json", "version": 1}
    )
    r = files.verify(bad)
    assert_error(r, "bundle.missing_field")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("version = 1\n[decision\n", "policy.bad_toml"),
        ("version = 2\n", "policy.unknown_version"),
        (to_toml({**policy_doc(), "trust_everyone": True}), "policy.unknown_field"),
        (to_toml(policy_doc(issuer=[])), "policy.no_issuers"),
    ],
    ids=["bad toml", "unknown version", "unknown field", "no issuers"],
)
def test_malformed_policy_exits_2(files: Files, text: str, code: str) -> None:
    bad = write(files.dir / "bad.toml", text)
    r = files.run(files.json, "--policy", bad, "--no-state")
    assert_error(r, code)
    assert r.stdout == ""


def test_malformed_status_list_exits_2(files: Files) -> None:
    not_json = write(files.dir / "garbage.status.json", b"\x89PNG")
    r = files.run(files.json, "--policy", files.policy, "--status", not_json, "--no-state")
    assert_error(r, "json.")

    revocation, suspension = status_lists()
    unsigned = {k: v for k, v in revocation.items() if k != "proof"}
    paths = write_lists(files.dir, [unsigned, suspension], "unsigned-")
    r = files.run(
        files.json,
        "--policy",
        files.policy,
        "--status",
        paths[0],
        "--status",
        paths[1],
        "--no-state",
    )
    assert_error(r, "di.")


def test_malformed_consistency_proof_exits_2(files: Files) -> None:
    bad = write(files.dir / "proof.json", {"origin": ORIGIN, "old_size": "x"})
    r = files.verify("--consistency", bad)
    assert_error(r, "consistency.malformed")


def test_malformed_now_exits_2(files: Files) -> None:
    r = files.verify("--now", "yesterday", now=None)
    assert_error(r, "datetime.")


# --- options ----------------------------------------------------------------------------------


def test_now_decides_as_of_that_time(world: World, files: Files) -> None:
    later = ISSUED + timedelta(days=91)
    lists = write_lists(files.dir, status_lists(later - timedelta(hours=1)), "later-")
    args: list[str | Path] = ["--policy", files.policy, "--no-state"]
    r = files.run(
        files.json, *args, "--status", lists[0], "--status", lists[1], "--json", now=later
    )
    assert_exit(r, 1)
    out = json.loads(r.stdout)
    assert out["verifiedAt"] == format_datetime_stamp(later)
    failed = [(c["step"], c["code"]) for c in out["bundles"][0]["checks"] if c["result"] == "fail"]
    assert failed == [("credential.validity", "credential.expired")]
    # the same files a day earlier than expiry are fine
    lists = write_lists(files.dir, status_lists(later - timedelta(days=2)), "earlier-")
    at = later - timedelta(days=2) + timedelta(hours=1)
    r = files.run(files.json, *args, "--status", lists[0], "--status", lists[1], now=at)
    assert_exit(r, 0)


def test_evidence_dir(files: Files) -> None:
    good = files.dir / "evidence"
    good.mkdir()
    for name, data in EVIDENCE.items():
        write(good / name, data)
    r = files.verify("--evidence-dir", good, "--json")
    assert_exit(r, 0)
    checks = {c["step"]: c for c in json.loads(r.stdout)["bundles"][0]["checks"]}
    assert checks["evidence.bytes"]["result"] == "pass"

    write(good / "transcripts.jsonl", EVIDENCE["transcripts.jsonl"] + b"one more line\n")
    r = files.verify("--evidence-dir", good, "--json")
    assert_exit(r, 1)
    checks = {c["step"]: c for c in json.loads(r.stdout)["bundles"][0]["checks"]}
    assert checks["evidence.bytes"]["code"] == "evidence.altered"


def test_state_file_is_written_and_a_later_split_view_rejected(world: World, files: Files) -> None:
    other = write(files.dir / "other-history.json", world.b("split").encode())
    status = [a for p in files.status for a in ("--status", str(p))]
    r = files.run(other, "--policy", files.policy, *status, "--state", files.state)
    assert_exit(r, 0)
    remembered = load_state(files.state).get(ORIGIN)
    assert remembered is not None
    assert (remembered.size, remembered.root_hash) == (world.size, world.split_root)
    assert json.loads(files.state.read_text())["format"] == "attest-verifier-state/v2"

    r = files.verify("--json")  # the base bundle: same size, another root
    assert_exit(r, 1)
    out = json.loads(r.stdout)
    failed = [(c["step"], c["code"]) for c in out["bundles"][0]["checks"] if c["result"] == "fail"]
    assert failed == [("checkpoint.consistency", "consistency.split_view")]
    after = load_state(files.state).get(ORIGIN)
    assert after is not None and after.root_hash == world.split_root  # not overwritten


def test_default_state_file_under_xdg_state_home(files: Files) -> None:
    status = [a for p in files.status for a in ("--status", str(p))]
    r = files.run(files.json, "--policy", files.policy, *status)
    assert_exit(r, 0)
    path = files.dir / "xdg" / "attest" / "verifier-state.json"
    remembered = load_state(path).get(ORIGIN)
    assert remembered is not None and remembered.size > 0


def test_no_state_writes_nothing(files: Files) -> None:
    status = [a for p in files.status for a in ("--status", str(p))]
    assert_exit(files.run(files.json, "--policy", files.policy, *status, "--no-state"), 0)
    assert not (files.dir / "xdg").exists()


def test_consistency_proof_from_attest_log_consistency(world: World, files: Files) -> None:
    early = Remembered(world.early_size, world.early_root, world.early_note)
    save_state(files.state, VerifierState().with_checkpoint(ORIGIN, early))
    r = CliRunner().invoke(
        cli,
        [
            "log",
            "consistency",
            str(world.log_dir),
            "--old",
            str(world.early_size),
            "--new",
            str(world.size),
            "--json",
        ],
    )
    assert_exit(r, 0)
    proof = write(files.dir / "consistency.json", r.stdout)

    r = files.verify("--json")  # no proof: not compared, state kept
    assert_exit(r, 0)
    after = load_state(files.state).get(ORIGIN)
    assert after is not None and after.size == world.early_size

    r = files.verify("--consistency", proof, "--json")
    assert_exit(r, 0)
    checks = {c["step"]: c for c in json.loads(r.stdout)["bundles"][0]["checks"]}
    assert checks["checkpoint.consistency"]["result"] == "pass"
    after = load_state(files.state).get(ORIGIN)
    assert after is not None and (after.size, after.root_hash) == (world.size, world.root_hash)


# --- attest policy ----------------------------------------------------------------------------


def test_policy_init_template_parses_once_filled(world: World, tmp_path: Path) -> None:
    out = tmp_path / "policy.toml"
    r = CliRunner().invoke(cli, ["policy", "init", "-o", str(out)])
    assert_exit(r, 0)
    text = out.read_text("utf-8")
    assert text == TEMPLATE

    # unfilled, the placeholders do not parse: nothing is trusted by accident
    r = CliRunner().invoke(cli, ["policy", "check", str(out)])
    assert_exit(r, 2)
    assert r.stderr.startswith("error: ")

    vkey = Ed25519Signer(ORIGIN, LOG_KEY).verifier().vkey()
    filled = (
        text.replace("did:key:z6Mk...", did(ISSUER))
        .replace("example.com/evals+01234567+A...", vkey)
        .replace('origin = "example.com/evals"', f'origin = "{ORIGIN}"')
    )
    assert filled.count("...") == text.count("...") - 2
    out.write_text(filled, "utf-8")
    policy = load_policy(out)
    assert [i.did for i in policy.issuers] == [did(ISSUER)]
    assert [lg.origin for lg in policy.logs] == [ORIGIN]

    r = CliRunner().invoke(cli, ["policy", "check", str(out)])
    assert_exit(r, 0)
    assert f"issuer   Example evaluator: {did(ISSUER)}" in r.stdout
    assert f"log      {ORIGIN}" in r.stdout
    assert "require  [reliability] task_success_rate >= 0.9" in r.stdout

    # the filled template verifies the world's bundle (no witnesses required by it)
    lists = write_lists(tmp_path, status_lists())
    bundle = write(tmp_path / "b.json", world.json.encode())
    args = ["verify", str(bundle), "--policy", str(out), "--no-state"]
    args += [
        "--status",
        str(lists[0]),
        "--status",
        str(lists[1]),
        "--now",
        format_datetime_stamp(NOW),
    ]
    r = CliRunner().invoke(cli, args)
    assert_exit(r, 0)
    assert r.stdout.startswith("ACCEPT")


def test_policy_init_refuses_to_overwrite(tmp_path: Path) -> None:
    out = write(tmp_path / "policy.toml", "mine\n")
    r = CliRunner().invoke(cli, ["policy", "init", "-o", str(out)])
    assert_error(r, "cli.exists")
    assert out.read_text() == "mine\n"
    r = CliRunner().invoke(cli, ["policy", "init", "-o", str(out), "--force"])
    assert_exit(r, 0)
    assert out.read_text() == TEMPLATE


def test_policy_check_summarizes(files: Files) -> None:
    r = CliRunner().invoke(cli, ["policy", "check", str(files.policy)])
    assert_exit(r, 0)
    lines = r.stdout.splitlines()
    assert f"log      {ORIGIN}" in lines
    assert "witness  witness.example/w1" in lines and "witness  witness.example/w2" in lines
    assert "quorum   2 witness(es); 1 evaluator(s)" in lines
    assert "require  [safety] harmful_output_rate <= 0.001" in lines


def test_policy_check_warns_when_an_issuer_key_is_a_log_key(tmp_path: Path) -> None:
    doc = policy_doc()
    doc["log"].append(
        {
            "origin": "evaluator.example/log",
            "key": Ed25519Signer("x.example/l", ISSUER).verifier().vkey(),
        }
    )
    r = CliRunner().invoke(cli, ["policy", "check", str(write(tmp_path / "p.toml", to_toml(doc)))])
    assert_exit(r, 0)
    assert "is also the key of log evaluator.example/log" in r.stderr
    plain = CliRunner().invoke(
        cli, ["policy", "check", str(write(tmp_path / "q.toml", to_toml(policy_doc())))]
    )
    assert "warning" not in plain.stderr


def test_policy_check_malformed_exits_2(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "version = 1\n[[issuer]]\nname = 'x'\n")
    r = CliRunner().invoke(cli, ["policy", "check", str(bad)])
    assert_error(r, "policy.")
