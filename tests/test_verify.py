"""attest.verifier.pipeline: one bundle through every step, and the decision across bundles.

The world (tests/helpers/verify_world.py) is built once from fixed seeds and a fixed clock:
evaluator A's key, an evidence log with bundles issued by attest.issue.issue in both
encodings, revocation and suspension lists, two witnesses cosigning the log's checkpoint,
evaluator B, and a second history of the same log. The base run (base policy, ``NOW``, fresh
status lists) accepts; every case in the table changes one input so that exactly one step
fails, and checks that step, its code and that no other step failed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from attest.codec.cbor import encode_deterministic
from attest.codec.dates import parse_datetime_stamp
from attest.codec.digest import hash_bytes
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle
from attest.files import load_state, save_state
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer
from attest.verifier.pipeline import STEPS, ConsistencyProof, Decision, verify
from attest.verifier.state import Remembered, VerifierState

from .helpers.verify_world import (
    EVIDENCE,
    ISSUED,
    ISSUER,
    NOW,
    ORIGIN,
    OTHER,
    OTHER_LOG_KEY,
    PERIOD_END,
    SECOND_ISSUER,
    STATUS_INDEX,
    SUBJECT,
    World,
    build_world,
    did,
    document,
    issuer_entry,
    make_policy,
    policy_doc,
    resign_cose,
    resign_json,
    status_lists,
    without_evidence_entry,
)

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "specs" / "decision.schema.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("verify") / "world")


@dataclass
class Run:
    """One call of verify: the base inputs unless a case changes them."""

    bundles: list[Bundle]
    policy: Mapping[str, Any] = field(default_factory=dict)
    now: datetime = NOW
    status: list[dict[str, Any]] | None = None  # None: fresh lists signed an hour before now
    state: VerifierState | None = None
    evidence: dict[str, Any] | None = None
    consistency: tuple[ConsistencyProof, ...] = ()

    def __call__(self) -> Decision:
        lists = status_lists(self.now - timedelta(hours=1)) if self.status is None else self.status
        return verify(
            [b.encode() for b in self.bundles],
            make_policy(**self.policy),
            now=self.now,
            state=self.state,
            status_lists=lists,
            evidence=self.evidence,
            consistency=self.consistency,
        )


def failures(d: Decision) -> list[tuple[int, str, str | None]]:
    return [(i, c.step, c.code) for i, b in enumerate(d.bundles) for c in b.failures]


def validate(d: Decision) -> dict[str, Any]:
    out = d.to_json()
    jsonschema.validate(out, SCHEMA)
    return out


def remembered(state: VerifierState | None) -> tuple[int, bytes] | None:
    r = state.get(ORIGIN) if state else None
    return (r.size, r.root_hash) if r else None


def state_of(size: int, root: bytes, note: bytes) -> VerifierState:
    return VerifierState().with_checkpoint(ORIGIN, Remembered(size, root, note))


def consistency_proof(w: World, old_size: int, old_root: bytes) -> ConsistencyProof:
    """A consistency proof computed by log A from ``old_size`` to its bundles' size."""
    with Log.open(w.log_dir, write=False) as log:
        hashes = tuple(log.consistency_proof(old_size, w.size))
    return ConsistencyProof(ORIGIN, old_size, old_root, w.size, w.root_hash, hashes)


def altered_embedded(bundle: Bundle) -> Bundle:
    data = {d: b + b"tampered" for d, b in bundle.evidence_data.items()}
    return dataclasses.replace(bundle, evidence_data=data)


def other_log_key(origin: str) -> str:
    return Ed25519Signer(origin, OTHER_LOG_KEY).verifier().vkey()


OTHER_ORIGIN = "other.example/log"
THRESHOLDS = policy_doc()["threshold"]
EXTRA_THRESHOLD = {"dimension": "safety", "metric": "refusal_rate", "comparator": "<=", "value": 1}
BOTH = ("json", "cbor")
Make = Callable[[World, str], Run]


def base(policy: Mapping[str, Any] | None = None, **run: Any) -> Make:
    """The base bundle of the encoding, with these policy changes and run inputs."""
    return lambda w, e: Run([w.b("base", e)], policy or {}, **run)


def kind(name: str) -> Make:
    return lambda w, e: Run([w.b(name, e)])


def compromised(w: World, e: str) -> Run:
    cut_off = {"log": ORIGIN, "index": w.b("base", e).credential_entry.index - 1}
    return Run([w.b("base", e)], {"issuer": [issuer_entry(compromised_after=cut_off)]})


# (id, the run, the failing step, its code, the encodings it applies to)
CASES: list[tuple[str, Make, str, str, tuple[str, ...]]] = [
    (
        "credential re-signed by another key, issuer unchanged",
        lambda w, e: Run(
            [resign_json(w.json, OTHER) if e == "json" else resign_cose(w.cbor, OTHER)]
        ),
        "credential.signature",
        "credential.issuer_key_mismatch",
        BOTH,
    ),
    (
        "proof by another key naming the issuer's verification method",
        lambda w, e: Run([resign_json(w.json, OTHER, keep_method_of=ISSUER)]),
        "credential.signature",
        "signature.invalid",
        ("json",),
    ),
    (
        "issuer not in the policy",
        base({"issuer": [issuer_entry(SECOND_ISSUER, "B")]}),
        "issuer.trusted",
        "issuer.untrusted",
        BOTH,
    ),
    (
        "issued before the key's window opens",
        base({"issuer": [issuer_entry(not_before=ISSUED + timedelta(seconds=1))]}),
        "issuer.trusted",
        "issuer.key_not_yet_valid",
        BOTH,
    ),
    (
        "issued after the key was retired",
        base({"issuer": [issuer_entry(not_after=ISSUED - timedelta(seconds=1))]}),
        "issuer.trusted",
        "issuer.key_retired",
        BOTH,
    ),
    (
        "logged after the compromise cut-off index",
        compromised,
        "issuer.trusted",
        "issuer.compromised",
        BOTH,
    ),
    (
        "issued after the compromise cut-off time",
        base({"issuer": [issuer_entry(compromised_after={"time": ISSUED - timedelta(seconds=1)})]}),
        "issuer.trusted",
        "issuer.compromised",
        BOTH,
    ),
    (
        "expired (validUntil + skew passed)",
        base(now=ISSUED + timedelta(days=90, minutes=5)),
        "credential.validity",
        "credential.expired",
        BOTH,
    ),
    (
        "not yet valid (validFrom beyond now + skew)",
        base(now=ISSUED - timedelta(minutes=5, seconds=1)),
        "credential.validity",
        "credential.not_yet_valid",
        BOTH,
    ),
    (
        "older than max_credential_age",
        base({"freshness__max_credential_age": "12h"}),
        "credential.validity",
        "credential.too_old",
        BOTH,
    ),
    (
        "checkpoint of a log the policy does not list",
        base({"log": [{"origin": OTHER_ORIGIN, "key": other_log_key(OTHER_ORIGIN)}]}),
        "checkpoint.signature",
        "checkpoint.untrusted_log",
        BOTH,
    ),
    (
        "the bundle names another log key than the policy trusts for its origin",
        base({"log": [{"origin": ORIGIN, "key": other_log_key(ORIGIN)}]}),
        "checkpoint.signature",
        "bundle.log_key_mismatch",
        BOTH,
    ),
    (
        "one cosignature under a quorum of two",
        kind("one_witness"),
        "checkpoint.witnesses",
        "witness.quorum",
        BOTH,
    ),
    (
        "no cosignature under a quorum of two",
        kind("unwitnessed"),
        "checkpoint.witnesses",
        "witness.quorum",
        BOTH,
    ),
    (
        "split view: remembered checkpoint of the same size, another root",
        lambda w, e: Run([w.b("base", e)], state=state_of(w.size, w.split_root, w.split_note)),
        "checkpoint.consistency",
        "consistency.split_view",
        BOTH,
    ),
    (
        "split view: the consistency proof from the remembered checkpoint fails",
        lambda w, e: Run(
            [w.b("base", e)],
            state=state_of(w.early_size, w.split_early_root, w.split_early_note),
            consistency=(consistency_proof(w, w.early_size, w.split_early_root),),
        ),
        "checkpoint.consistency",
        "consistency.split_view",
        BOTH,
    ),
    (
        "no consistency proof under consistency = require",
        lambda w, e: Run(
            [w.b("base", e)],
            {"decision__consistency": "require"},
            state=state_of(w.early_size, w.early_root, w.early_note),
        ),
        "checkpoint.consistency",
        "consistency.unproven",
        BOTH,
    ),
    (
        "credential proof leads to another checkpoint of the log",
        kind("later_checkpoint"),
        "inclusion.credential",
        "merkle.root_mismatch",  # sizes 10 and 11: proofs of the same length, other roots
        BOTH,
    ),
    (
        "an evidence entry removed from the bundle",
        lambda w, e: Run([without_evidence_entry(w.b("base", e))]),
        "inclusion.evidence",
        "inclusion.evidence_missing",
        BOTH,
    ),
    (
        "evidence file in the evidence folder altered",
        base(evidence={"transcripts.jsonl": hash_bytes(b"altered")}),
        "evidence.bytes",
        "evidence.altered",
        BOTH,
    ),
    (
        "embedded evidenceData altered",
        lambda w, e: Run([altered_embedded(w.b("embedded", e))]),
        "evidence.bytes",
        "evidence.altered",
        BOTH,
    ),
    (
        "revoked",
        base(status=status_lists(revoked=[STATUS_INDEX])),
        "credential.status",
        "status.revoked",
        BOTH,
    ),
    (
        "suspended",
        base(status=status_lists(suspended=[STATUS_INDEX])),
        "credential.status",
        "status.suspended",
        BOTH,
    ),
    (
        "status lists older than status_max_age",
        base(status=status_lists(NOW - timedelta(days=1, seconds=1))),
        "credential.status",
        "status.stale",
        BOTH,
    ),
    (
        "no status list to check: fail closed",
        base(status=[]),
        "credential.status",
        "status.unknown",
        BOTH,
    ),
    (
        "evaluation ended longer ago than max_evidence_age",
        base({"freshness__max_evidence_age": "6d"}),
        "evidence.freshness",
        "evidence.too_old",
        BOTH,
    ),
    (
        "decayed below the floor",
        base({"decay": {"half_life": "3d", "floor": 0.25}}),
        "evidence.decay",
        "decay.below_floor",
        BOTH,
    ),
    (
        "about another subject",
        base({"decision__subject": "did:web:agents.example:other-bot"}),
        "policy.subject",
        "policy.wrong_subject",
        BOTH,
    ),
    (
        "against another pact",
        base({"decision__pact": "urn:example:pact:other"}),
        "policy.subject",
        "policy.wrong_pact",
        BOTH,
    ),
    (
        "against another version of the pact (digest)",
        base({"decision__pact_digest": "sha256:" + "0" * 64}),
        "policy.subject",
        "policy.wrong_pact",
        BOTH,
    ),
    (
        "the evaluator's verdict is fail, the policy requires pass",
        kind("verdict_fail"),
        "policy.verdict",
        "policy.verdict_fail",
        BOTH,
    ),
    (
        "a threshold the measured value misses",
        base({"threshold": [{**THRESHOLDS[0], "value": 0.95}, THRESHOLDS[1]]}),
        "policy.thresholds",
        "policy.threshold_missed",
        BOTH,
    ),
    (
        "a threshold on a metric the credential does not measure",
        base({"threshold": [*THRESHOLDS, EXTRA_THRESHOLD]}),
        "policy.thresholds",
        "policy.metric_missing",
        BOTH,
    ),
]
TABLE = [
    pytest.param(make, enc, step, code, id=f"{name} [{enc}]")
    for name, make, step, code, encodings in CASES
    for enc in encodings
]


# --- the base run -----------------------------------------------------------------------------


def test_base_run_accepts_both_encodings(world: World) -> None:
    assert world.size == 10  # the later-checkpoint case's code depends on it
    for bundles in ([world.json], [world.cbor], [world.json, world.cbor], [world.b("embedded")]):
        d = Run(bundles)()
        assert failures(d) == []
        assert d.accepted and d.decision == "accept" and d.reasons == ()
        assert d.subject == SUBJECT and d.evaluators == (did(ISSUER),)
        for b in d.bundles:
            assert [c.step for c in b.checks] == list(STEPS)
            assert b.counted
            na = {c.step for c in b.checks if c.result == "not-applicable"}
            assert na == (set() if bundles == [world.b("embedded")] else {"evidence.bytes"})
        validate(d)


def test_base_run_dimensions(world: World) -> None:
    d = Run([world.json, world.cbor])()
    views = {v.dimension: v for v in d.dimensions}
    assert list(views) == ["reliability", "safety"]
    rel = views["reliability"]
    assert rel.result == "pass" and rel.evaluators == (did(ISSUER),) and rel.required == 1
    assert rel.metrics == {
        "task_success_rate": {"comparator": ">=", "threshold": 0.9, "measured": [0.934, 0.934]}
    }
    assert views["safety"].metrics["harmful_output_rate"]["measured"] == [0.0004, 0.0004]


def test_evidence_folder_with_the_right_files_passes(world: World) -> None:
    supplied = {name: hash_bytes(data) for name, data in EVIDENCE.items()}
    supplied["unrelated.txt"] = hash_bytes(b"not cited, ignored")
    d = Run([world.json], evidence=supplied)()
    check = next(c for c in d.bundles[0].checks if c.step == "evidence.bytes")
    assert check.result == "pass" and "2 evidence file" in check.reason
    assert d.accepted


# --- one step fails alone ---------------------------------------------------------------------


@pytest.mark.parametrize(("make", "encoding", "step", "code"), TABLE)
def test_one_step_fails_alone(
    world: World, make: Make, encoding: str, step: str, code: str
) -> None:
    d = make(world, encoding)()
    assert failures(d) == [(0, step, code)]
    assert d.decision == "reject" and not d.accepted and d.expires is None
    (report,) = d.bundles
    assert [c.step for c in report.checks] == list(STEPS)
    if step == "policy.thresholds":
        # a missed threshold judges only its own dimension: the bundle is authentic and
        # counts, and the dimension it misses fails, naming the miss
        assert report.counted
        failed = [v for v in d.dimensions if v.result == "fail"]
        assert failed and all(v.reason for v in failed)
        assert any(r.startswith(f"dimension {failed[0].dimension}: ") for r in d.reasons)
    else:
        assert not report.counted
        assert any(r.startswith(f"bundle 1: {step} failed ({code})") for r in d.reasons)
    if step == "credential.signature":
        # nothing an unverified credential says is used
        after = report.checks[STEPS.index(step) + 1 :]
        assert {c.result for c in after} == {"not-applicable"}
        assert report.facts is None
    validate(d)


def test_every_step_after_bundle_format_has_a_case() -> None:
    assert {c[2] for c in CASES} == set(STEPS) - {"bundle.format"}


def test_status_unknown_accepted_when_the_policy_says_so(world: World) -> None:
    d = Run([world.json], {"freshness__status_unknown": "accept"}, status=[])()
    assert failures(d) == [] and d.accepted
    check = next(c for c in d.bundles[0].checks if c.step == "credential.status")
    assert check.result == "pass" and "unknown" in check.reason


def test_verdict_fail_accepted_with_require_verdict_any(world: World) -> None:
    d = Run([world.b("verdict_fail")], {"decision__require_verdict": "any"})()
    assert failures(d) == [] and d.accepted
    check = next(c for c in d.bundles[0].checks if c.step == "policy.verdict")
    assert check.result == "not-applicable"
    assert document(world.b("verdict_fail"))["credentialSubject"]["evaluation"]["verdict"] == "fail"


@pytest.mark.parametrize(
    "issuer",
    [
        {"compromised_after": {"log": ORIGIN, "index": "CRED"}},
        {"compromised_after": {"log": OTHER_ORIGIN, "index": 0, "time": ISSUED}},
        {"compromised_after": {"time": ISSUED}},
        {"not_before": ISSUED},
        {"not_after": ISSUED},
    ],
    ids=[
        "cut-off at its own index",
        "cut-off in another log, and a time cut-off",
        "cut-off at its time",
        "window opens at validFrom",
        "window closes at validFrom",
    ],
)
def test_issuer_boundaries_still_count(world: World, issuer: dict[str, Any]) -> None:
    c = issuer.get("compromised_after")
    if c and c.get("index") == "CRED":
        issuer = {"compromised_after": {**c, "index": world.json.credential_entry.index}}
    assert Run([world.json], {"issuer": [issuer_entry(**issuer)]})().accepted


def test_an_index_cutoff_in_another_log_alone_fails_closed(world: World) -> None:
    """A compromised key counts only where a cut-off proves the entry came first
    (tests/test_attacks_time.py builds the theft)."""
    issuer = issuer_entry(compromised_after={"log": OTHER_ORIGIN, "index": 0})
    d = Run([world.json], {"issuer": [issuer]})()
    assert failures(d) == [(0, "issuer.trusted", "issuer.compromised")]


def test_freshness_boundaries(world: World) -> None:
    # skew: validFrom is 5 minutes ahead of now, validUntil 5 minutes behind it
    assert Run([world.json], now=ISSUED - timedelta(minutes=5))().accepted
    until = ISSUED + timedelta(days=90)
    assert Run([world.json], now=until - timedelta(seconds=1))().accepted
    # inside the skew after validUntil the credential still verifies, but an accept that has
    # already expired is no accept
    late = Run([world.json], now=until + timedelta(minutes=4, seconds=59))()
    assert failures(late) == [] and not late.accepted
    assert any("expire at once" in r for r in late.reasons)
    assert not Run([world.json], now=until + timedelta(minutes=5))().accepted
    # the status list exactly status_max_age old is still fresh
    assert Run([world.json], status=status_lists(NOW - timedelta(days=1)))().accepted


# --- malformed bundles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "json"),
        (
            b'{"mediaType": "application/vnd.attest.bundle+json", "version": 2}',
            "bundle.unknown_version",
        ),
        (
            encode_deterministic({"mediaType": "application/vnd.attest.bundle+cbor", "version": 1}),
            "bundle.missing_field",
        ),
    ],
    ids=["not json", "unknown version", "cbor map without fields"],
)
def test_malformed_bundle(world: World, data: bytes, code: str) -> None:
    policy = make_policy()
    d = verify(
        {"bad": data, "good": world.json.encode()}, policy, now=NOW, status_lists=status_lists()
    )
    bad, good = d.bundles
    assert bad.checks[0].step == "bundle.format" and bad.checks[0].result == "fail"
    assert bad.checks[0].code is not None and bad.checks[0].code.startswith(code)
    assert bad.checks[0].malformed
    assert {c.result for c in bad.checks[1:]} == {"not-applicable"}
    assert [n for n, _ in d.malformed] == ["bad"]
    assert good.counted and not bad.counted
    # the good bundle alone would meet the policy, but a malformed input makes the whole
    # decision malformed (exit 2), every reason listed
    assert d.decision == "malformed" and not d.accepted
    assert any(r.startswith("bad: bundle.format failed") for r in d.reasons)
    out = validate(d)
    assert out["bundles"][0]["checks"][0]["malformed"] is True


def test_naive_now_is_refused(world: World) -> None:
    with pytest.raises(MalformedError) as info:
        verify([world.json.encode()], make_policy(), now=NOW.replace(tzinfo=None))
    assert info.value.code == "verify.naive_time"


# --- the decision across bundles ----------------------------------------------------------------


def test_too_few_independent_evaluators(world: World) -> None:
    d = Run([world.json], {"decision__min_evaluators": 2})()
    assert failures(d) == [] and d.bundles[0].counted
    assert not d.accepted and d.expires is None
    assert "1 distinct trusted evaluator(s) attest; the policy needs 2" in d.reasons
    # one trusted evaluator vouches where two are needed: not enough, not a failure
    assert all(v.result == "unvouched" and v.required == 2 for v in d.dimensions)
    validate(d)


def test_two_bundles_from_one_evaluator_count_once(world: World) -> None:
    d = Run([world.json, world.cbor], {"decision__min_evaluators": 2})()
    assert failures(d) == [] and all(b.counted for b in d.bundles)
    assert d.evaluators == (did(ISSUER),)
    assert not d.accepted
    assert "1 distinct trusted evaluator(s) attest; the policy needs 2" in d.reasons


def test_two_trusted_evaluators_meet_min_evaluators_two(world: World) -> None:
    issuers = [issuer_entry(), issuer_entry(SECOND_ISSUER, "Evaluator B")]
    d = Run(
        [world.json, world.b("second_issuer")],
        {
            "decision__min_evaluators": 2,
            "issuer": issuers,
            "freshness__require_status": False,  # B publishes no status lists
        },
    )()
    assert failures(d) == []
    assert d.accepted
    assert d.evaluators == tuple(sorted([did(ISSUER), did(SECOND_ISSUER)]))
    for v in d.dimensions:
        assert v.result == "pass" and set(v.evaluators) == set(d.evaluators)
    # B's credential carries no credentialStatus: its status step does not apply
    b = d.bundles[1]
    assert next(c for c in b.checks if c.step == "credential.status").result == "not-applicable"
    validate(d)


def test_issuer_trusted_for_reliability_cannot_make_safety_pass(world: World) -> None:
    d = Run([world.json], {"issuer": [issuer_entry(dimensions=["reliability"])]})()
    # the bundle itself passes every step: the issuer is trusted, for reliability
    assert failures(d) == [] and d.bundles[0].counted
    assert not d.accepted
    views = {v.dimension: v for v in d.dimensions}
    assert views["reliability"].result == "pass"
    assert views["safety"].result == "unvouched" and views["safety"].evaluators == ()
    # a measurement by an issuer not trusted for the dimension is not shown as counting
    assert views["safety"].metrics["harmful_output_rate"]["measured"] == []
    assert "dimension safety: no trusted evaluator vouches for it; needs 1" in d.reasons
    thresholds = next(c for c in d.bundles[0].checks if c.step == "policy.thresholds")
    assert "harmful_output_rate" not in thresholds.reason
    validate(d)


def test_bundles_about_different_subjects_need_a_subject_in_the_policy(world: World) -> None:
    unnamed = {"decision__subject": None, "decision__pact": None}
    d = Run([world.json, world.b("other_subject")], unnamed)()
    assert failures(d) == [] and all(b.counted for b in d.bundles)
    assert not d.accepted and d.subject is None
    assert "the bundles are about different subjects; name one in the policy" in d.reasons
    # naming the subject: the other bundle fails policy.subject, the first one decides
    d = Run([world.json, world.b("other_subject")], {"decision__pact": None})()
    assert failures(d) == [(1, "policy.subject", "policy.wrong_subject")]
    assert d.accepted and d.subject == SUBJECT


def test_no_bundle_is_a_rejection() -> None:
    d = verify([], make_policy(), now=NOW)
    assert not d.accepted and "no bundle to verify" in d.reasons
    validate(d)


# --- expiry -----------------------------------------------------------------------------------


def _expiry_candidates(
    bundle: Bundle,
    *,
    max_credential_age: timedelta,
    max_evidence_age: timedelta,
    half_life: timedelta,
    floor: float,
    status_max_age: timedelta,
    lists: list[dict[str, Any]],
) -> dict[str, datetime]:
    """specs/verification.md §3, computed here from the credential's own fields."""
    doc = document(bundle)
    valid_from = parse_datetime_stamp(doc["validFrom"])
    period_end = parse_datetime_stamp(
        doc["credentialSubject"]["evaluation"]["evaluationPeriod"]["end"]
    )
    crossing = half_life.total_seconds() * math.log(1 / floor) / math.log(2)
    out = {
        "validUntil": parse_datetime_stamp(doc["validUntil"]),
        "max_credential_age": valid_from + max_credential_age,
        "max_evidence_age": period_end + max_evidence_age,
        "decay": period_end + timedelta(seconds=crossing),
    }
    for i, sl in enumerate(lists):
        out[f"status {i} fresh"] = parse_datetime_stamp(sl["validFrom"]) + status_max_age
        out[f"status {i} validUntil"] = parse_datetime_stamp(sl["validUntil"])
    return out


EXPIRY = [
    # (which candidate is earliest, policy changes in days, status lists: signed at, valid for)
    ("status 0 fresh", {}, (NOW - timedelta(hours=1), timedelta(days=7))),
    ("status 0 validUntil", {}, (NOW - timedelta(hours=1), timedelta(hours=6))),
    ("validUntil", {"status_max_age": 400}, (NOW - timedelta(hours=1), timedelta(days=400))),
    (
        "max_credential_age",
        {"status_max_age": 400, "max_credential_age": 30},
        (NOW - timedelta(hours=1), timedelta(days=400)),
    ),
    (
        "max_evidence_age",
        {"status_max_age": 400, "max_evidence_age": 10},
        (NOW - timedelta(hours=1), timedelta(days=400)),
    ),
    (
        "decay",
        {"status_max_age": 400, "half_life": 8, "floor": 0.5},
        (NOW - timedelta(hours=1), timedelta(days=400)),
    ),
]


@pytest.mark.parametrize(("earliest", "days", "lists_at"), EXPIRY, ids=[e[0] for e in EXPIRY])
def test_expiry_is_the_earliest_candidate(
    world: World, earliest: str, days: dict[str, float], lists_at: tuple[datetime, timedelta]
) -> None:
    values = {
        "max_credential_age": 180,
        "max_evidence_age": 100,
        "half_life": 60,
        "floor": 0.25,
        "status_max_age": 1,
        **days,
    }
    floor = values.pop("floor")
    limits = {k: timedelta(days=v) for k, v in values.items()}
    lists = status_lists(lists_at[0], valid_for=lists_at[1])
    changes = {
        "freshness__max_credential_age": f"{values['max_credential_age']}d",
        "freshness__max_evidence_age": f"{values['max_evidence_age']}d",
        "freshness__status_max_age": f"{values['status_max_age']}d",
        "decay": {"half_life": f"{values['half_life']}d", "floor": floor},
    }
    d = Run([world.json, world.cbor], changes, status=lists)()
    assert d.accepted, d.reasons
    candidates = {}
    for b in (world.json, world.cbor):
        candidates.update(_expiry_candidates(b, floor=floor, lists=lists, **limits))
    expected = min(candidates.values())
    assert min(candidates, key=lambda k: candidates[k]) == earliest
    assert d.expires is not None
    assert abs(d.expires - expected) < timedelta(milliseconds=1)
    assert d.to_json()["expires"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert d.evidence_age == NOW - PERIOD_END
    validate(d)


def test_expiry_counts_a_status_list_carried_in_the_bundle(world: World) -> None:
    revocation, suspension = status_lists(NOW - timedelta(hours=3))
    _, fresher_suspension = status_lists(NOW - timedelta(hours=1))
    carried = dataclasses.replace(world.json, status_list=revocation)
    d = Run([carried], status=[fresher_suspension])()
    assert d.accepted, d.reasons
    assert d.expires == NOW - timedelta(hours=3) + timedelta(days=1)
    assert suspension["validFrom"] != fresher_suspension["validFrom"]


def test_revoked_in_a_status_list_carried_in_the_bundle(world: World) -> None:
    revocation, suspension = status_lists(revoked=[STATUS_INDEX])
    carried = dataclasses.replace(world.json, status_list=revocation)
    d = Run([carried], status=[suspension])()
    assert failures(d) == [(0, "credential.status", "status.revoked")]


def test_malformed_status_list_is_marked_malformed(world: World) -> None:
    revocation, suspension = status_lists()
    broken = {k: v for k, v in revocation.items() if k != "proof"}
    d = Run([world.json], status=[broken, suspension])()
    ((i, step, code),) = failures(d)
    assert (i, step) == (0, "credential.status") and code is not None and code.startswith("di.")
    assert [c.code for _, c in d.malformed] == [code]
    # a well-formed list that says "revoked" is a rejection, not malformed input
    d = Run([world.json], status=status_lists(revoked=[STATUS_INDEX]))()
    assert d.malformed == ()


def test_untrusted_log_leaves_inclusion_not_applicable(world: World) -> None:
    d = Run([world.json], {"log": [{**policy_doc()["log"][0], "origin": OTHER_ORIGIN}]})()
    assert failures(d) == [(0, "checkpoint.signature", "checkpoint.untrusted_log")]
    checks = {c.step: c for c in d.bundles[0].checks}
    for step in ("checkpoint.witnesses", "checkpoint.consistency", "inclusion.credential"):
        assert checks[step].result == "not-applicable"
    assert checks["inclusion.evidence"].result == "not-applicable"


# --- remembered state --------------------------------------------------------------------------


def test_first_checkpoint_is_remembered_and_round_trips(world: World, tmp_path: Path) -> None:
    d = Run([world.json])()
    assert remembered(d.state) == (world.size, world.root_hash)
    r = d.state.get(ORIGIN)
    assert r is not None and r.note == world.note
    assert VerifierState.from_json(d.state.to_json()) == d.state
    path = tmp_path / "state.json"
    save_state(path, d.state)
    assert load_state(path) == d.state
    assert json.loads(path.read_text())["format"] == "attest-verifier-state/v2"
    assert load_state(tmp_path / "absent.json") == VerifierState()
    # the same checkpoint again: pass, state unchanged
    again = Run([world.json], state=load_state(path))()
    assert again.accepted and again.state == d.state


def test_consistency_proof_advances_the_state(world: World, tmp_path: Path) -> None:
    early = state_of(world.early_size, world.early_root, world.early_note)
    path = tmp_path / "state.json"
    save_state(path, early)
    early = load_state(path)

    # without a proof the sizes cannot be compared: not-applicable, nothing learnt
    d = Run([world.json], state=early)()
    check = next(c for c in d.bundles[0].checks if c.step == "checkpoint.consistency")
    assert check.result == "not-applicable" and d.accepted
    assert d.state == early

    proof = consistency_proof(world, world.early_size, world.early_root)
    d = Run([world.json], state=early, consistency=(proof,))()
    check = next(c for c in d.bundles[0].checks if c.step == "checkpoint.consistency")
    assert check.result == "pass" and d.accepted
    assert remembered(d.state) == (world.size, world.root_hash)
    save_state(path, d.state)

    # the advanced state now sees the other history of the same size as a split view
    d = Run([world.b("split")], state=load_state(path))()
    assert failures(d) == [(0, "checkpoint.consistency", "consistency.split_view")]
    assert remembered(d.state) == (world.size, world.root_hash)


def test_a_proof_for_other_sizes_is_not_used(world: World) -> None:
    early = state_of(world.early_size, world.early_root, world.early_note)
    proof = consistency_proof(world, world.early_size, world.early_root)
    wrong = dataclasses.replace(proof, origin=OTHER_ORIGIN)
    d = Run([world.json], state=early, consistency=(wrong,))()
    check = next(c for c in d.bundles[0].checks if c.step == "checkpoint.consistency")
    assert check.result == "not-applicable"
    assert d.state == early


def test_a_split_view_is_not_remembered(world: World) -> None:
    split = state_of(world.size, world.split_root, world.split_note)
    d = Run([world.json], state=split)()
    assert remembered(d.state) == (world.size, world.split_root)
