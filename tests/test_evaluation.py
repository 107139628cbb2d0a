"""Results files (specs/pact.md §3) and judging them against a pact (§4)."""

from __future__ import annotations

import copy
import json
import math
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.errors import LimitExceededError, MalformedError
from attest.evaluation.pact import Obligation, Pact, parse_pact
from attest.evaluation.results import Measurement, Results, evaluate, parse_results
from tests.helpers.issuing import PACT_TOML, RESULTS_TOML

SUBJECT = "did:example:agent-7"

# --- results files ------------------------------------------------------------------------


def test_toml_results() -> None:
    r = parse_results(RESULTS_TOML.encode())
    assert r.method == "support-suite/3"
    assert r.period_start == datetime(2026, 11, 1, tzinfo=UTC)
    # 2026-11-20T00:00:00+01:00 is 23:00 UTC the day before
    assert r.period_end == datetime(2026, 11, 19, 23, tzinfo=UTC)
    assert [(m.metric, m.value, m.unit, m.sample_size) for m in r.measurements] == [
        ("task_success_rate", 0.934, "ratio", 1200),
        ("harmful_output_rate", 0.0004, "ratio", 5000),
        ("p95_latency", 6.5, "s", None),
        ("tokens_per_task", 812, "tokens", None),
    ]


def test_json_results_equal_toml() -> None:
    doc = {
        "metrics": [
            {"unit": "ratio", "value": 0.934, "name": "task_success_rate", "sample_size": 1200},
            {"name": "harmful_output_rate", "value": 4e-4, "unit": "ratio", "sample_size": 5000},
            {"name": "p95_latency", "value": 6.5, "unit": "s"},
            {"name": "tokens_per_task", "value": 812, "unit": "tokens"},
        ],
        "period_end": "2026-11-19T23:00:00Z",
        "period_start": "2026-11-01T01:00:00+01:00",
        "method": "support-suite/3",
    }
    assert parse_results(json.dumps(doc).encode()) == parse_results(RESULTS_TOML.encode())


MD = {"name": "m", "value": 1, "unit": "u"}
RBASE = {
    "method": "suite",
    "period_start": "2026-01-01T00:00:00Z",
    "period_end": "2026-01-02T00:00:00Z",
    "metrics": [MD],
}
DROP = object()


def rtop(**changes: Any) -> bytes:
    doc = copy.deepcopy(RBASE)
    for key, value in changes.items():
        if value is DROP:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc).encode()


def rmetric(**changes: Any) -> bytes:
    item: dict[str, Any] = dict(MD)
    for key, value in changes.items():
        if value is DROP:
            del item[key]
        else:
            item[key] = value
    return json.dumps({**RBASE, "metrics": [item]}).encode()


TOML_HEAD = 'method = "suite"\n'
TOML_METRIC = '[[metric]]\nname = "m"\nunit = "u"\n'


def toml_period(start: str, end: str = "2026-01-02T00:00:00Z") -> bytes:
    period = f"period_start = {start}\nperiod_end = {end}\n"
    return (TOML_HEAD + period + TOML_METRIC + "value = 1\n").encode()


def toml_value(value: str) -> bytes:
    head = TOML_HEAD + "period_start = 2026-01-01T00:00:00Z\nperiod_end = 2026-01-02T00:00:00Z\n"
    return (head + TOML_METRIC + f"value = {value}\n").encode()


M, L = MalformedError, LimitExceededError
INVALID: list[tuple[str, bytes, str, type[MalformedError]]] = [
    ("toml syntax", b"method = ", "results.bad_toml", M),
    ("toml not UTF-8", b'method = "\xfe"', "results.bad_toml", M),
    ("json duplicate key", b'{"method": "a", "method": "b"}', "json.duplicate_key", M),
    ("unknown top field", rtop(harness="x"), "results.unknown_field", M),
    ("unknown metric field", rmetric(stderr=0.1), "results.unknown_field", M),
    ("missing method", rtop(method=DROP), "results.missing_field", M),
    ("missing period_start", rtop(period_start=DROP), "results.missing_field", M),
    ("missing period_end", rtop(period_end=DROP), "results.missing_field", M),
    ("missing metric name", rmetric(name=DROP), "results.missing_field", M),
    ("missing metric value", rmetric(value=DROP), "results.missing_field", M),
    ("missing metric unit", rmetric(unit=DROP), "results.missing_field", M),
    ("method empty", rtop(method=""), "results.bad_method", M),
    ("method 257 chars", rtop(method="m" * 257), "results.bad_method", M),
    ("method not a string", rtop(method=3), "results.bad_method", M),
    ("period string without zone", rtop(period_start="2026-01-01T00:00:00"),
     "results.bad_time", M),
    ("period string a date", rtop(period_end="2026-01-02"), "results.bad_time", M),
    ("period string with space", rtop(period_start="2026-01-01 00:00:00Z"),
     "results.bad_time", M),
    ("period string lower-case z", rtop(period_start="2026-01-01T00:00:00z"),
     "results.bad_time", M),
    ("period string 30 February", rtop(period_start="2026-02-30T00:00:00Z"),
     "results.bad_time", M),
    ("period a number", rtop(period_start=1767225600), "results.bad_time", M),
    ("period TOML local date-time", toml_period("2026-01-01T00:00:00"), "results.bad_time", M),
    ("period TOML local date", toml_period("2026-01-01"), "results.bad_time", M),
    ("period TOML local time", toml_period("00:00:00"), "results.bad_time", M),
    ("period ends before it starts",
     rtop(period_start="2026-01-02T00:00:00Z", period_end="2026-01-01T23:59:59Z"),
     "results.bad_period", M),
    ("period end before start across zones",
     rtop(period_start="2026-01-01T12:00:00Z", period_end="2026-01-01T12:00:00+01:00"),
     "results.bad_period", M),
    ("no metrics", rtop(metrics=DROP), "results.no_measurements", M),
    ("empty metrics", rtop(metrics=[]), "results.no_measurements", M),
    ("1025 metrics", rtop(metrics=[{**MD, "name": f"m{i}"} for i in range(1025)]),
     "results.too_many", L),
    ("metric twice", rtop(metrics=[MD, {**MD, "value": 2}]), "results.duplicate_metric", M),
    ("metric upper case", rmetric(name="M"), "results.bad_metric", M),
    ("metric name a number", rmetric(name=1), "results.bad_metric", M),
    ("metric not a table", rtop(metrics=["m"]), "results.bad_metric", M),
    ("value a string", rmetric(value="1"), "results.bad_value", M),
    ("value a boolean", rmetric(value=False), "results.bad_value", M),
    ("value null", rmetric(value=None), "results.bad_value", M),
    ("value TOML inf", toml_value("-inf"), "results.bad_value", M),
    ("value TOML nan", toml_value("nan"), "results.bad_value", M),
    ("value TOML 2^53", toml_value("9007199254740992"), "results.bad_value", M),
    ("unit empty", rmetric(unit=""), "results.bad_unit", M),
    ("unit 65 chars", rmetric(unit="u" * 65), "results.bad_unit", M),
    ("unit not a string", rmetric(unit=2), "results.bad_unit", M),
    ("sample_size 0", rmetric(sample_size=0), "results.bad_sample_size", M),
    ("sample_size -5", rmetric(sample_size=-5), "results.bad_sample_size", M),
    ("sample_size 2.5", rmetric(sample_size=2.5), "results.bad_sample_size", M),
    ("sample_size true", rmetric(sample_size=True), "results.bad_sample_size", M),
    ("too large", rtop() + b" " * (1024 * 1024), "results.too_large", L),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "code", "error"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_results(data: bytes, code: str, error: type[MalformedError]) -> None:
    with pytest.raises(MalformedError) as info:
        parse_results(data)
    assert info.value.code == code
    assert type(info.value) is error


def test_results_not_a_table() -> None:
    with pytest.raises(MalformedError) as info:
        parse_results(b"[]", format="json")
    assert info.value.code == "results.not_a_table"


def test_the_rule_table_names_every_results_code() -> None:
    spec_codes = {
        "results.bad_toml", "results.not_a_table", "results.unknown_field",
        "results.missing_field", "results.bad_method", "results.bad_time", "results.bad_period",
        "results.no_measurements", "results.too_many", "results.duplicate_metric",
        "results.bad_metric", "results.bad_value", "results.bad_unit",
        "results.bad_sample_size", "results.too_large",
    }  # fmt: skip
    assert spec_codes - {c[2] for c in INVALID} == {"results.not_a_table"}


@pytest.mark.parametrize(
    "data",
    [
        rtop(period_end=RBASE["period_start"]),  # end == start
        rtop(metrics=[{**MD, "name": f"m{i}"} for i in range(1024)]),
        rmetric(unit="u" * 64),
        rmetric(sample_size=1),
        rmetric(value=-(2**53 - 1)),
        rtop(method="m" * 256),
        rtop().ljust(1024 * 1024, b" "),
    ],
    ids=["empty period", "1024 metrics", "unit 64", "sample 1", "-(2^53-1)", "method 256", "1 MiB"],
)
def test_valid_results_edges(data: bytes) -> None:
    parse_results(data)


# --- §4: outcomes ----------------------------------------------------------------------------


def pact_of(*obligations: Obligation) -> Pact:
    return Pact("urn:example:p", "1", "ai-agent", obligations)


def results_of(*measurements: Measurement) -> Results:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return Results("suite", t, t, measurements)


def outcome(ob: Obligation, *ms: Measurement) -> str:
    return evaluate(SUBJECT, pact_of(ob), results_of(*ms)).outcomes[0].outcome


def test_unmeasured_metric_is_missing_and_fails_the_verdict() -> None:
    ob = Obligation("a", ">=", 1, "u", "safety")
    ev = evaluate(SUBJECT, pact_of(ob), results_of(Measurement("b", 5, "u")))
    assert [o.outcome for o in ev.outcomes] == ["missing"]
    assert ev.outcomes[0].measured is None
    assert ev.verdict == "fail"
    assert ev.dimension_verdicts() == {"safety": "fail"}


def test_unit_mismatch_is_an_error_not_a_conversion() -> None:
    ob = Obligation("latency", "<=", 8, "s", "capability")
    with pytest.raises(MalformedError) as info:
        evaluate(SUBJECT, pact_of(ob), results_of(Measurement("latency", 6500, "ms")))
    assert info.value.code == "evaluation.unit_mismatch"
    # units are compared exactly: case matters
    with pytest.raises(MalformedError):
        evaluate(SUBJECT, pact_of(ob), results_of(Measurement("latency", 6, "S")))


@pytest.mark.parametrize(
    ("minimum", "sample", "expected"),
    [
        (None, None, "pass"),
        (None, 1, "pass"),
        (200, None, "insufficient"),
        (200, 199, "insufficient"),
        (200, 200, "pass"),
        (200, 201, "pass"),
        (1, 1, "pass"),
    ],
)
def test_min_sample_size(minimum: int | None, sample: int | None, expected: str) -> None:
    ob = Obligation("a", ">=", 0.9, "ratio", "reliability", min_sample_size=minimum)
    assert outcome(ob, Measurement("a", 0.95, "ratio", sample)) == expected


def test_too_few_samples_are_insufficient_whatever_the_value() -> None:
    """Too few samples is no evidence either way: not a pass even when the value would be,
    and not a fail either (specs/pact.md §4); the verdict is not pass."""
    ob = Obligation("a", "<=", 0.001, "ratio", "safety", min_sample_size=1000)
    assert outcome(ob, Measurement("a", 0.0, "ratio", 999)) == "insufficient"
    assert outcome(ob, Measurement("a", 0.5, "ratio", 999)) == "insufficient"


T = 0.9
BELOW, ABOVE = math.nextafter(T, -math.inf), math.nextafter(T, math.inf)
COMPARATOR_CASES = [
    (">=", BELOW, "fail"), (">=", T, "pass"), (">=", ABOVE, "pass"),
    (">", BELOW, "fail"), (">", T, "fail"), (">", ABOVE, "pass"),
    ("<=", BELOW, "pass"), ("<=", T, "pass"), ("<=", ABOVE, "fail"),
    ("<", BELOW, "pass"), ("<", T, "fail"), ("<", ABOVE, "fail"),
    ("==", BELOW, "fail"), ("==", T, "pass"), ("==", ABOVE, "fail"),
]  # fmt: skip


@pytest.mark.parametrize(("comparator", "value", "expected"), COMPARATOR_CASES)
def test_each_comparator_at_its_boundary(comparator: str, value: float, expected: str) -> None:
    ob = Obligation("a", comparator, T, "ratio", "capability")
    assert outcome(ob, Measurement("a", value, "ratio")) == expected


@pytest.mark.parametrize(
    ("comparator", "value", "expected"),
    [("==", 1.0, "pass"), (">", 1.0, "fail"), ("<", 1.0, "fail"), (">=", 2, "pass")],
)
def test_integer_threshold_against_float_value(
    comparator: str, value: float, expected: str
) -> None:
    ob = Obligation("a", comparator, 1, "n", "capability")
    assert outcome(ob, Measurement("a", value, "n")) == expected


def test_verdict_and_dimension_verdicts_from_the_pact_file() -> None:
    pact = parse_pact(PACT_TOML.encode())
    passing = parse_results(RESULTS_TOML.encode())
    ev = evaluate(SUBJECT, pact, passing)
    assert [o.outcome for o in ev.outcomes] == ["pass", "pass", "pass"]
    assert [o.obligation.metric for o in ev.outcomes] == [o.metric for o in pact.obligations]
    assert ev.verdict == "pass"
    assert ev.dimension_verdicts() == {
        "reliability": "pass",
        "safety": "pass",
        "capability": "pass",
    }
    # harmful output above the ceiling: only safety fails, and so does the verdict
    failing = parse_results(RESULTS_TOML.replace("0.0004", "0.002").encode())
    ev = evaluate(SUBJECT, pact, failing)
    assert [o.outcome for o in ev.outcomes] == ["pass", "fail", "pass"]
    assert ev.verdict == "fail"
    assert ev.dimension_verdicts() == {
        "reliability": "pass",
        "safety": "fail",
        "capability": "pass",
    }


def test_a_dimension_passes_only_when_all_its_obligations_pass() -> None:
    obligations = (
        Obligation("a", ">=", 1, "n", "reliability"),
        Obligation("b", ">=", 1, "n", "reliability"),
        Obligation("c", ">=", 1, "n", "safety"),
        Obligation("d", ">=", 1, "n", "security"),
    )
    ms = (Measurement("a", 2, "n"), Measurement("b", 0, "n"), Measurement("c", 1, "n"))
    ev = evaluate(SUBJECT, pact_of(*obligations), results_of(*ms))
    assert [o.outcome for o in ev.outcomes] == ["pass", "fail", "pass", "missing"]
    assert ev.dimension_verdicts() == {"reliability": "fail", "safety": "pass", "security": "fail"}
    assert ev.verdict == "fail"


def test_measurements_outside_the_pact_get_no_outcome() -> None:
    ob = Obligation("a", ">=", 1, "n", "reliability")
    ev = evaluate(
        SUBJECT, pact_of(ob), results_of(Measurement("a", 1, "n"), Measurement("z", 0, "q"))
    )
    assert [o.obligation.metric for o in ev.outcomes] == ["a"]
    assert ev.verdict == "pass"
    assert [m.metric for m in ev.results.measurements] == ["a", "z"]


@pytest.mark.parametrize("subject", ["agent-7", "", "did:web:a b", " did:web:a", "did:", 7, "://x"])
def test_subject_must_be_a_uri(subject: Any) -> None:
    ob = Obligation("a", ">=", 1, "n", "reliability")
    with pytest.raises(MalformedError) as info:
        evaluate(subject, pact_of(ob), results_of(Measurement("a", 1, "n")))
    assert info.value.code == "evaluation.bad_subject"


@pytest.mark.parametrize(
    "subject", ["did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "https://a.example/x"]
)
def test_subject_uris(subject: str) -> None:
    ob = Obligation("a", ">=", 1, "n", "reliability")
    assert evaluate(subject, pact_of(ob), results_of(Measurement("a", 1, "n"))).subject == subject


# --- property: a "pass" is always earned -------------------------------------------------------

#: The comparisons of specs/pact.md §4, written out here independently of attest.evaluation.pact.
HOLDS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1),
    st.sampled_from([0, 0.0, -0.0, 0.9, 1, 1.0, 5e-324]),
)


@settings(max_examples=300, deadline=None)
@given(
    comparator=st.sampled_from(sorted(HOLDS)),
    threshold=numbers,
    value=numbers,
    minimum=st.none() | st.integers(min_value=1, max_value=50),
    sample=st.none() | st.integers(min_value=1, max_value=60),
    measured=st.booleans(),
)
def test_pass_only_when_the_measurement_satisfies_the_obligation(
    comparator: str,
    threshold: float,
    value: float,
    minimum: int | None,
    sample: int | None,
    measured: bool,
) -> None:
    ob = Obligation("m", comparator, threshold, "u", "safety", min_sample_size=minimum)
    ms = [Measurement("m", value, "u", sample)] if measured else [Measurement("other", 1, "u")]
    result = outcome(ob, *ms)
    enough = minimum is None or (sample is not None and sample >= minimum)
    earned = measured and enough and HOLDS[comparator](value, threshold)
    if not measured:
        assert result == "missing"
    elif not enough:
        assert result == "insufficient"
    elif earned:
        assert result == "pass"
    else:
        assert result == "fail"


@pytest.mark.parametrize("comparator", [[">="], {">=": 1}, None, 3])
def test_a_comparator_that_is_not_text_is_refused_not_crashed_on(comparator: object) -> None:
    """Regression (found by test_fuzz.py's signed garbage): the verifier rebuilds obligations
    from a signed credential, where a comparator may be any JSON value; a list made the
    membership test raise TypeError."""
    with pytest.raises(MalformedError) as exc:
        Obligation("a", comparator, 0.9, "ratio", "reliability")  # type: ignore[arg-type]
    assert exc.value.code == "pact.bad_comparator"
