"""Reading signed-note vector cases: note bytes, verifier lists, expected outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from attest.errors import AttestError, LimitExceededError, MalformedError, VerificationError
from attest.tlog import checkpoint, note

from . import vectors


def note_bytes(case: dict[str, Any]) -> bytes:
    """The exact note bytes of a vector case (``note_b64`` wins over the placeholder text)."""
    if "note_b64" in case:
        return vectors.b64(case["note_b64"])
    data: str = case["note"]
    return data.encode("utf-8")


def verifiers(vkeys: list[str]) -> list[note.Verifier]:
    return [checkpoint.parse_verifier_key(v) for v in vkeys]


def labels(sigs: tuple[note.Signature, ...]) -> list[str]:
    return [s.key_label for s in sigs]


def expect_outcome(kind: str, data: bytes, vkeys: list[str]) -> note.VerifiedNote | None:
    """Open ``data`` and check the outcome kind the tlog vectors use."""
    vs = verifiers(vkeys)
    if kind in ("ok", "valid"):
        return note.open(data, vs)
    if kind == "malformed":
        with pytest.raises(MalformedError):
            note.open(data, vs)
    elif kind in ("invalid_signature", "unverified"):
        with pytest.raises(VerificationError) as info:
            note.open(data, vs)
        assert info.value.code == f"note.{kind}"
    else:
        raise AssertionError(f"unknown expectation {kind}")
    return None


ERROR_CLASSES: dict[str, type[AttestError]] = {
    "MalformedError": MalformedError,
    "LimitExceededError": LimitExceededError,
    "VerificationError": VerificationError,
}


def expect_error(case: dict[str, Any], call: Any, *args: Any) -> None:
    with pytest.raises(AttestError) as info:
        call(*args)
    assert info.value.code == case["code"]
    assert type(info.value) is ERROR_CLASSES[case["error_class"]]


@contextmanager
def raises_code(code: str, cls: type[AttestError] = AttestError) -> Iterator[None]:
    """Like ``pytest.raises(cls)``, and the error's stable code must be exactly ``code``."""
    with pytest.raises(cls) as info:
        yield
    assert info.value.code == code


def open_case(case: dict[str, Any]) -> checkpoint.SignedCheckpoint:
    """Open a checkpoint vector case with its log key, witnesses and expected origin."""
    return checkpoint.open_checkpoint(
        note_bytes(case),
        checkpoint.parse_verifier_key(case["log_vkey"]),
        witnesses=verifiers(case["witness_vkeys"]),
        origin=case.get("origin"),
    )


def check_open_case(case: dict[str, Any]) -> None:
    """Open a checkpoint vector case and compare with its expected outcome."""
    if case["expect"] == "ok":
        opened = open_case(case)
        if "verified" in case:
            assert labels(opened.note.verified) == case["verified"]
        assert {c.key_label: c.timestamp for c in opened.cosignatures} == (
            case["cosignature_timestamps"]
        )
    else:
        expect_error(case, open_case, case)
