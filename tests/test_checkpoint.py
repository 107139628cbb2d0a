"""attest.tlog.checkpoint: generated Go vectors, real logs' checkpoints, C2SP, own."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.errors import AttestError, LimitExceededError, MalformedError, VerificationError
from attest.keys.ed25519 import PrivateKey
from attest.tlog import checkpoint, cosignature, merkle, note

from . import vectors
from .note_cases import check_open_case, expect_error, labels, note_bytes, raises_code, verifiers

GEN = vectors.load_json("tlog/generated/checkpoints.json")
THIRD = vectors.load_json("tlog/third-party-signed-notes.json")
SPEC = vectors.load_json("tlog/c2sp-spec-examples.json")
TLOG = vectors.load_json("tlog/go-x-mod-sumdb-tlog.json")
TDEV = vectors.load_json("tlog/transparency-dev-formats-keys.json")
OWN = vectors.load_json("note/checkpoints.json")


def gen_root(size: int) -> bytes:
    """Root of the ``gen_leaves`` tree: leaf i is the ASCII decimal of i."""
    return merkle.tree_root(merkle.leaf_hash(str(i).encode()) for i in range(size))


def signer_of(spec: dict[str, Any]) -> note.Signer:
    key = PrivateKey(bytes.fromhex(spec["seed_hex"]))
    if spec.get("type") == "cosignature":
        return cosignature.CosignatureSigner(spec["name"], key, spec["timestamp"])
    return note.Ed25519Signer(spec["name"], key)


# --- generated with Go x/mod ----------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    GEN["checkpoints"],
    ids=[str(c["inputs"]["gen_leaves"]) for c in GEN["checkpoints"]],
)
def test_generated_sign_byte_exact(case: dict[str, Any]) -> None:
    inputs = case["inputs"]
    size = inputs["gen_leaves"]
    cp = checkpoint.Checkpoint(
        inputs["origin"], size, gen_root(size), tuple(inputs.get("extensions", ()))
    )
    assert cp.text() == case["body"]
    assert checkpoint.parse_checkpoint(case["body"]) == cp
    log, *cosigners = (signer_of(s) for s in inputs["signers"])
    signed = checkpoint.sign_checkpoint(cp, log, cosigners)
    assert signed == case["note"].encode()
    # a witness adding its line to the log-signed note gives the same bytes
    grown = checkpoint.sign_checkpoint(cp, log)
    for c in cosigners:
        grown = checkpoint.cosign_checkpoint(grown, c)
    assert grown == signed


def _log_and_witnesses(vkeys: list[str]) -> tuple[note.Verifier, list[note.Verifier]]:
    log, *witnesses = verifiers(vkeys)
    return log, witnesses


@pytest.mark.parametrize("case", GEN["verify"], ids=[c["name"] for c in GEN["verify"]])
def test_generated_verify_note_layer(case: dict[str, Any]) -> None:
    data, vs = note_bytes(case), verifiers(case["vkeys"])
    if case["expect_valid"]:
        opened = note.open(data, vs)
        assert labels(opened.verified) == case["verified"]
        cos = cosignature.cosignatures(
            opened, [v for v in vs if isinstance(v, cosignature.CosignatureVerifier)]
        )
        assert {c.key_label: c.timestamp for c in cos} == case["cosignature_timestamps"]
    else:
        with pytest.raises(VerificationError) as info:
            note.open(data, vs)
        assert info.value.code == f"note.{case['error_kind']}"


@pytest.mark.parametrize("case", GEN["verify"], ids=[c["name"] for c in GEN["verify"]])
def test_generated_verify_checkpoint_layer(case: dict[str, Any]) -> None:
    """As the note layer, except that a checkpoint without the log's signature is refused."""
    log, witnesses = _log_and_witnesses(case["vkeys"])
    data = note_bytes(case)
    if case["name"].startswith("log signature missing"):
        with raises_code("checkpoint.log_signature_missing", VerificationError):
            checkpoint.open_checkpoint(data, log, witnesses=witnesses)
    elif case["expect_valid"]:
        opened = checkpoint.open_checkpoint(data, log, witnesses=witnesses)
        assert opened.log_signature.key_label == case["verified"][0]
        assert labels(opened.note.verified) == case["verified"]
        assert {c.key_label: c.timestamp for c in opened.cosignatures} == (
            case["cosignature_timestamps"]
        )
        assert opened.checkpoint == checkpoint.parse_checkpoint(opened.note.text)
    else:
        with raises_code("note.invalid_signature", VerificationError):
            checkpoint.open_checkpoint(data, log, witnesses=witnesses)


# --- real logs' checkpoints ------------------------------------------------------------------

SUMDB_ORIGIN = "go.sum database tree"
LOG_CASES = [c for c in THIRD["cases"] if not c["id"].startswith("sigsum-cosignature")]


@pytest.mark.parametrize("case", LOG_CASES, ids=[c["id"] for c in LOG_CASES])
def test_third_party_checkpoints(case: dict[str, Any]) -> None:
    (log,) = verifiers(case["vkeys"])
    origin = SUMDB_ORIGIN if case["id"].startswith("sumdb") else None
    data = note_bytes(case)
    if case["expect"] == "valid":
        opened = checkpoint.open_checkpoint(data, log, origin=origin)
        if "verified" in case:
            assert opened.log_signature.key_label == case["verified"][0]
        assert opened.checkpoint.text() == note.parse(data).text
    else:
        with raises_code("note.invalid_signature", VerificationError):
            checkpoint.open_checkpoint(data, log, origin=origin)


def test_sumdb_needs_its_origin() -> None:
    """sum.golang.org's key name is not its origin line: the default expectation refuses it."""
    case = THIRD["cases"][0]
    (log,) = verifiers(case["vkeys"])
    with raises_code("checkpoint.origin_mismatch", VerificationError):
        checkpoint.open_checkpoint(note_bytes(case), log)


def test_go_sumdb_tree_body() -> None:
    golden = TLOG["go_sumdb_tree_note_format"]
    cp = checkpoint.parse_checkpoint(golden["golden"])
    assert (cp.origin, cp.size, cp.extensions) == (SUMDB_ORIGIN, golden["size"], ())
    assert cp.text() == golden["golden"]


def test_spec_checkpoint_example() -> None:
    ex = SPEC["checkpoint_example_format_only"]
    cp = checkpoint.parse_checkpoint(note.parse(ex["note"].encode()).text)
    assert cp.origin == ex["origin"]
    assert cp.size == ex["size"]
    assert cp.root_hash == vectors.b64(ex["root_b64"])


# --- transparency-dev/formats ParseCheckpoint semantics --------------------------------------

PAIRS = {k: note.parse_private_key(v["skey"]) for k, v in TDEV["ed25519_keypairs"].items()}
ORIGIN = "Log"  # the transparency-dev tests name the log key after the origin


def _tdev_note(*signers: str) -> bytes:
    cp = checkpoint.Checkpoint(ORIGIN, 123, bytes(range(32)))
    return note.sign(cp.text(), [PAIRS[s] for s in signers])


def _tdev_open(data: bytes) -> checkpoint.SignedCheckpoint:
    return checkpoint.open_checkpoint(
        data,
        PAIRS["Log"].verifier(),
        witnesses=[PAIRS["Known"].verifier(), PAIRS["KnownAgain"].verifier()],
    )


def test_tdev_log_and_others() -> None:
    opened = _tdev_open(_tdev_note("Log", "Known", "Unknown", "KnownAgain"))
    assert [s.name for s in opened.note.verified] == ["Log", "Known", "KnownAgain"]
    assert [s.name for s in opened.note.unverified] == ["Unknown"]
    assert opened.cosignatures == ()  # plain Ed25519 witnesses carry no timestamp


def test_tdev_only_other_keys() -> None:
    with raises_code("checkpoint.log_signature_missing", VerificationError):
        _tdev_open(_tdev_note("Known", "KnownAgain"))
    with raises_code("checkpoint.log_signature_missing", VerificationError):
        _tdev_open(_tdev_note("Unknown"))


def test_tdev_no_signatures() -> None:
    cp = checkpoint.Checkpoint(ORIGIN, 123, bytes(range(32)))
    with raises_code("note.malformed", MalformedError):
        _tdev_open(cp.text().encode())


def test_tdev_wrong_origin() -> None:
    cp = checkpoint.Checkpoint("Other", 123, bytes(range(32)))
    with raises_code("checkpoint.origin_mismatch", VerificationError):
        _tdev_open(note.sign(cp.text(), [PAIRS["Log"]]))


def test_tdev_each_key_counted_once() -> None:
    once = _tdev_note("Log", "Known")
    twice = once + once.split(b"\n\n")[1]
    opened = _tdev_open(twice)
    assert [s.name for s in opened.note.verified] == ["Log", "Known"]


# --- the project's own vectors ---------------------------------------------------------------


@pytest.mark.parametrize("case", OWN["bodies"], ids=[c["id"] for c in OWN["bodies"]])
def test_own_bodies(case: dict[str, Any]) -> None:
    if case["expect"] == "ok":
        cp = checkpoint.parse_checkpoint(case["text"])
        assert cp.origin == case["origin"]
        assert cp.size == case["size"]
        assert cp.root_hash == vectors.b64(case["root_b64"])
        assert list(cp.extensions) == case["extensions"]
        assert cp.text() == case["text"]
        assert checkpoint.parse_checkpoint(case["text"].encode()) == cp
    else:
        expect_error(case, checkpoint.parse_checkpoint, case["text"])


@pytest.mark.parametrize("case", OWN["open"], ids=[c["id"] for c in OWN["open"]])
def test_own_open(case: dict[str, Any]) -> None:
    check_open_case(case)


# --- rules not covered by vectors ------------------------------------------------------------

LOG = note.Ed25519Signer("example.com/log", PrivateKey(bytes([0x4C]) * 32))
W1 = cosignature.CosignatureSigner("witness.example/w1", PrivateKey(bytes([0x57]) * 32), 7)
ROOT = bytes(range(32))


def test_checkpoint_is_valid_by_construction() -> None:
    for args, code in [
        (("", 1, ROOT), "checkpoint.bad_origin"),
        (("a\nb", 1, ROOT), "checkpoint.bad_origin"),
        (("o", -1, ROOT), "checkpoint.bad_size"),
        (("o", 2**63, ROOT), "checkpoint.bad_size"),
        (("o", True, ROOT), "checkpoint.bad_size"),
        (("o", 1, ROOT[:31]), "checkpoint.bad_root_hash"),
        (("o", 0, ROOT), "checkpoint.bad_empty_root"),
        (("o", 1, ROOT, ("",)), "checkpoint.bad_extension"),
        (("o", 1, ROOT, ("a\rb",)), "checkpoint.bad_extension"),
    ]:
        with pytest.raises(MalformedError) as info:
            checkpoint.Checkpoint(*args)  # type: ignore[arg-type]
        assert info.value.code == code
    assert checkpoint.Checkpoint("o", 0, merkle.EMPTY_ROOT).size == 0


def test_parse_size_bounded_first() -> None:
    big = b"\xff" * (note.MAX_NOTE_SIZE + 1)
    with raises_code("checkpoint.too_large", LimitExceededError):
        checkpoint.parse_checkpoint(big)


def test_cosign_checks_the_body_first() -> None:
    data = note.sign("not a checkpoint\n", [LOG])
    with raises_code("checkpoint.malformed", MalformedError):
        checkpoint.cosign_checkpoint(data, W1)


def test_witness_flow() -> None:
    """Log signs; a witness opens with the log key, cosigns; a client sees both."""
    cp = checkpoint.Checkpoint(LOG.name, 5, ROOT)
    signed = checkpoint.sign_checkpoint(cp, LOG)
    checkpoint.open_checkpoint(signed, LOG.verifier())
    cosigned = checkpoint.cosign_checkpoint(signed, W1)
    opened = checkpoint.open_checkpoint(cosigned, LOG.verifier(), witnesses=[W1.verifier()])
    assert opened.checkpoint == cp
    assert [(c.name, c.timestamp) for c in opened.cosignatures] == [(W1.name, 7)]


# --- properties ------------------------------------------------------------------------------

_LINE = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: "\n" not in s
)


@st.composite
def checkpoints(draw: st.DrawFn) -> checkpoint.Checkpoint:
    size = draw(st.integers(0, 2**63 - 1))
    root = merkle.EMPTY_ROOT if size == 0 else draw(st.binary(min_size=32, max_size=32))
    return checkpoint.Checkpoint(draw(_LINE), size, root, tuple(draw(st.lists(_LINE, max_size=3))))


@given(checkpoints())
@settings(max_examples=300, deadline=None)
def test_text_parse_round_trip(cp: checkpoint.Checkpoint) -> None:
    assert checkpoint.parse_checkpoint(cp.text()) == cp


@given(checkpoints(), st.integers(0, 2**63 - 1))
@settings(max_examples=60, deadline=None)
def test_sign_open_round_trip(cp: checkpoint.Checkpoint, timestamp: int) -> None:
    w = cosignature.CosignatureSigner(W1.name, W1.private_key, timestamp)
    data = checkpoint.sign_checkpoint(cp, LOG, [w])
    opened = checkpoint.open_checkpoint(
        data, LOG.verifier(), witnesses=[w.verifier()], origin=cp.origin
    )
    assert opened.checkpoint == cp
    assert [c.timestamp for c in opened.cosignatures] == [timestamp]


@given(st.text(max_size=300))
@settings(max_examples=400, deadline=None)
def test_parse_arbitrary_text_raises_only_project_errors(text: str) -> None:
    try:
        cp = checkpoint.parse_checkpoint(text)
    except AttestError:
        return
    assert cp.text() == text  # whatever parses is in its one canonical form


@given(
    st.lists(
        st.sampled_from(
            [
                "o",
                "10",
                "0",
                "010",
                base64.b64encode(ROOT).decode(),
                merkle.EMPTY_ROOT.hex(),
                "",
                " ",
                "\r",
                "+1",
                "x",
            ]
        ),
        max_size=6,
    )
)
@settings(max_examples=300, deadline=None)
def test_parse_line_soup(lines: list[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    try:
        cp = checkpoint.parse_checkpoint(text)
    except AttestError:
        return
    assert cp.text() == text
