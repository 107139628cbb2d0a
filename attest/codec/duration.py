"""Durations as people write them: ``90d``, ``12h``, ``30m``, ``45s``, ``2w``, or ``1d12h``."""

from __future__ import annotations

import re
from datetime import timedelta

from attest.errors import MalformedError

__all__ = ["format_duration", "parse_duration"]

_PART = re.compile(r"([0-9]{1,9})([wdhms])")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
#: Longest duration accepted: 100 years is beyond any credential or policy window.
MAX_SECONDS = 100 * 366 * 86400


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration made of ``<n><unit>`` parts, units w, d, h, m, s."""
    if not isinstance(text, str) or not text or len(text) > 64:
        raise MalformedError("duration.malformed", "a duration looks like 90d, 12h or 1d12h")
    pos, seconds = 0, 0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        seconds += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or seconds <= 0:
        raise MalformedError(
            "duration.malformed", f"{text[:64]!r} is not a duration like 90d, 12h or 1d12h"
        )
    if seconds > MAX_SECONDS:
        raise MalformedError("duration.too_long", f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest ``parse_duration`` spelling of a whole number of seconds."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        n, seconds = divmod(seconds, _UNITS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)
