"""RFC 8785 canonical JSON and the strict JSON reader: cyberphone vectors, limits, properties."""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec.canonical import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    MAX_SIZE,
    canonicalize,
    json_copy,
    parse_json,
)
from attest.errors import LimitExceededError, MalformedError
from tests import vectors

CASES = sorted(p.stem for p in vectors.path("jcs/testdata/input").glob("*.json"))


# --- cyberphone/json-canonicalization vectors ----------------------------------------------------


def test_all_six_cases_are_present() -> None:
    assert CASES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", CASES)
def test_cyberphone_case(name: str) -> None:
    value = parse_json(vectors.load_bytes(f"jcs/testdata/input/{name}.json"))
    expected = vectors.load_bytes(f"jcs/testdata/output/{name}.json")
    assert canonicalize(value) == expected
    hex_bytes = bytes.fromhex(vectors.load_bytes(f"jcs/testdata/outhex/{name}.txt").decode())
    assert hex_bytes == expected
    # the canonical form is a fixed point
    assert canonicalize(parse_json(expected)) == expected


def _es6_lines() -> list[tuple[str, str]]:
    text = vectors.load_bytes("jcs/es6testfile-first10k.txt").decode("ascii")
    return [tuple(line.split(",")) for line in text.splitlines()]  # type: ignore[misc]


def test_es6_numbers_first_10k() -> None:
    lines = _es6_lines()
    assert len(lines) == 10_000
    wrong = []
    for hex_ieee, expected in lines:
        number = struct.unpack(">d", bytes.fromhex(hex_ieee.zfill(16)))[0]
        got = canonicalize(number).decode("ascii")
        if got != expected:
            wrong.append((hex_ieee, expected, got))
        _check_read_back(expected, number)
    assert wrong == []


def _check_read_back(text: str, number: float) -> None:
    """The strict reader gives the same double back, except for the integer literals that JCS
    writes for integral doubles in [2^53, 10^21): those it refuses, as integers out of range."""
    if number.is_integer() and abs(number) > MAX_SAFE_INTEGER and "e" not in text:
        with pytest.raises(MalformedError) as info:
            parse_json(text.encode())
        assert info.value.code == "json.int_out_of_range"
    else:
        assert parse_json(text.encode()) == number


def test_es6_file_is_the_published_prefix() -> None:
    digest = hashlib.sha256(vectors.load_bytes("jcs/es6testfile-first10k.txt")).hexdigest()
    assert digest == "b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892"


def test_big_integral_doubles_are_written_as_integers_and_refused_on_read() -> None:
    assert canonicalize(2.0**53) == b"9007199254740992"
    assert canonicalize(1e20) == b"100000000000000000000"
    assert canonicalize(1e21) == b"1e+21"
    _check_read_back("9007199254740992", 2.0**53)
    _check_read_back("1e+21", 1e21)


# --- canonicalize: inputs that JSON cannot carry exactly -----------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (float("nan"), "json.non_finite"),
        (float("inf"), "json.non_finite"),
        ([float("-inf")], "json.non_finite"),
        (MAX_SAFE_INTEGER + 1, "json.int_out_of_range"),
        (-MAX_SAFE_INTEGER - 1, "json.int_out_of_range"),
        ({"a": 2**64}, "json.int_out_of_range"),
        ("\ud800", "json.lone_surrogate"),
        ({"\udfff": 1}, "json.lone_surrogate"),
        ({1: "x"}, "json.non_string_key"),
        (b"bytes", "json.unsupported_type"),
        ({1, 2}, "json.unsupported_type"),
        (object(), "json.unsupported_type"),
    ],
)
def test_canonicalize_rejects(value: Any, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        canonicalize(value)
    assert info.value.code == code


def test_canonicalize_accepts_mappings_and_sequences() -> None:
    value: Any = MappingProxyType({"b": (1, 2), "a": OrderedDict(z=None, y=True)})
    assert canonicalize(value) == b'{"a":{"y":true,"z":null},"b":[1,2]}'
    assert json_copy(value) == {"b": [1, 2], "a": {"z": None, "y": True}}


def test_canonicalize_limits_depth() -> None:
    value: Any = []
    for _ in range(MAX_DEPTH - 1):
        value = [value]
    assert canonicalize(value) == b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    with pytest.raises(LimitExceededError) as info:
        canonicalize([value])
    assert info.value.code == "json.too_deep"
    assert canonicalize([value], max_depth=MAX_DEPTH + 1).startswith(b"[[")


def test_safe_integer_bounds() -> None:
    assert canonicalize([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == (
        b"[9007199254740991,-9007199254740991]"
    )


def test_utf16_key_order() -> None:
    # U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in code points
    assert canonicalize({"\ufb33": 1, "\U0001f600": 2}) == (
        b'{"\xf0\x9f\x98\x80":2,"\xef\xac\xb3":1}'
    )


# --- parse_json: the strict reader -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"a":1,"a":2}', "json.duplicate_key"),
        (b'{"a":1,"\\u0061":2}', "json.duplicate_key"),
        (b'[{"x":{"k":1,"k":1}}]', "json.duplicate_key"),
        (b"NaN", "json.non_finite"),
        (b"[Infinity]", "json.non_finite"),
        (b'{"a":-Infinity}', "json.non_finite"),
        (b"1e400", "json.number_out_of_range"),
        (b"[-1.5e309]", "json.number_out_of_range"),
        (b"9007199254740992", "json.int_out_of_range"),
        (b"-9007199254740992", "json.int_out_of_range"),
        (b"1" * 5000, "json.int_out_of_range"),
        (b'"\\ud800"', "json.lone_surrogate"),
        (b'"\\udc00\\ud800"', "json.lone_surrogate"),
        (b'{"\\ud83d":0}', "json.lone_surrogate"),
        (b'["ok", {"x": ["\\ude00"]}]', "json.lone_surrogate"),
        (b"\xef\xbb\xbf{}", "json.bad_encoding"),
        (b'"\xff"', "json.bad_encoding"),
        (b'"\xc0\xaf"', "json.bad_encoding"),  # overlong '/'
        (b'"\xed\xa0\x80"', "json.bad_encoding"),  # a surrogate encoded in UTF-8
        ('"é"'.encode("utf-16"), "json.bad_encoding"),
        (b"", "json.syntax"),
        (b"[1,]", "json.syntax"),
        (b"{'a':1}", "json.syntax"),
        (b"[1] [2]", "json.syntax"),
        (b'"tab\there"', "json.syntax"),
        (b"01", "json.syntax"),
        (b"// comment\n1", "json.syntax"),
        (b"[\x0c1]", "json.syntax"),  # form feed is not JSON whitespace
    ],
)
def test_parse_rejects(data: bytes, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        parse_json(data)
    assert info.value.code == code
    assert not isinstance(info.value, LimitExceededError)


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (
            b" \t\r\n[1, 2.5, -0, -0.0, 1E2, true, false, null] ",
            [1, 2.5, 0, 0.0, 100.0, True, False, None],
        ),
        (b'"\\ud83d\\ude00"', "\U0001f600"),
        (b'{"a":{"a":1}}', {"a": {"a": 1}}),
        (b"9007199254740991", MAX_SAFE_INTEGER),
        (b"-9007199254740991", -MAX_SAFE_INTEGER),
        (b"9007199254740992.0", 9007199254740992.0),  # a double, exactly representable
        (b"1e-400", 0.0),  # underflows to zero, as every double parser does
        (b'"\\u0000"', "\x00"),
    ],
)
def test_parse_accepts(data: bytes, value: Any) -> None:
    assert parse_json(data) == value


def test_parse_size_limit() -> None:
    assert parse_json(b" " * (MAX_SIZE - 2) + b"[]") == []
    with pytest.raises(LimitExceededError) as info:
        parse_json(b" " * (MAX_SIZE - 1) + b"[]")
    assert info.value.code == "json.too_large"
    with pytest.raises(LimitExceededError):
        parse_json(b"[1, 2]", max_size=5)
    assert parse_json(b"[1,2]", max_size=5) == [1, 2]


def test_parse_depth_limit() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(ok) is not None
    for deep in (
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
        b"[" * 500_000,  # unterminated: refused before the parser recurses
    ):
        with pytest.raises(LimitExceededError) as info:
            parse_json(deep)
        assert info.value.code == "json.too_deep"
    with pytest.raises(LimitExceededError):
        parse_json(b"[[[]]]", max_depth=2)


def test_brackets_inside_strings_do_not_count() -> None:
    value = ["[" * 1000, "{" * 1000, '\\"[[[', {"k[": "]]]"}]
    assert parse_json(json.dumps(value).encode()) == value


def test_parse_rejects_deep_nesting_quickly() -> None:
    # 1 MiB of brackets: bounded by size and depth; no RecursionError, no quadratic work
    with pytest.raises(LimitExceededError):
        parse_json(b"[" * (MAX_SIZE // 2) + b"]" * (MAX_SIZE // 2))


def test_messages_are_printable_for_hostile_keys() -> None:
    with pytest.raises(MalformedError) as info:
        parse_json(b'{"\\ud800\\n": 1}')
    str(info.value).encode("utf-8")  # no lone surrogate leaks into the message


# --- properties --------------------------------------------------------------------------------

_keys = st.text(max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        # integral doubles in [2^53, 1e21) are written as integer literals, which the strict
        # reader refuses (test_big_integral_doubles_are_written_as_integers_and_refused_on_read)
        lambda f: not (f.is_integer() and MAX_SAFE_INTEGER < abs(f) < 1e21)
    )
    | st.text(max_size=20)
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_round_trip_through_canonical_bytes(value: Any) -> None:
    data = canonicalize(value)
    parsed = parse_json(data)
    assert parsed == value
    assert canonicalize(parsed) == data  # canonical bytes are a fixed point
    assert json.loads(data) == value  # and ordinary JSON


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_serialization_reads_back_to_the_same_canonical_bytes(value: Any) -> None:
    for text in (
        json.dumps(value),
        json.dumps(value, ensure_ascii=False, indent=2),
        json.dumps(value, sort_keys=True, separators=(",", ":")),
    ):
        assert canonicalize(parse_json(text.encode())) == canonicalize(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_keys, _scalars, min_size=2, max_size=8), st.randoms())
def test_member_order_does_not_matter(value: dict[str, Any], rnd: Any) -> None:
    items = list(value.items())
    rnd.shuffle(items)
    assert canonicalize(dict(items)) == canonicalize(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_escape_as_other_exceptions(data: bytes) -> None:
    with contextlib.suppress(MalformedError):
        parse_json(data)


def test_output_files_have_no_trailing_newline() -> None:
    """Compare bytes, not text: the canonical outputs end at the last byte of the JSON."""
    for name in CASES:
        assert not vectors.load_bytes(f"jcs/testdata/output/{name}.json").endswith(b"\n")


# --- an independent implementation agrees ---------------------------------------------------------

_keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(_json)
def test_matches_rfc8785_package(value: Any) -> None:
    """The rfc8785 package (Trail of Bits) is the reference the fast writer must equal."""
    assert canonicalize(value) == rfc8785.dumps(value)
