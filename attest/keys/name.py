"""Key names: what a signed-note key name may be, one rule for notes and key files alike.

A name is non-empty UTF-8 with no Unicode space, no ``+`` (the vkey separator) and no control
character (a note cannot carry one, so a key so named could never sign a note that opens).
C2SP signed-note §"Keys"; specs/note.md.
"""

from __future__ import annotations

import re

from attest.errors import MalformedError

__all__ = ["check_key_name"]

_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")


def check_key_name(name: str) -> None:
    """Raise ``note.bad_key_name`` unless ``name`` is a valid key name."""
    if not isinstance(name, str) or not name:
        raise MalformedError("note.bad_key_name", "a key name must be a non-empty string")
    if "+" in name or any(c in _SPACES for c in name) or _CONTROL.search(name):
        raise MalformedError(
            "note.bad_key_name", "a key name has no spaces, no '+' and no control characters"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError("note.bad_key_name", "a key name must be valid UTF-8") from exc
