"""The verifier's trust policy: whom to trust for what, how fresh, how many (specs/policy.md).

A policy is a TOML file the counterparty writes. Nothing is trusted by omission: a policy
names at least one issuer and one log, every issuer lists the dimensions it may attest, and
unknown fields are errors, so a typo can never widen trust. Parsing is pure; reading key
files named by the policy happens in :func:`attest.files.load_policy`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from attest.codec.dates import read_datetime_stamp
from attest.codec.document import read_table
from attest.codec.duration import parse_duration
from attest.errors import LimitExceededError, MalformedError
from attest.evaluation.pact import COMPARATORS
from attest.evaluation.results import METHODS
from attest.keys import did_key
from attest.keys.ed25519 import PublicKey
from attest.tlog import checkpoint as _checkpoint
from attest.tlog.cosignature import CosignatureVerifier
from attest.tlog.note import Ed25519Verifier

__all__ = [
    "POLICY_VERSION",
    "TEMPLATE",
    "Compromise",
    "Decay",
    "Freshness",
    "Policy",
    "Threshold",
    "TrustedIssuer",
    "TrustedLog",
    "TrustedWitness",
    "parse_policy",
]

POLICY_VERSION = 1
MAX_POLICY_SIZE = 256 * 1024
MAX_ENTRIES = 1024


def _fail(code: str, message: str) -> MalformedError:
    return MalformedError(f"policy.{code}", message)


@dataclass(frozen=True)
class Compromise:
    """A key compromise cut-off: credentials logged after it by that key are refused."""

    log: str | None = None
    index: int | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class TrustedIssuer:
    """An evaluator the policy trusts, for some dimensions, within a key validity window."""

    name: str
    did: str
    public_key: PublicKey
    dimensions: frozenset[str]
    not_before: datetime | None = None
    not_after: datetime | None = None
    compromised: Compromise | None = None


@dataclass(frozen=True)
class TrustedLog:
    """A log the policy trusts. A ``compromised`` log key vouches for no checkpoint alone:
    its checkpoints count only under the witness quorum (at least one witness)."""

    origin: str
    verifier: Ed25519Verifier
    compromised: bool = False
    #: Where the log's tiles are published (a directory or an http(s) URL): `attest verify`
    #: reads them to prove consistency with what it remembered (specs/witness.md §6).
    tiles: str | None = None


@dataclass(frozen=True)
class TrustedWitness:
    name: str
    verifier: CosignatureVerifier


@dataclass(frozen=True)
class Threshold:
    """A counterparty's own bar: ``metric comparator value`` within a dimension."""

    dimension: str
    metric: str
    comparator: str
    value: float | int
    #: The measurement methods this bar accepts (empty: any), e.g. not ``model_judged``.
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class DimensionRule:
    """A dimension's own bar: how many distinct trusted evaluators must vouch for it."""

    name: str
    min_evaluators: int


@dataclass(frozen=True)
class Freshness:
    clock_skew: timedelta = timedelta(minutes=5)
    max_credential_age: timedelta | None = None
    max_evidence_age: timedelta | None = None
    #: How long an evaluation stands before the evaluator must recertify (a successor).
    max_recertification_interval: timedelta | None = None
    status_max_age: timedelta = timedelta(days=1)
    status_unknown: str = "reject"
    require_status: bool = True


@dataclass(frozen=True)
class Decay:
    """Evidence loses weight with age: ``0.5 ** (age / half_life)``; below ``floor`` it no
    longer counts toward a decision."""

    half_life: timedelta
    floor: float

    def weight(self, age: timedelta) -> float:
        return float(0.5 ** (max(age.total_seconds(), 0.0) / self.half_life.total_seconds()))

    def expires_after(self) -> timedelta:
        """How long after the evaluation period ends the weight stays at or above the floor."""
        return timedelta(seconds=self.half_life.total_seconds() * math.log2(1 / self.floor))


@dataclass(frozen=True)
class Policy:
    issuers: tuple[TrustedIssuer, ...]
    logs: tuple[TrustedLog, ...]
    witnesses: tuple[TrustedWitness, ...] = ()
    witness_quorum: int = 0
    thresholds: tuple[Threshold, ...] = ()
    freshness: Freshness = field(default_factory=Freshness)
    decay: Decay | None = None
    subject: str | None = None
    pact: str | None = None
    pact_digest: str | None = None
    min_evaluators: int = 1
    require_verdict_pass: bool = False
    consistency: str = "when-available"
    evidence_bytes: str = "when-available"
    dimension_rules: tuple[DimensionRule, ...] = ()
    #: When trusted evaluators disagree on a dimension: "reject", "majority" or "newest".
    on_conflict: str = "reject"

    def issuer(self, did: str) -> TrustedIssuer | None:
        for i in self.issuers:
            if i.did == did:
                return i
        return None

    def log(self, origin: str) -> TrustedLog | None:
        for lg in self.logs:
            if lg.origin == origin:
                return lg
        return None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions the policy judges (its [[dimension]] entries and those it sets
        thresholds in), in first-mention order."""
        named = [r.name for r in self.dimension_rules]
        return tuple(dict.fromkeys([*named, *(t.dimension for t in self.thresholds)]))

    def evaluators_required(self, dimension: str) -> int:
        """k for ``dimension``: its own ``min_evaluators``, else the policy's."""
        rule = next((r for r in self.dimension_rules if r.name == dimension), None)
        return rule.min_evaluators if rule is not None else self.min_evaluators


# --- parsing ------------------------------------------------------------------------------------

_TOP = {
    "version",
    "decision",
    "freshness",
    "decay",
    "issuer",
    "log",
    "witness",
    "quorum",
    "threshold",
    "dimension",
}
_DECISION = {
    "subject",
    "pact",
    "pact_digest",
    "min_evaluators",
    "require_verdict",
    "consistency",
    "evidence_bytes",
    "on_conflict",
}
_FRESHNESS = {
    "clock_skew",
    "max_credential_age",
    "max_evidence_age",
    "max_recertification_interval",
    "status_max_age",
    "status_unknown",
    "require_status",
}
_ISSUER = {"name", "id", "key_file", "dimensions", "not_before", "not_after", "compromised_after"}


def _table(doc: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise _fail("bad_field", f"[{key}] must be a table")
    if unknown := set(value) - allowed:
        raise _fail("unknown_field", f"unknown fields in [{key}]: {sorted(unknown)}")
    return value


def _tables(doc: Mapping[str, Any], key: str, allowed: set[str]) -> list[Mapping[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _fail("bad_field", f"[[{key}]] must be an array of tables")
    if len(value) > MAX_ENTRIES:
        raise LimitExceededError("policy.too_many", f"at most {MAX_ENTRIES} [[{key}]] entries")
    for i, item in enumerate(value):
        if unknown := set(item) - allowed:
            raise _fail("unknown_field", f"unknown fields in [[{key}]] {i}: {sorted(unknown)}")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail("bad_field", f"{what} must be a non-empty string")
    return value


def _duration(value: object, what: str) -> timedelta:
    if not isinstance(value, str):
        raise _fail("bad_duration", f"{what} must be a duration string like '90d'")
    return parse_duration(value)


def _time(value: object, what: str) -> datetime:
    try:
        return read_datetime_stamp(value)
    except MalformedError as exc:
        if exc.code in ("datetime.missing_timezone", "datetime.bad_type"):
            raise _fail("bad_time", f"{what} must be a date-time with a time zone") from exc
        raise


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise _fail("bad_field", f"{what} must be true or false")
    return value


def _int(value: object, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail("bad_field", f"{what} must be an integer >= {minimum}")
    return value


KeyResolver = Callable[[str], PublicKey]


def _issuer(item: Mapping[str, Any], i: int, resolve_key: KeyResolver | None) -> TrustedIssuer:
    where = f"[[issuer]] {i}"
    name = _str(item.get("name"), f"{where} name")
    if ("id" in item) == ("key_file" in item):
        raise _fail("bad_issuer", f"{where} needs exactly one of id (a did:key) or key_file")
    if "id" in item:
        did = _str(item["id"], f"{where} id")
        public_key = did_key.decode_did_key(did)
    else:
        if resolve_key is None:
            raise _fail("bad_issuer", f"{where}: key_file needs a policy read from a file")
        public_key = resolve_key(_str(item["key_file"], f"{where} key_file"))
        did = did_key.encode_did_key(public_key)
    dims = item.get("dimensions")
    if not isinstance(dims, list) or not dims or not all(isinstance(d, str) and d for d in dims):
        raise _fail(
            "bad_issuer",
            f"{where} must list the dimensions it may attest (trust is never implied)",
        )
    compromised = None
    if "compromised_after" in item:
        c = item["compromised_after"]
        if not isinstance(c, Mapping) or not c or set(c) - {"log", "index", "time"}:
            raise _fail("bad_issuer", f"{where} compromised_after takes log+index and/or time")
        if ("index" in c) != ("log" in c):
            raise _fail("bad_issuer", f"{where} compromised_after index needs its log")
        compromised = Compromise(
            log=_str(c["log"], "log") if "log" in c else None,
            index=_int(c["index"], "index") if "index" in c else None,
            time=_time(c["time"], "time") if "time" in c else None,
        )
    nb = _time(item["not_before"], f"{where} not_before") if "not_before" in item else None
    na = _time(item["not_after"], f"{where} not_after") if "not_after" in item else None
    if nb and na and na <= nb:
        raise _fail("bad_issuer", f"{where} not_after is not after not_before")
    return TrustedIssuer(name, did, public_key, frozenset(dims), nb, na, compromised)


def parse_policy(data: bytes, *, resolve_key: KeyResolver | None = None) -> Policy:
    """Parse a TOML policy; every rule of specs/policy.md is checked here."""
    doc = read_table(data, what="policy", max_size=MAX_POLICY_SIZE, format="toml")
    if unknown := set(doc) - _TOP:
        raise _fail("unknown_field", f"unknown policy fields {sorted(unknown)}")
    if doc.get("version") != POLICY_VERSION:
        raise _fail("unknown_version", f"policy version must be {POLICY_VERSION}")

    issuers = tuple(
        _issuer(item, i, resolve_key) for i, item in enumerate(_tables(doc, "issuer", _ISSUER))
    )
    if not issuers:
        raise _fail("no_issuers", "a policy must name at least one trusted [[issuer]]")
    if len({i.did for i in issuers}) != len(issuers):
        raise _fail("duplicate_issuer", "an issuer is listed twice")
    witnesses = _witnesses(doc)
    quorum_table = _table(doc, "quorum", {"witnesses"})
    quorum = _int(quorum_table.get("witnesses", 0), "[quorum] witnesses")
    if quorum > len(witnesses):
        raise _fail("bad_quorum", f"a quorum of {quorum} needs that many [[witness]] entries")
    dec = _table(doc, "decision", _DECISION)
    require = dec.get("require_verdict", "any")
    if require not in ("pass", "any"):
        raise _fail("bad_field", "require_verdict is pass or any")
    # Without witnesses nothing else rules out a split view: a proof is required by default.
    consistency = dec.get("consistency", "require" if quorum == 0 else "when-available")
    if consistency not in ("require", "when-available"):
        raise _fail("bad_field", "consistency is require or when-available")
    evidence_bytes = dec.get("evidence_bytes", "when-available")
    if evidence_bytes not in ("required", "when-available"):
        raise _fail("bad_field", "evidence_bytes is required or when-available")
    on_conflict = dec.get("on_conflict", "reject")
    if on_conflict not in ("reject", "majority", "newest"):
        raise _fail("bad_field", "on_conflict is reject, majority or newest")
    return Policy(
        issuers=issuers,
        logs=_logs(doc),
        witnesses=witnesses,
        witness_quorum=quorum,
        thresholds=_thresholds(doc),
        freshness=_freshness(doc),
        decay=_decay(doc),
        subject=_str(dec["subject"], "subject") if "subject" in dec else None,
        pact=_str(dec["pact"], "pact") if "pact" in dec else None,
        pact_digest=_str(dec["pact_digest"], "pact_digest") if "pact_digest" in dec else None,
        min_evaluators=_int(dec.get("min_evaluators", 1), "min_evaluators", 1),
        require_verdict_pass=require == "pass",
        consistency=consistency,
        evidence_bytes=evidence_bytes,
        dimension_rules=_dimension_rules(doc),
        on_conflict=on_conflict,
    )


def _dimension_rules(doc: Mapping[str, Any]) -> tuple[DimensionRule, ...]:
    rules = []
    for i, item in enumerate(_tables(doc, "dimension", {"name", "min_evaluators"})):
        name = _str(item.get("name"), f"[[dimension]] {i} name")
        rules.append(DimensionRule(name, _int(item.get("min_evaluators", 1), "min_evaluators", 1)))
    if len({r.name for r in rules}) != len(rules):
        raise _fail("bad_field", "a [[dimension]] is listed twice")
    return tuple(rules)


def _logs(doc: Mapping[str, Any]) -> tuple[TrustedLog, ...]:
    logs = []
    for i, item in enumerate(_tables(doc, "log", {"origin", "key", "compromised", "tiles"})):
        v = _checkpoint.parse_verifier_key(_str(item.get("key"), f"[[log]] {i} key"))
        if not isinstance(v, Ed25519Verifier):
            raise _fail("bad_log", f"[[log]] {i} key must be an Ed25519 (0x01) log key")
        origin = _str(item.get("origin", v.name), f"[[log]] {i} origin")
        compromised = _bool(item.get("compromised", False), "compromised")
        tiles = _str(item["tiles"], f"[[log]] {i} tiles") if "tiles" in item else None
        logs.append(TrustedLog(origin, v, compromised, tiles))
    if not logs:
        raise _fail("no_logs", "a policy must name at least one trusted [[log]]")
    return tuple(logs)


def _witnesses(doc: Mapping[str, Any]) -> tuple[TrustedWitness, ...]:
    witnesses = []
    for i, item in enumerate(_tables(doc, "witness", {"name", "key"})):
        v = _checkpoint.parse_verifier_key(_str(item.get("key"), f"[[witness]] {i} key"))
        if not isinstance(v, CosignatureVerifier):
            raise _fail("bad_witness", f"[[witness]] {i} key must be a cosignature/v1 key")
        witnesses.append(TrustedWitness(_str(item.get("name", v.name), "name"), v))
    return tuple(witnesses)


def _thresholds(doc: Mapping[str, Any]) -> tuple[Threshold, ...]:
    thresholds = []
    for i, item in enumerate(
        _tables(doc, "threshold", {"dimension", "metric", "comparator", "value", "methods"})
    ):
        comparator = _str(item.get("comparator"), "comparator")
        if comparator not in COMPARATORS:
            raise _fail("bad_threshold", f"[[threshold]] {i} comparator {comparator!r}")
        value = item.get("value")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            raise _fail("bad_threshold", f"[[threshold]] {i} value must be a finite number")
        dimension = _str(item.get("dimension"), "dimension")
        methods = item.get("methods", [])
        if not isinstance(methods, list) or not all(m in METHODS for m in methods):
            raise _fail(
                "bad_threshold", f"[[threshold]] {i} methods are among {', '.join(METHODS)}"
            )
        metric = _str(item.get("metric"), "metric")
        thresholds.append(Threshold(dimension, metric, comparator, value, tuple(methods)))
    return tuple(thresholds)


def _freshness(doc: Mapping[str, Any]) -> Freshness:
    fresh = _table(doc, "freshness", _FRESHNESS)
    status_unknown = fresh.get("status_unknown", "reject")
    if status_unknown not in ("reject", "accept"):
        raise _fail("bad_field", "status_unknown is reject or accept")

    def optional(name: str) -> timedelta | None:
        return _duration(fresh[name], name) if name in fresh else None

    return Freshness(
        clock_skew=_duration(fresh.get("clock_skew", "5m"), "clock_skew"),
        max_credential_age=optional("max_credential_age"),
        max_evidence_age=optional("max_evidence_age"),
        max_recertification_interval=optional("max_recertification_interval"),
        status_max_age=_duration(fresh.get("status_max_age", "1d"), "status_max_age"),
        status_unknown=status_unknown,
        require_status=_bool(fresh.get("require_status", True), "require_status"),
    )


def _decay(doc: Mapping[str, Any]) -> Decay | None:
    if "decay" not in doc:
        return None
    d = _table(doc, "decay", {"half_life", "floor"})
    floor = d.get("floor")
    if isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 < floor < 1:
        raise _fail("bad_decay", "[decay] floor must be a number strictly between 0 and 1")
    return Decay(_duration(d.get("half_life"), "half_life"), float(floor))


TEMPLATE = """\
# An attest verification policy: what this counterparty trusts, and what it requires.
# Nothing is trusted by omission: list every issuer and log you trust. See specs/policy.md.
version = 1

[decision]
# Only bundles about this subject and pact count (optional but recommended).
# subject = "did:web:agents.example:support-bot"
# pact = "urn:example:pact:customer-support-agent"
# pact_digest = "sha256:..."
# At least this many distinct trusted evaluators must attest (k of n).
min_evaluators = 1
# "any": each dimension is judged on its own, and a missed obligation affects only its
# dimension; "pass": the evaluator's overall verdict must be pass (a veto on the bundle).
require_verdict = "any"
# When trusted evaluators disagree on a dimension: "reject", "majority" or "newest".
on_conflict = "reject"
# "require": refuse a checkpoint that cannot be proven consistent with the last one seen.
consistency = "when-available"
# "required": every evidence file a credential cites must be supplied and match its digest.
evidence_bytes = "when-available"

[freshness]
clock_skew = "5m"
max_credential_age = "180d"   # since the credential's validFrom
max_evidence_age = "90d"      # since the end of the evaluation period
# max_recertification_interval = "180d"   # after this, the evaluation needs a successor
status_max_age = "1d"         # since the status list was published
status_unknown = "reject"     # no status list to check: reject (fail closed) or accept
require_status = true         # a credential without a status entry can never be revoked

[decay]
half_life = "60d"             # evidence weight halves every 60 days
floor = 0.25                  # below this weight a credential no longer counts

[[issuer]]
name = "Example evaluator"
id = "did:key:z6Mk..."        # or key_file = "evaluator.pem"
dimensions = ["reliability", "safety", "capability"]
# The key's window and any compromise are judged by when a trusted log recorded a
# credential, never by the dates its signer wrote.
# not_before = 2026-01-01T00:00:00Z          # the key's validity window (rotation)
# not_after = 2027-01-01T00:00:00Z
# compromised_after = { log = "example.com/evals", index = 1234 }   # and/or time = ...

[[log]]
# The log's key is not the evaluator's issuing key: one stolen key must not be able to both
# sign credentials and rewrite the log's history.
origin = "example.com/evals"
key = "example.com/evals+01234567+A..."
# compromised = true          # its checkpoints then count only when witnessed
# tiles = "https://example.com/evals/"   # its published tiles: verify proves consistency

# [[witness]]
# name = "witness.example/w1"
# key = "witness.example/w1+89abcdef+B..."
# [quorum]
# witnesses = 1

[[threshold]]
dimension = "reliability"
metric = "task_success_rate"
comparator = ">="
value = 0.9

[[threshold]]
dimension = "safety"
metric = "harmful_output_rate"
comparator = "<="
value = 0.001
# Only these measurement methods count for this bar (a model-judged score is no measurement):
# methods = ["automated", "human_review"]

# A dimension's own k: safety needs two independent evaluators here.
# [[dimension]]
# name = "safety"
# min_evaluators = 2
"""
