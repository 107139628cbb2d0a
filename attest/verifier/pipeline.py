"""Verification as a decision: bundles + policy + clock + remembered state -> a typed result.

Each bundle goes through the table of steps in :mod:`attest.verifier.steps`, in the order of
specs/verification.md §2; every step ends ``pass``, ``fail`` or ``not-applicable`` with a code
and a reason. A bundle counts toward the decision only when no step failed. The decision then
applies the policy across bundles (§3): distinct trusted evaluators (k of n), each trust
dimension on its own, and when the decision stops being good (the earliest expiry of
everything it rests on). Pure: the caller supplies the time, the remembered state and any
status lists; the new state comes back in the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from attest.codec.cbor import to_json_value
from attest.codec.digest import Digest
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle
from attest.evaluation.credential import MAX_CITED_EVIDENCE, EvaluationClaims
from attest.evaluation.pact import Pact
from attest.tlog.consistency import ConsistencyProof
from attest.vc.status_list import StatusResult
from attest.verifier.decision import (
    ACCEPT,
    CONFLICT,
    FAIL,
    MALFORMED,
    NOT_APPLICABLE,
    PASS,
    REJECT,
    UNVOUCHED,
    BundleReport,
    Check,
    Decision,
    DimensionView,
    decision_schema,
    stamp,
)
from attest.verifier.policy import Policy
from attest.verifier.state import VerifierState
from attest.verifier.steps import STEPS as STEP_TABLE
from attest.verifier.steps import Given, Known, Step, run_step

__all__ = [
    "DECISION_SCHEMA",
    "FAIL",
    "MAX_CITED_EVIDENCE",
    "NOT_APPLICABLE",
    "PASS",
    "STEPS",
    "BundleReport",
    "Check",
    "ConsistencyProof",
    "Decision",
    "DimensionView",
    "verify",
]

#: The step names, in the order they run (specs/verification.md §2).
STEPS: tuple[str, ...] = tuple(step.name for step in STEP_TABLE)

#: The JSON Schema of ``Decision.to_json()`` (specs/decision.schema.json is this, written out).
DECISION_SCHEMA = decision_schema(STEPS)

_NOT_REACHED = "not reached: an earlier step failed"


def verify(
    bundles: Sequence[bytes | Bundle] | Mapping[str, bytes | Bundle],
    policy: Policy,
    *,
    now: datetime,
    state: VerifierState | None = None,
    status_lists: Iterable[Mapping[str, Any]] = (),
    evidence: Mapping[str, Digest] | None = None,
    consistency: Sequence[ConsistencyProof] = (),
    pact: Pact | None = None,
) -> Decision:
    """Verify bundles under ``policy`` at time ``now`` and decide.

    ``bundles`` are bundle bytes (or parsed bundles), optionally keyed by a display name.
    ``status_lists`` are status list credentials (parsed JSON) to check revocation against,
    beside any a bundle carries. ``evidence`` maps evidence file names to the digests of
    files the caller holds. The result's ``state`` is ``state`` updated with every
    checkpoint proven consistent; save it for the next run.
    """
    if now.tzinfo is None:
        raise MalformedError("verify.naive_time", "now must carry a time zone")
    named = (
        list(bundles.items())
        if isinstance(bundles, Mapping)
        else [(f"bundle {i + 1}", b) for i, b in enumerate(bundles)]
    )
    given = Given(
        policy=policy,
        now=now,
        status_lists=_json_objects(status_lists),
        evidence=evidence or {},
        proofs=consistency,
        pact=pact,
    )
    state = state or VerifierState()
    seen = state.equivocations
    reports = []
    for name, data in named:
        report, state = verify_bundle(name, data, given, state)
        reports.append(report)
    if state.equivocations != seen:
        # A split view found in this call condemns the log's bundles checked before it too.
        reports = [verify_bundle(name, data, given, state)[0] for name, data in named]
    return decide(policy, reports, now, state)


def _json_objects(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The caller's status lists as plain JSON objects (a list that is not one matches no
    status entry, so it can only make the status step fail closed)."""
    values = (to_json_value(d, code="status.malformed") for d in items)
    return [v for v in values if isinstance(v, dict)]


# --- one bundle: the steps in order ------------------------------------------------------------


def verify_bundle(
    name: str, data: bytes | Bundle, given: Given, state: VerifierState
) -> tuple[BundleReport, VerifierState]:
    """Run every step of the table on one bundle; returns its report and the state to keep."""
    known = Known(data=data, state=state)
    checks = []
    for step in STEP_TABLE:
        unmet = _unmet(step, known)
        outcome = run_step(step, given, known) if unmet is None else None
        if outcome is None:
            checks.append(Check(step.name, NOT_APPLICABLE, None, unmet or ""))
        else:
            checks.append(
                Check(
                    step.name,
                    outcome.result,
                    outcome.code,
                    outcome.reason,
                    outcome.malformed,
                    vetoes=step.vetoes,
                )
            )
    return _report(name, tuple(checks), known, given), known.state


def _unmet(step: Step, known: Known) -> str | None:
    """Why ``step`` cannot run yet (an earlier step did not establish what it needs)."""
    if step.needs == "nothing":
        return None
    if known.bundle is None or (step.needs != "bundle" and known.claims is None):
        return _NOT_REACHED
    if step.needs == "checkpoint" and known.signed is None:
        return step.unmet
    return None


def _report(name: str, checks: tuple[Check, ...], known: Known, given: Given) -> BundleReport:
    if known.bundle is None:
        return BundleReport(name, checks)
    if known.claims is None:
        return BundleReport(name, checks, log_origin=known.bundle.log_origin)
    return BundleReport(
        name,
        checks,
        known.claims,
        known.trusted,
        known.bundle.log_origin,
        known.signed.checkpoint.size if known.signed else None,
        known.weight,
        known.age,
        bundle_expiry(given.policy, known.claims, known.status),
        dimensions=dict(known.dimensions),
        logged_at=known.bundle.credential_entry.decoded.logged_at,
    )


def _later(start: datetime, delay: timedelta | Callable[[], timedelta] | None) -> datetime | None:
    """``start + delay``; None without a delay, or when the sum is past the last instant a
    datetime holds (a signed date in year 9999, a decay floor so low it never bites)."""
    if delay is None:
        return None
    try:
        return start + (delay if isinstance(delay, timedelta) else delay())
    except (OverflowError, ValueError):
        return None


def bundle_expiry(
    policy: Policy, facts: EvaluationClaims, lists: Sequence[StatusResult]
) -> datetime | None:
    """The earliest §3 expiry candidate; status lists count only when they verified."""
    fresh = policy.freshness
    candidates = [
        facts.valid_until,
        _later(facts.valid_from, fresh.max_credential_age),
        _later(facts.period_end, fresh.max_evidence_age),
        _later(facts.period_end, fresh.max_recertification_interval),
        _later(facts.period_end, policy.decay.expires_after if policy.decay else None),
    ]
    for r in lists:
        candidates.append(_later(r.list_valid_from, fresh.status_max_age))
        candidates.append(r.list_valid_until)
    bounds = [c for c in candidates if c is not None]
    return min(bounds) if bounds else None


# --- the decision across bundles (§3) ------------------------------------------------------------


def decide(
    policy: Policy, reports: Sequence[BundleReport], now: datetime, state: VerifierState
) -> Decision:
    """Apply the policy across the bundles' reports (§3): the newest credential of each
    issuer, subject and pact; k of n; each dimension judged on its own; the expiry."""
    reports = _supersede(reports)
    reasons = [
        f"{r.name}: {c.step} failed ({c.code}): {c.reason}"
        for r in reports
        for c in r.failures
        if c.vetoes
    ]
    reasons += [f"{r.name}: superseded by {r.superseded_by}" for r in reports if r.superseded_by]
    counted = [r for r in reports if r.counted and r.facts is not None and r.issuer is not None]
    subject, pact, counted = _one_subject_and_pact(policy, counted, reasons)
    evaluators = tuple(sorted({_facts(r).issuer for r in counted}))
    k = policy.min_evaluators
    if len(evaluators) < k:
        reasons.append(
            f"{len(evaluators)} distinct trusted evaluator(s) attest; the policy needs {k}"
        )
    views = [_judge_dimension(policy, d, counted) for d in _dimensions(policy, counted)]
    reasons += [f"dimension {v.dimension}: {v.reason}" for v in views if v.result != PASS]
    if not reports:
        reasons.append("no bundle to verify")
    accepted = bool(counted) and len(evaluators) >= k and all(v.result == PASS for v in views)
    ages = [r.evidence_age for r in counted if r.evidence_age is not None]
    expiries = [r.expires for r in counted if r.expires is not None]
    if accepted and expiries and min(expiries) < now:
        accepted = False
        reasons.append(
            f"the decision would expire at once: what it rests on stopped being good at "
            f"{stamp(min(expiries))}, before the decision time {stamp(now)}"
        )
    malformed = any(c.malformed for r in reports for c in r.failures)
    return Decision(
        decision=MALFORMED if malformed else ACCEPT if accepted else REJECT,
        reasons=tuple(reasons) if malformed or not accepted else (),
        subject=subject,
        pact=pact,
        bundles=tuple(reports),
        dimensions=tuple(views),
        evaluators=evaluators,
        evaluators_required=k,
        evidence_age=max(ages) if ages else None,
        expires=min(expiries) if accepted and not malformed and expiries else None,
        now=now,
        state=state,
    )


def _facts(report: BundleReport) -> EvaluationClaims:
    assert report.facts is not None, "only authentic reports are judged"
    return report.facts


def _supersede(reports: Sequence[BundleReport]) -> list[BundleReport]:
    """Newest evidence wins: of one issuer's authentic credentials about one subject and
    pact, only those the log recorded last count; older ones are marked superseded."""
    newest: dict[tuple[str, str, str], BundleReport] = {}
    for r in reports:
        key = _lineage(r)
        if key is not None and (key not in newest or _when(r) > _when(newest[key])):
            newest[key] = r
    out = []
    for r in reports:
        key = _lineage(r)
        winner = newest.get(key) if key is not None else None
        if winner is not None and _when(r) < _when(winner):
            r = dataclasses.replace(r, superseded_by=winner.name)
        out.append(r)
    return out


def _lineage(r: BundleReport) -> tuple[str, str, str] | None:
    """Whose evaluation of what: issuer, subject and pact (None for a bundle not authentic)."""
    f = r.facts
    return (f.issuer, f.subject, f.pact_id) if f is not None and r.authentic else None


def _when(r: BundleReport) -> int:
    return r.logged_at or 0


def _one_subject_and_pact(
    policy: Policy, counted: list[BundleReport], reasons: list[str]
) -> tuple[str | None, str | None, list[BundleReport]]:
    """The subject and pact the decision is about; bundles about several count for none."""
    subjects = {_facts(r).subject for r in counted}
    pacts = {_facts(r).pact_id for r in counted}
    subject = policy.subject or (next(iter(subjects)) if len(subjects) == 1 else None)
    pact = policy.pact or (next(iter(pacts)) if len(pacts) == 1 else None)
    if len(subjects) > 1 and policy.subject is None:
        reasons.append("the bundles are about different subjects; name one in the policy")
        counted = []
    if len(pacts) > 1 and policy.pact is None:
        reasons.append("the bundles are against different pacts; name one in the policy")
        counted = []
    return subject, pact, counted


def _dimensions(policy: Policy, counted: Sequence[BundleReport]) -> tuple[str, ...]:
    """The dimensions judged: the policy's, or without any, those the credentials speak to."""
    if policy.dimensions:
        return policy.dimensions
    return tuple(dict.fromkeys(d for r in counted for d in _facts(r).dimensions))


def _judge_dimension(policy: Policy, d: str, counted: Sequence[BundleReport]) -> DimensionView:
    """One dimension on its own: pass, fail (measured and missed), unvouched (too few trusted
    evaluations) or conflict (trusted evaluators disagree; the policy's on_conflict decides)."""
    k = policy.evaluators_required(d)
    vouching = [r for r in counted if d in r.dimensions]
    passing = sorted({_facts(r).issuer for r in vouching if r.dimensions[d].result == PASS})
    failing = sorted({_facts(r).issuer for r in vouching if r.dimensions[d].result == FAIL})
    misses = [m for r in vouching for m in r.dimensions[d].misses]
    view = DimensionView(d, PASS, tuple(passing), k, _metrics(policy, d, vouching), tuple(failing))
    if not vouching:
        return dataclasses.replace(
            view, result=UNVOUCHED, reason=f"no trusted evaluator vouches for it; needs {k}"
        )
    if passing and failing:
        return _resolve_conflict(policy, view, vouching, misses)
    if len(passing) >= k:
        return dataclasses.replace(view, reason=f"{len(passing)} of {k} trusted evaluator(s)")
    if failing:
        return dataclasses.replace(view, result=FAIL, reason="; ".join(misses))
    short = "; ".join(misses)  # e.g. too few samples to vouch either way
    return dataclasses.replace(
        view,
        result=UNVOUCHED,
        reason=f"{len(passing)} trusted evaluator(s) vouch; needs {k}"
        + (f" ({short})" if short else ""),
    )


def _resolve_conflict(
    policy: Policy, view: DimensionView, vouching: Sequence[BundleReport], misses: list[str]
) -> DimensionView:
    sides = (
        f"trusted evaluators disagree: pass by {', '.join(view.evaluators)}; "
        f"miss by {', '.join(view.against)} ({'; '.join(misses)})"
    )
    if policy.on_conflict == "majority" and len(view.evaluators) != len(view.against):
        won = len(view.evaluators) > len(view.against) and len(view.evaluators) >= view.required
        return dataclasses.replace(
            view, result=PASS if won else FAIL, reason=f"{sides}; the majority decides"
        )
    if policy.on_conflict == "newest":
        latest = max(vouching, key=_when)
        won = latest.dimensions[view.dimension].result == PASS
        return dataclasses.replace(
            view,
            result=PASS if won else FAIL,
            reason=f"{sides}; the newest ({latest.name}) decides",
        )
    return dataclasses.replace(view, result=CONFLICT, reason=f"{sides}; the policy rejects")


def _metrics(policy: Policy, d: str, vouching: Sequence[BundleReport]) -> dict[str, Any]:
    return {
        t.metric: {
            "comparator": t.comparator,
            "threshold": t.value,
            "measured": [
                _facts(r).measurements[t.metric].value
                for r in vouching
                if t.metric in _facts(r).measurements
            ],
        }
        for t in policy.thresholds
        if t.dimension == d
    }
