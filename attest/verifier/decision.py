"""The verifier's report: one :class:`Check` per step, a :class:`BundleReport` per bundle, a
:class:`DimensionView` per trust dimension, and the :class:`Decision` over them all.

These are the one definition of the decision's shape: :meth:`Decision.to_json` writes the
stable JSON of specs/verification.md §5, and :func:`decision_schema` derives the JSON Schema
that specs/decision.schema.json and the service's OpenAPI document carry (a test keeps the
three equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from attest.codec.dates import format_datetime_stamp
from attest.evaluation.credential import EvaluationClaims
from attest.verifier.policy import TrustedIssuer
from attest.verifier.state import VerifierState

__all__ = [
    "ACCEPT",
    "FAIL",
    "NOT_APPLICABLE",
    "PASS",
    "REJECT",
    "BundleReport",
    "Check",
    "Decision",
    "DimensionView",
    "stamp",
]

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not-applicable"
ACCEPT, REJECT = "accept", "reject"


def stamp(t: datetime | None) -> str | None:
    """A time as the report writes it: an XSD dateTimeStamp to the second, or None."""
    return format_datetime_stamp(t.replace(microsecond=0)) if t is not None else None


def _seconds(age: timedelta | None) -> int | None:
    return int(age.total_seconds()) if age is not None else None


@dataclass(frozen=True)
class Check:
    """One step's outcome. ``malformed`` marks a failure caused by input that does not parse
    (the command line exits 2 for those, 1 for every other rejection)."""

    step: str
    result: str
    code: str | None
    reason: str
    malformed: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step,
            "result": self.result,
            "code": self.code,
            "reason": self.reason,
        }
        if self.malformed:
            out["malformed"] = True
        return out


@dataclass(frozen=True)
class BundleReport:
    """One bundle's checks and, when its signature verified, what it attests."""

    name: str
    checks: tuple[Check, ...]
    facts: EvaluationClaims | None = None
    issuer: TrustedIssuer | None = None
    log_origin: str | None = None
    checkpoint_size: int | None = None
    weight: float | None = None
    evidence_age: timedelta | None = None
    expires: datetime | None = None

    @property
    def counted(self) -> bool:
        return bool(self.checks) and all(c.result != FAIL for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.result == FAIL)

    def to_json(self) -> dict[str, Any]:
        f = self.facts
        pact = {"id": f.pact_id, "version": f.pact_version, "digest": f.pact_digest} if f else None
        return {
            "bundle": self.name,
            "counted": self.counted,
            "credential": f.id if f else None,
            "issuer": f.issuer if f else None,
            "issuerName": self.issuer.name if self.issuer else None,
            "subject": f.subject if f else None,
            "pact": pact,
            "verdict": f.verdict if f else None,
            "log": {"origin": self.log_origin, "checkpointSize": self.checkpoint_size},
            "weight": self.weight,
            "evidenceAgeSeconds": _seconds(self.evidence_age),
            "expires": stamp(self.expires),
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class DimensionView:
    """One trust dimension on its own: who attested it and whether the policy's bar is met."""

    dimension: str
    result: str
    evaluators: tuple[str, ...]
    required: int
    metrics: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "result": self.result,
            "evaluators": list(self.evaluators),
            "required": self.required,
            "metrics": dict(self.metrics),
        }


@dataclass(frozen=True)
class Decision:
    """The answer: accept or reject, every reason, each dimension, and when it expires."""

    decision: str
    reasons: tuple[str, ...]
    subject: str | None
    pact: str | None
    bundles: tuple[BundleReport, ...]
    dimensions: tuple[DimensionView, ...]
    evaluators: tuple[str, ...]
    evaluators_required: int
    evidence_age: timedelta | None
    expires: datetime | None
    now: datetime
    state: VerifierState = field(compare=False)

    @property
    def accepted(self) -> bool:
        return self.decision == ACCEPT

    @property
    def malformed(self) -> tuple[tuple[str, Check], ...]:
        """Failures caused by input that does not parse, with the bundle they are in."""
        return tuple((b.name, c) for b in self.bundles for c in b.failures if c.malformed)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (specs/verification.md §5; schema in specs/)."""
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "subject": self.subject,
            "pact": self.pact,
            "verifiedAt": stamp(self.now),
            "expires": stamp(self.expires),
            "evidenceAgeSeconds": _seconds(self.evidence_age),
            "evaluators": {"counted": list(self.evaluators), "required": self.evaluators_required},
            "dimensions": [d.to_json() for d in self.dimensions],
            "bundles": [b.to_json() for b in self.bundles],
        }
