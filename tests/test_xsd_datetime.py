"""XSD dateTimeStamp parsing and formatting: the strict lexical form, time zones, ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attest.codec.dates import (
    format_datetime_stamp,
    parse_datetime,
    parse_datetime_stamp,
    read_datetime_stamp,
)
from attest.errors import MalformedError, UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-02-24T23:36:38Z", datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)),
        ("2023-02-24T23:36:38.5Z", datetime(2023, 2, 24, 23, 36, 38, 500000, tzinfo=UTC)),
        ("2023-02-24T23:36:38.1234567Z", datetime(2023, 2, 24, 23, 36, 38, 123456, tzinfo=UTC)),
        ("2023-02-24T23:36:38+01:00", datetime(2023, 2, 24, 22, 36, 38, tzinfo=UTC)),
        ("2023-02-24T23:36:38-14:00", datetime(2023, 2, 25, 13, 36, 38, tzinfo=UTC)),
        ("2023-02-24T00:00:00+00:00", datetime(2023, 2, 24, tzinfo=UTC)),
        ("2024-02-29T24:00:00Z", datetime(2024, 3, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_parse(text: str, expected: datetime) -> None:
    value = parse_datetime_stamp(text)
    assert value == expected
    assert value.tzinfo == UTC


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2023-02-24T23:36:38", "datetime.missing_timezone"),
        ("2023-02-24T23:36:38.5", "datetime.missing_timezone"),
        ("2023-02-24t23:36:38Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38z", "datetime.bad_syntax"),
        ("2023-02-24 23:36:38Z", "datetime.bad_syntax"),
        ("2023-02-24", "datetime.bad_syntax"),
        ("2023-2-24T23:36:38Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36:60Z", "datetime.bad_syntax"),
        ("2023-02-24T25:00:00Z", "datetime.bad_syntax"),
        ("2023-02-24T24:00:01Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38.Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38+15:00", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38+0100", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38UTC", "datetime.bad_syntax"),
        ("٢٠٢٣-02-24T23:36:38Z", "datetime.bad_syntax"),  # non-ASCII digits
        (" 2023-02-24T23:36:38Z", "datetime.bad_syntax"),
        ("2023-02-24T23:36:38Z\n", "datetime.bad_syntax"),
        ("2" * 10_000, "datetime.bad_syntax"),
        ("2023-02-29T00:00:00Z", "datetime.bad_date"),
        ("2023-04-31T00:00:00Z", "datetime.bad_date"),
        ("0000-01-01T00:00:00Z", "datetime.out_of_range"),
        ("-2023-01-01T00:00:00Z", "datetime.out_of_range"),
        ("10000-01-01T00:00:00Z", "datetime.out_of_range"),
        ("0001-01-01T00:00:00+01:00", "datetime.out_of_range"),
        ("9999-12-31T24:00:00Z", "datetime.out_of_range"),
    ],
)
def test_parse_rejects(text: str, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        parse_datetime_stamp(text)
    assert info.value.code == code


def test_format() -> None:
    assert format_datetime_stamp(datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)) == (
        "2023-02-24T23:36:38Z"
    )
    plus_two = timezone(timedelta(hours=2))
    assert format_datetime_stamp(datetime(2023, 1, 1, 1, 0, 0, 120000, tzinfo=plus_two)) == (
        "2022-12-31T23:00:00.12Z"
    )
    assert format_datetime_stamp(datetime(5, 1, 1, tzinfo=UTC)) == "0005-01-01T00:00:00Z"
    with pytest.raises(UsageError):
        format_datetime_stamp(datetime(2023, 1, 1))  # naive


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(1, 1, 2), allow_imaginary=False))
def test_round_trip(value: datetime) -> None:
    assert parse_datetime_stamp(format_datetime_stamp(value)) == value


def test_plain_datetime_takes_no_zone_as_utc_and_is_otherwise_as_strict() -> None:
    assert parse_datetime("2020-01-01T00:00:00") == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_datetime("2020-01-01T24:00:00") == datetime(2020, 1, 2, tzinfo=UTC)
    assert parse_datetime("2020-01-01T02:00:00+02:00") == datetime(2020, 1, 1, tzinfo=UTC)
    for bad, code in (
        ("2020-01-01", "datetime.bad_syntax"),
        ("2020-02-30T00:00:00", "datetime.bad_date"),
        ("9999-12-31T23:59:59-14:00", "datetime.out_of_range"),
    ):
        with pytest.raises(MalformedError) as info:
            parse_datetime(bad)
        assert info.value.code == code
    with pytest.raises(MalformedError) as info:
        parse_datetime_stamp("2020-01-01T00:00:00")
    assert info.value.code == "datetime.missing_timezone"


# --- read_datetime_stamp: text or a TOML datetime, one reader -----------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-01-01T00:00:00Z", "2026-01-01T02:30:00+02:30", "2026-02-28T23:59:59.123456-05:00"],
)
def test_read_reads_text_and_its_datetime_alike(text: str) -> None:
    expected = parse_datetime_stamp(text)
    assert read_datetime_stamp(text) == expected
    aware = datetime.fromisoformat(text.replace("Z", "+00:00"))  # what a TOML reader builds
    assert read_datetime_stamp(aware) == expected
    assert read_datetime_stamp(aware).tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (datetime(2026, 1, 1), "datetime.missing_timezone"),  # TOML local date-time
        ("2026-01-01T00:00:00", "datetime.missing_timezone"),
        (date(2026, 1, 1), "datetime.bad_type"),  # TOML local date
        (time(0, 0), "datetime.bad_type"),  # TOML local time
        (1767225600, "datetime.bad_type"),
        (None, "datetime.bad_type"),
        ("2026-01-01", "datetime.bad_syntax"),
        ("2026-02-30T00:00:00Z", "datetime.bad_date"),
    ],
)
def test_read_refuses_what_is_not_a_datetime_stamp(value: object, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        read_datetime_stamp(value)
    assert info.value.code == code
