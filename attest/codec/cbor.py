"""Deterministic CBOR encoding and a strict, bounded CBOR decoder.

Every CBOR byte string the project signs or hashes is written by :func:`encode_deterministic`
(RFC 8949 §4.2.1 core deterministic encoding), and every CBOR byte string it reads goes
through :func:`decode_cbor`, which checks well-formedness, limits and the project's strict
profile *before* any value is built, so hostile input costs bounded time and memory and every
failure is a :class:`~attest.errors.MalformedError` with a stable code (specs/cbor.md).

cbor2 does the leaf work: scalars are encoded in its canonical mode (shortest integer and
float forms) and values are built by its decoder, with immutable containers (tuples and
mappings). The container framing and the map key order are done here, because cbor2's
canonical mode sorts map keys length-first (RFC 8949 §4.2.3), not bytewise (§4.2.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import cbor2

from attest.codec.canonical import JsonValue
from attest.errors import LimitExceededError, MalformedError, UsageError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_SIZE",
    "MAX_ENCODE_DEPTH",
    "CBORTag",
    "decode_cbor",
    "encode_deterministic",
    "peek_tag",
    "to_json_value",
]

#: cbor2's tag type, re-exported so callers build and match tags without importing cbor2.
CBORTag = cbor2.CBORTag

DEFAULT_MAX_SIZE = 1 << 20
DEFAULT_MAX_DEPTH = 16
DEFAULT_MAX_ITEMS = 4096
#: Deepest nesting the encoder writes (and so the largest ``max_depth`` a decoder may use).
MAX_ENCODE_DEPTH = 256

_UINT64_MAX = (1 << 64) - 1
_MAJOR_UINT, _MAJOR_NEGINT, _MAJOR_BYTES, _MAJOR_TEXT = 0, 1, 2, 3
_MAJOR_ARRAY, _MAJOR_MAP, _MAJOR_TAG, _MAJOR_SIMPLE = 4, 5, 6, 7
_SIMPLE_FALSE, _SIMPLE_TRUE, _SIMPLE_NULL = 20, 21, 22
_AI_FLOATS = (25, 26, 27)
_AI_INDEFINITE = 31


# --- encoding ---------------------------------------------------------------------------------


def _head(major: int, argument: int) -> bytes:
    """The initial byte and argument of a data item in its shortest form (RFC 8949 §3, §4.2.1)."""
    if argument < 24:
        return bytes([major << 5 | argument])
    for additional, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * width):
            return bytes([major << 5 | additional]) + argument.to_bytes(width, "big")
    raise UsageError("cbor.cannot_encode", "a CBOR argument is at most 2**64 - 1")


def _cannot(what: str) -> UsageError:
    return UsageError("cbor.cannot_encode", what)


def _encode(value: object, out: list[bytes], depth: int) -> None:
    if depth > MAX_ENCODE_DEPTH:
        raise UsageError(
            "cbor.encode_too_deep", f"values nest deeper than {MAX_ENCODE_DEPTH} levels"
        )
    if value is None or isinstance(value, (bool, float)):
        out.append(cbor2.dumps(value, canonical=True))
    elif isinstance(value, int):
        if not -(1 << 64) <= value <= _UINT64_MAX:
            raise _cannot("integers are limited to -2**64 .. 2**64 - 1 (no bignums)")
        out.append(cbor2.dumps(value, canonical=True))
    elif isinstance(value, bytes):
        out.append(_head(_MAJOR_BYTES, len(value)))
        out.append(value)
    elif isinstance(value, str):
        try:
            text = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _cannot("text is not valid Unicode (lone surrogate)") from exc
        out.append(_head(_MAJOR_TEXT, len(text)))
        out.append(text)
    elif isinstance(value, (list, tuple)):
        out.append(_head(_MAJOR_ARRAY, len(value)))
        for item in value:
            _encode(item, out, depth + 1)
    elif isinstance(value, Mapping):
        entries: list[tuple[bytes, bytes]] = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (int, str, bytes)):
                raise _cannot(f"map keys are integers, text or bytes, not {type(key).__name__}")
            entries.append((_encoded(key, depth + 1), _encoded(item, depth + 1)))
        entries.sort()  # bytewise lexicographic order of the encoded keys (RFC 8949 §4.2.1)
        out.append(_head(_MAJOR_MAP, len(entries)))
        for key_bytes, item_bytes in entries:
            out.append(key_bytes)
            out.append(item_bytes)
    elif isinstance(value, CBORTag):  # cbor2 keeps tag numbers within 0 .. 2**64 - 1
        out.append(_head(_MAJOR_TAG, value.tag))
        _encode(value.value, out, depth + 1)
    else:
        raise _cannot(f"cannot encode a {type(value).__name__} as CBOR")


def _encoded(value: object, depth: int) -> bytes:
    out: list[bytes] = []
    _encode(value, out, depth)
    return b"".join(out)


def encode_deterministic(value: object) -> bytes:
    """RFC 8949 §4.2.1 core deterministic encoding of ``value``.

    Accepts None, bool, int (64-bit range), float, str, bytes, list/tuple, Mapping (keys int,
    str or bytes) and :data:`CBORTag`. Lengths are definite, arguments and floats take their
    shortest form, map keys sort bytewise by their encodings. Anything else is a
    :class:`UsageError`: the caller built a value the project never writes.
    """
    return _encoded(value, 0)


# --- decoding ---------------------------------------------------------------------------------


@dataclass
class _Frame:
    """An open container in the well-formedness walk: children still to come."""

    remaining: int
    is_map: bool
    keys: set[tuple[int, object]] = field(default_factory=set)


def _malformed(code: str, message: str, offset: int) -> MalformedError:
    return MalformedError(code, f"{message} (at byte {offset})")


def _read_head(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(major type, additional info, argument, position after the head) at ``pos``."""
    if pos >= len(data):
        raise _malformed("cbor.truncated", "input ends before a data item", pos)
    initial = data[pos]
    major, additional = initial >> 5, initial & 0x1F
    if additional < 24:
        return major, additional, additional, pos + 1
    if additional <= 27:
        width = 1 << (additional - 24)
        end = pos + 1 + width
        if end > len(data):
            raise _malformed("cbor.truncated", "input ends inside a data item's head", pos)
        return major, additional, int.from_bytes(data[pos + 1 : end], "big"), end
    if additional == _AI_INDEFINITE:
        if _MAJOR_BYTES <= major <= _MAJOR_MAP:
            raise _malformed("cbor.indefinite_length", "indefinite-length items are refused", pos)
        if major == _MAJOR_SIMPLE:
            raise _malformed("cbor.bad_head", "a 'break' outside an indefinite-length item", pos)
    raise _malformed("cbor.bad_head", f"reserved additional information {additional}", pos)


def _scalar(data: bytes, start: int, major: int, additional: int, argument: int, pos: int) -> int:
    """Check one non-container item whose head ends at ``pos``; the position after it."""
    if major in (_MAJOR_BYTES, _MAJOR_TEXT):
        end = pos + argument
        if end > len(data):
            raise _malformed("cbor.truncated", "input ends inside a string", start)
        if major == _MAJOR_TEXT:
            try:
                data[pos:end].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _malformed("cbor.invalid_utf8", "text is not valid UTF-8", start) from exc
        return end
    if major == _MAJOR_SIMPLE and additional not in _AI_FLOATS:
        if additional == 24 and argument < 32:
            raise _malformed("cbor.bad_head", "two-byte simple value below 32", start)
        if additional not in (_SIMPLE_FALSE, _SIMPLE_TRUE, _SIMPLE_NULL):
            value = argument if additional == 24 else additional
            raise _malformed("cbor.simple_value", f"simple value {value} is not allowed", start)
    return pos  # integers and floats: the head held all of it


def _check_well_formed(
    data: bytes, *, max_depth: int, max_items: int, allowed_tags: frozenset[int]
) -> None:
    """Walk every head once, without building values, and enforce the strict profile.

    Checks, in input order: truncation, reserved heads, indefinite lengths, simple values
    other than false/true/null, invalid UTF-8, tags outside ``allowed_tags``, map keys that
    are not integers or text or byte strings, duplicate map keys, nesting depth and item
    count (a declared count is checked against the count limit and the bytes left before any
    child is read), and finally trailing bytes.
    """
    stack: list[_Frame] = []
    pos = 0
    items = 0
    while True:
        start = pos
        major, additional, argument, pos = _read_head(data, pos)
        items += 1
        if items > max_items:
            raise LimitExceededError("cbor.too_many_items", f"more than {max_items} data items")
        parent = stack[-1] if stack else None
        is_key = parent is not None and parent.is_map and parent.remaining % 2 == 0
        if is_key and major > _MAJOR_TEXT:
            raise _malformed("cbor.bad_map_key", "map keys must be integers, text or bytes", start)
        children = 0
        if major not in (_MAJOR_ARRAY, _MAJOR_MAP, _MAJOR_TAG):
            head_end, pos = pos, _scalar(data, start, major, additional, argument, pos)
            if is_key and parent is not None:
                key = (major, argument if major <= _MAJOR_NEGINT else data[head_end:pos])
                if key in parent.keys:
                    raise _malformed("cbor.duplicate_key", "a map key occurs twice", start)
                parent.keys.add(key)
        else:
            if len(stack) + 1 > max_depth:
                raise LimitExceededError(
                    "cbor.too_deep", f"containers nest deeper than {max_depth} levels"
                )
            if major == _MAJOR_TAG and argument not in allowed_tags:
                raise _malformed("cbor.tag_not_allowed", f"tag {argument} is not allowed", start)
            children = {_MAJOR_ARRAY: argument, _MAJOR_MAP: 2 * argument, _MAJOR_TAG: 1}[major]
            # Every child is at least one byte and one item: refuse a declared count that
            # cannot fit before reading any of it.
            if items + children > max_items:
                raise LimitExceededError("cbor.too_many_items", f"more than {max_items} data items")
            if children > len(data) - pos:
                raise _malformed("cbor.truncated", "input ends inside a container", start)
        if children:
            stack.append(_Frame(children, major == _MAJOR_MAP))
            continue
        while stack:  # this item is complete, and so may be the containers around it
            stack[-1].remaining -= 1
            if stack[-1].remaining:
                break
            stack.pop()
        if not stack:
            break
    if pos != len(data):
        raise _malformed("cbor.trailing_data", "bytes follow the data item", pos)


def _raw_tag(number: int) -> Callable[[object, bool], object]:
    def decode(value: object, immutable: bool) -> object:
        return CBORTag(number, value)

    return decode


def decode_cbor(
    data: bytes,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_items: int = DEFAULT_MAX_ITEMS,
    allowed_tags: frozenset[int] = frozenset(),
    require_deterministic: bool = False,
) -> object:
    """Decode exactly one CBOR data item from ``data`` under the strict profile.

    Limits are checked before the work they bound: the size first, then depth and item
    counts as heads are read (a declared count is checked before its children). The value
    is built only after the whole input passed, with immutable containers: arrays are tuples,
    maps are read-only mappings, allowed tags are :data:`CBORTag` with their raw content.
    With ``require_deterministic`` the input must also be the RFC 8949 §4.2.1 encoding of
    the value (checked by re-encoding and comparing).
    """
    if not isinstance(data, bytes):
        raise UsageError("cbor.not_bytes", "CBOR input must be bytes")
    if not 1 <= max_depth <= MAX_ENCODE_DEPTH:
        raise UsageError("cbor.bad_limit", f"max_depth must be 1 .. {MAX_ENCODE_DEPTH}")
    if len(data) > max_size:
        raise LimitExceededError("cbor.too_large", f"{len(data)} bytes is over {max_size}")
    _check_well_formed(data, max_depth=max_depth, max_items=max_items, allowed_tags=allowed_tags)
    try:
        value: object = cbor2.loads(
            data,
            max_depth=max_depth,
            allow_indefinite=False,
            allow_duplicate_keys=False,
            immutable=True,
            semantic_decoders={number: _raw_tag(number) for number in allowed_tags},
        )
    except Exception as exc:  # unreachable after the walk; never let cbor2's errors escape
        raise MalformedError("cbor.invalid", f"CBOR does not decode: {exc}") from exc
    if require_deterministic and encode_deterministic(value) != data:
        raise MalformedError(
            "cbor.not_deterministic", "not the RFC 8949 §4.2.1 deterministic encoding"
        )
    return value


def peek_tag(data: bytes) -> int | None:
    """The tag number of the outermost data item, or None when it is not tagged.

    Reads only the first head, so a caller can reject the wrong kind of message (say, a
    COSE tag other than the one it expects) with its own error before decoding the rest.
    """
    major, _, argument, _ = _read_head(data, 0)
    return argument if major == _MAJOR_TAG else None


# --- CBOR data that carries JSON -------------------------------------------------------------


def to_json_value(item: object, *, code: str = "cbor.not_json") -> JsonValue:
    """The JSON value a decoded CBOR item carries, or ``MalformedError(code)`` if it is not one.

    The one converter for CBOR that encodes a JSON document (a COSE credential's payload,
    specs/credential.md §3, whose JSON values map one to one): maps become ``dict`` with the
    same text keys, arrays (tuples or lists) become ``list``, text, integers, booleans and
    null stay as they are, finite floats stay floats. Everything JSON cannot hold is refused,
    never converted (specs/cbor.md §5):

    - a **byte string**: JSON has none, and no attest format puts one inside a JSON document
      (a bundle carries bytes as base64 text in JSON and as bstr in CBOR, but those fields are
      read by the bundle parser, never converted). Passing bytes through would hand a JSON
      reader a value it cannot print or canonicalize; encoding them as base64 would make two
      different signed payloads read as the same document.
    - a **map key that is not text**: ``str(1)`` would make ``{1: a, "1": b}`` two values for
      one key, so a signed payload could read two ways.
    - NaN and the infinities, and any tag.

    ``code`` lets a format report the refusal as its own (``credential.malformed``, say).
    """
    return _json(item, code, "$")


def _json(item: object, code: str, where: str) -> JsonValue:
    if item is None or isinstance(item, (bool, int, str)):
        return item
    if isinstance(item, float):
        if not math.isfinite(item):
            raise MalformedError(code, f"{where} is {item!r}, which JSON cannot hold")
        return item
    if isinstance(item, Mapping):
        out: dict[str, JsonValue] = {}
        for key, value in item.items():
            if not isinstance(key, str):
                raise MalformedError(code, f"{where} has a map key that is not text: {key!r:.40}")
            out[key] = _json(value, code, f"{where}.{key[:40]}")
        return out
    if isinstance(item, (tuple, list)):
        return [_json(value, code, f"{where}[{i}]") for i, value in enumerate(item)]
    if isinstance(item, bytes):
        raise MalformedError(code, f"{where} is a byte string, which JSON cannot hold")
    raise MalformedError(code, f"{where} is a {type(item).__name__}, which JSON cannot hold")
