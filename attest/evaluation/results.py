"""Evaluations: what was measured about a subject, judged against a pact.

The evaluator supplies measurements; outcomes are *computed* here from the pact, never typed
in, so a credential can only claim "pass" for an obligation whose measured value meets it
(specs/credential.md §3). The verdict is ``pass`` only when every obligation passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from attest.codec.dates import read_datetime_stamp
from attest.codec.document import read_table
from attest.errors import LimitExceededError, MalformedError
from attest.evaluation.pact import Obligation, Pact, is_count, number_fault

__all__ = [
    "METHODS",
    "Evaluation",
    "Measurement",
    "Outcome",
    "Results",
    "evaluate",
    "judge",
    "parse_results",
]

MAX_MEASUREMENTS = 1024
MAX_RESULTS_SIZE = 1024 * 1024
_TOKEN = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]{1,2000}")
_VALUE_FAULTS: Mapping[str, str] = {
    "type": "is not a number",
    "finite": "is not finite",
    "range": "is too large",
}

#: An obligation's outcome: met, missed, not measured, or measured on too few samples.
PASS, FAIL, MISSING, INSUFFICIENT = "pass", "fail", "missing", "insufficient"
#: How a metric was measured; a policy threshold may accept only some of these.
METHODS = ("automated", "model_judged", "human_review", "self_reported")


@dataclass(frozen=True)
class Measurement:
    """One measured metric: its value, unit and how many samples it rests on."""

    metric: str
    value: float | int
    unit: str
    sample_size: int | None = None
    #: How it was measured (one of :data:`METHODS`) and, for a judged metric, by what
    #: model or rubric.
    method: str | None = None
    judge: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not _TOKEN.fullmatch(self.metric):
            raise MalformedError("results.bad_metric", f"metric {self.metric!r} is not a token")
        if self.method is not None and self.method not in METHODS:
            raise MalformedError(
                "results.bad_method", f"method of {self.metric} is one of {', '.join(METHODS)}"
            )
        judge = self.judge
        if judge is not None and (not isinstance(judge, str) or not judge or len(judge) > 256):
            raise MalformedError("results.bad_judge", f"judge of {self.metric} is short text")
        fault = number_fault(self.value)
        if fault is not None:
            raise MalformedError(
                "results.bad_value", f"value of {self.metric} {_VALUE_FAULTS[fault]}"
            )
        if not isinstance(self.unit, str) or not self.unit.strip() or len(self.unit) > 64:
            raise MalformedError("results.bad_unit", f"unit of {self.metric} must be short text")
        if self.sample_size is not None and not is_count(self.sample_size):
            raise MalformedError(
                "results.bad_sample_size", f"sample size of {self.metric} must be positive"
            )


@dataclass(frozen=True)
class Outcome:
    """An obligation and what the evaluation found: ``pass``, ``fail`` or ``missing``."""

    obligation: Obligation
    measured: float | int | None
    outcome: str


@dataclass(frozen=True)
class Results:
    """What the evaluator ran and measured, before it is judged against a pact."""

    method: str
    period_start: datetime
    period_end: datetime
    measurements: tuple[Measurement, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.method, str) or not self.method.strip() or len(self.method) > 256:
            raise MalformedError("results.bad_method", "method must name the evaluation suite")
        if self.period_end < self.period_start:
            raise MalformedError(
                "results.bad_period", "the evaluation period ends before its start"
            )
        if not self.measurements:
            raise MalformedError("results.no_measurements", "results need at least one metric")
        if len(self.measurements) > MAX_MEASUREMENTS:
            raise LimitExceededError("results.too_many", f"at most {MAX_MEASUREMENTS} measurements")
        names = [m.metric for m in self.measurements]
        if len(set(names)) != len(names):
            raise MalformedError("results.duplicate_metric", "a metric is measured twice")


@dataclass(frozen=True)
class Evaluation:
    """A subject evaluated against a pact: measurements, computed outcomes and the verdict."""

    subject: str
    pact: Pact
    results: Results
    outcomes: tuple[Outcome, ...]

    @property
    def verdict(self) -> str:
        return PASS if all(o.outcome == PASS for o in self.outcomes) else FAIL

    def dimension_verdicts(self) -> dict[str, str]:
        """Each trust dimension's own verdict: ``pass`` only if all its obligations pass."""
        out: dict[str, str] = {}
        for o in self.outcomes:
            d = o.obligation.dimension
            out[d] = PASS if out.get(d, PASS) == PASS and o.outcome == PASS else FAIL
        return out


def evaluate(subject: str, pact: Pact, results: Results) -> Evaluation:
    """Judge ``results`` against every obligation of ``pact``.

    An obligation passes when its metric was measured in the obligation's unit, with at
    least its minimum sample size, and the value meets the comparator; a metric not
    measured is ``missing`` (which fails the verdict); a unit mismatch is an error, never a
    silent conversion.
    """
    if not isinstance(subject, str) or not _URI.fullmatch(subject):
        raise MalformedError("evaluation.bad_subject", "subject must be a DID or URI")
    by_metric = {m.metric: m for m in results.measurements}
    outcomes = []
    for ob in pact.obligations:
        m = by_metric.get(ob.metric)
        outcomes.append(Outcome(ob, None if m is None else m.value, judge(ob, m)))
    return Evaluation(subject, pact, results, tuple(outcomes))


def judge(obligation: Obligation, measured: Measurement | None) -> str:
    """One obligation against its measurement: ``pass``, ``fail``, ``missing`` or
    ``insufficient`` (fewer samples than the obligation's ``min_sample_size``: not a miss,
    but not evidence either); the one rule for the issuer, which computes outcomes, and the
    verifier, which recomputes them."""
    if measured is None:
        return MISSING
    if measured.unit != obligation.unit:
        raise MalformedError(
            "evaluation.unit_mismatch",
            f"{obligation.metric} is measured in {measured.unit!r} but the pact uses "
            f"{obligation.unit!r}",
        )
    n = obligation.min_sample_size
    if n is not None and (measured.sample_size is None or measured.sample_size < n):
        return INSUFFICIENT
    return PASS if obligation.met_by(measured.value) else FAIL


_RESULT_KEYS = {"method", "period_start", "period_end", "metric", "metrics"}
_METRIC_KEYS = {"name", "metric", "value", "unit", "sample_size", "method", "judge"}


def _time(value: object, what: str) -> datetime:
    try:
        return read_datetime_stamp(value)
    except MalformedError as exc:
        raise MalformedError("results.bad_time", f"{what}: {exc.message}") from exc


def _results_from(doc: Mapping[str, Any]) -> Results:
    if unknown := set(doc) - _RESULT_KEYS:
        raise MalformedError("results.unknown_field", f"unknown fields {sorted(unknown)}")
    if "metric" in doc and "metrics" in doc:
        raise MalformedError("results.bad_metric", "use either metric (TOML) or metrics (JSON)")
    raw = doc.get("metrics", doc.get("metric"))
    if not isinstance(raw, list):
        raise MalformedError("results.no_measurements", "results need a list of metrics")
    if len(raw) > MAX_MEASUREMENTS:
        raise LimitExceededError("results.too_many", f"at most {MAX_MEASUREMENTS} measurements")
    measurements: list[Measurement] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise MalformedError("results.bad_metric", f"metric {i} is not a table")
        if unknown := set(item) - _METRIC_KEYS:
            raise MalformedError(
                "results.unknown_field", f"unknown fields {sorted(unknown)} in metric {i}"
            )
        name = item.get("name", item.get("metric"))
        if "value" not in item or "unit" not in item or name is None:
            raise MalformedError("results.missing_field", f"metric {i} needs name, value, unit")
        measurements.append(
            Measurement(
                name,
                item["value"],
                item["unit"],
                item.get("sample_size"),
                item.get("method"),
                item.get("judge"),
            )
        )
    for field in ("method", "period_start", "period_end"):
        if field not in doc:
            raise MalformedError("results.missing_field", f"results need {field!r}")
    return Results(
        method=doc["method"],
        period_start=_time(doc["period_start"], "period_start"),
        period_end=_time(doc["period_end"], "period_end"),
        measurements=tuple(measurements),
    )


def parse_results(data: bytes, *, format: str | None = None) -> Results:
    """Parse evaluation results from TOML or JSON (see specs/pact.md §3)."""
    return _results_from(read_table(data, what="results", max_size=MAX_RESULTS_SIZE, format=format))
