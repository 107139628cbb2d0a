"""Signed submissions and replay protection, without a server (attest.tlog.submission,
attest.service.replay)."""

from __future__ import annotations

import base64
import json

import pytest

from attest.codec.canonical import canonicalize
from attest.codec.digest import hash_bytes
from attest.errors import LimitExceededError, MalformedError, VerificationError
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.service.replay import ReplayGuard
from attest.tlog import note
from attest.tlog.submission import (
    DOMAIN,
    KEY_HEADER,
    MAX_ENTRIES,
    SIGNATURE_HEADER,
    Submission,
    SubmittedEntry,
    authenticate,
    new_nonce,
    parse_submitters,
    sign_submission,
)

ORIGIN = "example.com/shared"
KEY = PrivateKey(b"\x01" * 32)
OTHER = PrivateKey(b"\x02" * 32)
NOW = 1_800_000_000
ALLOWED = parse_submitters(f"{encode_did_key(KEY.public_key)} acme\n".encode())


def _submission(**kw: object) -> Submission:
    fields: dict[str, object] = {
        "log": ORIGIN,
        "time": NOW,
        "nonce": "n" * 22,
        "entries": (SubmittedEntry("evidence", hash_bytes(b"x"), 1, "text/plain", "x.txt"),),
    }
    fields.update(kw)
    return Submission(**fields)  # type: ignore[arg-type]


def test_sign_and_authenticate() -> None:
    body, headers = sign_submission(_submission(), KEY)
    assert body == canonicalize(json.loads(body))  # the body sent is its JCS form
    auth = authenticate(body, headers, ALLOWED, origin=ORIGIN, now=NOW + 10)
    assert auth.submitter.name == "acme"
    assert auth.submission == _submission()
    # Any JSON with the same value verifies: the signature is over the canonical form.
    pretty = json.dumps(json.loads(body), indent=2).encode()
    assert (
        authenticate(pretty, headers, ALLOWED, origin=ORIGIN, now=NOW).submission == _submission()
    )
    # The domain prefix is part of what is signed.
    sig = base64.b64encode(KEY.sign(body)).decode()
    with pytest.raises(VerificationError) as err:
        authenticate(body, {**headers, SIGNATURE_HEADER: sig}, ALLOWED, origin=ORIGIN, now=NOW)
    assert err.value.code == "auth.bad_signature"
    KEY.public_key.verify(DOMAIN + body, base64.b64decode(headers[SIGNATURE_HEADER]))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({KEY_HEADER: None}, "auth.missing"),
        ({SIGNATURE_HEADER: None}, "auth.missing"),
        ({KEY_HEADER: "did:web:example.com"}, "auth.bad_key"),
        ({KEY_HEADER: encode_did_key(OTHER.public_key)}, "auth.unknown_submitter"),
        ({SIGNATURE_HEADER: base64.b64encode(b"\x00" * 64).decode()}, "auth.bad_signature"),
        ({SIGNATURE_HEADER: "not base64!"}, "auth.bad_signature"),
        ({SIGNATURE_HEADER: "A" * 300}, "auth.bad_header"),
    ],
)
def test_authentication_failures(change: dict[str, str | None], code: str) -> None:
    body, headers = sign_submission(_submission(), KEY)
    changed = {k: v for k, v in {**headers, **change}.items() if v is not None}
    with pytest.raises(VerificationError) as err:
        authenticate(body, changed, ALLOWED, origin=ORIGIN, now=NOW)
    assert err.value.code == code


def test_time_window_and_log() -> None:
    body, headers = sign_submission(_submission(), KEY)
    for now in (NOW - 301, NOW + 301):
        with pytest.raises(VerificationError) as err:
            authenticate(body, headers, ALLOWED, origin=ORIGIN, now=now)
        assert err.value.code == "auth.stale"
    authenticate(body, headers, ALLOWED, origin=ORIGIN, now=NOW + 300)
    with pytest.raises(MalformedError) as bad:
        authenticate(body, headers, ALLOWED, origin="example.com/other", now=NOW)
    assert bad.value.code == "submission.wrong_log"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"nonce": "short"}, "submission.bad_nonce"),
        ({"nonce": "has spaces in it, sixteen+"}, "submission.bad_nonce"),
        ({"time": -1}, "submission.bad_time"),
        ({"entries": ()}, "submission.no_entries"),
        ({"log": ""}, "submission.malformed"),
    ],
)
def test_submission_rules(kw: dict[str, object], code: str) -> None:
    with pytest.raises(MalformedError) as err:
        _submission(**kw)
    assert err.value.code == code


def test_entry_rules() -> None:
    digest = hash_bytes(b"x")
    with pytest.raises(MalformedError, match="kind"):
        SubmittedEntry("revocation", digest, 1, "text/plain")
    with pytest.raises(MalformedError) as err:
        SubmittedEntry("evidence", digest, 1, "text/plain; charset=utf-8")
    assert err.value.code == "entry.bad_media_type"
    with pytest.raises(LimitExceededError):
        SubmittedEntry("evidence", digest, 1, "text/plain", "n" * 1025)
    many = (SubmittedEntry("evidence", digest, 1, "text/plain"),) * (MAX_ENTRIES + 1)
    with pytest.raises(LimitExceededError) as too_many:
        _submission(entries=many)
    assert too_many.value.code == "submission.too_many_entries"


def test_parse_submitters() -> None:
    vkey = note.Ed25519Signer("evals.example/k", OTHER).verifier().vkey()
    text = f"""# registered evaluators
{encode_did_key(KEY.public_key)}   Acme Evals   # trailing comment

{vkey}
"""
    allowed = parse_submitters(text.encode())
    assert allowed[KEY.public_key.raw].name == "Acme Evals"
    assert allowed[OTHER.public_key.raw].name == "evals.example/k"
    assert len(allowed) == 2
    for bad, code in (
        (b"did:key:zNope\n", "submitters.bad_line"),
        (b"not-a-key\n", "submitters.bad_line"),
        (f"{encode_did_key(KEY.public_key)}\n".encode() * 2, "submitters.duplicate"),
        (b"\xff\n", "submitters.bad_encoding"),
    ):
        with pytest.raises(MalformedError) as err:
            parse_submitters(bad)
        assert err.value.code == code


def test_replay_guard_window_and_capacity() -> None:
    guard = ReplayGuard(window=300, capacity=2)
    guard.check(b"k", "nonce-1", NOW, NOW)
    guard.remember(b"k", "nonce-1", NOW)
    with pytest.raises(VerificationError) as err:
        guard.check(b"k", "nonce-1", NOW, NOW + 1)
    assert err.value.code == "auth.replayed"
    guard.check(b"other key", "nonce-1", NOW, NOW)  # nonces are per key
    guard.remember(b"k", "nonce-2", NOW + 100)
    with pytest.raises(LimitExceededError) as full:
        guard.check(b"k", "nonce-3", NOW, NOW + 1)
    assert full.value.code == "server.busy"
    # Once its time is out of the window, a nonce is forgotten (it would be stale anyway).
    guard.check(b"k", "nonce-1", NOW, NOW + 301)
    assert len(guard) == 1


def test_new_nonce_is_valid_and_fresh() -> None:
    nonces = {new_nonce() for _ in range(100)}
    assert len(nonces) == 100
    _submission(nonce=nonces.pop())
