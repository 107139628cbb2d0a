"""Verification as a decision: bundles + policy + clock + remembered state -> a typed result.

Each bundle goes through the named steps of specs/verification.md, in order; every step ends
``pass``, ``fail`` or ``not-applicable`` with a code and a reason. A bundle counts toward the
decision only when no step failed. The decision then applies the policy across bundles:
distinct trusted evaluators (k of n), each trust dimension on its own, and when the decision
stops being good (the earliest expiry of everything it rests on). Pure: the caller supplies
the time, the remembered state and any status lists; the new state comes back in the result.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from attest.codec.cbor import decode_cbor
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.codec.digest import Digest
from attest.codec.duration import format_duration
from attest.errors import AttestError, LimitExceededError, MalformedError, VerificationError
from attest.evaluation.bundle import Bundle, LoggedEntry, parse_bundle
from attest.evaluation.credential import (
    ATTEST_CONTEXT,
    CREDENTIAL_TYPE,
    VC_CONTEXT,
    credential_digest,
)
from attest.evaluation.pact import compare
from attest.keys import did_key
from attest.tlog import checkpoint as _checkpoint
from attest.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from attest.vc import cose, data_integrity
from attest.vc.status_list import StatusResult
from attest.verifier.policy import Policy, TrustedIssuer
from attest.verifier.state import Remembered, VerifierState

__all__ = [
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

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not-applicable"
#: Most evidence items one credential may cite (a bundle carries at most 1,024 beside it).
MAX_CITED_EVIDENCE = 1024
ACCEPT, REJECT = "accept", "reject"

#: The steps, in the order they run (specs/verification.md §2).
STEPS = (
    "bundle.format",
    "credential.signature",
    "issuer.trusted",
    "credential.validity",
    "checkpoint.signature",
    "checkpoint.witnesses",
    "checkpoint.consistency",
    "inclusion.credential",
    "inclusion.evidence",
    "evidence.bytes",
    "credential.status",
    "evidence.freshness",
    "evidence.decay",
    "policy.subject",
    "policy.verdict",
    "policy.thresholds",
)


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
class ConsistencyProof:
    """A consistency proof the verifier was given (e.g. from ``attest log consistency``)."""

    origin: str
    old_size: int
    old_root: bytes
    new_size: int
    new_root: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Measured:
    value: float | int
    unit: str
    sample_size: int | None


@dataclass(frozen=True)
class Facts:
    """What a verified credential says, read after its signature checked out."""

    id: str
    issuer: str
    subject: str
    pact_id: str
    pact_version: str
    pact_digest: str
    valid_from: datetime
    valid_until: datetime | None
    period_end: datetime
    verdict: str
    measurements: Mapping[str, Measured]
    outcomes: tuple[Mapping[str, Any], ...]
    evidence: tuple[Mapping[str, Any], ...]
    status: tuple[Mapping[str, Any], ...]

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(o.get("dimension")) for o in self.outcomes))


@dataclass(frozen=True)
class BundleReport:
    """One bundle's checks and, when its signature verified, what it attests."""

    name: str
    checks: tuple[Check, ...]
    facts: Facts | None = None
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
        return {
            "bundle": self.name,
            "counted": self.counted,
            "credential": f.id if f else None,
            "issuer": f.issuer if f else None,
            "issuerName": self.issuer.name if self.issuer else None,
            "subject": f.subject if f else None,
            "pact": {"id": f.pact_id, "version": f.pact_version, "digest": f.pact_digest}
            if f
            else None,
            "verdict": f.verdict if f else None,
            "log": {"origin": self.log_origin, "checkpointSize": self.checkpoint_size},
            "weight": self.weight,
            "evidenceAgeSeconds": int(self.evidence_age.total_seconds())
            if self.evidence_age is not None
            else None,
            "expires": _stamp(self.expires),
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
            "verifiedAt": _stamp(self.now),
            "expires": _stamp(self.expires),
            "evidenceAgeSeconds": int(self.evidence_age.total_seconds())
            if self.evidence_age is not None
            else None,
            "evaluators": {"counted": list(self.evaluators), "required": self.evaluators_required},
            "dimensions": [d.to_json() for d in self.dimensions],
            "bundles": [b.to_json() for b in self.bundles],
        }


def _stamp(t: datetime | None) -> str | None:
    return format_datetime_stamp(t.replace(microsecond=0)) if t is not None else None


# --- one bundle ------------------------------------------------------------------------------


class _Steps:
    """Collects checks for one bundle; ``run`` turns an AttestError into a failed check."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(
        self,
        step: str,
        result: str,
        reason: str,
        code: str | None = None,
        *,
        malformed: bool = False,
    ) -> bool:
        self.checks.append(Check(step, result, code, reason, malformed))
        return result != FAIL

    def error(self, step: str, exc: AttestError) -> bool:
        return self.add(
            step, FAIL, exc.message, exc.code, malformed=isinstance(exc, MalformedError)
        )

    def run(self, step: str, fn: Callable[[], str]) -> bool:
        try:
            reason = fn()
        except AttestError as exc:
            return self.error(step, exc)
        return self.add(step, PASS, reason)

    def skip_rest(self, after: str) -> None:
        done = {c.step for c in self.checks}
        for step in STEPS[STEPS.index(after) + 1 :]:
            if step not in done:
                self.add(step, NOT_APPLICABLE, "not reached: an earlier step failed")


def _require(cond: bool, code: str, message: str) -> None:
    if not cond:
        raise VerificationError(code, message)


def _text(doc: Mapping[str, Any], key: str, where: str = "credential") -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedError("credential.malformed", f"{where} {key} must be a non-empty string")
    return value


def _time(doc: Mapping[str, Any], key: str, where: str = "credential") -> datetime:
    return parse_datetime_stamp(_text(doc, key, where))


def _read_facts(doc: Mapping[str, Any]) -> Facts:
    """The attest claims of a credential whose signature verified; shape errors are fatal."""
    ctx = doc.get("@context")
    _require(
        isinstance(ctx, Sequence)
        and not isinstance(ctx, str)
        and list(ctx) == [VC_CONTEXT, ATTEST_CONTEXT],
        "credential.bad_context",
        f"@context must be [{VC_CONTEXT!r}, {ATTEST_CONTEXT!r}]",
    )
    types = doc.get("type")
    _require(
        isinstance(types, list)  # not a string (a substring would match) nor CBOR bytes
        and "VerifiableCredential" in types
        and CREDENTIAL_TYPE in types,
        "credential.bad_type",
        f"type must include VerifiableCredential and {CREDENTIAL_TYPE}",
    )
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise MalformedError("credential.malformed", "credentialSubject must be one object")
    ev = subject.get("evaluation")
    if not isinstance(ev, Mapping):
        raise MalformedError("credential.malformed", "credentialSubject.evaluation is missing")
    pact = ev.get("pact")
    if not isinstance(pact, Mapping):
        raise MalformedError("credential.malformed", "evaluation.pact is missing")
    period = ev.get("evaluationPeriod")
    if not isinstance(period, Mapping):
        raise MalformedError("credential.malformed", "evaluation.evaluationPeriod is missing")
    measurements: dict[str, Measured] = {}
    for m in _list(ev.get("measurement"), "measurement"):
        name, value, unit = m.get("metric"), m.get("value"), m.get("unit")
        if (
            not isinstance(name, str)
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value))
            or not isinstance(unit, str)
        ):
            raise MalformedError("credential.malformed", "a measurement is malformed")
        n = m.get("sampleSize")
        measurements[name] = Measured(value, unit, n if isinstance(n, int) else None)
    valid_until = doc.get("validUntil")
    valid_from = _time(doc, "validFrom")
    until = parse_datetime_stamp(valid_until) if isinstance(valid_until, str) else None
    if valid_until is not None and until is None:
        raise MalformedError("credential.malformed", "validUntil must be a dateTimeStamp")
    if until is not None and until < valid_from:
        raise MalformedError("credential.malformed", "validUntil is before validFrom")
    status = doc.get("credentialStatus")
    statuses = () if status is None else tuple(_list(status, "credentialStatus", single=True))
    evidence = _list(doc.get("evidence", []), "evidence", single=True)
    if len(evidence) > MAX_CITED_EVIDENCE:
        raise LimitExceededError(
            "credential.too_much_evidence", f"a credential cites at most {MAX_CITED_EVIDENCE} items"
        )
    return Facts(
        id=_text(doc, "id"),
        issuer=_text(doc, "issuer"),
        subject=_text(subject, "id", "credentialSubject"),
        pact_id=_text(pact, "id", "pact"),
        pact_version=_text(pact, "version", "pact"),
        pact_digest=_text(pact, "digest", "pact"),
        valid_from=valid_from,
        valid_until=until,
        period_end=_time(period, "end", "evaluationPeriod"),
        verdict=_text(ev, "verdict", "evaluation"),
        measurements=measurements,
        outcomes=tuple(_list(ev.get("obligationOutcome"), "obligationOutcome")),
        evidence=tuple(evidence),
        status=statuses,
    )


def _list(value: object, what: str, *, single: bool = False) -> list[Mapping[str, Any]]:
    if single and isinstance(value, Mapping):
        return [value]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise MalformedError("credential.malformed", f"{what} must be a list")
    if not all(isinstance(v, Mapping) for v in value):
        raise MalformedError("credential.malformed", f"every {what} item must be an object")
    return list(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _verify_signature(bundle: Bundle) -> tuple[Mapping[str, Any], str]:
    """Check the credential's signature; returns the verified claims and a reason."""
    if isinstance(bundle.credential, bytes):
        return _verify_cose(bundle.credential)
    doc = bundle.credential
    proof = data_integrity.verify_proof(doc, expected_proof_purpose="assertionMethod")
    issuer = doc.get("issuer")
    _require(
        proof.controller == issuer,
        "credential.issuer_key_mismatch",
        f"signed by {proof.controller}, but the issuer is {str(issuer)[:100]}",
    )
    return doc, f"eddsa-jcs-2022 proof by {proof.verification_method}"


def _verify_cose(data: bytes) -> tuple[Mapping[str, Any], str]:
    # The key comes from the kid; the claims are checked against it after verification.
    item = decode_cbor(data, allowed_tags=frozenset({cose.COSE_SIGN1_TAG}), max_size=1 << 20)
    body = getattr(item, "value", None)
    if not isinstance(body, tuple) or len(body) != 4 or not isinstance(body[0], bytes):
        raise MalformedError("credential.malformed", "the credential is not a COSE_Sign1")
    protected = decode_cbor(body[0]) if body[0] else {}
    kid = protected.get(cose.HEADER_KID) if isinstance(protected, Mapping) else None
    if not isinstance(kid, bytes):
        raise MalformedError("credential.malformed", "the COSE protected header has no kid")
    try:
        kid_text = kid.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedError("credential.malformed", "the COSE kid is not a did:key URL") from exc
    public_key = did_key.decode_did_key(kid_text, require_fragment=True)
    verified = cose.verify(data, public_key)
    doc_raw = decode_cbor(verified.payload, require_deterministic=True, max_size=1 << 20)
    if not isinstance(doc_raw, Mapping):
        raise MalformedError("credential.malformed", "the COSE payload is not a credential")
    doc: dict[str, Any] = _plain(doc_raw)
    did = did_key.encode_did_key(public_key)
    claims = verified.claims
    _require(claims is not None, "credential.claims_mismatch", "no CWT claims")
    assert claims is not None
    _require(
        doc.get("issuer") == did and claims.iss == did,
        "credential.issuer_key_mismatch",
        "the issuer, the CWT iss and the signing key differ",
    )
    subject = doc.get("credentialSubject")
    sub = subject.get("id") if isinstance(subject, Mapping) else None
    vf = parse_datetime_stamp(_text(doc, "validFrom"))
    vu = doc.get("validUntil")
    exp = int(parse_datetime_stamp(vu).timestamp()) if isinstance(vu, str) else None
    _require(
        claims.sub == sub
        and claims.nbf == int(vf.timestamp())
        and claims.iat == int(vf.timestamp())
        and claims.exp == exp,
        "credential.claims_mismatch",
        "the CWT claims (sub, iat, nbf, exp) disagree with the credential",
    )
    return doc, f"COSE_Sign1 (alg {verified.alg}) by {kid_text}"


def _find_status(
    entry: Mapping[str, Any], lists: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    url = entry.get("statusListCredential")
    for doc in lists:
        if isinstance(doc, Mapping) and doc.get("id") == url:
            return doc
    return None


def _verify_one(
    name: str,
    data: bytes | Bundle,
    policy: Policy,
    now: datetime,
    state: VerifierState,
    status_lists: Sequence[Mapping[str, Any]],
    supplied: Mapping[str, Digest],
    proofs: Sequence[ConsistencyProof],
) -> tuple[BundleReport, VerifierState]:
    s = _Steps()
    skew = policy.freshness.clock_skew

    # bundle.format
    try:
        bundle = data if isinstance(data, Bundle) else parse_bundle(data)
    except AttestError as exc:
        s.error("bundle.format", exc)
        s.skip_rest("bundle.format")
        return BundleReport(name, tuple(s.checks)), state
    s.add("bundle.format", PASS, f"{'CBOR' if bundle.is_cbor else 'JSON'} bundle, version 1")

    # credential.signature (and the claims' shape, which only a verified signature vouches for)
    try:
        doc, how = _verify_signature(bundle)
        facts = _read_facts(doc)
    except AttestError as exc:
        s.error("credential.signature", exc)
        s.skip_rest("credential.signature")
        return BundleReport(name, tuple(s.checks), log_origin=bundle.log_origin), state
    s.add("credential.signature", PASS, how)

    # issuer.trusted
    trusted = policy.issuer(facts.issuer)
    cred_entry = bundle.credential_entry
    if trusted is None:
        s.add("issuer.trusted", FAIL, f"{facts.issuer} is not a trusted issuer", "issuer.untrusted")
    else:
        s.run("issuer.trusted", lambda: _check_issuer(trusted, facts, cred_entry, bundle))

    # credential.validity
    def validity() -> str:
        _require(
            facts.valid_from <= now + skew,
            "credential.not_yet_valid",
            f"valid only from {_stamp(facts.valid_from)}",
        )
        if facts.valid_until is not None:
            _require(
                now - skew < facts.valid_until,
                "credential.expired",
                f"expired at {_stamp(facts.valid_until)}",
            )
        limit = policy.freshness.max_credential_age
        if limit is not None:
            _require(
                now - facts.valid_from <= limit,
                "credential.too_old",
                f"issued {_stamp(facts.valid_from)}, older than the policy's "
                f"{format_duration(limit)}",
            )
        return f"valid from {_stamp(facts.valid_from)} until {_stamp(facts.valid_until)}"

    s.run("credential.validity", validity)

    # checkpoint.signature and witnesses
    log = policy.log(bundle.log_origin)
    signed: _checkpoint.SignedCheckpoint | None = None
    if log is None:
        s.add(
            "checkpoint.signature",
            FAIL,
            f"log {bundle.log_origin!r} is not trusted by the policy",
            "checkpoint.untrusted_log",
        )
    else:
        try:
            signed = _checkpoint.open_checkpoint(
                bundle.checkpoint,
                log.verifier,
                witnesses=[w.verifier for w in policy.witnesses],
                origin=log.origin,
            )
            s.add(
                "checkpoint.signature",
                PASS,
                f"checkpoint of size {signed.checkpoint.size} signed by {log.origin}",
            )
        except AttestError as exc:
            s.error("checkpoint.signature", exc)

    if signed is None:
        s.add("checkpoint.witnesses", NOT_APPLICABLE, "no verified checkpoint")
    elif policy.witness_quorum == 0:
        s.add("checkpoint.witnesses", NOT_APPLICABLE, "the policy requires no witnesses")
    else:
        names = sorted({c.name for c in signed.cosignatures})
        ok = len(names) >= policy.witness_quorum
        s.add(
            "checkpoint.witnesses",
            PASS if ok else FAIL,
            f"{len(names)} of {policy.witness_quorum} required witnesses cosigned"
            + (f" ({', '.join(names)})" if names else ""),
            None if ok else "witness.quorum",
        )

    # checkpoint.consistency
    if signed is None or log is None:
        s.add("checkpoint.consistency", NOT_APPLICABLE, "no verified checkpoint")
    else:
        result, reason, code, state = _consistency(
            policy, state, log.origin, signed.checkpoint, bundle.checkpoint, proofs
        )
        s.add("checkpoint.consistency", result, reason, code)

    # inclusion.credential
    def include(entry: LoggedEntry) -> None:
        assert signed is not None
        cp = signed.checkpoint
        _require(
            entry.proof.checkpoint == bundle.checkpoint,
            "inclusion.wrong_checkpoint",
            "the proof leads to another checkpoint",
        )
        verify_inclusion(
            entry.index, cp.size, leaf_hash(entry.entry), entry.proof.hashes, cp.root_hash
        )

    def credential_included() -> str:
        e = cred_entry.decoded
        _require(
            e.kind == "credential" and e.digest == credential_digest(bundle.credential),
            "inclusion.credential_mismatch",
            "the logged credential entry does not record this credential",
        )
        include(cred_entry)
        return f"credential logged at index {cred_entry.index}"

    # Without a verified checkpoint there is nothing to prove under; that failure is
    # checkpoint.signature's, so these steps do not apply (and do not fail a second time).
    no_checkpoint = "no verified checkpoint to prove under"
    if signed is None:
        s.add("inclusion.credential", NOT_APPLICABLE, no_checkpoint)
    else:
        s.run("inclusion.credential", credential_included)

    # inclusion.evidence
    def evidence_included() -> str:
        by_index = {e.index: e for e in bundle.evidence_entries}
        for i, ref in enumerate(facts.evidence):
            index, origin = ref.get("logIndex"), ref.get("logOrigin")
            _require(
                origin == bundle.log_origin,
                "inclusion.evidence_other_log",
                f"evidence {i} is logged in {str(origin)[:80]!r}, not this bundle's log",
            )
            entry = by_index.get(index) if isinstance(index, int) else None
            _require(
                entry is not None,
                "inclusion.evidence_missing",
                f"evidence {i} (index {index}) has no entry and proof in the bundle",
            )
            assert entry is not None
            e = entry.decoded
            _require(
                e.kind == "evidence"
                and str(e.digest) == ref.get("digest")
                and e.size == ref.get("size"),
                "inclusion.evidence_mismatch",
                f"the entry at index {index} does not record evidence {i}'s digest and size",
            )
            include(entry)
        if not facts.evidence:
            return "the credential cites no evidence"
        return f"{len(facts.evidence)} evidence item(s) logged and proven"

    if signed is None:
        s.add("inclusion.evidence", NOT_APPLICABLE, no_checkpoint)
    elif facts.evidence or bundle.evidence_entries:
        s.run("inclusion.evidence", evidence_included)
    else:
        s.add("inclusion.evidence", NOT_APPLICABLE, "the credential cites no evidence")

    # evidence.bytes
    s.checks.append(_evidence_bytes(facts, bundle, supplied))

    # credential.status
    status_check, status_results = _status(policy, facts, status_lists, bundle, now)
    s.checks.append(status_check)

    # evidence.freshness
    age = now - facts.period_end
    limit = policy.freshness.max_evidence_age
    if limit is None:
        s.add("evidence.freshness", NOT_APPLICABLE, "the policy sets no maximum evidence age")
    else:
        ok = age <= limit
        s.add(
            "evidence.freshness",
            PASS if ok else FAIL,
            f"evaluation ended {_stamp(facts.period_end)}; evidence age {format_duration(age)} "
            f"{'within' if ok else 'beyond'} the policy's {format_duration(limit)}",
            None if ok else "evidence.too_old",
        )

    # evidence.decay
    weight = None
    if policy.decay is None:
        s.add("evidence.decay", NOT_APPLICABLE, "the policy sets no decay")
    else:
        weight = policy.decay.weight(age)
        ok = weight >= policy.decay.floor
        s.add(
            "evidence.decay",
            PASS if ok else FAIL,
            f"weight {weight:.3f} after {format_duration(age)} "
            f"(half-life {format_duration(policy.decay.half_life)}, "
            f"floor {policy.decay.floor})",
            None if ok else "decay.below_floor",
        )

    # policy.subject (subject, pact)
    def subject_and_pact() -> str:
        if policy.subject is not None:
            _require(
                facts.subject == policy.subject,
                "policy.wrong_subject",
                f"about {facts.subject}, not {policy.subject}",
            )
        if policy.pact is not None:
            _require(
                facts.pact_id == policy.pact,
                "policy.wrong_pact",
                f"pact {facts.pact_id}, not {policy.pact}",
            )
        if policy.pact_digest is not None:
            _require(
                facts.pact_digest == policy.pact_digest,
                "policy.wrong_pact",
                f"pact digest {facts.pact_digest}, not {policy.pact_digest}",
            )
        return f"{facts.subject} against {facts.pact_id} v{facts.pact_version}"

    s.run("policy.subject", subject_and_pact)

    # policy.verdict
    if policy.require_verdict_pass:
        ok = facts.verdict == "pass"
        s.add(
            "policy.verdict",
            PASS if ok else FAIL,
            f"the evaluator's verdict is {facts.verdict}",
            None if ok else "policy.verdict_fail",
        )
    else:
        s.add("policy.verdict", NOT_APPLICABLE, "the policy looks only at its own thresholds")

    # policy.thresholds
    s.checks.append(_thresholds(policy, facts, trusted))

    expires = _bundle_expiry(policy, facts, status_results)
    report = BundleReport(
        name,
        tuple(s.checks),
        facts,
        trusted,
        bundle.log_origin,
        signed.checkpoint.size if signed else None,
        weight,
        age,
        expires,
    )
    return report, state


def _check_issuer(trusted: TrustedIssuer, facts: Facts, entry: LoggedEntry, bundle: Bundle) -> str:
    if trusted.not_before is not None:
        _require(
            facts.valid_from >= trusted.not_before,
            "issuer.key_not_yet_valid",
            f"issued {_stamp(facts.valid_from)}, before the key's window opens "
            f"({_stamp(trusted.not_before)})",
        )
    if trusted.not_after is not None:
        _require(
            facts.valid_from <= trusted.not_after,
            "issuer.key_retired",
            f"issued {_stamp(facts.valid_from)}, after the key's window closed "
            f"({_stamp(trusted.not_after)})",
        )
    c = trusted.compromised
    if c is not None:
        if c.index is not None and c.log == bundle.log_origin:
            _require(
                entry.index <= c.index,
                "issuer.compromised",
                f"logged at index {entry.index}, after the key's compromise cut-off "
                f"(index {c.index} in {c.log})",
            )
        if c.time is not None:
            # Compared as seconds: a hostile entry's time need not be a representable date.
            _require(
                entry.decoded.logged_at <= c.time.timestamp() and facts.valid_from <= c.time,
                "issuer.compromised",
                f"issued or logged after the key's compromise cut-off ({_stamp(c.time)})",
            )
    undeclared = [d for d in facts.dimensions if d not in trusted.dimensions]
    dims = ", ".join(sorted(trusted.dimensions))
    extra = f"; not trusted for {', '.join(undeclared)}" if undeclared else ""
    return f"{trusted.name} ({facts.issuer}) trusted for {dims}{extra}"


def _consistency(
    policy: Policy,
    state: VerifierState,
    origin: str,
    cp: _checkpoint.Checkpoint,
    note: bytes,
    proofs: Sequence[ConsistencyProof],
) -> tuple[str, str, str | None, VerifierState]:
    seen = state.get(origin)
    new = Remembered(cp.size, cp.root_hash, note)
    if seen is None:
        return (
            PASS,
            f"first checkpoint seen for {origin}: remembered",
            None,
            state.with_checkpoint(origin, new),
        )
    if seen.size == cp.size:
        if seen.root_hash == cp.root_hash:
            return PASS, f"same checkpoint as remembered (size {cp.size})", None, state
        return (
            FAIL,
            (f"split view: {origin} showed two different trees of size {cp.size}"),
            "consistency.split_view",
            state,
        )
    old, newer = (seen, new) if seen.size < cp.size else (new, seen)
    for p in proofs:
        if (p.origin, p.old_size, p.new_size) != (origin, old.size, newer.size):
            continue
        if (p.old_root, p.new_root) != (old.root_hash, newer.root_hash):
            continue
        try:
            verify_consistency(old.size, newer.size, old.root_hash, newer.root_hash, p.proof)
        except AttestError as exc:
            return FAIL, f"split view: {exc.message}", "consistency.split_view", state
        updated = state.with_checkpoint(origin, newer) if newer is new else state
        return PASS, f"consistent with remembered size {seen.size}", None, updated
    msg = (
        f"no consistency proof between remembered size {seen.size} and {cp.size}; "
        "not compared (give one with --consistency)"
    )
    if policy.consistency == "require":
        return FAIL, msg, "consistency.unproven", state
    return NOT_APPLICABLE, msg, None, state


def _evidence_bytes(facts: Facts, bundle: Bundle, supplied: Mapping[str, Digest]) -> Check:
    step = "evidence.bytes"
    cited = {str(r.get("digest")): r for r in facts.evidence}
    checked = 0
    for digest, data in bundle.evidence_data.items():
        if digest not in cited:
            return Check(step, FAIL, "evidence.not_cited", f"embedded {digest} is not cited")
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            return Check(step, FAIL, "evidence.altered", f"embedded bytes do not hash to {digest}")
        checked += 1
    by_name = {str(r.get("name")): r for r in facts.evidence if r.get("name")}
    for name, held in supplied.items():
        ref = by_name.get(name)
        if ref is None:
            continue
        if str(held) != ref.get("digest"):
            return Check(
                step, FAIL, "evidence.altered", f"{name} does not hash to its logged digest"
            )
        checked += 1
    if not checked:
        return Check(step, NOT_APPLICABLE, None, "no evidence bytes supplied")
    return Check(step, PASS, None, f"{checked} evidence file(s) match their logged digests")


def _status(
    policy: Policy,
    facts: Facts,
    lists: Sequence[Mapping[str, Any]],
    bundle: Bundle,
    now: datetime,
) -> tuple[Check, list[StatusResult]]:
    """The step's check, and the status lists that verified (their windows bound the expiry;
    a list that did not verify bounds nothing)."""
    step = "credential.status"
    verified: list[StatusResult] = []
    if not facts.status:
        return Check(step, NOT_APPLICABLE, None, "the credential has no credentialStatus"), []
    from attest.vc.status_list import StatusEntry, check_status

    available = [*lists, *([bundle.status_list] if bundle.status_list is not None else [])]
    results = []
    for raw in facts.status:
        try:
            entry = StatusEntry.from_json(raw)
        except AttestError as exc:
            return Check(
                step, FAIL, exc.code, exc.message, isinstance(exc, MalformedError)
            ), verified
        doc = _find_status(raw, available)
        if doc is None:
            msg = f"no status list {entry.list_url} to check ({entry.purpose})"
            if policy.freshness.status_unknown == "accept":
                results.append(f"{entry.purpose} unknown (accepted by policy)")
                continue
            return Check(step, FAIL, "status.unknown", msg + "; the policy fails closed"), verified
        try:
            r = check_status(
                entry,
                doc,
                issuer=facts.issuer,
                now=now,
                max_age=policy.freshness.status_max_age,
                clock_skew=policy.freshness.clock_skew,
            )
        except AttestError as exc:
            return Check(
                step, FAIL, exc.code, exc.message, isinstance(exc, MalformedError)
            ), verified
        verified.append(r)
        if r.set:
            code = "status.revoked" if entry.purpose == "revocation" else "status.suspended"
            return Check(step, FAIL, code, f"the credential is {code.split('.')[1]}"), verified
        results.append(f"not {'revoked' if entry.purpose == 'revocation' else 'suspended'}")
    return Check(step, PASS, None, "; ".join(results)), verified


def _thresholds(policy: Policy, facts: Facts, trusted: TrustedIssuer | None) -> Check:
    step = "policy.thresholds"
    if not policy.thresholds:
        return Check(step, NOT_APPLICABLE, None, "the policy sets no thresholds")
    met = []
    for t in policy.thresholds:
        if trusted is None or t.dimension not in trusted.dimensions:
            continue  # this evaluator is not counted for this dimension (see the decision)
        m = facts.measurements.get(t.metric)
        if m is None:
            return Check(
                step, FAIL, "policy.metric_missing", f"{t.metric} ({t.dimension}) not measured"
            )
        if not compare(m.value, t.comparator, t.value):
            return Check(
                step,
                FAIL,
                "policy.threshold_missed",
                f"{t.metric} = {m.value} {m.unit}; the policy needs {t.comparator} {t.value}",
            )
        met.append(f"{t.metric} {m.value} {t.comparator} {t.value}")
    if not met:
        return Check(step, NOT_APPLICABLE, None, "no threshold in a dimension this issuer attests")
    return Check(step, PASS, None, "; ".join(met))


def _later(start: datetime, delay: timedelta | Callable[[], timedelta] | None) -> datetime | None:
    """``start + delay``; None without a delay, or when the sum is past the last instant a
    datetime holds (a signed date in year 9999, a decay floor so low it never bites)."""
    if delay is None:
        return None
    try:
        return start + (delay if isinstance(delay, timedelta) else delay())
    except (OverflowError, ValueError):
        return None


def _bundle_expiry(policy: Policy, facts: Facts, lists: Sequence[StatusResult]) -> datetime | None:
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


# --- the decision -----------------------------------------------------------------------------


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
    state = state or VerifierState()
    lists = [_plain(d) for d in status_lists]
    reports = []
    for name, data in named:
        report, state = _verify_one(
            name, data, policy, now, state, lists, evidence or {}, consistency
        )
        reports.append(report)
    return _decide(policy, reports, now, state)


def _decide(
    policy: Policy, reports: list[BundleReport], now: datetime, state: VerifierState
) -> Decision:
    reasons: list[str] = []
    for r in reports:
        for c in r.failures:
            reasons.append(f"{r.name}: {c.step} failed ({c.code}): {c.reason}")
    counted = [r for r in reports if r.counted and r.facts is not None and r.issuer is not None]
    subjects = {r.facts.subject for r in counted if r.facts}
    pacts = {r.facts.pact_id for r in counted if r.facts}
    subject = policy.subject or (next(iter(subjects)) if len(subjects) == 1 else None)
    pact = policy.pact or (next(iter(pacts)) if len(pacts) == 1 else None)
    if len(subjects) > 1 and policy.subject is None:
        reasons.append("the bundles are about different subjects; name one in the policy")
        counted = []
    if len(pacts) > 1 and policy.pact is None:
        reasons.append("the bundles are against different pacts; name one in the policy")
        counted = []

    evaluators = tuple(sorted({r.facts.issuer for r in counted if r.facts}))
    k = policy.min_evaluators
    if len(evaluators) < k:
        reasons.append(
            f"{len(evaluators)} distinct trusted evaluator(s) attest; the policy needs {k}"
        )

    dims = policy.dimensions or tuple(
        dict.fromkeys(d for r in counted if r.facts for d in r.facts.dimensions)
    )
    views = []
    for d in dims:
        attesting = sorted(
            {r.facts.issuer for r in counted if r.facts and r.issuer and d in r.issuer.dimensions}
        )
        metrics: dict[str, Any] = {}
        for t in (t for t in policy.thresholds if t.dimension == d):
            metrics[t.metric] = {
                "comparator": t.comparator,
                "threshold": t.value,
                "measured": [
                    r.facts.measurements[t.metric].value
                    for r in counted
                    if r.facts
                    and r.issuer
                    and d in r.issuer.dimensions
                    and t.metric in r.facts.measurements
                ],
            }
        ok = len(attesting) >= k
        if not ok:
            reasons.append(
                f"dimension {d}: {len(attesting)} trusted evaluator(s) attest it; needs {k}"
            )
        views.append(DimensionView(d, PASS if ok else FAIL, tuple(attesting), k, metrics))

    if not reports:
        reasons.append("no bundle to verify")
    accepted = bool(counted) and len(evaluators) >= k and all(v.result == PASS for v in views)
    ages = [r.evidence_age for r in counted if r.evidence_age is not None]
    expiries = [r.expires for r in counted if r.expires is not None]
    return Decision(
        decision=ACCEPT if accepted else REJECT,
        reasons=tuple(reasons) if not accepted else (),
        subject=subject,
        pact=pact,
        bundles=tuple(reports),
        dimensions=tuple(views),
        evaluators=evaluators,
        evaluators_required=k,
        evidence_age=max(ages) if ages else None,
        expires=min(expiries) if accepted and expiries else None,
        now=now,
        state=state,
    )
