"""Pacts: what an agent promised, as obligations a measurement can meet or miss.

A pact is read from TOML or JSON (specs/pact.md). Each obligation names one metric, a
comparator, a threshold, a unit and the trust dimension it belongs to; dimensions stay
separate all the way to the verifier's decision and are never folded into one score. A pact
is identified by its id and version, and pinned by its digest: SHA-256 over the RFC 8785
canonical JSON of its normalized form, so the same pact written as TOML or as JSON, with
any key order or comments, has one digest.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from attest.codec.canonical import MAX_SAFE_INTEGER, canonicalize
from attest.codec.digest import Digest, hash_bytes
from attest.codec.document import read_table
from attest.errors import LimitExceededError, MalformedError

__all__ = [
    "COMPARATORS",
    "DIMENSIONS",
    "MAX_OBLIGATIONS",
    "Obligation",
    "Pact",
    "compare",
    "parse_pact",
]

#: Comparators an obligation may use, and what each means for ``value OP threshold``.
COMPARATORS: Mapping[str, str] = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "less than",
    "==": "exactly",
}
#: The trust dimensions the project names; other lowercase tokens are accepted as written.
DIMENSIONS = ("capability", "reliability", "safety", "security", "reputation")
MAX_OBLIGATIONS = 256
MAX_PACT_SIZE = 256 * 1024

_TOKEN = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,63}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]{1,2000}")
_UNIT = re.compile(r"[^\s](?:[^\n\r\t]{0,62}[^\s])?")


def compare(value: float, comparator: str, threshold: float) -> bool:
    """Whether ``value`` meets ``comparator threshold``."""
    if comparator == ">=":
        return value >= threshold
    if comparator == ">":
        return value > threshold
    if comparator == "<=":
        return value <= threshold
    if comparator == "<":
        return value < threshold
    if comparator == "==":
        return value == threshold
    raise MalformedError("pact.bad_comparator", f"unknown comparator {comparator!r}")


def number_fault(value: object) -> str | None:
    """Why ``value`` is no number a pact or its results may hold (JSON's interoperable
    range): ``"type"`` (not an int or float, or a bool), ``"finite"`` (NaN, ±inf) or
    ``"range"`` (an int beyond ±(2^53 - 1)); None when it is one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "type"
    if isinstance(value, float) and not math.isfinite(value):
        return "finite"
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        return "range"
    return None


def is_count(value: object) -> bool:
    """Whether ``value`` is an int (not a bool) in 1 .. 2^53 - 1: a sample size."""
    return not isinstance(value, bool) and isinstance(value, int) and 0 < value < 2**53


_NUMBER_FAULTS: Mapping[str, str] = {
    "type": "must be a number",
    "finite": "must be finite",
    "range": "is beyond ±(2^53 - 1)",
}


def _number(value: object, what: str) -> None:
    fault = number_fault(value)
    if fault is not None:
        raise MalformedError("pact.bad_number", f"{what} {_NUMBER_FAULTS[fault]}")


@dataclass(frozen=True)
class Obligation:
    """One promise: ``metric comparator threshold`` (in ``unit``), in one trust dimension."""

    metric: str
    comparator: str
    threshold: float | int
    unit: str
    dimension: str
    min_sample_size: int | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not _TOKEN.fullmatch(self.metric):
            raise MalformedError(
                "pact.bad_metric", f"metric name {self.metric!r} must be a lowercase token"
            )
        if not isinstance(self.comparator, str) or self.comparator not in COMPARATORS:
            raise MalformedError(
                "pact.bad_comparator",
                f"comparator {self.comparator!r} is not one of {', '.join(COMPARATORS)}",
            )
        _number(self.threshold, f"threshold of {self.metric}")
        if (
            not isinstance(self.unit, str)
            or not _UNIT.fullmatch(self.unit)
            or len(self.unit.splitlines()) != 1  # \v, \f, U+0085, U+2028 ... break lines too
        ):
            raise MalformedError("pact.bad_unit", f"unit of {self.metric} must be short text")
        if not isinstance(self.dimension, str) or not _TOKEN.fullmatch(self.dimension):
            raise MalformedError(
                "pact.bad_dimension",
                f"dimension {self.dimension!r} must be a lowercase token such as "
                + ", ".join(DIMENSIONS),
            )
        if self.min_sample_size is not None and not is_count(self.min_sample_size):
            raise MalformedError(
                "pact.bad_sample_size", "min_sample_size must be an integer in 1 .. 2^53 - 1"
            )
        if self.description is not None and (
            not isinstance(self.description, str) or len(self.description) > 2000
        ):
            raise MalformedError("pact.bad_description", "description must be short text")

    def met_by(self, value: float) -> bool:
        return compare(value, self.comparator, self.threshold)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": self.metric,
            "comparator": self.comparator,
            "threshold": self.threshold,
            "unit": self.unit,
            "dimension": self.dimension,
        }
        if self.min_sample_size is not None:
            out["min_sample_size"] = self.min_sample_size
        if self.description is not None:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Pact:
    """What an agent of ``subject_kind`` promised: obligations under an id and version."""

    id: str
    version: str
    subject_kind: str
    obligations: tuple[Obligation, ...]
    title: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _URI.fullmatch(self.id):
            raise MalformedError("pact.bad_id", "pact id must be a URI (e.g. urn:…, https://…)")
        if not isinstance(self.version, str) or not _VERSION.fullmatch(self.version):
            raise MalformedError("pact.bad_version", "pact version must be a short token")
        if not isinstance(self.subject_kind, str) or not _TOKEN.fullmatch(self.subject_kind):
            raise MalformedError("pact.bad_subject_kind", "subject_kind must be a lowercase token")
        if not self.obligations:
            raise MalformedError("pact.no_obligations", "a pact needs at least one obligation")
        if len(self.obligations) > MAX_OBLIGATIONS:
            raise LimitExceededError(
                "pact.too_many_obligations", f"a pact has at most {MAX_OBLIGATIONS} obligations"
            )
        seen = set()
        for o in self.obligations:
            key = (o.metric, o.comparator)
            if key in seen:
                raise MalformedError(
                    "pact.duplicate_obligation",
                    f"metric {o.metric!r} has two {o.comparator!r} obligations",
                )
            seen.add(key)
        if self.title is not None and (not isinstance(self.title, str) or len(self.title) > 200):
            raise MalformedError("pact.bad_title", "title must be short text")

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions this pact speaks to, in first-mention order."""
        return tuple(dict.fromkeys(o.dimension for o in self.obligations))

    def to_json(self) -> dict[str, Any]:
        """The normalized form whose canonical JSON is hashed for :attr:`digest`."""
        out: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "subject_kind": self.subject_kind,
            "obligations": [o.to_json() for o in self.obligations],
        }
        if self.title is not None:
            out["title"] = self.title
        return out

    @functools.cached_property
    def digest(self) -> Digest:
        """Computed once per pact: the pact is immutable."""
        return hash_bytes(canonicalize(self.to_json()))


_PACT_KEYS = {"id", "version", "subject_kind", "obligation", "obligations", "title"}
_OBLIGATION_KEYS = {
    "metric",
    "comparator",
    "threshold",
    "unit",
    "dimension",
    "min_sample_size",
    "description",
}


def _from_mapping(doc: Mapping[str, Any]) -> Pact:
    if unknown := set(doc) - _PACT_KEYS:
        raise MalformedError("pact.unknown_field", f"unknown pact fields {sorted(unknown)}")
    if "obligation" in doc and "obligations" in doc:
        raise MalformedError("pact.bad_obligations", "use either obligation or obligations")
    raw = doc.get("obligations", doc.get("obligation"))
    if raw is None:
        raise MalformedError("pact.no_obligations", "a pact needs a list of obligations")
    if not isinstance(raw, list):
        raise MalformedError("pact.bad_obligations", "obligations must be a list of tables")
    if len(raw) > MAX_OBLIGATIONS:
        raise LimitExceededError(
            "pact.too_many_obligations", f"a pact has at most {MAX_OBLIGATIONS} obligations"
        )
    obligations = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise MalformedError("pact.bad_obligations", f"obligation {i} is not a table")
        if unknown := set(item) - _OBLIGATION_KEYS:
            raise MalformedError(
                "pact.unknown_field", f"unknown fields {sorted(unknown)} in obligation {i}"
            )
        missing = {"metric", "comparator", "threshold", "unit", "dimension"} - set(item)
        if missing:
            raise MalformedError("pact.missing_field", f"obligation {i} lacks {sorted(missing)}")
        obligations.append(Obligation(**item))
    for field in ("id", "version", "subject_kind"):
        if field not in doc:
            raise MalformedError("pact.missing_field", f"a pact needs {field!r}")
    return Pact(
        id=doc["id"],
        version=doc["version"],
        subject_kind=doc["subject_kind"],
        obligations=tuple(obligations),
        title=doc.get("title"),
    )


def parse_pact(data: bytes, *, format: str | None = None) -> Pact:
    """Parse a pact from TOML or JSON bytes (``format`` ``"toml"`` / ``"json"``; by default
    JSON when the first non-blank byte is ``{``)."""
    return _from_mapping(read_table(data, what="pact", max_size=MAX_PACT_SIZE, format=format))


def pact_json(pact: Pact) -> str:
    """The pact as pretty JSON (for people; the digest uses canonical JSON)."""
    return json.dumps(pact.to_json(), indent=2)


#: What ``attest pact init`` writes: a commented pact that parses as it stands.
TEMPLATE = """\
# An attest pact: what an agent promises, as obligations an evaluation can meet or miss.
# The pact's digest (SHA-256 of its canonical JSON) pins it in every credential; change a
# threshold and you have a new pact, so change the version too. See specs/pact.md.

# A URI naming this pact (urn:, https:, did: ... all fine). Required.
id = "urn:example:pact:customer-support-agent"
# Bump it whenever an obligation changes. Required.
version = "1.0.0"
# What kind of subject the pact is for, a lowercase token. Required.
subject_kind = "ai-agent"
title = "Customer support agent: reliability and safety"

# One [[obligation]] per promise. Each names a metric, a comparator (>=, >, <=, <, ==),
# a threshold, the unit the metric is measured in (results must use the same unit), and
# the trust dimension it belongs to: capability, reliability, safety, security or
# reputation. Dimensions are kept apart in every decision, never folded into one score.

[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
# Fewer samples than this and the obligation fails, whatever the value. Optional.
min_sample_size = 200
description = "Resolves at least 90% of support tickets without escalation."

[[obligation]]
metric = "harmful_output_rate"
comparator = "<="
threshold = 0.001
unit = "ratio"
dimension = "safety"
min_sample_size = 1000

[[obligation]]
metric = "p95_latency"
comparator = "<="
threshold = 8.0
unit = "s"
dimension = "capability"
"""
