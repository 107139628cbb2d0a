"""A JSON body's element count and nesting, bounded before any Python object is built.

The strict reader (:func:`attest.codec.canonical.parse_json`) bounds a document's size,
depth and strings, not its number of elements: 2 MiB of ``[{},{},…]`` is 350,000 dicts.
:func:`check_json_shape` counts them first on the bytes themselves: strings are blanked by
one regular-expression pass (escapes kept inside them), then values are counted as the
commas and openings outside strings (C-speed ``bytes.count``), and only when that count is
within bounds is the nesting measured over the brackets alone. Its memory is one copy of
the body. It does not validate JSON: the reader does that afterwards; a body this scan lets
through is within both bounds whatever its syntax. CBOR bodies are bounded by the CBOR
reader's own item and depth limits.
"""

from __future__ import annotations

import re
from typing import Final

from attest.errors import LimitExceededError

__all__ = ["MAX_DEPTH", "MAX_ELEMENTS", "check_json_shape"]

#: Values (objects, arrays, members, items, scalars) in one JSON body at most. A bundle
#: citing 1,024 evidence files holds about 12,400.
MAX_ELEMENTS: Final = 1 << 16
#: Nesting of objects and arrays at most (a bundle nests 8 deep).
MAX_DEPTH: Final = 32

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def check_json_shape(
    data: bytes, *, max_elements: int = MAX_ELEMENTS, max_depth: int = MAX_DEPTH
) -> None:
    """Raise ``LimitExceededError`` (``request.too_many_elements``, ``request.too_deep``)
    when the JSON text ``data`` has more values or deeper nesting than allowed."""
    if not data:
        return
    bare = _STRING.sub(b'""', data)
    opens = bare.count(b"{") + bare.count(b"[")
    # Each value is the document itself, follows a comma, or opens a container's first
    # member; an object member's name and value count once together.
    elements = 1 + bare.count(b",") + opens
    if elements > max_elements:
        raise LimitExceededError(
            "request.too_many_elements",
            f"the JSON body holds more than {max_elements} values",
        )
    if opens <= max_depth:
        return
    depth = 0
    for m in _BRACKET.finditer(bare):
        if m.group() in (b"{", b"["):
            depth += 1
            if depth > max_depth:
                raise LimitExceededError(
                    "request.too_deep", f"the JSON body nests deeper than {max_depth}"
                )
        else:
            depth -= 1
