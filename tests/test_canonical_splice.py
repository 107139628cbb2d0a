"""canonicalize_with_member: splicing one member into canonical bytes equals canonicalizing
the whole object, byte for byte (the logged credential digest depends on it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec.canonical import canonicalize, canonicalize_with_member
from attest.errors import LimitExceededError, MalformedError

# Member names chosen to sort on every side of "proof", by UTF-16 code units: astral
# characters sort below U+E000-U+FFFF there although their code points are larger.
NAMES = st.one_of(
    st.sampled_from(
        [
            "proof",
            "proo",
            "proofs",
            "prooe",
            "proog",
            "type",
            "@context",
            "",
            "z",
            "é",
            "\ue000",
            "\U0001f600",
            "\uffff",
            "validFrom",
            "credentialSubject",
        ]
    ),
    st.text(max_size=8),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=20,
)


def _splice(value: dict[str, Any], name: str) -> bytes:
    rest = {k: v for k, v in value.items() if k != name}
    return canonicalize_with_member(canonicalize(rest), value, name)


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=8), NAMES, VALUES)
def test_splice_is_byte_identical(rest: dict[str, Any], name: str, member: Any) -> None:
    value = {**rest, name: member}
    assert _splice(value, name) == canonicalize(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=8), VALUES)
def test_splice_of_a_proof(rest: dict[str, Any], proof: Any) -> None:
    rest.pop("proof", None)
    value = {**rest, "proof": proof}
    assert _splice(value, "proof") == canonicalize(value)


def test_every_committed_credential_vector() -> None:
    """Each secured JSON credential under test_vectors splices to its canonical bytes."""
    seen = 0
    for path in sorted(Path(__file__).resolve().parent.parent.glob("test_vectors/**/*.json")):
        try:
            doc = json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError):
            continue
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("proof"), dict | list):
                    try:
                        whole = canonicalize(node)
                    except (MalformedError, LimitExceededError):
                        continue
                    assert _splice(node, "proof") == whole, path
                    seen += 1
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    assert seen > 0


def test_a_rest_that_is_not_the_rest_falls_back_to_the_whole() -> None:
    value: dict[str, Any] = {"a": 1, "proof": {"x": 2}, "z": 3}
    assert canonicalize_with_member(b"[]", value, "proof") == canonicalize(value)
    assert canonicalize_with_member(b'{"y":0}', value, "proof") == canonicalize(value)


def test_bad_member_values_are_refused_as_canonicalize_refuses_them() -> None:
    value = {"a": 1, "proof": float("nan")}
    with pytest.raises(MalformedError) as err:
        canonicalize_with_member(b'{"a":1}', value, "proof")
    assert err.value.code == "json.non_finite"
    with pytest.raises(LimitExceededError):
        canonicalize_with_member(b'{"a":1}', {"a": 1, "proof": [[[1]]]}, "proof", max_depth=3)
