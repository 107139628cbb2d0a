"""The verifier's report: one :class:`Check` per step, a :class:`BundleReport` per bundle, a
:class:`DimensionView` per trust dimension, and the :class:`Decision` over them all.

These are the one definition of the decision's shape: :meth:`Decision.to_json` writes the
stable JSON of specs/verification.md §5, and :func:`decision_schema` derives the JSON Schema
that specs/decision.schema.json and the service's OpenAPI document carry (a test keeps the
three equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from attest.codec.dates import format_datetime_stamp
from attest.evaluation.credential import EvaluationClaims
from attest.verifier.policy import TrustedIssuer
from attest.verifier.state import NOT_RULED_OUT, VerifierState

__all__ = [
    "ACCEPT",
    "CONFLICT",
    "FAIL",
    "MALFORMED",
    "NOT_APPLICABLE",
    "PASS",
    "REJECT",
    "SCHEMA_VERSION",
    "UNVOUCHED",
    "BundleReport",
    "Check",
    "Decision",
    "DimensionOutcome",
    "DimensionView",
    "decision_schema",
    "stamp",
]

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not-applicable"
#: A dimension nobody trusted vouched for (enough), and one trusted evaluators disagree on.
UNVOUCHED, CONFLICT = "unvouched", "conflict"
#: The version of the decision's JSON (2: per-dimension results, superseded bundles).
SCHEMA_VERSION = 2
#: A decision: accept, reject, or malformed (some input did not parse; every reason listed).
ACCEPT, REJECT, MALFORMED = "accept", "reject", "malformed"


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
    #: Whether this failure keeps the bundle from counting (a missed threshold does not: it
    #: judges only its own dimension).
    vetoes: bool = field(default=True, compare=False)

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
class DimensionOutcome:
    """One bundle's outcome in one dimension: ``pass`` or ``fail``, what it rests on (the
    policy's thresholds, or without them the pact's obligations) and every miss."""

    result: str
    basis: str
    misses: tuple[str, ...] = ()


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
    #: Its outcome in each dimension its issuer is trusted for and it speaks to.
    dimensions: Mapping[str, DimensionOutcome] = field(default_factory=dict)
    #: When the log recorded the credential (seconds), which orders one issuer's credentials.
    logged_at: int | None = None
    #: The bundle whose newer credential from the same issuer, subject and pact replaces this.
    superseded_by: str | None = None

    @property
    def authentic(self) -> bool:
        """No step that vetoes a bundle failed: it is what it says, about what the policy asks."""
        return bool(self.checks) and all(c.result != FAIL or not c.vetoes for c in self.checks)

    @property
    def counted(self) -> bool:
        return self.authentic and self.superseded_by is None

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
            "supersededBy": self.superseded_by,
            "dimensions": {d: o.result for d, o in sorted(self.dimensions.items())},
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
    #: The trusted evaluators whose evaluation misses this dimension's bar.
    against: tuple[str, ...] = ()
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "result": self.result,
            "evaluators": list(self.evaluators),
            "against": list(self.against),
            "required": self.required,
            "metrics": dict(self.metrics),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Decision:
    """The answer: accept, reject or malformed, every reason, each dimension, and when it
    expires (never before ``now``: an accept that would expire at once is a reject)."""

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
        logs = {b.log_origin for b in self.bundles}
        return {
            "schemaVersion": SCHEMA_VERSION,
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
            "splitViews": self.split_views(),
            "equivocations": [e.to_json() for e in self.state.equivocations if e.origin in logs],
        }

    def split_views(self) -> dict[str, Any]:
        """Whether a split view of the counted bundles' logs was ruled out: each counted
        checkpoint either met a witness quorum or was proven consistent with the one
        remembered (specs/verification.md §4); otherwise say plainly that it was not."""
        counted = [b for b in self.bundles if b.counted]
        if not counted:
            return {"ruledOut": False, "reason": "no bundle counted"}
        unsure = []
        for b in counted:
            steps = {c.step: c for c in b.checks}
            witnessed = steps.get("checkpoint.witnesses")
            compared = steps.get("checkpoint.consistency")
            if witnessed is not None and witnessed.result == PASS:
                continue
            proven = compared is not None and compared.result == PASS
            if proven and compared is not None and NOT_RULED_OUT not in compared.reason:
                continue
            unsure.append(b.name)
        if unsure:
            return {
                "ruledOut": False,
                "reason": f"{NOT_RULED_OUT} for {', '.join(unsure)}: no witness quorum and no "
                "consistency proof with a remembered checkpoint",
            }
        return {
            "ruledOut": True,
            "reason": "every counted checkpoint met the witness quorum or was proven "
            "consistent with the remembered one",
        }


# --- the schema of Decision.to_json ------------------------------------------------------------


def _obj(properties: dict[str, Any], *, optional: Sequence[str] = ()) -> dict[str, Any]:
    """A closed object: every property required except ``optional``; no others allowed."""
    return {
        "type": "object",
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
        "properties": properties,
    }


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _or_null(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


_TIME = {"$ref": "#/$defs/time"}
_TIME_OR_NULL = {"oneOf": [_TIME, {"type": "null"}]}
_STRINGS = _array({"type": "string"})


def _bundle_schema(steps: Sequence[str]) -> dict[str, Any]:
    check = _obj(
        {
            "step": {"enum": list(steps)},
            "result": {"enum": [PASS, FAIL, NOT_APPLICABLE]},
            "code": _or_null("string"),
            "reason": {"type": "string"},
            "malformed": {"const": True},
        },
        optional=["malformed"],
    )
    pact = _obj({k: {"type": "string"} for k in ("id", "version", "digest")})
    return _obj(
        {
            "bundle": {"type": "string"},
            "counted": {"type": "boolean"},
            "credential": _or_null("string"),
            "issuer": _or_null("string"),
            "issuerName": _or_null("string"),
            "subject": _or_null("string"),
            "pact": {"oneOf": [{"type": "null"}, pact]},
            "verdict": _or_null("string"),
            "log": _obj({"origin": _or_null("string"), "checkpointSize": _or_null("integer")}),
            "weight": _or_null("number"),
            "evidenceAgeSeconds": {"type": ["integer", "null"], "minimum": 0},
            "expires": _TIME_OR_NULL,
            "supersededBy": _or_null("string"),
            "dimensions": {
                "type": "object",
                "additionalProperties": {"enum": [PASS, FAIL, "insufficient"]},
            },
            "checks": _array(check),
        }
    )


def _dimension_schema() -> dict[str, Any]:
    metric = _obj(
        {
            "comparator": {"enum": [">=", ">", "<=", "<", "=="]},
            "threshold": {"type": "number"},
            "measured": _array({"type": "number"}),
        }
    )
    return _obj(
        {
            "dimension": {"type": "string"},
            "result": {"enum": [PASS, FAIL, UNVOUCHED, CONFLICT]},
            "evaluators": _STRINGS,
            "against": _STRINGS,
            "required": {"type": "integer", "minimum": 1},
            "metrics": {"type": "object", "additionalProperties": metric},
            "reason": {"type": "string"},
        }
    )


def _equivocation_schema() -> dict[str, Any]:
    b64 = {"type": "string"}
    proof = _obj(
        {
            "origin": {"type": "string"},
            "old_size": {"type": "integer", "minimum": 0},
            "old_root": {"type": ["string", "null"]},
            "new_size": {"type": "integer", "minimum": 0},
            "new_root": b64,
            "proof": _array(b64),
        }
    )
    return _obj(
        {
            "origin": {"type": "string"},
            "logKey": {"type": "string"},
            "checkpoints": {**_STRINGS, "minItems": 2, "maxItems": 2},
            "proof": {"oneOf": [{"type": "null"}, proof]},
            "reason": {"type": "string"},
        }
    )


def decision_schema(steps: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of :meth:`Decision.to_json`, written beside it so the two
    change together; ``steps`` are the step names a check may carry."""
    top = _obj(
        {
            "schemaVersion": {"const": SCHEMA_VERSION},
            "decision": {"enum": [ACCEPT, REJECT, MALFORMED]},
            "reasons": _STRINGS,
            "subject": _or_null("string"),
            "pact": _or_null("string"),
            "verifiedAt": _TIME,
            "expires": _TIME_OR_NULL,
            "evidenceAgeSeconds": {"type": ["integer", "null"], "minimum": 0},
            "evaluators": _obj(
                {"counted": _STRINGS, "required": {"type": "integer", "minimum": 1}}
            ),
            "dimensions": _array(_dimension_schema()),
            "bundles": _array(_bundle_schema(steps)),
            "splitViews": _obj({"ruledOut": {"type": "boolean"}, "reason": {"type": "string"}}),
            "equivocations": _array(_equivocation_schema()),
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/attest/decision/v2",
        "title": "attest verification decision",
        "description": "The output of `attest verify --json` and `attest.Decision.to_json()` "
        "(specs/verification.md). Fields are stable; new optional fields may be added.",
        **top,
        "$defs": {
            "time": {
                "type": "string",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
            }
        },
    }
