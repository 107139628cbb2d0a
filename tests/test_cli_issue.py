"""`attest pact`, `attest issue`, `attest inspect` and `attest demo` through click, as a user
runs them: outputs checked against the files and the log, errors as one line with a code."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attest.errors import AttestError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.evaluation.inspection import describe
from attest.evaluation.pact import TEMPLATE
from attest.files import read_key_file
from attest.store.log import Log
from attest.tlog import merkle
from attest.tlog import proof as tlog_proof
from attest.tlog.checkpoint import parse_verifier_key
from attest.tlog.note import Ed25519Signer
from attest_cli.issue import _render
from attest_cli.main import cli
from tests.helpers.issuing import (
    EVIDENCE,
    LOG_KEY,
    PACT_TOML,
    RESULTS_TOML,
    SUBJECT,
    pact_digest,
    write_evidence,
)

PASS = "issue test passphrase"
ENV = {"ATTEST_PASSPHRASE": PASS}
NOW = "2026-11-26T12:00:00Z"


def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=ENV if env is None else env)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def assert_error(result: Result, code: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {code}: "), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An evaluator key and a log key, made once (Argon2id 'interactive' keeps it quick)."""
    d = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("evaluator", "log"):
        out[name] = d / f"{name}.key"
        ok(run("key", "generate", f"example.com/{name}", "-o", out[name], "--kdf", "interactive"))
    return out


@pytest.fixture
def world(tmp_path: Path, keys: dict[str, Path]) -> dict[str, Any]:
    """A log made with `attest log init`, a pact, results and evidence files."""
    log_dir = tmp_path / "log"
    ok(run("log", "init", log_dir, "--origin", "example.com/log", "--key", keys["log"]))
    pact = tmp_path / "pact.toml"
    pact.write_text(PACT_TOML, encoding="utf-8")
    results = tmp_path / "results.toml"
    results.write_text(RESULTS_TOML, encoding="utf-8")
    files = [f.path for f in write_evidence(tmp_path / "evidence")]
    return {"dir": tmp_path, "log": log_dir, "pact": pact, "results": results, "files": files}


def issue_args(world: dict[str, Any], keys: dict[str, Path], out: Path, *extra: str) -> list[Any]:
    args: list[Any] = ["issue", "--key", keys["evaluator"], "--log", world["log"]]
    args += ["--subject", SUBJECT, "--pact", world["pact"], "--results", world["results"]]
    for f in world["files"]:
        args += ["--evidence", f]
    if "--status" not in extra:
        extra = ("--no-status", *extra)
    return [*args, "--now", NOW, "-o", out, *extra]


def _vkey(log_dir: Path) -> str:
    with Log.open(log_dir, write=False) as log:
        return log.config.vkey


def _check_bundle(bundle: Bundle, log_dir: Path) -> None:
    verifier = parse_verifier_key(_vkey(log_dir))
    with Log.open(log_dir, write=False) as log:
        current = log.checkpoint_note
        for e in bundle.entries:
            assert e.entry == log.entry(e.index)
            tlog_proof.verify_tlog_proof(e.proof, merkle.leaf_hash(e.entry), verifier)
            assert e.proof.checkpoint == current


# --- attest pact ---------------------------------------------------------------------------


def test_pact_init_then_show(tmp_path: Path) -> None:
    out = tmp_path / "pact.toml"
    r = ok(run("pact", "init", "-o", out))
    assert out.read_text(encoding="utf-8") == TEMPLATE
    assert str(out) in r.output
    digest = pact_digest(tomllib.loads(TEMPLATE))
    r = ok(run("pact", "show", out))
    assert f"digest: {digest}" in r.output
    assert "[reliability] task_success_rate >= 0.9 ratio" in r.output
    r = ok(run("pact", "show", out, "--json"))
    shown = json.loads(r.output)
    assert shown["digest"] == digest
    assert shown["pact"]["obligations"][2]["threshold"] == 8.0


def test_pact_init_does_not_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "pact.toml"
    out.write_text("mine", encoding="utf-8")
    assert_error(run("pact", "init", "-o", out), "cli.exists")
    assert out.read_text(encoding="utf-8") == "mine"
    ok(run("pact", "init", "-o", out, "--force"))
    assert out.read_text(encoding="utf-8") == TEMPLATE


def test_pact_show_refuses_a_bad_pact(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TEMPLATE.replace('comparator = "<="', 'comparator = "=<"'), encoding="utf-8")
    assert_error(run("pact", "show", bad), "pact.bad_comparator")


# --- attest issue --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_issue_and_inspect(world: dict[str, Any], keys: dict[str, Path], encoding: str) -> None:
    out = world["dir"] / f"bundle.{encoding}"
    r = ok(run(*issue_args(world, keys, out, "--format", encoding)))
    assert f"wrote {out} ({encoding}" in r.output
    assert "logged at index 2 in example.com/log" in r.output
    bundle = parse_bundle(out.read_bytes())
    assert bundle.is_cbor == (encoding == "cbor")
    _check_bundle(bundle, world["log"])
    digests = [str(e.decoded.digest) for e in bundle.evidence_entries]
    assert digests == [
        "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest() for f in world["files"]
    ]
    assert bundle.evidence_data == {}

    view = json.loads(ok(run("inspect", out, "--json")).output)
    assert view["verified"] is False
    assert view["encoding"] == encoding
    cred = view["credential"]
    assert cred["subject"] == SUBJECT
    assert cred["validFrom"] == NOW
    assert cred["verdict"] == "pass"
    assert [o["outcome"] for o in cred["outcomes"]] == ["pass", "pass", "pass"]
    assert cred["id"] == bundle.credential_entry.decoded.name
    assert view["log"]["checkpoint"]["size"] == 3
    assert [e["index"] for e in view["entries"]] == [2, 0, 1]

    text = ok(run("inspect", out)).output
    assert text.startswith(f"UNVERIFIED view of a {encoding.upper()} bundle")
    assert f"subject      {SUBJECT}" in text
    assert "verdict      pass" in text
    assert "  pass     [safety] harmful_output_rate <= 0.001 ratio" in text
    assert "  tokens_per_task = 812 tokens" in text


def test_issue_cites_evidence_already_logged(world: dict[str, Any], keys: dict[str, Path]) -> None:
    ok(run("log", "append", world["log"], world["files"][1]))
    out = world["dir"] / "b.json"
    ok(run(*issue_args(world, keys, out)))
    bundle = parse_bundle(out.read_bytes())
    _check_bundle(bundle, world["log"])
    # entry 0 is the earlier append; transcripts are new at 1; the credential at 2
    assert [e.index for e in bundle.entries] == [2, 1, 0]
    assert isinstance(bundle.credential, dict)
    assert [i["logIndex"] for i in bundle.credential["evidence"]] == [1, 0]
    with Log.open(world["log"], write=False) as log:
        assert log.checkpoint_size == 3


def test_issue_embeds_evidence(world: dict[str, Any], keys: dict[str, Path]) -> None:
    out = world["dir"] / "b.cbor"
    ok(run(*issue_args(world, keys, out, "--format", "cbor", "--embed-evidence")))
    bundle = parse_bundle(out.read_bytes())
    assert set(bundle.evidence_data.values()) == set(EVIDENCE.values())
    for digest, data in bundle.evidence_data.items():
        assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert "embedded     2 evidence file(s)" in ok(run("inspect", out)).output


def test_issue_is_reproducible_with_a_fixed_clock(tmp_path: Path, keys: dict[str, Path]) -> None:
    outputs = []
    for name in ("a", "b"):
        log_dir = tmp_path / name / "log"
        ok(run("log", "init", log_dir, "--origin", "example.com/log", "--key", keys["log"]))
        (tmp_path / name / "pact.toml").write_text(PACT_TOML, encoding="utf-8")
        (tmp_path / name / "results.toml").write_text(RESULTS_TOML, encoding="utf-8")
        files = [f.path for f in write_evidence(tmp_path / "evidence")]
        world = {"log": log_dir, "pact": tmp_path / name / "pact.toml", "files": files}
        world["results"] = tmp_path / name / "results.toml"
        out = tmp_path / name / "bundle.json"
        ok(run(*issue_args(world, keys, out)))
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# --- errors: one line, a code, exit 2, and nothing logged ----------------------------------


def _log_size(log_dir: Path) -> int:
    with Log.open(log_dir, write=False) as log:
        return log.checkpoint_size


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        ("pact", "pact.bad_comparator"),
        ("results", "results.bad_time"),
        ("subject", "evaluation.bad_subject"),
        ("unit", "evaluation.unit_mismatch"),
        ("passphrase", "keyfile.bad_passphrase"),
        ("valid-for", "duration.malformed"),
    ],
)
def test_issue_errors(
    world: dict[str, Any], keys: dict[str, Path], breakage: str, code: str
) -> None:
    out = world["dir"] / "b.json"
    args = issue_args(world, keys, out)
    env: dict[str, str | None] = dict(ENV)
    if breakage == "pact":
        world["pact"].write_text(PACT_TOML.replace('">="', '"=>"'), encoding="utf-8")
    elif breakage == "results":
        text = RESULTS_TOML.replace("2026-11-01T00:00:00Z", "2026-11-01T00:00:00")
        world["results"].write_text(text, encoding="utf-8")
    elif breakage == "subject":
        args[args.index(SUBJECT)] = "support-bot"
    elif breakage == "unit":
        world["results"].write_text(RESULTS_TOML.replace('"s"', '"ms"'), encoding="utf-8")
    elif breakage == "passphrase":
        env["ATTEST_PASSPHRASE"] = PASS + "!"
    elif breakage == "valid-for":
        args += ["--valid-for", "ninety days"]
    before = _log_size(world["log"])
    assert_error(run(*args, env=env), code)
    assert not out.exists()
    assert _log_size(world["log"]) == before
    # nothing was journaled for a later checkpoint to pick up
    log_key = read_key_file(keys["log"]).unlock(PASS).private_key
    with Log.open(world["log"], Ed25519Signer("example.com/log", log_key), write=True) as log:
        assert log.size == before


def test_issue_without_a_log_key(
    tmp_path: Path, world: dict[str, Any], keys: dict[str, Path]
) -> None:
    bare = tmp_path / "bare-log"
    Log.create(bare, Ed25519Signer("example.com/bare", LOG_KEY)).close()  # log.json names no key
    world = {**world, "log": bare}
    assert_error(run(*issue_args(world, keys, tmp_path / "b.json")), "log.no_key")


def test_issue_refuses_the_log_key_as_issuing_key(
    tmp_path: Path, world: dict[str, Any], keys: dict[str, Path]
) -> None:
    """One key for credentials and checkpoints lets its thief back-date forgeries by rewriting
    the log (tests/test_attacks_time.py); issuing so takes --same-key."""
    same = tmp_path / "same-log"
    ok(run("log", "init", same, "--origin", "example.com/evaluator", "--key", keys["evaluator"]))
    world = {**world, "log": same}
    before = _log_size(same)
    assert_error(run(*issue_args(world, keys, tmp_path / "b.json")), "issue.same_key")
    assert _log_size(same) == before
    ok(run(*issue_args(world, keys, tmp_path / "b.json", "--same-key")))


def test_recertification_supersedes_and_revokes_the_old_credential(
    tmp_path: Path, world: dict[str, Any], keys: dict[str, Path]
) -> None:
    store = tmp_path / "status"
    ok(run("status", "init", store, "--url", "https://example.com/status"))
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    ok(run(*issue_args(world, keys, old, "--status", str(store))))
    out = ok(
        run(*issue_args(world, keys, new, "--status", str(store), "--supersedes", str(old)))
    ).output
    assert "reason superseded" in out
    old_view = json.loads(ok(run("inspect", old, "--json")).output)["credential"]
    new_view = json.loads(ok(run("inspect", new, "--json")).output)["credential"]
    old_bundle = parse_bundle(old.read_bytes())
    assert new_view["supersedes"] == {
        "id": old_view["id"],
        "digest": str(old_bundle.credential_entry.decoded.digest),
    }
    index = next(
        e["statusListIndex"] for e in old_view["status"] if e["statusPurpose"] == "revocation"
    )
    shown = json.loads(ok(run("status", "show", store, "--index", index, "--json")).output)
    assert shown["index"]["revoked"] and shown["index"]["revocationReason"] == "superseded"


def test_recertification_keeps_issuer_subject_and_pact(
    tmp_path: Path, world: dict[str, Any], keys: dict[str, Path]
) -> None:
    old = tmp_path / "old.json"
    ok(run(*issue_args(world, keys, old)))
    args = issue_args(world, keys, tmp_path / "other.json", "--supersedes", str(old))
    args[args.index(SUBJECT)] = "did:web:agents.example:another-bot"
    assert_error(run(*args), "issue.supersedes_other_evaluation")
    assert not (tmp_path / "other.json").exists()


def test_issue_without_status_needs_no_status(
    tmp_path: Path, world: dict[str, Any], keys: dict[str, Path]
) -> None:
    args = issue_args(world, keys, tmp_path / "b.json")
    args.remove("--no-status")
    assert_error(run(*args), "issue.no_status")
    assert not (tmp_path / "b.json").exists()


# --- attest inspect on what parses but says odd things ---------------------------------------


def test_inspect_refuses_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_bytes(b'{"mediaType": "application/vnd.attest.bundle+json", "version": 2}')
    assert_error(run("inspect", bad), "bundle.unknown_version")


@pytest.fixture(scope="module")
def issued_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.helpers.issuing import issue_fixed

    bundle = issue_fixed(tmp_path_factory.mktemp("odd") / "b")
    return json.loads(bundle.encode())


odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
CLAIM_PATHS = [
    ("credentialSubject",),
    ("credentialSubject", "evaluation"),
    ("credentialSubject", "evaluation", "pact"),
    ("credentialSubject", "evaluation", "evaluationPeriod"),
    ("credentialSubject", "evaluation", "measurement"),
    ("credentialSubject", "evaluation", "measurement", 0),
    ("credentialSubject", "evaluation", "obligationOutcome"),
    ("credentialSubject", "evaluation", "obligationOutcome", 0),
    ("credentialSubject", "evaluation", "obligationOutcome", 0, "outcome"),
    ("evidence",),
    ("validUntil",),
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(CLAIM_PATHS), value=odd_values)
def test_the_unverified_view_never_crashes(
    issued_doc: dict[str, Any], path: tuple[Any, ...], value: Any
) -> None:
    doc = copy.deepcopy(issued_doc)
    node = doc["credential"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        view = describe(parse_bundle(json.dumps(doc).encode()))
    except AttestError:
        return
    json.dumps(view)
    _render(view)


# --- attest demo ---------------------------------------------------------------------------


def test_demo(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    r = ok(run("demo", target, env={"ATTEST_PASSPHRASE": None}))
    assert f"Everything is in {target}" in r.output
    for name in ("bundle.json", "bundle.cbor"):
        bundle = parse_bundle((target / name).read_bytes())
        verifier = parse_verifier_key(bundle.log_key)
        for e in bundle.entries:
            tlog_proof.verify_tlog_proof(e.proof, merkle.leaf_hash(e.entry), verifier)
    assert "decision: ACCEPT" in r.output
    # a second run needs a new directory
    assert_error(run("demo", target), "demo.not_empty")
