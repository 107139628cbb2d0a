"""attest.tlog.note: Go x/mod vectors, third-party notes, C2SP examples, own vectors, properties."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attest.errors import (
    AttestError,
    LimitExceededError,
    MalformedError,
    UsageError,
    VerificationError,
)
from attest.keys.ed25519 import PrivateKey, PublicKey
from attest.tlog import checkpoint, cosignature, merkle, note

from . import vectors
from .note_cases import expect_error, expect_outcome, labels, note_bytes, raises_code, verifiers

GO = vectors.load_json("tlog/go-x-mod-sumdb-note.json")
THIRD = vectors.load_json("tlog/third-party-signed-notes.json")
SPEC = vectors.load_json("tlog/c2sp-spec-examples.json")
TDEV = vectors.load_json("tlog/transparency-dev-formats-keys.json")
GEN_KEYS = vectors.load_json("tlog/generated/keys.json")
OWN = vectors.load_json("note/notes.json")

PETER = GO["keys"]["PeterNeumann"]
ENOCH = GO["keys"]["EnochRoot"]


# --- golang.org/x/mod sumdb/note -------------------------------------------------------------


def test_go_keys() -> None:
    signer = note.parse_private_key(PETER["skey"])
    assert signer.name == "PeterNeumann"
    assert f"{signer.key_id:08x}" == PETER["key_id_hex"]
    assert signer.verifier().vkey() == PETER["vkey"]
    assert note.parse_verifier_key(PETER["vkey"]) == signer.verifier()
    enoch = PrivateKey(bytes.fromhex(ENOCH["seed_hex"]))
    assert note.format_verifier_key("EnochRoot", enoch.public_key) == ENOCH["vkey"]
    assert f"{note.parse_verifier_key(ENOCH['vkey']).key_id:08x}" == ENOCH["key_id_hex"]


def test_go_sign() -> None:
    case = GO["sign"][0]
    signer = note.parse_private_key(case["skey"])
    assert note.sign(case["text"], [signer]) == case["expected_note"].encode()


def test_go_sign_add_signatures() -> None:
    case = GO["sign"][1]
    enoch = note.Ed25519Signer(
        case["signer_name"], PrivateKey(bytes.fromhex(case["signer_seed_hex"]))
    )
    out = note.add_signatures(case["existing_note"].encode(), [enoch])
    assert out == case["expected_note"].encode()


@pytest.mark.parametrize("case", GO["open"], ids=[c["name"] for c in GO["open"]])
def test_go_open(case: dict[str, Any]) -> None:
    opened = expect_outcome(case["expect"], note_bytes(case), case["vkeys"])
    if opened is not None:
        assert labels(opened.verified) == case["verified"]
        if "unverified" in case:
            assert labels(opened.unverified) == case["unverified"]
        else:
            assert len(opened.unverified) == case["unverified_count"]


@pytest.mark.parametrize("vkey", GO["bad_vkeys"])
def test_go_bad_vkeys(vkey: str) -> None:
    with pytest.raises(MalformedError):
        note.parse_verifier_key(vkey)
    with pytest.raises(MalformedError):
        checkpoint.parse_verifier_key(vkey)


def test_go_vkey_every_proper_substring_rejected() -> None:
    vkey = PETER["vkey"]
    n = len(vkey)
    substrings = {vkey[i:j] for i in range(n + 1) for j in range(i, n + 1)} - {vkey}
    assert len(substrings) > 2000
    for sub in sorted(substrings):
        with pytest.raises(MalformedError):
            note.parse_verifier_key(sub)


def test_go_vkey_every_single_byte_increment_rejected() -> None:
    raw = PETER["vkey"].encode()
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] = (changed[i] + 1) % 256
        with pytest.raises(MalformedError):
            note.parse_verifier_key(changed.decode("latin-1"))


# --- third-party notes -----------------------------------------------------------------------


@pytest.mark.parametrize("case", THIRD["cases"], ids=[c["id"] for c in THIRD["cases"]])
def test_third_party_open(case: dict[str, Any]) -> None:
    opened = expect_outcome(case["expect"], note_bytes(case), case["vkeys"])
    if opened is not None and "verified" in case:
        assert labels(opened.verified) == case["verified"]


REPRODUCIBLE = [c for c in THIRD["cases"] if c.get("sign_reproducible")]


@pytest.mark.parametrize("case", REPRODUCIBLE, ids=[c["id"] for c in REPRODUCIBLE])
def test_third_party_sign_reproducible(case: dict[str, Any]) -> None:
    signed = note.parse(note_bytes(case))
    signer: note.Signer
    if "witness_seed_hex" in case:
        key = PrivateKey(bytes.fromhex(case["witness_seed_hex"]))
        signer = cosignature.CosignatureSigner(case["witness_name"], key, case["timestamp"])
        assert (
            cosignature.signed_message(signed.text, case["timestamp"]).decode()
            == (case["signed_message"])
        )
    else:
        key = PrivateKey(bytes.fromhex(case["log_seed_hex"]))
        assert key.public_key.raw.hex() == case["log_pub_hex"]
        signer = note.Ed25519Signer(signed.signatures[0].name, key)
    assert note.sign(signed.text, [signer]) == note_bytes(case)


@pytest.mark.parametrize("case", THIRD["consistency"], ids=[c["id"] for c in THIRD["consistency"]])
def test_third_party_consistency(case: dict[str, Any]) -> None:
    args = (
        case["old_size"],
        case["size"],
        vectors.b64(case["old_root_b64"]),
        vectors.b64(case["root_b64"]),
        [vectors.b64(p) for p in case["proof_b64"]],
    )
    if case["expect"] == "valid":
        merkle.verify_consistency(*args)
    else:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(*args)


# --- C2SP specification examples --------------------------------------------------------------


def test_spec_signed_note_example_verifies() -> None:
    ex = SPEC["signed_note_example_verifiable"]
    opened = note.open(ex["note"].encode(), [note.parse_verifier_key(ex["vkey"])])
    assert labels(opened.verified) == ["example.com/foo+530d903a"]
    assert opened.text == "This is an example message.\n"


def test_spec_signed_note_example_splits_at_last_blank_line() -> None:
    ex = SPEC["signed_note_example_format_only"]
    parsed = note.parse(ex["note"].encode())
    assert parsed.text == ex["expect_text"]
    assert [s.name for s in parsed.signatures] == ["quasimodo.example/salvatore"]
    with raises_code("note.unverified", VerificationError):
        note.verify(parsed, [])


def test_spec_witness_request_holds_a_note() -> None:
    """Only the signed checkpoint inside the add-checkpoint body is read here."""
    body: str = SPEC["witness_add_checkpoint_request_example"]["body"]
    parsed = note.parse(body.split("\n\n", 1)[1].encode())
    assert [s.name for s in parsed.signatures] == ["example.com/behind-the-sofa"] * 2
    assert parsed.signatures[0].key_id != parsed.signatures[1].key_id


# --- key files and key types -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["Log", "Known", "KnownAgain", "Unknown"])
def test_transparency_dev_keypairs(who: str) -> None:
    pair = TDEV["ed25519_keypairs"][who]
    assert note.parse_private_key(pair["skey"]).verifier().vkey() == pair["vkey"]


def test_transparency_dev_public_key_is_not_a_private_key() -> None:
    note.parse_private_key(TDEV["ed25519_keypairs"]["logandmap"]["skey"])
    with raises_code("note.bad_private_key", MalformedError):
        note.parse_private_key("logandmap+38581672+Ab/PCr1eCclRPRMBqw/r5An1xO71MCnImLiospEq6b4l")


NON_ED25519 = TDEV["non_ed25519_vkeys_must_be_ignored_or_rejected_by_an_ed25519_only_verifier"]


@pytest.mark.parametrize("case", NON_ED25519, ids=[c["type"][:4] for c in NON_ED25519])
def test_non_ed25519_vkeys_rejected(case: dict[str, str]) -> None:
    decoded = note.decode_verifier_key(case["vkey"])
    assert decoded.key_type == int(case["type"][:4], 16)
    for parse in (note.parse_verifier_key, cosignature.parse_verifier_key):
        with raises_code("note.unsupported_key_type", MalformedError):
            parse(case["vkey"])
    with raises_code("note.unsupported_key_type", MalformedError):
        checkpoint.parse_verifier_key(case["vkey"])


@pytest.mark.parametrize("key", GEN_KEYS["keys"], ids=lambda k: f"{k['name']}-{k['type']}")
def test_generated_keys(key: dict[str, Any]) -> None:
    private = PrivateKey(bytes.fromhex(key["seed_hex"]))
    assert private.public_key.raw.hex() == key["public_key_hex"]
    assert base64.b64encode(private.public_key.raw).decode() == key["public_key"]
    if key["type"] == "ed25519":
        signer: note.Signer = note.Ed25519Signer(key["name"], private)
        vkey = note.format_verifier_key(key["name"], private.public_key)
        assert note.parse_private_key(key["skey"]).key_id == signer.key_id
        assert note.parse_verifier_key(vkey).public_key == private.public_key
    else:
        signer = cosignature.CosignatureSigner(key["name"], private, 0)
        vkey = cosignature.format_verifier_key(key["name"], private.public_key)
        assert cosignature.parse_verifier_key(vkey).public_key == private.public_key
    assert vkey == key["vkey"]
    assert f"{signer.key_id:08x}" == key["key_id_hex"]


def test_generated_same_key_two_types_two_ids() -> None:
    by_type = {k["type"]: k for k in GEN_KEYS["keys"] if k["name"] == "witness.example/w1"}
    assert by_type["ed25519"]["public_key"] == by_type["cosignature"]["public_key"]
    assert by_type["ed25519"]["key_id_hex"] != by_type["cosignature"]["key_id_hex"]
    with raises_code("note.unsupported_key_type", MalformedError):
        note.parse_verifier_key(by_type["cosignature"]["vkey"])
    with raises_code("note.unsupported_key_type", MalformedError):
        cosignature.parse_verifier_key(by_type["ed25519"]["vkey"])


# --- the project's own vectors ---------------------------------------------------------------


def test_own_vector_keys() -> None:
    for key in OWN["keys"].values():
        private = PrivateKey(bytes.fromhex(key["seed_hex"]))
        assert note.format_verifier_key(key["name"], private.public_key) == key["vkey"]


@pytest.mark.parametrize("case", OWN["cases"], ids=[c["id"] for c in OWN["cases"]])
def test_own_note_cases(case: dict[str, Any]) -> None:
    data, vs = note_bytes(case), verifiers(case["vkeys"])
    if case["expect"] == "ok":
        opened = note.open(data, vs)
        assert labels(opened.verified) == case["verified"]
        assert labels(opened.unverified) == case.get("unverified", [])
        assert opened.text == case.get("text", OWN["text"])
    else:
        expect_error(case, note.open, data, vs)


PARSERS: dict[str, Any] = {
    "note": note.parse_verifier_key,
    "cosignature": cosignature.parse_verifier_key,
    "checkpoint": checkpoint.parse_verifier_key,
}


@pytest.mark.parametrize("case", OWN["verifier_keys"], ids=[c["id"] for c in OWN["verifier_keys"]])
def test_own_verifier_keys(case: dict[str, Any]) -> None:
    parse = PARSERS[case["parser"]]
    if case["expect"] == "ok":
        v = parse(case["vkey"])
        assert f"{v.key_id:08x}" == case["key_id_hex"]
        assert v.public_key.raw.hex() == case["public_key_hex"]
        assert v.vkey() == case["vkey"]
    else:
        expect_error(case, parse, case["vkey"])


@pytest.mark.parametrize("case", OWN["private_keys"], ids=[c["id"] for c in OWN["private_keys"]])
def test_own_private_keys(case: dict[str, Any]) -> None:
    if case["expect"] == "ok":
        assert note.parse_private_key(case["skey"]).verifier().vkey() == case["vkey"]
    else:
        expect_error(case, note.parse_private_key, case["skey"])


def test_own_signing_reproducible() -> None:
    alice = OWN["keys"]["alice"]
    signer = note.Ed25519Signer(alice["name"], PrivateKey(bytes.fromhex(alice["seed_hex"])))
    first = next(c for c in OWN["cases"] if c["id"] == "one-signer")
    assert note.sign(OWN["text"], [signer]).decode() == first["note"]


# --- rules not covered by vectors ------------------------------------------------------------

ALICE = note.Ed25519Signer("example.com/alice", PrivateKey(bytes([0x41]) * 32))
BOB = note.Ed25519Signer("example.com/bob", PrivateKey(bytes([0x42]) * 32))
TEXT = "hello\n"


def test_note_too_large_refused_before_parsing() -> None:
    data = b"\xff" * (note.MAX_NOTE_SIZE + 1)  # invalid UTF-8, but size is checked first
    with raises_code("note.too_large", LimitExceededError):
        note.parse(data)
    just_fits = "x" * (note.MAX_NOTE_SIZE - 200) + "\n"
    note.open(note.sign(just_fits, [ALICE]), [ALICE.verifier()])
    with raises_code("note.too_large", LimitExceededError):
        note.sign("x" * note.MAX_NOTE_SIZE + "\n", [ALICE])


def test_limit_counts_every_line_before_verifying() -> None:
    line = note.sign(TEXT, [BOB]).decode().split("\n\n")[1]
    with raises_code("note.too_many_signatures", LimitExceededError):
        note.parse((TEXT + "\n" + line * 101).encode())
    note.parse((TEXT + "\n" + line * 100).encode())


def test_ambiguous_verifiers_refused() -> None:
    """Two different keys under one (name, key id) cannot be told apart: a caller error."""

    class Impostor:
        name = ALICE.name
        key_id = ALICE.key_id

        def verify(self, message: bytes, signature: bytes) -> None:
            return None

    data = note.sign(TEXT, [ALICE])
    with raises_code("note.ambiguous_verifiers", UsageError):
        note.open(data, [ALICE.verifier(), Impostor()])
    # the same verifier twice is not ambiguous
    assert labels(note.open(data, [ALICE.verifier(), ALICE.verifier()]).verified) == [
        f"{ALICE.name}+{ALICE.key_id:08x}"
    ]


def test_sign_rules() -> None:
    with raises_code("note.bad_text", MalformedError):
        note.sign("no newline", [ALICE])
    with raises_code("note.bad_text", MalformedError):
        note.sign("a\rb\n", [ALICE])
    with raises_code("note.bad_text", MalformedError):
        note.sign("\ud800\n", [ALICE])
    with raises_code("note.no_signers", UsageError):
        note.sign(TEXT, [])
    with raises_code("note.duplicate_signer", UsageError):
        note.sign(TEXT, [ALICE, ALICE])
    signers = [
        note.Ed25519Signer(f"k{i}", ALICE.private_key) for i in range(note.MAX_SIGNATURES + 1)
    ]
    with raises_code("note.too_many_signatures", LimitExceededError):
        note.sign(TEXT, signers)


def test_add_signatures_keeps_lines_and_replaces_same_key() -> None:
    first = note.sign(TEXT, [ALICE, BOB])
    again = note.add_signatures(first, [ALICE])
    lines = again.decode().split("\n\n")[1].splitlines()
    assert lines[0].startswith("\u2014 example.com/bob ")
    assert lines[1].startswith("\u2014 example.com/alice ")
    assert again.count(b"example.com/alice") == 1
    opened = note.open(again, [ALICE.verifier(), BOB.verifier()])
    assert len(opened.verified) == 2
    with pytest.raises(MalformedError):
        note.add_signatures(b"not a note", [ALICE])


def test_key_names() -> None:
    for bad in ["", "a+b", "a b", "a\tb", "a\u00a0b", "a\u2028b", "a\u3000b", "a\x85b", "a\x01b"]:
        with raises_code("note.bad_key_name", MalformedError):
            note.check_key_name(bad)
    for good in ["a", "example.com/log", "\u00e9t\u00e9", "a\u200bb", "a\u2014b"]:
        note.check_key_name(good)
        note.Ed25519Signer(good, ALICE.private_key)


def test_signer_repr_hides_the_key() -> None:
    assert "41" * 8 not in repr(ALICE)
    assert ALICE.private_key.seed.hex() not in repr(ALICE)


def test_verify_only_through_public_key() -> None:
    v = note.Ed25519Verifier(ALICE.name, ALICE.private_key.public_key)
    sig = ALICE.sign(b"m")
    v.verify(b"m", sig)
    with pytest.raises(VerificationError):
        v.verify(b"n", sig)
    small_order = PublicKey(bytes(32))  # the identity point: libsodium refuses it
    with pytest.raises(VerificationError):
        note.Ed25519Verifier("x", small_order).verify(b"m", bytes(64))


# --- properties ------------------------------------------------------------------------------

_TEXT_CHARS = st.characters(
    codec="utf-8", exclude_characters=[chr(i) for i in range(32) if i != 10]
)
texts = st.text(_TEXT_CHARS, max_size=200).map(lambda s: s + "\n")
names = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="+\x85"),
    min_size=1,
    max_size=30,
)


@given(text=texts, name=names, seed=st.binary(min_size=32, max_size=32))
@settings(max_examples=150, deadline=None)
def test_sign_open_round_trip(text: str, name: str, seed: bytes) -> None:
    signer = note.Ed25519Signer(name, PrivateKey(seed))
    data = note.sign(text, [signer, BOB])
    opened = note.open(data, [signer.verifier()])
    assert opened.text == text
    assert labels(opened.verified) == [f"{name}+{signer.key_id:08x}"]
    assert labels(opened.unverified) == [f"{BOB.name}+{BOB.key_id:08x}"]
    assert note.parse(data).text == text


@given(text=texts, data=st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_single_byte_change_never_accepts_altered_text(text: str, data: st.DataObject) -> None:
    """Change one byte anywhere: open fails, or the text is the signed one and every verified
    line is one the signers wrote (a line changed in its name just becomes unknown)."""
    original = note.sign(text, [ALICE, BOB])
    i = data.draw(st.integers(0, len(original) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[i]))
    changed = original[:i] + bytes([new]) + original[i + 1 :]
    try:
        opened = note.open(changed, [ALICE.verifier(), BOB.verifier()])
    except AttestError:
        return
    assert opened.text == text
    good_lines = set(original.decode().split("\n"))
    assert all(s.line() in good_lines for s in opened.verified)


def test_every_single_byte_change_exhaustive() -> None:
    """Every position, every other byte value, in a one-signer note: no changed note opens."""
    original = note.sign("short text\n", [ALICE])
    accepted = 0
    for i in range(len(original)):
        for b in range(256):
            if b == original[i]:
                continue
            changed = original[:i] + bytes([b]) + original[i + 1 :]
            try:
                note.open(changed, [ALICE.verifier()])
            except AttestError:
                continue
            accepted += 1
    assert accepted == 0


@given(st.binary(max_size=600))
@settings(max_examples=400, deadline=None)
def test_parse_arbitrary_bytes_raises_only_project_errors(data: bytes) -> None:
    for call in (
        lambda: note.parse(data),
        lambda: note.open(data, [ALICE.verifier()]),
        lambda: checkpoint.parse_checkpoint(data),
    ):
        with contextlib.suppress(AttestError):
            call()


@given(st.text(max_size=200))
@settings(max_examples=400, deadline=None)
def test_key_strings_arbitrary_text_raise_only_project_errors(s: str) -> None:
    for parse in (
        note.decode_verifier_key,
        note.parse_verifier_key,
        note.parse_private_key,
        cosignature.parse_verifier_key,
        checkpoint.parse_verifier_key,
    ):
        with contextlib.suppress(AttestError):
            parse(s)


@given(st.binary(min_size=1, max_size=300), st.sampled_from(["\u2014 a ", "\u2014 b ", ""]))
@settings(max_examples=300, deadline=None)
def test_mutated_signature_blocks_raise_only_project_errors(raw: bytes, prefix: str) -> None:
    data = TEXT.encode() + b"\n" + prefix.encode() + raw + b"\n"
    with contextlib.suppress(AttestError):
        note.open(data, [ALICE.verifier()])
