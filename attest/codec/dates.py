"""XML Schema ``dateTimeStamp`` values: the timestamps of credentials and Data Integrity proofs.

VC Data Model 2.0 (``validFrom``, ``validUntil``) and Data Integrity 1.0 §2.1 (``created``,
``expires``) require an XSD 1.1 ``dateTimeStamp``: a ``dateTime`` whose time zone is present
(``Z`` or ``±hh:mm``). Parsing is strict: only the XSD lexical form, upper-case ``T`` and ``Z``,
and no value without a time zone (Data Integrity lets a processor read such values as UTC;
attest does not guess). Years are limited to 0001-9999, what :class:`datetime.datetime` holds.
Fractions of a second beyond microseconds are truncated.

VC Data Model 1.1 (``issuanceDate``, ``expirationDate``) asks only for an XSD ``dateTime``,
whose time zone is optional; :func:`parse_datetime` reads those, the same way, taking a value
without a time zone as UTC, as VC 1.1 verifiers do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from attest.errors import MalformedError, UsageError

__all__ = [
    "format_datetime_stamp",
    "parse_datetime",
    "parse_datetime_stamp",
    "read_datetime_stamp",
]

_DATETIME: Final = re.compile(
    r"(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(?P<month>0[1-9]|1[0-2])"
    r"-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):(?P<second>[0-5][0-9])"
    r"(?:\.(?P<fraction>[0-9]+))?|(?P<end_of_day>24:00:00(?:\.0+)?))"
    r"(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?",
    re.ASCII,
)
_MAX_TEXT: Final = 64


def parse_datetime_stamp(text: str) -> datetime:
    """The aware :class:`datetime` (in UTC) of an XSD ``dateTimeStamp`` string.

    Raises :class:`MalformedError`: ``datetime.bad_syntax`` (not the XSD lexical form),
    ``datetime.missing_timezone``, ``datetime.out_of_range`` (year outside 0001-9999) or
    ``datetime.bad_date`` (a day the month does not have).
    """
    return _parse(text, require_timezone=True)


def parse_datetime(text: str) -> datetime:
    """The aware :class:`datetime` (in UTC) of an XSD ``dateTime`` string, whose time zone is
    optional (none means UTC). Raises as :func:`parse_datetime_stamp`, never
    ``datetime.missing_timezone``."""
    return _parse(text, require_timezone=False)


def read_datetime_stamp(value: object) -> datetime:
    """A ``dateTimeStamp`` from a parsed document: text (JSON) or an aware :class:`datetime`
    (a TOML offset date-time, which the TOML reader has already built).

    Text is read by :func:`parse_datetime_stamp`; a datetime must carry its time zone and is
    returned in UTC, exactly as its XSD spelling would read. Raises :class:`MalformedError`:
    the codes of :func:`parse_datetime_stamp`, ``datetime.missing_timezone`` for a naive
    datetime (a TOML local date-time), ``datetime.bad_type`` for anything else (a number, a
    TOML local date or time).
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise MalformedError("datetime.missing_timezone", "the date-time has no time zone")
        return _parse(format_datetime_stamp(value), require_timezone=True)
    if isinstance(value, str):
        return _parse(value, require_timezone=True)
    raise MalformedError(
        "datetime.bad_type", f"a {type(value).__name__} is not a date-time with a time zone"
    )


def _parse(text: str, *, require_timezone: bool) -> datetime:
    match = _DATETIME.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise MalformedError(
            "datetime.bad_syntax",
            f"{text[:_MAX_TEXT]!r} is not an XML Schema dateTime (YYYY-MM-DDThh:mm:ss[.s]Z)",
        )
    if match["tz"] is None and require_timezone:
        raise MalformedError(
            "datetime.missing_timezone",
            f"{text!r} has no time zone; a dateTimeStamp ends in 'Z' or '±hh:mm'",
        )
    year = int(match["year"])
    if not 1 <= year <= 9999:
        raise MalformedError("datetime.out_of_range", f"year {year} is outside 0001-9999")
    tz = UTC
    if match["tz"] not in (None, "Z"):
        sign = -1 if match["tz"][0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(match["tz"][1:3]), minutes=int(match["tz"][4:])))
    try:
        if match["end_of_day"]:
            value = datetime(year, int(match["month"]), int(match["day"]), tzinfo=tz)
            value += timedelta(days=1)
        else:
            micro = int((match["fraction"] or "0")[:6].ljust(6, "0"))
            value = datetime(
                year,
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"]),
                micro,
                tzinfo=tz,
            )
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise MalformedError("datetime.out_of_range", f"{text!r} is out of range") from exc
    except ValueError as exc:
        raise MalformedError("datetime.bad_date", f"{text!r}: {exc}") from exc


def format_datetime_stamp(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss[.ffffff]Z`` of an aware datetime, in UTC.

    Fractional seconds appear only when present, without trailing zeros. A naive datetime is a
    :class:`UsageError`: attest never guesses a time zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError("datetime.naive", "a dateTimeStamp needs an aware datetime")
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.year < 1000:  # strftime does not zero-pad years on every platform
        text = f"{utc.year:04d}" + text[text.index("-") :]
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"
