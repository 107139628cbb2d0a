"""attest.codec.cbor: deterministic encoding (RFC 8949 §4.2.1), the strict decoder, vectors."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec.cbor import (
    CBORTag,
    decode_cbor,
    encode_deterministic,
    peek_tag,
    to_json_value,
)
from attest.errors import AttestError, LimitExceededError, MalformedError, UsageError

from . import vectors

STRICT = vectors.load_json("cbor/strict-decode.json")
ERROR_CLASSES = {"MalformedError": MalformedError, "LimitExceededError": LimitExceededError}


@contextmanager
def raises_code(code: str, cls: type[AttestError] = AttestError) -> Iterator[None]:
    """Like ``pytest.raises(cls)``, and the error's stable code must be exactly ``code``."""
    with pytest.raises(cls) as info:
        yield
    assert info.value.code == code


# --- the strict-decode vectors ---------------------------------------------------------------


def _options(case: dict[str, Any]) -> dict[str, Any]:
    names = ("max_size", "max_depth", "max_items", "require_deterministic")
    options: dict[str, Any] = {name: case[name] for name in names if name in case}
    if "allowed_tags" in case:
        options["allowed_tags"] = frozenset(case["allowed_tags"])
    return options


@pytest.mark.parametrize("case", STRICT["cases"], ids=lambda c: c["id"])
def test_strict_decode_vectors(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["hex"])
    if case["expect"] == "ok":
        value = decode_cbor(data, **_options(case))
        assert encode_deterministic(value).hex() == case["deterministic_hex"]
    else:
        with pytest.raises(AttestError) as info:
            decode_cbor(data, **_options(case))
        assert info.value.code == case["code"]
        assert type(info.value) is ERROR_CLASSES[case["error_class"]]


def test_strict_vectors_cover_every_decoder_code() -> None:
    codes = {c["code"] for c in STRICT["cases"] if c["expect"] == "error"}
    assert codes == {
        "cbor.bad_head",
        "cbor.bad_map_key",
        "cbor.duplicate_key",
        "cbor.indefinite_length",
        "cbor.invalid_utf8",
        "cbor.not_deterministic",
        "cbor.simple_value",
        "cbor.tag_not_allowed",
        "cbor.too_deep",
        "cbor.too_large",
        "cbor.too_many_items",
        "cbor.trailing_data",
        "cbor.truncated",
    }


# --- encoding: RFC 8949 Appendix A examples (all already deterministic) ----------------------

APPENDIX_A: list[tuple[object, str]] = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (0.0, "f90000"),
    (-0.0, "f98000"),
    (1.0, "f93c00"),
    (1.1, "fb3ff199999999999a"),
    (1.5, "f93e00"),
    (65504.0, "f97bff"),
    (100000.0, "fa47c35000"),
    (3.4028234663852886e38, "fa7f7fffff"),
    (1.0e300, "fb7e37e43c8800759c"),
    (5.960464477539063e-8, "f90001"),
    (0.00006103515625, "f90400"),
    (-4.0, "f9c400"),
    (-4.1, "fbc010666666666666"),
    (math.inf, "f97c00"),
    (math.nan, "f97e00"),
    (-math.inf, "f9fc00"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (CBORTag(1, 1363896240), "c11a514b67b0"),
    (CBORTag(23, b"\x01\x02\x03\x04"), "d74401020304"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    (
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
        "a56161614161626142616361436164614461656145",
    ),
]


@pytest.mark.parametrize(("value", "expected"), APPENDIX_A, ids=lambda x: repr(x)[:30])
def test_encode_rfc8949_appendix_a(value: object, expected: str) -> None:
    assert encode_deterministic(value).hex() == expected


def test_map_keys_sort_bytewise_not_length_first() -> None:
    # RFC 8949 §4.2.1: 24 (0x1818) sorts before -1 (0x20). cbor2's canonical mode uses the
    # length-first order of §4.2.3 and puts -1 first; the project must not.
    assert encode_deterministic({-1: "a", 24: "b"}).hex() == "a218186162206161"
    assert cbor2.dumps({-1: "a", 24: "b"}, canonical=True).hex() == "a220616118186162"
    assert encode_deterministic({"aa": 1, "b": 2}).hex() == "a261620262616101"


def test_map_key_order_across_major_types() -> None:
    value = {"a": 3, b"a": 2, -1: 1, 0: 0, 1000: 4}
    # 0x00 < 0x1903e8 < 0x20 < 0x4161 < 0x6161
    assert encode_deterministic(value).hex() == "a500001903e8042001416102616103"


def test_encode_ignores_insertion_order() -> None:
    a = {3: "x", 1: {"z": 1, "a": 2}, "k": [1]}
    b = {"k": [1], 1: {"a": 2, "z": 1}, 3: "x"}
    assert encode_deterministic(a) == encode_deterministic(b)


OUTSIDE_THE_DATA_MODEL: dict[str, object] = {
    "set": {1, 2},
    "bytearray": bytearray(b"x"),
    "memoryview": memoryview(b"x"),
    "object": object(),
    "int-too-big": 2**64,
    "int-too-small": -(2**64) - 1,
    "bool-key": {True: 1},
    "float-key": {1.0: 1},
    "tuple-key": {(1,): 1},
    "null-key": {None: 1},
    "lone-surrogate": "\ud800",
    "nested-complex": [1, {"a": complex(1, 2)}],
}


@pytest.mark.parametrize("name", sorted(OUTSIDE_THE_DATA_MODEL))
def test_encode_refuses_values_outside_the_data_model(name: str) -> None:
    with raises_code("cbor.cannot_encode", UsageError):
        encode_deterministic(OUTSIDE_THE_DATA_MODEL[name])


def test_encode_refuses_deep_and_cyclic_values() -> None:
    deep: list[object] = []
    for _ in range(300):
        deep = [deep]
    with raises_code("cbor.encode_too_deep", UsageError):
        encode_deterministic(deep)
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with raises_code("cbor.encode_too_deep", UsageError):
        encode_deterministic(cyclic)


# --- decoding: API ---------------------------------------------------------------------------


def test_decoded_containers_are_immutable() -> None:
    value = decode_cbor(bytes.fromhex("a2016161028101"))
    assert isinstance(value, cbor2.frozendict)
    assert value == {1: "a", 2: (1,)}
    with pytest.raises(TypeError):
        value[3] = 4  # type: ignore[index]


def test_allowed_tags_stay_raw() -> None:
    assert decode_cbor(bytes.fromhex("c11a514b67b0"), allowed_tags=frozenset({1})) == CBORTag(
        1, 1363896240
    )
    big = decode_cbor(bytes.fromhex("c249010000000000000000"), allowed_tags=frozenset({2}))
    assert big == CBORTag(2, b"\x01" + bytes(8))


def test_decode_arguments() -> None:
    with raises_code("cbor.not_bytes", UsageError):
        decode_cbor(bytearray(b"\x00"))  # type: ignore[arg-type]
    with raises_code("cbor.bad_limit", UsageError):
        decode_cbor(b"\x00", max_depth=0)
    with raises_code("cbor.bad_limit", UsageError):
        decode_cbor(b"\x00", max_depth=257)


def test_size_is_checked_before_anything_else() -> None:
    # Malformed from its first byte, but too large is what is reported.
    with raises_code("cbor.too_large", LimitExceededError):
        decode_cbor(b"\xff" * 11, max_size=10)


def test_peek_tag() -> None:
    assert peek_tag(bytes.fromhex("d28440a0f640")) == 18
    assert peek_tag(bytes.fromhex("d903e6")) == 998
    assert peek_tag(bytes.fromhex("8440a0f640")) is None
    with raises_code("cbor.truncated", MalformedError):
        peek_tag(b"")
    with raises_code("cbor.truncated", MalformedError):
        peek_tag(b"\xd9\x03")


# --- properties ------------------------------------------------------------------------------

_keys = st.one_of(st.integers(-(2**64), 2**64 - 1), st.text(max_size=8), st.binary(max_size=8))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=16),
    st.binary(max_size=16),
)
values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(_keys, inner, max_size=5),
        st.builds(CBORTag, st.sampled_from([1, 24, 32, 1000]), inner),
    ),
    max_leaves=30,
)
TAGS = frozenset({1, 24, 32, 1000})


def _plain(value: object) -> object:
    """Lists for tuples, dicts for mappings: to compare decoded values with the originals."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict | cbor2.frozendict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, CBORTag):
        return CBORTag(value.tag, _plain(value.value))
    return value


@settings(max_examples=300)
@given(values)
def test_round_trip_is_deterministic(value: object) -> None:
    data = encode_deterministic(value)
    decoded = decode_cbor(data, allowed_tags=TAGS, require_deterministic=True, max_depth=64)
    assert _plain(decoded) == _plain(value)
    assert encode_deterministic(decoded) == data
    # An independent decoder reads the same value from the bytes.
    assert _plain(cbor2.loads(data, semantic_decoders={1: lambda v, i: CBORTag(1, v)})) == _plain(
        value
    )


@settings(max_examples=300)
@given(values)
def test_other_encodings_pass_only_when_identical(value: object) -> None:
    # cbor2's plain mode writes doubles and keeps insertion order: well formed, often not
    # deterministic. require_deterministic must accept exactly the deterministic bytes.
    data = cbor2.dumps(value)
    if data == encode_deterministic(value):
        decode_cbor(data, allowed_tags=TAGS, require_deterministic=True, max_depth=64)
    else:
        with raises_code("cbor.not_deterministic", MalformedError):
            decode_cbor(data, allowed_tags=TAGS, require_deterministic=True, max_depth=64)


@settings(max_examples=1000)
@given(st.binary(max_size=64), st.booleans())
def test_random_bytes_raise_only_project_errors(data: bytes, deterministic: bool) -> None:
    with suppress(MalformedError):  # anything else fails the test
        decode_cbor(data, max_items=64, allowed_tags=TAGS, require_deterministic=deterministic)


@settings(max_examples=300)
@given(values, st.data())
def test_mutated_encodings_raise_only_project_errors(value: object, data: st.DataObject) -> None:
    encoded = bytearray(encode_deterministic(value))
    if encoded:
        i = data.draw(st.integers(0, len(encoded) - 1))
        encoded[i] ^= data.draw(st.integers(1, 255))
    with suppress(MalformedError):  # anything else fails the test
        decode_cbor(bytes(encoded), allowed_tags=TAGS, require_deterministic=True, max_depth=64)


# --- to_json_value: the one CBOR-to-JSON converter --------------------------------------------


def test_to_json_value_maps_json_one_to_one() -> None:
    doc = {"a": [1, -2, 1.5, True, None, "x"], "b": {"c": []}, "": 0}
    item = decode_cbor(encode_deterministic(doc))
    assert isinstance(item, Mapping) and not isinstance(item, dict)  # decoded: read-only map
    out = to_json_value(item)
    assert out == doc
    assert type(out) is dict and type(out["a"]) is list and type(out["b"]) is dict
    assert json.loads(json.dumps(out)) == doc


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"a": b"\x00"}, "$.a is a byte string"),
        ([1, {"k": [b""]}], "$[1].k[0] is a byte string"),
        ({1: "one"}, "not text"),
        ({b"k": "v"}, "not text"),
        ({"x": float("nan")}, "nan"),
        ([float("inf")], "inf"),
        (CBORTag(1, 0), "CBORTag"),
    ],
)
def test_to_json_value_refuses_what_json_cannot_hold(item: object, where: str) -> None:
    encoded = encode_deterministic(item)
    decoded = decode_cbor(encoded, allowed_tags=frozenset({1}))
    with pytest.raises(MalformedError) as info:
        to_json_value(decoded)
    assert info.value.code == "cbor.not_json"
    assert where in info.value.message
    with pytest.raises(MalformedError) as info:
        to_json_value(decoded, code="credential.malformed")
    assert info.value.code == "credential.malformed"


def test_to_json_value_never_merges_keys() -> None:
    """{1: a, "1": b} is two keys in CBOR; a converter that stringified keys would keep one."""
    decoded = decode_cbor(encode_deterministic({1: "signed", "1": "other"}))
    with pytest.raises(MalformedError):
        to_json_value(decoded)
