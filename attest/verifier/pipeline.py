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

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from attest.codec.cbor import to_json_value
from attest.codec.digest import Digest
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle
from attest.evaluation.credential import MAX_CITED_EVIDENCE, EvaluationClaims
from attest.tlog.consistency import ConsistencyProof
from attest.vc.status_list import StatusResult
from attest.verifier.decision import (
    ACCEPT,
    FAIL,
    MALFORMED,
    NOT_APPLICABLE,
    PASS,
    REJECT,
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
    )
    state = state or VerifierState()
    reports = []
    for name, data in named:
        report, state = verify_bundle(name, data, given, state)
        reports.append(report)
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
                Check(step.name, outcome.result, outcome.code, outcome.reason, outcome.malformed)
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
    """Apply the policy across the bundles' reports: k of n, each dimension, the expiry."""
    reasons = [
        f"{r.name}: {c.step} failed ({c.code}): {c.reason}" for r in reports for c in r.failures
    ]
    counted = [r for r in reports if r.counted and r.facts is not None and r.issuer is not None]
    subject, pact, counted = _one_subject_and_pact(policy, counted, reasons)
    evaluators = tuple(sorted({_facts(r).issuer for r in counted}))
    k = policy.min_evaluators
    if len(evaluators) < k:
        reasons.append(
            f"{len(evaluators)} distinct trusted evaluator(s) attest; the policy needs {k}"
        )
    views = _dimension_views(policy, counted, reasons)
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
    assert report.facts is not None, "only counted reports are judged"
    return report.facts


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


def _dimension_views(
    policy: Policy, counted: Sequence[BundleReport], reasons: list[str]
) -> list[DimensionView]:
    """Each trust dimension on its own: who attests it, what they measured, k met or not."""
    k = policy.min_evaluators
    dims = policy.dimensions or tuple(
        dict.fromkeys(d for r in counted for d in _facts(r).dimensions)
    )
    views = []
    for d in dims:
        vouching = [r for r in counted if r.issuer is not None and d in r.issuer.dimensions]
        attesting = sorted({_facts(r).issuer for r in vouching})
        metrics: dict[str, Any] = {
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
        ok = len(attesting) >= k
        if not ok:
            reasons.append(
                f"dimension {d}: {len(attesting)} trusted evaluator(s) attest it; needs {k}"
            )
        views.append(DimensionView(d, PASS if ok else FAIL, tuple(attesting), k, metrics))
    return views
