"""The verification steps of specs/verification.md §2, one function each, and their table.

Every step has one shape: ``step(given, known) -> Outcome``, from what the caller gave
(:class:`Given`: the policy, the time, status lists, evidence digests, consistency proofs) and
what earlier steps established about this bundle (:class:`Known`: the parsed bundle, the
verified claims, the trusted issuer, the verified checkpoint, the remembered state) to an
:class:`Outcome`. A step may record what it established in ``known`` for the steps after it;
a step that raises an :class:`~attest.errors.AttestError` has failed with that error's code.

:data:`STEPS` is the table the pipeline runs, in the spec's order, with each step's failure
codes as the spec lists them; ``tests/test_verify_steps.py`` compares the two. To add a step,
write one function here and add one row to the table (and to the spec's table).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from attest.codec.digest import Digest
from attest.codec.duration import format_duration
from attest.errors import AttestError, MalformedError, VerificationError
from attest.evaluation.bundle import Bundle, LoggedEntry, parse_bundle
from attest.evaluation.credential import EvaluationClaims, credential_digest, open_credential
from attest.evaluation.pact import Pact, compare
from attest.tlog.checkpoint import SignedCheckpoint, open_checkpoint
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.merkle import leaf_hash, verify_inclusion
from attest.vc.status_list import StatusEntry, StatusResult, check_status
from attest.verifier.decision import FAIL, NOT_APPLICABLE, PASS, DimensionOutcome, stamp
from attest.verifier.policy import Policy, TrustedIssuer, TrustedLog
from attest.verifier.state import VerifierState

__all__ = ["STEPS", "Given", "Known", "Outcome", "Step"]


# --- the shape of a step ---------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """What the caller supplied; the same for every bundle of one verification."""

    policy: Policy
    now: datetime
    status_lists: Sequence[Mapping[str, Any]] = ()
    evidence: Mapping[str, Digest] = field(default_factory=dict)
    proofs: Sequence[ConsistencyProof] = ()
    #: The pact itself, when the caller holds it (``attest verify --pact``).
    pact: Pact | None = None


@dataclass
class Known:
    """What the steps so far established about one bundle, filled in step order."""

    data: bytes | Bundle
    state: VerifierState
    bundle: Bundle | None = None
    claims: EvaluationClaims | None = None
    trusted: TrustedIssuer | None = None
    log: TrustedLog | None = None
    signed: SignedCheckpoint | None = None
    status: list[StatusResult] = field(default_factory=list)
    age: timedelta | None = None
    weight: float | None = None
    dimensions: dict[str, DimensionOutcome] = field(default_factory=dict)

    @property
    def parsed(self) -> Bundle:
        assert self.bundle is not None, "bundle.format runs first"
        return self.bundle

    @property
    def facts(self) -> EvaluationClaims:
        assert self.claims is not None, "credential.signature runs first"
        return self.claims

    @property
    def checkpoint(self) -> SignedCheckpoint:
        assert self.signed is not None, "checkpoint.signature runs first"
        return self.signed


@dataclass(frozen=True)
class Outcome:
    """A step's result before the pipeline names it: pass, fail (with a code) or n/a."""

    result: str
    reason: str
    code: str | None = None
    malformed: bool = False


def passed(reason: str) -> Outcome:
    return Outcome(PASS, reason)


def failed(code: str, reason: str) -> Outcome:
    return Outcome(FAIL, reason, code)


def not_applicable(reason: str) -> Outcome:
    return Outcome(NOT_APPLICABLE, reason)


def judged(ok: bool, reason: str, code: str) -> Outcome:
    return passed(reason) if ok else failed(code, reason)


def require(cond: bool, code: str, message: str) -> None:
    if not cond:
        raise VerificationError(code, message)


#: What a step needs from earlier steps: nothing, a parsed bundle, verified claims, or a
#: verified checkpoint as well. Without it the step is not applicable.
Needs = Literal["nothing", "bundle", "claims", "checkpoint"]


@dataclass(frozen=True)
class Step:
    """One row of the table: name, function, what it needs, and its failure codes."""

    name: str
    run: Callable[[Given, Known], Outcome]
    needs: Needs
    codes: tuple[str, ...]
    #: The reason given when the step does not apply for want of a verified checkpoint.
    unmet: str = "no verified checkpoint"
    #: Whether a failure keeps the bundle from counting at all (False: it judges dimensions).
    vetoes: bool = True


# --- 1. the bundle and its credential ----------------------------------------------------------


def bundle_format(given: Given, known: Known) -> Outcome:
    """§2 bundle.format: the bundle parses (specs/bundle.md §3)."""
    bundle = known.data if isinstance(known.data, Bundle) else parse_bundle(known.data)
    known.bundle = bundle
    return passed(f"{'CBOR' if bundle.is_cbor else 'JSON'} bundle, version 1")


def credential_signature(given: Given, known: Known) -> Outcome:
    """§2 credential.signature: the proof verifies by the issuer's key; then the claims'
    shape, which only a verified signature vouches for."""
    opened = open_credential(known.parsed.credential, now=given.now)
    known.claims = opened.claims
    return passed(opened.how)


def issuer_trusted(given: Given, known: Known) -> Outcome:
    """§2 issuer.trusted: a policy issuer, inside its key window, before any compromise."""
    facts = known.facts
    trusted = given.policy.issuer(facts.issuer)
    if trusted is None:
        return failed("issuer.untrusted", f"{facts.issuer} is not a trusted issuer")
    known.trusted = trusted
    logged_at = known.parsed.credential_entry.decoded.logged_at
    _check_key_window(trusted, logged_at)
    _check_compromise(trusted, logged_at, known.parsed)
    undeclared = [d for d in facts.dimensions if d not in trusted.dimensions]
    dims = ", ".join(sorted(trusted.dimensions))
    extra = f"; not trusted for {', '.join(undeclared)}" if undeclared else ""
    return passed(f"{trusted.name} ({facts.issuer}) trusted for {dims}{extra}")


def _logged(seconds: int) -> str:
    """An entry time as the report writes it (a hostile entry's time may be no real date)."""
    try:
        return stamp(datetime.fromtimestamp(seconds, UTC)) or ""
    except (OverflowError, OSError, ValueError):
        return f"{seconds} s after the epoch"


def _check_key_window(trusted: TrustedIssuer, logged_at: int) -> None:
    """The key's window, judged by when the trusted log recorded the credential, never by a
    date the key holder wrote (compared as seconds)."""
    when = f"logged {_logged(logged_at)}"
    if trusted.not_before is not None:
        require(
            logged_at >= trusted.not_before.timestamp(),
            "issuer.key_not_yet_valid",
            f"{when}, before the key's window opens ({stamp(trusted.not_before)})",
        )
    if trusted.not_after is not None:
        require(
            logged_at <= trusted.not_after.timestamp(),
            "issuer.key_retired",
            f"{when}, after the key's window closed ({stamp(trusted.not_after)})",
        )


def _check_compromise(trusted: TrustedIssuer, logged_at: int, bundle: Bundle) -> None:
    """Once a key is compromised, what it signed counts only when proven logged before the
    compromise: at or below an index cut-off on the log that states it, or before a time
    cut-off by the log's own entry time. On any other log it does not count (fail closed)."""
    c = trusted.compromised
    if c is None:
        return
    index = bundle.credential_entry.index
    if c.index is not None and c.log == bundle.log_origin:
        require(
            index <= c.index,
            "issuer.compromised",
            f"logged at index {index}, after the key's compromise cut-off "
            f"(index {c.index} in {c.log})",
        )
    elif c.time is None:
        raise VerificationError(
            "issuer.compromised",
            f"the key is compromised and this log ({bundle.log_origin}) states no cut-off "
            f"for it (only {c.log} does)",
        )
    if c.time is not None:
        require(
            logged_at <= c.time.timestamp(),
            "issuer.compromised",
            f"logged {_logged(logged_at)}, after the key's compromise cut-off ({stamp(c.time)})",
        )


def credential_validity(given: Given, known: Known) -> Outcome:
    """§2 credential.validity: inside its window at ``now`` (with skew), not too old."""
    facts, now = known.facts, given.now
    skew = given.policy.freshness.clock_skew
    require(
        facts.valid_from <= now + skew,
        "credential.not_yet_valid",
        f"valid only from {stamp(facts.valid_from)}",
    )
    logged_at = known.parsed.credential_entry.decoded.logged_at
    require(
        facts.valid_from.timestamp() >= logged_at - skew.total_seconds(),
        "credential.backdated",
        f"valid from {stamp(facts.valid_from)}, before the log recorded it "
        f"({_logged(logged_at)}) by more than the policy's skew",
    )
    require(
        facts.period_end <= facts.valid_from and facts.period_end <= now + skew,
        "evaluation.future_period",
        f"the evaluation period ends {stamp(facts.period_end)}, after the credential was "
        f"issued ({stamp(facts.valid_from)}) or after now",
    )
    if facts.valid_until is not None:
        require(
            now - skew < facts.valid_until,
            "credential.expired",
            f"expired at {stamp(facts.valid_until)}",
        )
    limit = given.policy.freshness.max_credential_age
    if limit is not None:
        require(
            now - facts.valid_from <= limit,
            "credential.too_old",
            f"issued {stamp(facts.valid_from)}, older than the policy's {format_duration(limit)}",
        )
    return passed(f"valid from {stamp(facts.valid_from)} until {stamp(facts.valid_until)}")


# --- 2. the log: checkpoint, witnesses, consistency, inclusion ----------------------------------


def checkpoint_signature(given: Given, known: Known) -> Outcome:
    """§2 checkpoint.signature: a policy log's key signed the checkpoint (C2SP tlog-checkpoint);
    witness lines by known keys verify. The note is opened once, here, for every later step."""
    bundle, policy = known.parsed, given.policy
    log = policy.log(bundle.log_origin)
    if log is None:
        return failed(
            "checkpoint.untrusted_log", f"log {bundle.log_origin!r} is not trusted by the policy"
        )
    trusted_key = log.verifier.vkey()
    require(
        bundle.log_key == trusted_key,
        "bundle.log_key_mismatch",
        f"the bundle names log key {bundle.log_key[:120]!r}; the policy trusts "
        f"{trusted_key!r} for {log.origin}",
    )
    known.log = log
    known.signed = open_checkpoint(
        bundle.note,
        log.verifier,
        witnesses=[w.verifier for w in policy.witnesses],
        origin=log.origin,
    )
    return passed(f"checkpoint of size {known.signed.checkpoint.size} signed by {log.origin}")


def checkpoint_witnesses(given: Given, known: Known) -> Outcome:
    """§2 checkpoint.witnesses: at least the quorum of distinct policy witnesses cosigned."""
    quorum = given.policy.witness_quorum
    names = sorted({c.name for c in known.checkpoint.cosignatures})
    listed = f" ({', '.join(names)})" if names else ""
    assert known.log is not None
    if known.log.compromised:
        # A stolen log key can sign any history: only witnesses vouch for this one.
        needed = max(quorum, 1)
        return judged(
            len(names) >= needed,
            f"the log key is listed as compromised: {len(names)} of {needed} required "
            f"witnesses cosigned{listed}",
            "checkpoint.log_compromised",
        )
    if quorum == 0:
        return not_applicable("the policy requires no witnesses")
    return judged(
        len(names) >= quorum,
        f"{len(names)} of {quorum} required witnesses cosigned{listed}",
        "witness.quorum",
    )


def _witnessed(given: Given, known: Known) -> bool:
    """Whether the checkpoint meets the policy's witness requirement (quorum; one witness at
    least for a log listed compromised): only such a checkpoint is ever remembered."""
    assert known.log is not None
    needed = given.policy.witness_quorum
    if known.log.compromised:
        needed = max(needed, 1)
    return len({c.name for c in known.checkpoint.cosignatures}) >= needed


def checkpoint_consistency(given: Given, known: Known) -> Outcome:
    """§4: the checkpoint reconciles with the remembered one; the state advances if proven.

    A split view is evidence kept in the state (both signed notes, and the proof); a log seen
    equivocating under the trusted key is refused from then on. Without a proof between two
    sizes, the step fails under ``consistency = "require"`` (the default without a witness
    quorum) and otherwise says that split views were not ruled out."""
    assert known.log is not None
    r = known.state.reconcile(
        known.log.origin,
        known.checkpoint.checkpoint,
        known.parsed.checkpoint,
        given.proofs,
        log_key=known.log.verifier.vkey(),
        remember=_witnessed(given, known),
    )
    known.state = r.state
    if r.consistent is None:
        if given.policy.consistency == "require":
            return failed("consistency.unproven", r.reason)
        return not_applicable(r.reason)
    return judged(r.consistent, r.reason, "consistency.split_view")


def _include(known: Known, entry: LoggedEntry) -> None:
    """The entry's inclusion proof leads to this bundle's verified checkpoint."""
    cp = known.checkpoint.checkpoint
    require(
        entry.proof.checkpoint == known.parsed.checkpoint,
        "inclusion.wrong_checkpoint",
        "the proof leads to another checkpoint",
    )
    verify_inclusion(entry.index, cp.size, leaf_hash(entry.entry), entry.proof.hashes, cp.root_hash)


def inclusion_credential(given: Given, known: Known) -> Outcome:
    """§2 inclusion.credential: the first entry records this credential and is proven."""
    bundle = known.parsed
    entry = bundle.credential_entry
    e = entry.decoded
    # The digest the signature check computed from the bytes it canonicalized, when it ran.
    claims = known.claims
    digest = claims.logged_digest if claims is not None else None
    require(
        e.kind == "credential"
        and e.digest == (digest if digest is not None else credential_digest(bundle.credential)),
        "inclusion.credential_mismatch",
        "the logged credential entry does not record this credential",
    )
    _include(known, entry)
    return passed(f"credential logged at index {entry.index}")


def inclusion_evidence(given: Given, known: Known) -> Outcome:
    """§2 inclusion.evidence: every cited item has a proven entry recording it, in this log."""
    bundle, cited = known.parsed, known.facts.evidence
    if not cited and not bundle.evidence_entries:
        return not_applicable("the credential cites no evidence")
    by_index = {e.index: e for e in bundle.evidence_entries}
    for i, ref in enumerate(cited):
        _include(known, _evidence_entry(bundle, by_index, i, ref))
    if not cited:
        return passed("the credential cites no evidence")
    return passed(f"{len(cited)} evidence item(s) logged and proven")


def _evidence_entry(
    bundle: Bundle, by_index: Mapping[int, LoggedEntry], i: int, ref: Mapping[str, Any]
) -> LoggedEntry:
    index, origin = ref.get("logIndex"), ref.get("logOrigin")
    require(
        origin == bundle.log_origin,
        "inclusion.evidence_other_log",
        f"evidence {i} is logged in {str(origin)[:80]!r}, not this bundle's log",
    )
    entry = by_index.get(index) if isinstance(index, int) else None
    if entry is None:
        raise VerificationError(
            "inclusion.evidence_missing",
            f"evidence {i} (index {index}) has no entry and proof in the bundle",
        )
    e = entry.decoded
    require(
        e.kind == "evidence" and str(e.digest) == ref.get("digest") and e.size == ref.get("size"),
        "inclusion.evidence_mismatch",
        f"the entry at index {index} does not record evidence {i}'s digest and size",
    )
    return entry


# --- 3. evidence bytes, status, freshness -----------------------------------------------------


def evidence_bytes(given: Given, known: Known) -> Outcome:
    """§2 evidence.bytes: embedded and supplied evidence files hash to their logged digests."""
    facts, bundle = known.facts, known.parsed
    cited = {str(r.get("digest")): r for r in facts.evidence}
    checked = 0
    for digest, data in bundle.evidence_data.items():
        if digest not in cited:
            return failed("evidence.not_cited", f"embedded {digest} is not cited")
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            return failed("evidence.altered", f"embedded bytes do not hash to {digest}")
        checked += 1
    by_name = {str(r.get("name")): r for r in facts.evidence if r.get("name")}
    for name, held in given.evidence.items():
        ref = by_name.get(name)
        if ref is None:
            continue
        if str(held) != ref.get("digest"):
            return failed("evidence.altered", f"{name} does not hash to its logged digest")
        checked += 1
    if given.policy.evidence_bytes == "required":
        missing = _unsupplied(facts, bundle, given.evidence)
        if missing:
            return failed(
                "evidence.missing",
                f"the policy requires every cited evidence file; {len(missing)} of "
                f"{len(facts.evidence)} not supplied (first: {missing[0][:80]})",
            )
    if not checked:
        return not_applicable("no evidence bytes supplied")
    return passed(f"{checked} evidence file(s) match their logged digests")


def _unsupplied(
    facts: EvaluationClaims, bundle: Bundle, supplied: Mapping[str, Digest]
) -> list[str]:
    """The digests of cited evidence whose bytes are neither embedded nor supplied."""
    held = set(bundle.evidence_data) | {str(d) for d in supplied.values()}
    return [str(r.get("digest")) for r in facts.evidence if str(r.get("digest")) not in held]


def credential_status(given: Given, known: Known) -> Outcome:
    """§2 credential.status: each status entry's list verifies, is fresh, and its bit is
    clear. Lists that verified are kept: their windows bound the bundle's expiry."""
    facts, bundle = known.facts, known.parsed
    if not facts.status:
        if given.policy.freshness.require_status:
            return failed(
                "status.missing",
                "the credential has no credentialStatus, so it can never be revoked; "
                "the policy requires one",
            )
        return not_applicable("the credential has no credentialStatus (the policy allows it)")
    available = [*given.status_lists, *bundle.stapled]
    results = []
    for raw in facts.status:
        entry = StatusEntry.from_json(raw)
        doc = _find_status(raw, available)
        if doc is None:
            if given.policy.freshness.status_unknown != "accept":
                msg = f"no status list {entry.list_url} to check ({entry.purpose})"
                return failed("status.unknown", msg + "; the policy fails closed")
            results.append(f"{entry.purpose} unknown (accepted by policy)")
            continue
        r = check_status(
            entry,
            doc,
            issuer=facts.issuer,
            now=given.now,
            max_age=given.policy.freshness.status_max_age,
            clock_skew=given.policy.freshness.clock_skew,
        )
        known.status.append(r)
        word = "revoked" if entry.purpose == "revocation" else "suspended"
        if r.set:
            return failed(f"status.{word}", f"the credential is {word}")
        results.append(f"not {word}")
    return passed("; ".join(results))


def _find_status(
    entry: Mapping[str, Any], lists: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    url = entry.get("statusListCredential")
    return next((d for d in lists if isinstance(d, Mapping) and d.get("id") == url), None)


def evidence_freshness(given: Given, known: Known) -> Outcome:
    """§2 evidence.freshness: the evaluation period ended within ``max_evidence_age``, and
    within ``max_recertification_interval`` (past it the evaluation needs a successor)."""
    facts = known.facts
    age = known.age = max(given.now - facts.period_end, timedelta(0))
    interval = given.policy.freshness.max_recertification_interval
    require(
        interval is None or age <= interval,
        "evidence.needs_recertification",
        f"evaluated {format_duration(age)} ago; the policy wants a recertification every "
        f"{format_duration(interval or timedelta(0))}: a newer credential from this evaluator",
    )
    limit = given.policy.freshness.max_evidence_age
    if limit is None:
        return not_applicable("the policy sets no maximum evidence age")
    ok = age <= limit
    return judged(
        ok,
        f"evaluation ended {stamp(facts.period_end)}; evidence age {format_duration(age)} "
        f"{'within' if ok else 'beyond'} the policy's {format_duration(limit)}",
        "evidence.too_old",
    )


def evidence_decay(given: Given, known: Known) -> Outcome:
    """§2 evidence.decay: the decay weight of the evidence's age is at least the floor."""
    decay = given.policy.decay
    if decay is None:
        return not_applicable("the policy sets no decay")
    age = max(given.now - known.facts.period_end, timedelta(0))
    weight = known.weight = decay.weight(age)
    return judged(
        weight >= decay.floor,
        f"weight {weight:.3f} after {format_duration(age)} "
        f"(half-life {format_duration(decay.half_life)}, floor {decay.floor})",
        "decay.below_floor",
    )


# --- 4. the counterparty's policy ---------------------------------------------------------------


def policy_subject(given: Given, known: Known) -> Outcome:
    """§2 policy.subject: subject, pact id and pact digest are the policy's (each when set)."""
    facts, policy = known.facts, given.policy
    for wanted, got, code, what in (
        (policy.subject, facts.subject, "policy.wrong_subject", "about"),
        (policy.pact, facts.pact_id, "policy.wrong_pact", "pact"),
        (policy.pact_digest, facts.pact_digest, "policy.wrong_pact", "pact digest"),
    ):
        require(wanted is None or got == wanted, code, f"{what} {got}, not {wanted}")
    if given.pact is not None:
        _check_pact(given.pact, facts)
    return passed(f"{facts.subject} against {facts.pact_id} v{facts.pact_version}")


def _check_pact(pact: Pact, facts: EvaluationClaims) -> None:
    """The pact the caller holds is the one the credential names (its digest), and the
    credential's obligations are that pact's, in its order."""
    require(
        facts.pact_digest == str(pact.digest),
        "policy.wrong_pact",
        f"the credential's pact digest {facts.pact_digest}, not the given pact's {pact.digest}",
    )
    promised = [
        (o.metric, o.comparator, o.threshold, o.unit, o.dimension, o.min_sample_size)
        for o in pact.obligations
    ]
    keys = ("metric", "comparator", "threshold", "unit", "dimension", "minSampleSize")
    stated = [tuple(o.get(k) for k in keys) for o in facts.outcomes]
    require(
        stated == promised,
        "policy.pact_mismatch",
        f"the credential's obligations are not the {pact.id} v{pact.version} pact's",
    )


def policy_verdict(given: Given, known: Known) -> Outcome:
    """§2 policy.verdict: with ``require_verdict = "pass"`` the evaluator's overall verdict
    is a veto; otherwise each dimension is judged on its own (n/a)."""
    verdict = known.facts.verdict
    if not given.policy.require_verdict_pass:
        return not_applicable(
            f"the evaluator's verdict is {verdict}; the policy judges each dimension on its own"
        )
    return judged(verdict == "pass", f"the evaluator's verdict is {verdict}", "policy.verdict_fail")


def policy_thresholds(given: Given, known: Known) -> Outcome:
    """§2 policy.thresholds: this bundle's outcome in each dimension its issuer is trusted for
    (§3). A miss affects only its own dimension: the step names every miss, and the bundle
    still counts for the dimensions it meets."""
    trusted, judged_by_policy = known.trusted, given.policy.dimensions
    dims = [
        d
        for d in (sorted(trusted.dimensions) if trusted is not None else [])
        if not judged_by_policy or d in judged_by_policy
    ]
    judged_dims = {d: _dimension_outcome(given.policy, known.facts, d) for d in dims}
    known.dimensions = {d: o for d, o in judged_dims.items() if o is not None}
    misses = [n for o in known.dimensions.values() for n in o.misses]
    if misses:
        code = "policy.metric_missing" if all("not measured" in m for m in misses) else None
        return failed(code or "policy.threshold_missed", "; ".join(misses))
    if not known.dimensions:
        return not_applicable("no policy threshold or pact obligation in a trusted dimension")
    return passed("; ".join(f"{d}: {o.basis}" for d, o in sorted(known.dimensions.items())))


def _dimension_outcome(
    policy: Policy, facts: EvaluationClaims, dimension: str
) -> DimensionOutcome | None:
    """The policy's thresholds in ``dimension`` decide it; without any, the credential's own
    obligations in it do; with neither, the credential does not speak to it (None)."""
    thresholds = [t for t in policy.thresholds if t.dimension == dimension]
    misses = []
    if thresholds:
        for t in thresholds:
            m = facts.measurements.get(t.metric)
            if m is None:
                misses.append(f"{dimension}: {t.metric} not measured")
            elif t.methods and m.method not in t.methods:
                misses.append(
                    f"{dimension}: {t.metric} was measured by {m.method or 'an unstated method'}"
                    f"; the policy accepts only {', '.join(t.methods)}"
                )
            elif not compare(m.value, t.comparator, t.value):
                misses.append(
                    f"{dimension}: {t.metric} = {m.value} {m.unit}; "
                    f"the policy needs {t.comparator} {t.value}"
                )
        return DimensionOutcome(
            "fail" if misses else "pass", "the policy's thresholds", tuple(misses)
        )
    obligations = [o for o in facts.outcomes if o.get("dimension") == dimension]
    if not obligations:
        return None
    for o in obligations:
        if o.get("outcome") != "pass":
            misses.append(
                f"{dimension}: pact obligation {o.get('metric')} {o.get('comparator')} "
                f"{o.get('threshold')} is {o.get('outcome')}"
            )
    outcomes = {o.get("outcome") for o in obligations}
    # Too few samples is no evidence either way: the bundle does not vouch for the dimension.
    result = "fail" if outcomes - {"pass", "insufficient"} else "insufficient"
    if not misses:
        result = "pass"
    return DimensionOutcome(result, "the pact's obligations", tuple(misses))


# --- the table ----------------------------------------------------------------------------------

# Without a verified checkpoint there is nothing to prove under; that failure is
# checkpoint.signature's, so the inclusion steps do not apply (and do not fail a second time).
_NOTHING_TO_PROVE_UNDER = "no verified checkpoint to prove under"

#: The steps in the order they run, with the failure codes of specs/verification.md §2.
STEPS: tuple[Step, ...] = (
    Step(
        "bundle.format",
        bundle_format,
        "nothing",
        ("bundle.*", "json.*", "cbor.*", "entry.*", "tlog_proof.*", "note.*"),
    ),
    Step(
        "credential.signature",
        credential_signature,
        "bundle",
        (
            "di.*",
            "signature.invalid",
            "cose.*",
            "credential.issuer_key_mismatch",
            "credential.claims_mismatch",
            "credential.bad_context",
            "credential.bad_type",
            "credential.malformed",
            "credential.inconsistent_outcome",
            "datetime.*",
        ),
    ),
    Step(
        "issuer.trusted",
        issuer_trusted,
        "claims",
        (
            "issuer.untrusted",
            "issuer.key_not_yet_valid",
            "issuer.key_retired",
            "issuer.compromised",
        ),
    ),
    Step(
        "credential.validity",
        credential_validity,
        "claims",
        (
            "credential.not_yet_valid",
            "credential.backdated",
            "evaluation.future_period",
            "credential.expired",
            "credential.too_old",
        ),
    ),
    Step(
        "checkpoint.signature",
        checkpoint_signature,
        "claims",
        ("checkpoint.untrusted_log", "bundle.log_key_mismatch", "checkpoint.*", "note.*"),
    ),
    Step(
        "checkpoint.witnesses",
        checkpoint_witnesses,
        "checkpoint",
        ("witness.quorum", "checkpoint.log_compromised"),
    ),
    Step(
        "checkpoint.consistency",
        checkpoint_consistency,
        "checkpoint",
        ("consistency.split_view", "consistency.unproven"),
    ),
    Step(
        "inclusion.credential",
        inclusion_credential,
        "checkpoint",
        ("inclusion.credential_mismatch", "inclusion.wrong_checkpoint", "merkle.*"),
        _NOTHING_TO_PROVE_UNDER,
    ),
    Step(
        "inclusion.evidence",
        inclusion_evidence,
        "checkpoint",
        (
            "inclusion.evidence_missing",
            "inclusion.evidence_other_log",
            "inclusion.evidence_mismatch",
            "merkle.*",
        ),
        _NOTHING_TO_PROVE_UNDER,
    ),
    Step(
        "evidence.bytes",
        evidence_bytes,
        "claims",
        ("evidence.altered", "evidence.not_cited", "evidence.missing"),
    ),
    Step(
        "credential.status",
        credential_status,
        "claims",
        (
            "status.missing",
            "status.revoked",
            "status.suspended",
            "status.unknown",
            "status.stale",
            "status.*",
            "di.*",
        ),
    ),
    Step(
        "evidence.freshness",
        evidence_freshness,
        "claims",
        ("evidence.too_old", "evidence.needs_recertification"),
    ),
    Step("evidence.decay", evidence_decay, "claims", ("decay.below_floor",)),
    Step(
        "policy.subject",
        policy_subject,
        "claims",
        ("policy.wrong_subject", "policy.wrong_pact", "policy.pact_mismatch"),
    ),
    Step("policy.verdict", policy_verdict, "claims", ("policy.verdict_fail",)),
    Step(
        "policy.thresholds",
        policy_thresholds,
        "claims",
        ("policy.metric_missing", "policy.threshold_missed"),
        vetoes=False,
    ),
)


def run_step(step: Step, given: Given, known: Known) -> Outcome:
    """Run one step; an AttestError it raises is its failure, with the error's code."""
    try:
        return step.run(given, known)
    except AttestError as exc:
        return Outcome(FAIL, exc.message, exc.code, isinstance(exc, MalformedError))
