"""Known attack classes against the verifier, one or more tests each (SECURITY.md lists them).

Each test builds the attack against the verifier world (tests/helpers/verify_world.py, where
the base bundle is accepted) and checks that it is rejected, by which step and code. Where an
attack is also covered closer to the primitive, the test names that test in its docstring.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import os
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from attest.codec import multibase
from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic
from attest.codec.digest import hash_bytes
from attest.errors import AttestError, LimitExceededError, MalformedError, UsageError
from attest.evaluation.bundle import Bundle, LoggedEntry, parse_bundle
from attest.files import hash_file
from attest.keys import did_key
from attest.keys.ed25519 import PublicKey
from attest.store.log import Log, read_tile_at
from attest.tlog import merkle
from attest.tlog import note as _note
from attest.tlog.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer, SignedNote
from attest.tlog.proof import TlogProof
from attest.tlog.tiles import parse_tile_path
from attest.vc import cose, data_integrity
from attest.verifier.pipeline import Decision, verify
from attest.verifier.policy import parse_policy

from .helpers.verify_world import (
    ISSUED,
    ISSUER,
    LOG_KEY,
    NOW,
    ORIGIN,
    OTHER,
    OTHER_LOG_KEY,
    STATUS_BASE,
    World,
    build_world,
    did,
    document,
    make_policy,
    policy_doc,
    resign_json,
    status_lists,
    to_toml,
    with_note,
)

L = 2**252 + 27742317777372353535851937790883648493  # Ed25519 group order


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("attacks") / "world")


def run(bundle: Bundle | bytes, policy: Any = None, **kwargs: Any) -> Decision:
    kwargs.setdefault("status_lists", status_lists())
    return verify([bundle], policy or make_policy(), now=NOW, **kwargs)


def first(d: Decision) -> tuple[str, str | None]:
    """The first failing step of the only bundle, and its code."""
    for c in d.bundles[0].checks:
        if c.result == "fail":
            return c.step, c.code
    raise AssertionError(f"no step failed ({d.decision})")


def rejected_at(d: Decision, step: str, code: str | None = None) -> None:
    assert not d.accepted
    got = first(d)
    assert got[0] == step, got
    if code is not None:
        assert got[1] == code, got


def test_the_world_accepts(world: World) -> None:
    assert run(world.json).accepted
    assert run(world.cbor).accepted


# --- Merkle trees -------------------------------------------------------------------------------


def test_second_preimage_an_interior_node_is_not_a_leaf(world: World) -> None:
    """A node's two child hashes, presented as one leaf's bytes, do not prove inclusion: leaves
    hash with 0x00 and nodes with 0x01 (RFC 9162 §2.1.1; also
    test_merkle_vectors.py::test_leaf_and_node_are_domain_separated)."""
    leaves = [merkle.leaf_hash(b"entry %d" % i) for i in range(4)]
    left, right = merkle.node_hash(*leaves[:2]), merkle.node_hash(*leaves[2:])
    root = merkle.node_hash(left, right)
    merkle.verify_inclusion(0, 2, left, [right], root)  # the node *is* at 0 of a 2-leaf view
    forged_leaf = merkle.leaf_hash(leaves[0] + leaves[1])  # what a reader computes from bytes
    with pytest.raises(AttestError) as exc:
        merkle.verify_inclusion(0, 2, forged_leaf, [right], root)
    assert exc.value.code == "merkle.root_mismatch"
    # In a bundle, the interior node's children as the credential "entry": not even an entry.
    b = world.json
    entry0 = b.entries[0]
    forged = LoggedEntry.__new__(LoggedEntry)
    with pytest.raises(MalformedError):
        LoggedEntry.__init__(forged, "credential", leaves[0] + leaves[1], entry0.proof)


def test_a_proof_for_one_index_does_not_prove_another(world: World) -> None:
    """Entry 1 with entry 2's index and hashes (and back): each proof is checked against its
    own entry's leaf hash (the mutation suite's 'swap proofs' sites do this for every pair)."""
    b = world.json
    e = list(b.entries)
    e[1], e[2] = (
        LoggedEntry(e[1].role, e[1].entry, e[2].proof),
        LoggedEntry(e[2].role, e[2].entry, e[1].proof),
    )
    rejected_at(run(dataclasses.replace(b, entries=tuple(e))), "inclusion.evidence")
    # the credential's entry with an evidence entry's proof
    e = list(b.entries)
    e[0] = LoggedEntry("credential", e[0].entry, b.entries[1].proof)
    e[1] = LoggedEntry("evidence", e[1].entry, b.entries[0].proof)
    rejected_at(run(dataclasses.replace(b, entries=tuple(e))), "inclusion.credential")


# --- checkpoints and notes ----------------------------------------------------------------------


def test_checkpoint_of_another_origin_signed_by_the_trusted_key(world: World) -> None:
    """The trusted log key also signs for another origin (one key, two logs): a checkpoint of
    that origin with this tree is refused, whatever the bundle's ``log.origin`` says."""
    cp = parse_checkpoint(_note.parse(world.note).text)
    other = Checkpoint("log.example/another-log", cp.size, cp.root_hash)
    note = sign_checkpoint(other, Ed25519Signer(ORIGIN, LOG_KEY))
    rejected_at(
        run(with_note(world.json, note)), "checkpoint.signature", "checkpoint.origin_mismatch"
    )


def test_checkpoint_signed_by_an_unknown_key_under_the_trusted_name(world: World) -> None:
    cp = parse_checkpoint(_note.parse(world.note).text)
    note = sign_checkpoint(cp, Ed25519Signer(ORIGIN, OTHER_LOG_KEY))
    d = run(with_note(world.json, note))
    rejected_at(d, "checkpoint.signature", "checkpoint.log_signature_missing")


def _lines(note: bytes) -> tuple[str, list[str]]:
    text, _, block = note.decode().rpartition("\n\n")
    return text + "\n", block.rstrip("\n").split("\n")


def _make_note(text: str, lines: list[str]) -> bytes:
    return (text + "\n" + "".join(line + "\n" for line in lines)).encode()


def test_valid_unknown_signature_beside_an_invalid_known_one(world: World) -> None:
    """A note with a good signature by a key the verifier does not know and a bad one by the
    log's key is rejected: every line of a known key must verify (note vector
    'known-bad-unknown-good')."""
    text, lines = _lines(world.note)
    stranger = _note.sign(text, [Ed25519Signer("stranger.example/log", OTHER_LOG_KEY)])
    good_unknown = _lines(stranger)[1][0]
    sig = base64.b64decode(lines[0].split(" ")[-1])
    bad = (
        lines[0].rsplit(" ", 1)[0]
        + " "
        + base64.b64encode(sig[:-1] + bytes([sig[-1] ^ 1])).decode()
    )
    note = _make_note(text, [good_unknown, bad, *lines[1:]])
    rejected_at(run(with_note(world.json, note)), "checkpoint.signature", "note.invalid_signature")
    with pytest.raises(AttestError) as exc:
        _note.open(note, [Ed25519Signer(ORIGIN, LOG_KEY).verifier()])
    assert exc.value.code == "note.invalid_signature"


def test_key_id_collision_is_checked_not_ignored(world: World) -> None:
    """A line under the log's name *and* key id, signed by another key (what a key-id
    collision gives an attacker), is checked against the known key and rejects the note; and
    two different verifiers sharing name and key id are refused outright
    (test_note.py::test_ambiguous_verifiers_refused)."""
    text, lines = _lines(world.note)
    log_line = lines[0]
    name, encoded = log_line[2:].split(" ")
    key_id = base64.b64decode(encoded)[:4]
    forged_sig = OTHER_LOG_KEY.sign(text.encode())
    forged = f"— {name} {base64.b64encode(key_id + forged_sig).decode()}"
    note = _make_note(text, [forged, *lines[1:]])
    rejected_at(run(with_note(world.json, note)), "checkpoint.signature", "note.invalid_signature")

    real = Ed25519Signer(ORIGIN, LOG_KEY).verifier()

    @dataclasses.dataclass(frozen=True)
    class Twin:
        name: str
        key_id: int
        public_key: PublicKey

        def verify(self, message: bytes, signature: bytes) -> None:
            self.public_key.verify(message, signature)

    twin = Twin(real.name, real.key_id, OTHER_LOG_KEY.public_key)
    with pytest.raises(UsageError) as exc:
        _note.verify(SignedNote(text, ()), [real, twin])
    assert exc.value.code == "note.ambiguous_verifiers"
    # the same key listed twice is not ambiguous
    parsed = _note.parse(world.note)
    assert _note.verify(parsed, [real, real]).verified


# --- COSE ---------------------------------------------------------------------------------------


def _cose_parts(b: Bundle) -> tuple[bytes, Mapping[Any, Any], bytes, bytes]:
    assert isinstance(b.credential, bytes)
    item = decode_cbor(b.credential, allowed_tags=frozenset({18}))
    assert isinstance(item, CBORTag)
    protected, unprotected, payload, signature = item.value
    return protected, unprotected, payload, signature


def _with_cose(b: Bundle, parts: list[Any]) -> Bundle:
    return dataclasses.replace(b, credential=encode_deterministic(CBORTag(18, parts)))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("alg also unprotected", "cose.alg_unprotected"),
        ("alg only unprotected", "cose.alg_unprotected"),
        ("alg ES256 (-7)", "cose.unsupported_alg"),
        ("the other Ed25519 label (-8 / -19)", "signature.invalid"),
        ("alg as text", "cose.unsupported_alg"),
    ],
)
def test_cose_algorithm_substitution(world: World, change: str, code: str) -> None:
    """(test_cose.py::test_attack_alg_in_unprotected_header, ::test_attack_alg_mismatch)"""
    protected, unprotected, payload, signature = _cose_parts(world.cbor)
    header = dict(decode_cbor(protected))  # type: ignore[call-overload]
    unprot = dict(unprotected)
    if change == "alg also unprotected":
        unprot[1] = -19
    elif change == "alg only unprotected":
        unprot[1] = header.pop(1)
    elif change == "alg ES256 (-7)":
        header[1] = -7
    elif change.startswith("the other Ed25519 label"):
        # the alg is signed: relabelling -8 as -19 (or back) breaks the signature
        header[1] = -19 if header[1] == -8 else -8
    else:
        header[1] = "EdDSA"
    d = run(_with_cose(world.cbor, [encode_deterministic(header), unprot, payload, signature]))
    rejected_at(d, "credential.signature", code)


def test_cose_kid_naming_another_key_is_an_issuer_mismatch(world: World) -> None:
    """COSE: signed by OTHER under OTHER's kid, issuer and iss still evaluator A."""
    verified = cose.verify(world.cbor.credential, ISSUER.public_key)  # type: ignore[arg-type]
    signed = cose.sign(
        OTHER,
        verified.payload,
        kid=did_key.verification_method_id(OTHER.public_key).encode(),
        content_type="application/vc",
        claims=verified.claims,
    )
    d = run(dataclasses.replace(world.cbor, credential=signed))
    rejected_at(d, "credential.signature", "credential.issuer_key_mismatch")


# --- the JSON credential ------------------------------------------------------------------------


def test_issuer_and_signing_key_mismatch(world: World) -> None:
    """A valid proof by a key that is not the issuer's (verify vectors 'other-key')."""
    d = run(resign_json(world.json, OTHER))
    rejected_at(d, "credential.signature", "credential.issuer_key_mismatch")
    d = run(resign_json(world.json, OTHER, keep_method_of=ISSUER))
    rejected_at(d, "credential.signature", "signature.invalid")


def _resigned(b: Bundle, doc: dict[str, Any]) -> Bundle:
    """``doc`` (a credential, its proof dropped) signed by the trusted issuer."""
    doc = {k: v for k, v in doc.items() if k != "proof"}
    options = data_integrity.ProofOptions(created="2026-11-25T12:00:00Z")
    return dataclasses.replace(b, credential=data_integrity.add_proof(doc, ISSUER, options))


def _cred(b: Bundle) -> dict[str, Any]:
    assert isinstance(b.credential, Mapping)
    return copy.deepcopy(dict(b.credential))


@pytest.mark.parametrize(
    ("what", "code"),
    [
        ("context appended", "di.context_mismatch"),
        ("context reordered", "di.context_mismatch"),
        ("context in both", "signature.invalid"),
        ("proof created", "signature.invalid"),
        ("proof purpose", "di.proof_purpose_mismatch"),
        ("proof cryptosuite", "signature.invalid"),  # eddsa-rdfc-2022 signs another form
        ("proof as a set", "di.unexpected_proof_set"),
        ("proof removed", "di.missing_proof"),
        ("proof method of another key", "signature.invalid"),
    ],
)
def test_proof_and_context_tampering(world: World, what: str, code: str) -> None:
    """(test_data_integrity.py::test_context_must_equal_not_just_start_with and its mutation
    tests cover the primitive.)"""
    doc = _cred(world.json)
    proof = doc["proof"]
    if what == "context appended":
        doc["@context"] = [*doc["@context"], "https://example.com/evil/v1"]
    elif what == "context reordered":
        doc["@context"] = list(reversed(doc["@context"]))
    elif what == "context in both":
        ctx = [*doc["@context"], "https://example.com/evil/v1"]
        doc["@context"] = proof["@context"] = ctx
    elif what == "proof created":
        proof["created"] = "2026-11-25T12:00:01Z"
    elif what == "proof purpose":
        proof["proofPurpose"] = "authentication"
    elif what == "proof cryptosuite":
        proof["cryptosuite"] = "eddsa-rdfc-2022"
    elif what == "proof as a set":
        doc["proof"] = [proof]
    elif what == "proof removed":
        del doc["proof"]
    else:
        proof["verificationMethod"] = did_key.verification_method_id(OTHER.public_key)
    rejected_at(run(dataclasses.replace(world.json, credential=doc)), "credential.signature", code)


def _rewrite(b: Bundle, old: bytes, new: bytes) -> bytes:
    data = b.encode()
    assert data.count(old) == 1, old
    return data.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"value": 0.934', b'"value": 9.34e-1'),  # the same double
        (b'"value": 0.934', b'"value": 934E-3'),
        (b'"threshold": 8,', b'"threshold": 8.0,'),  # 1.0 and 1 are one JSON number
        (b'"threshold": 8,', b'"threshold": 8e0,'),
        (
            b'"value": 0.934,\n            "unit": "ratio"',
            b'"value": 0.934,\n            "unit": "\\u0072atio"',
        ),
        (b'"verdict": "pass"', b'"verdict": "\\u0070\\u0061ss"'),  # escapes, same string
        (b'"verdict": "pass"', b'"verd\\u0069ct": "pass"'),  # an escaped member name
    ],
)
def test_jcs_the_same_json_value_verifies(world: World, old: bytes, new: bytes) -> None:
    """The signature is over the JCS form of the value: any spelling of the same JSON value
    verifies (test_canonical.py checks JCS itself against the reference vectors)."""
    data = _rewrite(world.json, old, new)
    assert data != world.json.encode()
    assert run(data).accepted


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"value": 0.934', b'"value": 0.9340000000000002'),  # the next double
        (b'"threshold": 8,', b'"threshold": "8",'),
        (b'"verdict": "pass"', b'"verdict": "pass "'),
        (b'"verdict": "pass"', b'"verdict": "PASS"'),
        (b'"support-suite/3"', b'"support\\u2010suite/3"'),  # another hyphen
        (b'"method": "support-suite/3"', b'"method": "support-suite/3", "extra": null'),
    ],
)
def test_jcs_another_json_value_does_not_verify(world: World, old: bytes, new: bytes) -> None:
    rejected_at(run(_rewrite(world.json, old, new)), "credential.signature", "signature.invalid")


def test_jcs_no_unicode_normalization_and_key_order_is_irrelevant(world: World) -> None:
    doc = _cred(world.json)
    # member order: the same value
    shuffled = dict(reversed(list(doc.items())))
    assert run(dataclasses.replace(world.json, credential=shuffled)).accepted
    # NFC vs NFD: different strings, and JCS does not normalize
    signed = resign_json(world.json, ISSUER)
    cred = _cred(signed)
    cred["credentialSubject"]["evaluation"]["method"] = "caf\u00e9"
    signed = _resigned(signed, cred)
    nfd = _cred(signed)
    nfd["credentialSubject"]["evaluation"]["method"] = "cafe\u0301"
    d = run(dataclasses.replace(signed, credential=nfd))
    rejected_at(d, "credential.signature", "signature.invalid")


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field_", ["validFrom", "validUntil"])
@pytest.mark.parametrize("value", ["2026-11-25T12:00:00", "2026-11-25", "2026-11-25T12:00:00 Z"])
def test_validity_dates_without_a_time_zone(world: World, field_: str, value: str) -> None:
    """Signed by the trusted issuer, but a date without a zone is not a dateTimeStamp: it has
    no instant to compare (test_xsd_datetime.py covers the parser)."""
    doc = _cred(world.json)
    doc[field_] = value
    b = _resigned(world.json, doc)
    d = run(b)
    assert not d.accepted
    step, code = first(d)
    assert step == "credential.signature" and code is not None and code.startswith("datetime.")


def test_status_list_date_without_a_time_zone(world: World) -> None:
    lists = status_lists()
    doc = dict(lists[0])
    doc.pop("proof")
    doc["validFrom"] = "2026-11-26T11:00:00"
    resigned = data_integrity.add_proof(doc, ISSUER, data_integrity.ProofOptions())
    d = run(world.json, status_lists=[resigned, lists[1]])
    rejected_at(d, "credential.status", "status.bad_list_credential")


# --- Ed25519 ------------------------------------------------------------------------------------


def _proof_value(doc: Mapping[str, Any]) -> bytes:
    return multibase.decode(doc["proof"]["proofValue"], multibase.BASE58BTC)


def test_non_canonical_signatures_are_refused(world: World) -> None:
    """S + L verifies under a lax check (same point); libsodium refuses S >= L
    (test_ed25519_vectors.py runs Wycheproof and the speccheck cases)."""
    doc = _cred(world.json)
    sig = _proof_value(doc)
    s = int.from_bytes(sig[32:], "little") + L
    doc["proof"]["proofValue"] = multibase.encode(sig[:32] + s.to_bytes(32, "little"), "z")
    d = run(dataclasses.replace(world.json, credential=doc))
    rejected_at(d, "credential.signature", "signature.invalid")
    # the same for the COSE signature and the checkpoint's
    protected, unprotected, payload, signature = _cose_parts(world.cbor)
    s = int.from_bytes(signature[32:], "little") + L
    forged = signature[:32] + s.to_bytes(32, "little")
    d = run(_with_cose(world.cbor, [protected, unprotected, payload, forged]))
    rejected_at(d, "credential.signature", "signature.invalid")
    text, lines = _lines(world.note)
    name, encoded = lines[0][2:].split(" ")
    blob = base64.b64decode(encoded)
    s = int.from_bytes(blob[36:], "little") + L
    blob = blob[:36] + s.to_bytes(32, "little")
    note = _make_note(text, [f"— {name} {base64.b64encode(blob).decode()}", *lines[1:]])
    rejected_at(run(with_note(world.json, note)), "checkpoint.signature", "note.invalid_signature")


SMALL_ORDER = [
    bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000"),  # identity
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # order 2
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
]


@pytest.mark.parametrize("point", SMALL_ORDER, ids=["identity", "order-2", "order-8"])
def test_small_order_keys_cannot_sign_anything(world: World, point: bytes) -> None:
    """With A of small order, R = A and S = 0 satisfy the cofactorless equation for every
    message: a universal forgery that strict verification refuses. A policy that names such
    a key, or a credential whose proof does, gets nowhere."""
    forged = point + bytes(32)
    try:
        key = PublicKey(point)
    except AttestError:
        return  # refused as a key at all: nothing to forge with
    with pytest.raises(AttestError):
        key.verify(b"anything", forged)
    try:
        issuer = did_key.encode_did_key(key)
    except AttestError:
        return
    doc = _cred(world.json)
    doc["issuer"] = issuer
    doc["proof"]["verificationMethod"] = did_key.verification_method_id(key)
    doc["proof"]["proofValue"] = multibase.encode(forged, "z")
    try:
        policy = make_policy(issuer=[{"name": "x", "id": issuer, "dimensions": ["safety"]}])
    except AttestError:
        policy = make_policy()
    d = run(dataclasses.replace(world.json, credential=doc), policy)
    assert not d.accepted
    assert first(d)[0] == "credential.signature"


# --- status lists -------------------------------------------------------------------------------


def _gzip_bomb_list(size: int) -> str:
    import gzip

    return multibase.encode(gzip.compress(bytes(size), compresslevel=9, mtime=0), "u")


def test_status_list_gzip_bomb_signed_by_the_issuer(world: World) -> None:
    """A 64 MiB list of zeros in ~65 KiB: refused while inflating, past 16 MiB
    (test_status_list.py::test_gzip_bomb_is_refused_within_bounded_memory bounds the memory)."""
    lists = status_lists()
    doc = dict(lists[0])
    doc.pop("proof")
    doc["credentialSubject"] = {
        **doc["credentialSubject"],
        "encodedList": _gzip_bomb_list(64 << 20),
    }
    bomb = data_integrity.add_proof(doc, ISSUER, data_integrity.ProofOptions())
    d = run(world.json, status_lists=[bomb, lists[1]])
    rejected_at(d, "credential.status", "status.too_large")


def test_status_list_gzip_bomb_without_a_valid_proof_is_never_inflated(world: World) -> None:
    lists = status_lists()
    doc = dict(lists[0])
    doc["credentialSubject"] = {
        **doc["credentialSubject"],
        "encodedList": _gzip_bomb_list(64 << 20),
    }
    with mock.patch("attest.vc.status_list._inflate", side_effect=AssertionError("inflated")):
        d = run(world.json, status_lists=[doc, lists[1]])
    rejected_at(d, "credential.status", "signature.invalid")


def test_a_carried_status_list_with_a_bad_date_is_a_rejection_not_a_crash(world: World) -> None:
    """Regression: a status list carried in a bundle with an unparsable ``validFrom`` made
    ``verify`` raise (its expiry was computed from lists that had not verified)."""
    url = f"{STATUS_BASE}/revocation"
    forged = {"id": url, "validFrom": "garbage", "validUntil": "9999-99-99"}
    b = dataclasses.replace(world.json, status_list=forged)
    d = run(b, status_lists=[])
    rejected_at(d, "credential.status")
    # with the real lists beside it, the forged one neither counts nor shortens the expiry
    d = run(b)
    assert d.accepted
    assert d.expires == run(world.json).expires


# --- policies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"issuer": None}, "policy.no_issuers"),
        ({"issuer": []}, "policy.no_issuers"),
        ({"log": None}, "policy.no_logs"),
        ({"issuer": [{"name": "A", "id": did(ISSUER)}]}, "policy.bad_issuer"),
        ({"issuer": [{"name": "A", "id": did(ISSUER), "dimensions": []}]}, "policy.bad_issuer"),
        ({"trust_all": True}, "policy.unknown_field"),
        ({"decision__trust": "all"}, "policy.unknown_field"),
        ({"decision__min_evaluators": 0}, "policy.bad_field"),
        ({"version": None}, "policy.unknown_version"),
        ({"issuer": [{"name": "A", "id": "did:key:*", "dimensions": ["safety"]}]}, None),
        ({"log": [{"origin": "*", "key": "*"}]}, None),
    ],
)
def test_a_policy_cannot_trust_everything_by_omission(
    change: dict[str, Any], code: str | None
) -> None:
    """Nothing is trusted unless named: no issuers, no logs, an issuer without dimensions, an
    unknown switch or a wildcard is an error, never 'trust all' (specs/policy.md §1)."""
    doc = policy_doc()
    for key, value in change.items():
        table, _, name = key.partition("__")
        if name:
            doc[table][name] = value
        elif value is None:
            doc.pop(table)
        else:
            doc[table] = value
    with pytest.raises(MalformedError) as exc:
        parse_policy(to_toml(doc).encode())
    if code is not None:
        assert exc.value.code == code
    else:
        assert exc.value.code.split(".")[0] in {
            "policy",
            "did_key",
            "multibase",
            "multikey",
            "note",
        }


def test_a_wildcard_dimension_trusts_no_dimension(world: World) -> None:
    policy = make_policy(issuer=[{"name": "A", "id": did(ISSUER), "dimensions": ["*"]}])
    d = run(world.json, policy)
    assert not d.accepted
    assert {v.dimension for v in d.dimensions if v.result == "unvouched"} == {
        "reliability",
        "safety",
    }


def test_without_thresholds_every_dimension_spoken_to_needs_a_trusted_issuer(world: World) -> None:
    policy = make_policy(
        threshold=None, issuer=[{"name": "A", "id": did(ISSUER), "dimensions": ["reliability"]}]
    )
    d = run(world.json, policy)
    assert not d.accepted
    assert {v.dimension for v in d.dimensions if v.result == "unvouched"} == {
        "safety",
        "capability",
    }


# --- signed, but hostile: what a trusted issuer's key can still not do ------------------------


def test_compromise_cut_off_with_an_entry_time_past_any_date(world: World) -> None:
    """Regression: with ``compromised_after = {time = …}``, a credential entry whose ``time``
    is beyond the last datetime (2^63 - 1 s) crashed ``verify`` (OSError / ValueError)."""
    issuer = {"name": "A", "id": did(ISSUER), "dimensions": ["reliability", "safety", "capability"]}
    policy = make_policy(
        issuer=[{**issuer, "compromised_after": {"time": ISSUED + timedelta(days=1)}}]
    )
    b = world.json
    entry = LogEntry.decode(b.entries[0].entry)
    for t in (2**63 - 1, 2**40, 10**12):
        forged = dataclasses.replace(entry, logged_at=t).encode()
        e0 = LoggedEntry("credential", forged, b.entries[0].proof)
        d = run(dataclasses.replace(b, entries=(e0, *b.entries[1:])), policy)
        rejected_at(d, "issuer.trusted", "issuer.compromised")


def test_dates_at_the_end_of_time_do_not_crash_the_expiry(world: World) -> None:
    """Regression: a credential signed by the trusted issuer with ``validFrom`` in year 9999
    made the expiry (``validFrom + max_credential_age``) overflow and ``verify`` raise."""
    doc = _cred(world.json)
    doc["validFrom"] = "9999-12-31T23:59:59Z"
    doc.pop("validUntil", None)
    doc["credentialSubject"]["evaluation"]["evaluationPeriod"]["end"] = "9999-12-31T23:59:59Z"
    d = run(_resigned(world.json, doc))
    assert not d.accepted
    assert "credential.validity" in {c.step for c in d.bundles[0].failures}
    # and a decay floor so low its time to the floor is past year 9999
    policy = make_policy(decay={"half_life": "36500d", "floor": 1e-300})
    assert run(world.json, policy).accepted


def test_a_type_spelled_as_one_string_is_not_a_type_list(world: World) -> None:
    doc = _cred(world.json)
    doc["type"] = "VerifiableCredential AttestEvaluationCredential"
    d = run(_resigned(world.json, doc))
    rejected_at(d, "credential.signature", "credential.bad_type")


def test_a_cose_type_as_a_byte_string_is_a_bad_type(world: World) -> None:
    """Regression (found by tests/test_fuzz.py): a COSE credential whose ``type`` is a CBOR
    byte string made ``verify`` raise ``TypeError`` ('in <bytes>' needs bytes)."""
    verified = cose.verify(world.cbor.credential, ISSUER.public_key)  # type: ignore[arg-type]
    claims = json.loads(json.dumps(document(world.cbor)))
    for bad in (b"", b"VerifiableCredential", "VerifiableCredential AttestEvaluationCredential"):
        claims["type"] = bad
        signed = cose.sign(
            ISSUER,
            encode_deterministic(claims),
            kid=did_key.verification_method_id(ISSUER.public_key).encode(),
            content_type="application/vc",
            claims=verified.claims,
        )
        d = run(dataclasses.replace(world.cbor, credential=signed))
        # a byte string is no JSON value: the payload is refused before its shape is read
        code = "credential.malformed" if isinstance(bad, bytes) else "credential.bad_type"
        rejected_at(d, "credential.signature", code)


def test_a_non_finite_measurement_in_a_cose_credential_is_malformed(world: World) -> None:
    """CBOR can carry NaN and infinities, JSON cannot: the COSE credential must not say more
    than the JSON one could (a NaN compares false with every threshold)."""
    verified = cose.verify(world.cbor.credential, ISSUER.public_key)  # type: ignore[arg-type]
    payload = dict(decode_cbor(verified.payload))  # type: ignore[call-overload]
    claims = json.loads(json.dumps(document(world.cbor)))
    for bad in (float("nan"), float("inf"), float("-inf")):
        claims["credentialSubject"]["evaluation"]["measurement"][1]["value"] = bad
        payload = claims
        signed = cose.sign(
            ISSUER,
            encode_deterministic(payload),
            kid=did_key.verification_method_id(ISSUER.public_key).encode(),
            content_type="application/vc",
            claims=verified.claims,
        )
        d = run(dataclasses.replace(world.cbor, credential=signed))
        rejected_at(d, "credential.signature", "credential.malformed")


# --- files: symlinks, traversal, special files ------------------------------------------------


def test_tile_paths_never_leave_the_log() -> None:
    for path in (
        "tile/0/../../etc/passwd",
        "tile/0/000/../001",
        "/tile/0/000",
        "tile/0/./000",
        "tile/entries/000.p/../000",
        "tile/0/x000/001",
        "tile/0/000\x00",
    ):
        with pytest.raises(MalformedError) as exc:
            parse_tile_path(path)
        assert exc.value.code == "tiles.bad_path"


def _small_log(root: Path) -> Log:
    log = Log.create(root, Ed25519Signer(ORIGIN, LOG_KEY))
    log.append_many(
        [LogEntry("evidence", hash_bytes(b"%d" % i), i, "text/plain", 0) for i in range(5)]
    )
    log.checkpoint()
    return log


def test_a_tile_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with _small_log(root) as log:
        size = log.checkpoint_size
    secret = tmp_path / "secret"
    tile = root / "tile" / "0" / "000.p" / str(size)
    secret.write_bytes(tile.read_bytes())  # even a file with the right bytes
    tile.unlink()
    tile.symlink_to(secret)
    with pytest.raises(MalformedError) as exc:
        read_tile_at(root, size, 0, 0, size)
    assert exc.value.code == "log.not_regular"
    with pytest.raises(AttestError), Log.open(root, write=False) as log:
        log.inclusion_proof(0, size)


def test_a_fifo_or_device_in_a_log_does_not_block(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with _small_log(root) as log:
        size = log.checkpoint_size
    tile = root / "tile" / "0" / "000.p" / str(size)
    tile.unlink()
    os.mkfifo(tile)  # opening it for reading would wait for a writer forever
    started = time.monotonic()
    with pytest.raises(MalformedError) as exc:
        read_tile_at(root, size, 0, 0, size)
    assert exc.value.code == "log.not_regular"
    assert time.monotonic() - started < 5
    checkpoint = root / "checkpoint"
    checkpoint.unlink()
    checkpoint.symlink_to("/dev/zero")
    with pytest.raises(AttestError) as exc2:
        Log.open(root, write=False)
    assert exc2.value.code == "log.not_regular"


def test_a_huge_tile_is_refused_before_it_is_read(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with _small_log(root) as log:
        size = log.checkpoint_size
    tile = root / "tile" / "0" / "000.p" / str(size)
    with open(tile, "r+b") as f:
        f.truncate(1 << 40)  # sparse: a terabyte that costs nothing to make
    with pytest.raises(LimitExceededError) as exc:
        read_tile_at(root, size, 0, 0, size)
    assert exc.value.code == "log.too_large"


def test_evidence_files_are_hashed_without_following_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"data")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert hash_file(link)[0] == hash_bytes(b"data")  # a path the user named is followed
    with pytest.raises(MalformedError) as exc:
        hash_file(link, follow=False)
    assert exc.value.code == "evidence.not_regular"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(MalformedError):
        hash_file(fifo, follow=False)


def test_evidence_names_with_traversal_read_nothing_outside(world: World, tmp_path: Path) -> None:
    """A credential may cite evidence named ``../../outside``: the verifier only hashes files
    it finds in the folder it was given and looks names up among them; no path is ever built
    from a name in a bundle."""
    doc = _cred(world.json)
    doc["evidence"][0]["name"] = "../outside.txt"
    b = _resigned(world.json, doc)
    (tmp_path / "outside.txt").write_bytes(b"not the evidence")
    folder = tmp_path / "evidence"
    folder.mkdir()
    supplied = {p.name: hash_file(p, follow=False)[0] for p in folder.iterdir()}
    with mock.patch("attest.files.hash_file", side_effect=AssertionError("read a file")):
        d = run(b, evidence=supplied)
    check = next(c for c in d.bundles[0].checks if c.step == "evidence.bytes")
    assert check.result == "not-applicable"


def test_parse_bundle_never_reads_files(world: World) -> None:
    """Bundles carry evidence bytes by digest only; parsing one touches no file system."""
    data = world.b("embedded").encode()
    with (
        mock.patch("builtins.open", side_effect=AssertionError("opened a file")),
        mock.patch("os.open", side_effect=AssertionError("opened a file")),
    ):
        assert parse_bundle(data).evidence_data
    assert isinstance(TlogProof, type)
