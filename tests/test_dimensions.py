"""Dimensions judged one by one (specs/verification.md §3): a miss affects only its own
dimension, k per dimension, pass / fail / unvouched / conflict, and the newest credential of
an issuer replaces its older ones. Every bundle is issued through the library into one log.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from attest.codec.canonical import canonicalize
from attest.codec.digest import hash_bytes
from attest.evaluation.bundle import Bundle, LoggedEntry
from attest.evaluation.credential import JSON_MEDIA_TYPE, sign_json, unsigned_credential
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.issue import issue
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.verifier.pipeline import Decision, verify

from .helpers.verify_world import (
    ISSUED,
    ISSUER,
    LOG_KEY,
    NOW,
    ORIGIN,
    PACT_TOML,
    SECOND_ISSUER,
    SUBJECT,
    cosign,
    did,
    issuer_entry,
    make_policy,
    results_toml,
    seeded,
    status_entries,
    status_lists,
    witness_signers,
)

THIRD_ISSUER = seeded("attest verify test: evaluator C")
PASSING, MISSING_BAR = 0.934, 0.88


def results(success: float = PASSING, harmful: float = 0.0004, latency: float = 6.5) -> bytes:
    text = results_toml(latency).replace("value = 0.934", f"value = {success}")
    return text.replace("value = 0.0004", f"value = {harmful}").encode()


class Issued:
    """Credentials issued into one log; each call returns its bundle, proven under the
    log's checkpoint at that time and cosigned by both witnesses."""

    def __init__(self, root: Path) -> None:
        self.log = Log.create(root / "log", Ed25519Signer(ORIGIN, LOG_KEY))
        self.next_status = 100

    def __call__(
        self,
        key: PrivateKey = ISSUER,
        *,
        hours: int = 0,
        success: float = PASSING,
        harmful: float = 0.0004,
        latency: float = 6.5,
    ) -> Bundle:
        self.next_status += 1
        bundle = issue(
            log=self.log,
            issuer=key,
            subject=SUBJECT,
            pact=parse_pact(PACT_TOML.encode()),
            results=parse_results(results(success, harmful, latency)),
            now=ISSUED + timedelta(hours=hours),
            # evaluator A publishes status lists (tests/helpers/verify_world.py); B and C do not
            status=status_entries(self.next_status) if key == ISSUER else None,
        )
        note = cosign(self.log.checkpoint_note, witness_signers())
        entries = tuple(
            LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
            for e in bundle.entries
        )
        return dataclasses.replace(bundle, entries=entries)

    def status_index(self, bundle: Bundle) -> int:
        doc = bundle.credential
        assert isinstance(doc, Mapping)
        return int(doc["credentialStatus"][0]["statusListIndex"])


@pytest.fixture
def issued(tmp_path: Path) -> Issued:
    made = Issued(tmp_path)
    yield made  # type: ignore[misc]
    made.log.close()


def trusting(
    *keys: PrivateKey, dims: Sequence[str] = ("reliability", "safety", "capability"), **changes: Any
) -> Any:
    issuers = [issuer_entry(k, f"Evaluator {i}", dimensions=list(dims)) for i, k in enumerate(keys)]
    changes.setdefault("decision__require_verdict", "any")
    changes.setdefault("freshness__require_status", False)
    return make_policy(issuer=issuers, **changes)


def decide(bundles: Sequence[Bundle], policy: Any, **kwargs: Any) -> Decision:
    kwargs.setdefault("status_lists", status_lists(NOW - timedelta(hours=1)))
    return verify(list(bundles), policy, now=NOW, **kwargs)


def views(d: Decision) -> dict[str, str]:
    return {v.dimension: v.result for v in d.dimensions}


# --- a miss affects only its own dimension --------------------------------------------------------


def test_a_missed_obligation_in_an_unjudged_dimension_does_not_veto(issued: Issued) -> None:
    """Trusted for reliability and safety, the credential misses its capability obligation
    (p95 latency 9.5 s, the pact needs < 8): the dimensions the policy judges still pass."""
    slow = issued(latency=9.5)
    d = decide([slow], trusting(ISSUER, dims=["reliability", "safety"]))
    assert d.accepted, d.reasons
    # only an explicit require_verdict = "pass" makes the overall verdict a veto
    strict = trusting(ISSUER, dims=["reliability", "safety"], decision__require_verdict="pass")
    d = decide([slow], strict)
    assert not d.accepted
    assert any("policy.verdict failed (policy.verdict_fail)" in r for r in d.reasons)


def test_a_pact_obligation_judges_a_dimension_without_thresholds(issued: Issued) -> None:
    slow = issued(latency=9.5)
    d = decide([slow], trusting(ISSUER, dimension=[{"name": "capability"}]))
    assert views(d) == {"capability": "fail", "reliability": "pass", "safety": "pass"}
    assert any("capability: pact obligation p95_latency < 8 is fail" in r for r in d.reasons)


def test_every_missed_threshold_is_a_reason(issued: Issued) -> None:
    both = issued(success=0.85, harmful=0.002)
    d = decide([both], trusting(ISSUER))
    assert views(d) == {"reliability": "fail", "safety": "fail"}
    assert any("task_success_rate = 0.85" in r for r in d.reasons)
    assert any("harmful_output_rate = 0.002" in r for r in d.reasons)
    assert d.bundles[0].counted  # authentic: it counts, and fails where it misses


# --- unvouched, k per dimension ------------------------------------------------------------------


def test_unvouched_is_not_fail(issued: Issued) -> None:
    d = decide([issued()], trusting(ISSUER, dims=["reliability"]))
    assert views(d) == {"reliability": "pass", "safety": "unvouched"}
    assert not d.accepted


def test_k_per_dimension(issued: Issued) -> None:
    a, b = issued(), issued(SECOND_ISSUER)
    policy = trusting(ISSUER, SECOND_ISSUER, dimension=[{"name": "safety", "min_evaluators": 2}])
    assert decide([a, b], policy).accepted
    alone = decide([a], policy)
    assert views(alone) == {"safety": "unvouched", "reliability": "pass"}
    safety = next(v for v in alone.dimensions if v.dimension == "safety")
    assert safety.required == 2 and "1 trusted evaluator(s) vouch; needs 2" in safety.reason


# --- disagreement ---------------------------------------------------------------------------------


def test_disagreement_is_a_conflict_by_default(issued: Issued) -> None:
    a, b = issued(), issued(SECOND_ISSUER, hours=1, success=MISSING_BAR)
    d = decide([a, b], trusting(ISSUER, SECOND_ISSUER))
    assert views(d)["reliability"] == "conflict" and not d.accepted
    rel = next(v for v in d.dimensions if v.dimension == "reliability")
    assert rel.evaluators == (did(ISSUER),) and rel.against == (did(SECOND_ISSUER),)
    assert rel.metrics["task_success_rate"]["measured"] == [PASSING, MISSING_BAR]
    assert "task_success_rate = 0.88" in rel.reason


@pytest.mark.parametrize(
    ("rule", "newer_fails", "accepted"),
    [("majority", True, True), ("newest", True, False), ("newest", False, True)],
)
def test_the_policy_decides_a_conflict(
    issued: Issued, rule: str, newer_fails: bool, accepted: bool
) -> None:
    a = issued(success=PASSING if newer_fails else MISSING_BAR)
    b = issued(SECOND_ISSUER, hours=1, success=MISSING_BAR if newer_fails else PASSING)
    bundles = [a, b]
    keys = [ISSUER, SECOND_ISSUER]
    if rule == "majority":  # a third evaluator on the passing side
        bundles.append(issued(THIRD_ISSUER, hours=2))
        keys.append(THIRD_ISSUER)
    d = decide(bundles, trusting(*keys, decision__on_conflict=rule))
    assert d.accepted is accepted, d.reasons


# --- how a metric was measured -------------------------------------------------------------------


def test_a_threshold_may_require_measured_values(issued: Issued) -> None:
    """A model-judged score cannot stand in for a measured one where the policy says so."""
    judged = results().replace(
        b'value = 0.934\nunit = "ratio"',
        b'value = 0.934\nunit = "ratio"\nmethod = "model_judged"\njudge = "judge-model/2"',
    )
    assert b"model_judged" in judged
    bundle = issue(
        log=issued.log,
        issuer=ISSUER,
        subject=SUBJECT,
        pact=parse_pact(PACT_TOML.encode()),
        results=parse_results(judged),
        now=ISSUED,
        status=status_entries(99),
    )
    note = cosign(issued.log.checkpoint_note, witness_signers())
    bundle = dataclasses.replace(
        bundle,
        entries=tuple(
            LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
            for e in bundle.entries
        ),
    )
    measured_only = [
        {
            "dimension": "reliability",
            "metric": "task_success_rate",
            "comparator": ">=",
            "value": 0.9,
            "methods": ["automated", "human_review"],
        }
    ]
    d = decide([bundle], trusting(ISSUER, threshold=measured_only))
    assert views(d) == {"reliability": "fail"}
    assert any(
        "measured by model_judged; the policy accepts only automated" in r for r in d.reasons
    )
    assert decide(
        [bundle], trusting(ISSUER, threshold=[{**measured_only[0], "methods": []}])
    ).accepted


def test_too_few_samples_vouch_for_nothing(tmp_path: Path) -> None:
    """A pact asking for 1,000 samples and a measurement on 50: the obligation is
    ``insufficient``, distinct from a miss, and the dimension is unvouched, not failed."""
    pact = PACT_TOML.replace(
        'dimension = "reliability"\n', 'dimension = "reliability"\nmin_sample_size = 1000\n', 1
    )
    measured = results().replace(
        b'value = 0.934\nunit = "ratio"', b'value = 0.934\nunit = "ratio"\nsample_size = 50'
    )
    with Log.create(tmp_path / "log", Ed25519Signer(ORIGIN, LOG_KEY)) as log:
        bundle = issue(
            log=log,
            issuer=ISSUER,
            subject=SUBJECT,
            pact=parse_pact(pact.encode()),
            results=parse_results(measured),
            now=ISSUED,
            status=status_entries(98),
        )
        note = cosign(log.checkpoint_note, witness_signers())
    outcomes = bundle.credential["credentialSubject"]["evaluation"]["obligationOutcome"]  # type: ignore[index]
    assert outcomes[0]["outcome"] == "insufficient"
    bundle = dataclasses.replace(
        bundle,
        entries=tuple(
            LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
            for e in bundle.entries
        ),
    )
    policy = trusting(ISSUER, threshold=None, dimension=[{"name": "reliability"}])
    d = decide([bundle], policy)
    assert views(d) == {"reliability": "unvouched"}
    assert any("is insufficient" in r for r in d.reasons)


# --- newest evidence wins -------------------------------------------------------------------------


def test_a_newer_credential_supersedes_the_older(issued: Issued) -> None:
    old = issued()
    new = issued(hours=1, success=MISSING_BAR)
    d = decide([old, new], trusting(ISSUER))
    assert not d.accepted and views(d)["reliability"] == "fail"
    assert d.bundles[0].superseded_by == "bundle 2" and not d.bundles[0].counted
    assert "bundle 1: superseded by bundle 2" in d.reasons
    # the holder shows only the old one: once the issuer has set its status, it is refused
    assert decide([old], trusting(ISSUER)).accepted
    revoked = status_lists(NOW - timedelta(hours=1), revoked=[issued.status_index(old)])
    d = decide([old], trusting(ISSUER), status_lists=revoked)
    assert not d.accepted
    assert any("status.revoked" in r for r in d.reasons)


def test_an_evaluation_past_its_recertification_interval_needs_a_successor(
    issued: Issued,
) -> None:
    old = issued()  # its evaluation ended six days before NOW
    policy = trusting(ISSUER, freshness__max_recertification_interval="5d")
    d = decide([old], policy)
    assert not d.accepted
    failed = [(c.step, c.code) for c in d.bundles[0].failures]
    assert failed == [("evidence.freshness", "evidence.needs_recertification")]
    assert decide([old], trusting(ISSUER, freshness__max_recertification_interval="7d")).accepted


def test_same_time_credentials_do_not_supersede_each_other(issued: Issued) -> None:
    json_one = issued()
    again = issued()
    d = decide([json_one, again], trusting(ISSUER))
    assert d.accepted and all(b.superseded_by is None for b in d.bundles)


# --- outcomes are computed, never typed in ---------------------------------------------------


def test_a_typed_in_outcome_is_refused(tmp_path: Path) -> None:
    """An issuer's key signs outcomes and a verdict of its choosing (as a general-purpose
    VC issuer would): the verifier recomputes them from the measurements."""
    evaluation = evaluate(
        SUBJECT, parse_pact(PACT_TOML.encode()), parse_results(results(success=MISSING_BAR))
    )
    doc = unsigned_credential(
        evaluation,
        ISSUER.public_key,
        [],
        now=ISSUED,
        valid_for=timedelta(days=90),
        status=status_entries(7),
    )
    typed = copy.deepcopy(doc)
    ev = typed["credentialSubject"]["evaluation"]
    for o in ev["obligationOutcome"]:
        o["outcome"] = "pass"
    ev["verdict"] = "pass"
    secured = sign_json(typed, ISSUER)
    with Log.create(tmp_path / "log", Ed25519Signer(ORIGIN, LOG_KEY)) as log:
        body = canonicalize(secured)
        entry = LogEntry(
            "credential", hash_bytes(body), len(body), JSON_MEDIA_TYPE, int(ISSUED.timestamp())
        )
        (index,) = log.append_many([entry])
        log.checkpoint()
        note = cosign(log.checkpoint_note, witness_signers())
        proof = dataclasses.replace(log.prove(index), checkpoint=note)
        bundle = Bundle(
            secured, ORIGIN, log.config.vkey, (LoggedEntry("credential", log.entry(index), proof),)
        )
    d = decide([bundle], trusting(ISSUER, decision__require_verdict="pass"))
    assert not d.accepted
    failed = [(c.step, c.code) for c in d.bundles[0].failures]
    assert failed == [("credential.signature", "credential.inconsistent_outcome")]


# --- the pact itself ------------------------------------------------------------------------------


def test_a_given_pact_must_be_the_credentials(issued: Issued, tmp_path: Path) -> None:
    """With the pact in hand (``attest verify --pact``), a credential must name its digest and
    state its obligations exactly: a credential issued against a laxer pact that kept the
    same id and version is refused."""
    honest = issued()
    pact = parse_pact(PACT_TOML.encode())
    assert decide([honest], trusting(ISSUER), pact=pact).accepted
    lax = PACT_TOML.replace("threshold = 0.9", "threshold = 0.5")
    with Log.create(tmp_path / "lax-log", Ed25519Signer(ORIGIN, LOG_KEY)) as log:
        other = issue(
            log=log,
            issuer=ISSUER,
            subject=SUBJECT,
            pact=parse_pact(lax.encode()),
            results=parse_results(results()),
            now=ISSUED,
            status=status_entries(97),
        )
        note = cosign(log.checkpoint_note, witness_signers())
    other = dataclasses.replace(
        other,
        entries=tuple(
            LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
            for e in other.entries
        ),
    )
    d = decide([other], trusting(ISSUER), pact=pact)
    assert not d.accepted
    assert [(c.step, c.code) for c in d.bundles[0].failures] == [
        ("policy.subject", "policy.wrong_pact")
    ]


def test_obligations_other_than_the_named_pacts_are_refused(tmp_path: Path) -> None:
    """The issuer's key names the real pact's digest but states laxer obligations (a bar of
    0.5 instead of 0.9), outcomes recomputed consistently: the pact in hand exposes it."""
    pact = parse_pact(PACT_TOML.encode())
    evaluation = evaluate(SUBJECT, pact, parse_results(results()))
    doc = unsigned_credential(
        evaluation,
        ISSUER.public_key,
        [],
        now=ISSUED,
        valid_for=timedelta(days=90),
        status=status_entries(96),
    )
    lax = copy.deepcopy(doc)
    lax["credentialSubject"]["evaluation"]["obligationOutcome"][0]["threshold"] = 0.5
    secured = sign_json(lax, ISSUER)
    with Log.create(tmp_path / "log", Ed25519Signer(ORIGIN, LOG_KEY)) as log:
        body = canonicalize(secured)
        at = int(ISSUED.timestamp())
        entry = LogEntry("credential", hash_bytes(body), len(body), JSON_MEDIA_TYPE, at)
        (index,) = log.append_many([entry])
        log.checkpoint()
        note = cosign(log.checkpoint_note, witness_signers())
        proof = dataclasses.replace(log.prove(index), checkpoint=note)
        logged = LoggedEntry("credential", log.entry(index), proof)
        bundle = Bundle(secured, ORIGIN, log.config.vkey, (logged,))
    assert decide([bundle], trusting(ISSUER)).accepted  # without the pact, nothing tells
    d = decide([bundle], trusting(ISSUER), pact=pact)
    assert [(c.step, c.code) for c in d.bundles[0].failures] == [
        ("policy.subject", "policy.pact_mismatch")
    ]
