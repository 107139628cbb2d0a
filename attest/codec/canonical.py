"""Canonical JSON: RFC 8785 (JCS) bytes of a JSON value, and a strict reader for hostile JSON.

A signature over JSON is a signature over bytes, so both sides must turn the same value into
the same bytes. :func:`canonicalize` does that with RFC 8785: no whitespace, members sorted
by their UTF-16 code units, ECMAScript number formatting.

:func:`parse_json` reads untrusted bytes and accepts only what JCS reproduces faithfully: UTF-8
text (RFC 8259 §8.1) with no byte order mark, no duplicate member names (RFC 8259 §4 leaves them
open; I-JSON, RFC 7493 §2.3, forbids them), no ``NaN``/``Infinity``, no number that overflows
a double, no integer beyond ±(2^53 - 1) (RFC 7493 §2.2; JCS cannot carry it), and no lone
surrogate (RFC 7493 §2.1). Size is bounded before parsing and nesting depth before the parser
recurses. Limits and codes: specs/canonical-json.md.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Final, NoReturn, TypeAlias

from attest.errors import LimitExceededError, MalformedError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "MAX_SIZE",
    "MAX_STRING_LENGTH",
    "JsonInput",
    "JsonValue",
    "canonicalize",
    "canonicalize_with_member",
    "es6_number",
    "json_copy",
    "parse_json",
]

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
"""A parsed JSON value: what :func:`parse_json` and :func:`json_copy` return."""

JsonInput: TypeAlias = (
    "bool | int | float | str | Sequence[JsonInput] | Mapping[str, JsonInput] | None"
)
"""Anything :func:`canonicalize` accepts: JSON values, with any mapping or sequence type."""

MAX_SIZE: Final = 1 << 20
"""Default largest input of :func:`parse_json`, in bytes (1 MiB). A credential is a few KiB."""

MAX_DEPTH: Final = 64
"""Default deepest nesting of arrays and objects (``[]`` is depth 1). A credential with its
proof nests about 6 deep; 64 leaves room and keeps recursion far from Python's limit."""

MAX_STRING_LENGTH: Final = 1 << 20
"""Default longest string (or member name) of :func:`parse_json`, in characters as written
between its quotes, escapes included. Readers of larger documents pass their own limit."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""Largest integer an IEEE 754 double holds exactly; JCS refuses anything beyond ±this."""

_MAX_SAFE_DIGITS: Final = len(str(MAX_SAFE_INTEGER))
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE: Final = re.compile(r"\\u[dD][89a-fA-F]")
# A string token, or an unterminated one up to the end of the text. Possessive quantifiers
# and the optional closing quote keep every match attempt linear and the scan one pass: a
# pattern that needs the closing quote backtracks over the whole rest of the text at every
# unbalanced quote, which is quadratic on `"\\"\\"\\"…` (the parser rejects such text later).
_STRING: Final = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}


def canonicalize(value: JsonInput, *, max_depth: int = MAX_DEPTH) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``.

    One pass that checks and writes: strings through the standard library's C escaper (the
    same escapes RFC 8785 §3.2.2.2 requires), members sorted by their UTF-16 code units
    (§3.2.3), numbers in ECMAScript form (§3.2.2.3). The ``rfc8785`` package is the reference
    it is tested against (every cyberphone vector, the ES6 number file, property tests).

    Raises :class:`MalformedError` for what JSON cannot carry exactly (non-string keys, NaN,
    infinities, integers beyond ±(2^53 - 1), lone surrogates, other Python types) and
    :class:`LimitExceededError` past ``max_depth``.
    """
    parts: list[str] = []
    _write(value, parts, 0, max_depth)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError(
            "json.lone_surrogate", "a string holds an unpaired UTF-16 surrogate"
        ) from exc


_escape = json.encoder.encode_basestring


def canonicalize_with_member(
    canonical_rest: bytes, value: Mapping[str, JsonInput], name: str, *, max_depth: int = MAX_DEPTH
) -> bytes:
    """``canonicalize(value)`` for an object ``value`` with member ``name``, given
    ``canonical_rest``, the canonical bytes of ``value`` without that member.

    JCS writes an object's members sorted, each independently of the others, so the whole is
    the rest with ``"name":…`` spliced in where ``name`` sorts: only that member and the
    members sorting after it are written again (a credential's ``proof`` and the few short
    members after it, instead of the whole credential). The caller vouches that
    ``canonical_rest`` came from ``canonicalize`` of exactly the other members; when its shape
    shows otherwise, the whole value is canonicalized instead.
    """
    if not (canonical_rest.startswith(b"{") and canonical_rest.endswith(b"}")):
        return canonicalize(value, max_depth=max_depth)
    if max_depth < 1:
        _too_deep(max_depth)
    order = name.encode("utf-16-be", "surrogatepass")
    after = {}
    for key, item in value.items():
        if not isinstance(key, str):
            return canonicalize(value, max_depth=max_depth)  # raises json.non_string_key
        if key.encode("utf-16-be", "surrogatepass") > order:
            after[key] = item
    tail = canonicalize(after, max_depth=max_depth)[1:-1]
    body = canonical_rest[1:-1]
    if not body.endswith(tail) or (tail and len(body) > len(tail) and body[-len(tail) - 1] != 44):
        return canonicalize(value, max_depth=max_depth)
    head = body[: len(body) - len(tail)].removesuffix(b",") if tail else body
    try:
        member = (_escape(name) + ":").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError(
            "json.lone_surrogate", "a string holds an unpaired UTF-16 surrogate"
        ) from exc
    member += canonicalize(value[name], max_depth=max_depth - 1)
    return b"{" + b",".join(part for part in (head, member, tail) if part) + b"}"


def _utf16(key: tuple[str, object]) -> bytes:
    return key[0].encode("utf-16-be", "surrogatepass")


def _first(key: tuple[str, object]) -> str:
    return key[0]


def _write(value: object, out: list[str], depth: int, max_depth: int) -> None:
    kind = type(value)  # exact types first: the isinstance checks on ABCs below cost more
    if kind is str:
        out.append(_escape(value))  # type: ignore[arg-type]
    elif kind is dict:
        _write_object(value, out, depth, max_depth)  # type: ignore[arg-type]
    elif kind is list:
        _write_array(value, out, depth, max_depth)  # type: ignore[arg-type]
    elif isinstance(value, str):
        out.append(_escape(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            _int_out_of_range("$")
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(es6_number(value))
    elif isinstance(value, Mapping):
        _write_object(value, out, depth, max_depth)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        _write_array(value, out, depth, max_depth)
    else:
        raise MalformedError(
            "json.unsupported_type", f"a {type(value).__name__} is not a JSON value"
        )


def _write_object(
    value: Mapping[object, object], out: list[str], depth: int, max_depth: int
) -> None:
    if depth >= max_depth:
        _too_deep(max_depth)
    items = list(value.items())
    ascii_keys = True
    for key, _ in items:
        if type(key) is not str and not isinstance(key, str):
            raise MalformedError(
                "json.non_string_key", f"object member name {key!r} is not a string"
            )
        if ascii_keys and not key.isascii():
            ascii_keys = False
    # ASCII keys sort the same by code point as by UTF-16 code unit, without encoding.
    items.sort(key=_first if ascii_keys else _utf16)  # type: ignore[arg-type]
    out.append("{")
    first = True
    for key, item in items:
        if not first:
            out.append(",")
        first = False
        out.append(_escape(key))  # type: ignore[arg-type]
        out.append(":")
        _write(item, out, depth + 1, max_depth)
    out.append("}")


def _write_array(value: Sequence[object], out: list[str], depth: int, max_depth: int) -> None:
    if depth >= max_depth:
        _too_deep(max_depth)
    out.append("[")
    for i, item in enumerate(value):
        if i:
            out.append(",")
        _write(item, out, depth + 1, max_depth)
    out.append("]")


def es6_number(x: float) -> str:
    """ECMAScript Number::toString of a finite double (ECMA-262 §6.1.6.1.20), which RFC 8785
    §3.2.2.3 requires: the shortest digits that round-trip, placed as ECMAScript places them."""
    if not math.isfinite(x):
        raise MalformedError("json.non_finite", f"{x} is not a JSON number")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    text = repr(abs(x))  # shortest round-trip digits (David Gay), as ECMAScript picks them
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    all_digits = whole + frac
    digits = all_digits.lstrip("0")
    leading_zeros = len(all_digits) - len(digits)
    # n: where the decimal point sits, value = 0.<digits> * 10^n (ECMA-262's n).
    n = len(whole) - leading_zeros + (int(exp) if exp else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exponent = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return sign + digits + "e" + exponent
    return sign + digits[0] + "." + digits[1:] + "e" + exponent


def json_copy(value: JsonInput, *, max_depth: int = MAX_DEPTH) -> JsonValue:
    """A plain ``dict``/``list`` deep copy of ``value``, checked to be JSON that JCS encodes."""
    return _copy(value, 0, max_depth, "$")


def _copy(value: object, depth: int, max_depth: int, where: str) -> JsonValue:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            _int_out_of_range(where)
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MalformedError("json.non_finite", f"{where}: {value} is not a JSON number")
        return float(value)
    if isinstance(value, str):
        _check_string(value, where)
        return str(value)
    if depth >= max_depth and isinstance(value, Mapping | Sequence):
        _too_deep(max_depth)
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise MalformedError(
                    "json.non_string_key", f"{where}: object member name {key!r} is not a string"
                )
            _check_string(key, where)
            out[str(key)] = _copy(item, depth + 1, max_depth, _member(where, key))
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_copy(item, depth + 1, max_depth, f"{where}[{i}]") for i, item in enumerate(value)]
    raise MalformedError(
        "json.unsupported_type", f"{where}: a {type(value).__name__} is not a JSON value"
    )


def parse_json(
    data: bytes,
    *,
    max_size: int = MAX_SIZE,
    max_depth: int = MAX_DEPTH,
    max_string: int = MAX_STRING_LENGTH,
) -> JsonValue:
    """Parse untrusted JSON bytes strictly (see the module docstring); never a bare exception.

    Raises :class:`LimitExceededError` (``json.too_large``, ``json.too_deep``,
    ``json.string_too_long``) or
    :class:`MalformedError` (``json.bad_encoding``, ``json.syntax``, ``json.duplicate_key``,
    ``json.non_finite``, ``json.number_out_of_range``, ``json.int_out_of_range``,
    ``json.lone_surrogate``).
    """
    if len(data) > max_size:
        raise LimitExceededError(
            "json.too_large", f"JSON input of {len(data)} bytes exceeds the {max_size}-byte limit"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise MalformedError("json.bad_encoding", "JSON text must not start with a byte order mark")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedError(
            "json.bad_encoding", f"JSON text is not UTF-8 (byte {exc.start}: {exc.reason})"
        ) from exc
    _check_depth(text, max_depth)
    _check_string_lengths(text, max_string)
    try:
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_reject_constant,
            parse_int=_int,
            parse_float=_float,
        )
    except json.JSONDecodeError as exc:
        raise MalformedError(
            "json.syntax", f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # unreachable after _check_depth; kept as a backstop
        raise LimitExceededError("json.too_deep", "JSON nesting too deep") from exc
    if _ESCAPED_SURROGATE.search(text):  # only \\uD800-style escapes can make one
        _check_strings(value, "$")
    return value


def _check_depth(text: str, max_depth: int) -> None:
    """Bound nesting before the recursive parser sees the text (strings do not count)."""
    if text.count("[") + text.count("{") <= max_depth:
        return
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    deepest = max(itertools.accumulate(_DEPTH_STEP[c] for c in brackets), default=0)
    if deepest > max_depth:
        _too_deep(max_depth)


def _check_string_lengths(text: str, max_string: int) -> None:
    """Bound every string before the parser builds it: one linear scan of the tokens."""
    if len(text) <= max_string + 2:
        return
    for token in _STRING.finditer(text):
        if token.end() - token.start() - 2 > max_string:
            raise LimitExceededError(
                "json.string_too_long",
                f"a JSON string at character {token.start()} is longer than {max_string}",
            )


def _too_deep(max_depth: int) -> NoReturn:
    raise LimitExceededError(
        "json.too_deep", f"JSON nests arrays and objects more than {max_depth} deep"
    )


def _object(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise MalformedError(
                    "json.duplicate_key", f"object member name {key[:80]!r} appears twice"
                )
            seen.add(key)
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise MalformedError("json.non_finite", f"{name} is not a JSON number")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_SAFE_DIGITS or abs(int(text)) > MAX_SAFE_INTEGER:
        _int_out_of_range(text[:40])
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise MalformedError(
            "json.number_out_of_range", f"number {text[:40]} overflows an IEEE 754 double"
        )
    return value


def _int_out_of_range(where: str) -> NoReturn:
    raise MalformedError(
        "json.int_out_of_range",
        f"{where}: integer beyond ±(2^53 - 1) cannot be represented exactly (RFC 7493 §2.2)",
    )


def _member(where: str, key: str) -> str:
    """A readable, printable path step (``repr`` escapes surrogates and control characters)."""
    return f"{where}[{key[:40]!r}]"


def _check_string(text: str, where: str) -> None:
    if _SURROGATE.search(text):
        raise MalformedError(
            "json.lone_surrogate", f"{where}: string holds an unpaired UTF-16 surrogate"
        )


def _check_strings(value: JsonValue, where: str) -> None:
    """Reject lone surrogates, which the parser builds from ``\\ud800``-style escapes."""
    if isinstance(value, str):
        _check_string(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_string(key, where)
            _check_strings(item, _member(where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{where}[{i}]")
