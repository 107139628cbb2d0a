"""Reading a small TOML-or-JSON document (pacts, results): one set of rules for both."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from attest.codec.canonical import parse_json
from attest.errors import LimitExceededError, MalformedError

__all__ = ["read_table"]


def read_table(data: bytes, *, what: str, max_size: int, format: str | None) -> Mapping[str, Any]:
    """Parse ``data`` as TOML or JSON (``format``; by default JSON when the first non-blank
    byte is ``{``) into a table; errors carry the codes ``<what>.too_large``,
    ``<what>.bad_toml``, ``<what>.bad_format`` and ``<what>.not_a_table``."""
    if len(data) > max_size:
        raise LimitExceededError(f"{what}.too_large", f"a {what} file is at most {max_size} bytes")
    if format is None:
        format = "json" if data.lstrip()[:1] == b"{" else "toml"
    doc: object
    if format == "json":
        doc = parse_json(data)
    elif format == "toml":
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise MalformedError(
                f"{what}.bad_toml", f"the {what} is not valid TOML: {exc}"
            ) from exc
    else:
        raise MalformedError(f"{what}.bad_format", f"unknown {what} format {format!r}")
    if not isinstance(doc, Mapping):
        raise MalformedError(f"{what}.not_a_table", f"a {what} is a table / JSON object")
    return doc
