"""Trust over time and keys: each hole is built the way an attacker would build it, with the
library, and must be rejected with its code (SECURITY.md "Keys and time").

The attacker here holds what the hole says: the evaluator's stolen or retired key, the log's
key, a submitter account on a shared log the counterparty trusts, or merely a bundle to show.
Credentials are logged for real (a directory log, its own checkpoint, witness cosignatures);
nothing is patched.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from attest.codec.canonical import canonicalize
from attest.codec.dates import format_datetime_stamp
from attest.codec.digest import hash_bytes
from attest.errors import UsageError
from attest.evaluation.bundle import Bundle, LoggedEntry
from attest.evaluation.credential import JSON_MEDIA_TYPE, sign_json, unsigned_credential
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.issue import issue
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.vc import data_integrity
from attest.verifier.pipeline import Decision, verify

from .helpers.verify_world import (
    ISSUED,
    ISSUER,
    LOG_KEY,
    NOW,
    ORIGIN,
    OTHER_LOG_KEY,
    PACT_TOML,
    PERIOD_END,
    SUBJECT,
    World,
    build_world,
    cosign,
    make_policy,
    policy_doc,
    results_toml,
    status_entries,
    status_lists,
    with_note,
    witness_signers,
)

SHARED = "log.example/shared"
SHARED_KEY = Ed25519Signer(SHARED, OTHER_LOG_KEY).verifier().vkey()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("time") / "world")


def two_logs(**changes: Any) -> Any:
    """The base policy, also trusting a shared log where the evaluator may submit."""
    doc = policy_doc(**changes)
    doc["log"].append({"origin": SHARED, "key": SHARED_KEY})
    from attest.verifier.policy import parse_policy

    from .helpers.verify_world import to_toml

    return parse_policy(to_toml(doc).encode())


def credential(
    key: PrivateKey = ISSUER,
    *,
    valid_from: datetime = ISSUED,
    period_end: datetime = PERIOD_END,
    valid_for: timedelta | None = timedelta(days=90),
    status: Sequence[Mapping[str, Any]] | None = None,
    proof_expires: datetime | None = None,
    cryptosuite: str = "eddsa-jcs-2022",
) -> dict[str, Any]:
    """An evaluation credential signed with ``key``, written with the library's own writer and
    any dates the key holder likes (the attacker does not go through ``attest issue``)."""
    results = parse_results(results_toml().encode())
    evaluation = evaluate(SUBJECT, parse_pact(PACT_TOML.encode()), results)
    unsigned = unsigned_credential(
        evaluation,
        key.public_key,
        [],
        now=valid_from,
        valid_for=valid_for,
        status=status_entries() if status is None else status,
    )
    # The writer refuses a period that ends after issuing; the attacker writes it anyway.
    unsigned["credentialSubject"]["evaluation"]["evaluationPeriod"]["end"] = format_datetime_stamp(
        period_end
    )
    if proof_expires is None and cryptosuite == "eddsa-jcs-2022":
        return sign_json(unsigned, key)
    options = data_integrity.ProofOptions(
        created=str(unsigned["validFrom"]),
        expires=format_datetime_stamp(proof_expires) if proof_expires else None,
    )
    return dict(data_integrity.add_proof(unsigned, key, options, cryptosuite=cryptosuite))


def logged(
    tmp: Path,
    secured: Mapping[str, Any],
    *,
    at: datetime = ISSUED,
    origin: str = SHARED,
    log_key: PrivateKey = OTHER_LOG_KEY,
    prefix: int = 0,
) -> Bundle:
    """``secured`` logged in a fresh log of ``origin`` (``prefix`` filler entries first) at
    time ``at``, checkpointed, cosigned by both witnesses, and bundled."""
    signer = Ed25519Signer(origin, log_key)
    with Log.create(tmp / f"log-{len(list(tmp.iterdir()))}", signer) as log:
        if prefix:
            log.append_many(
                [
                    LogEntry("evidence", hash_bytes(b"%d" % i), 1, "text/plain", 0)
                    for i in range(prefix)
                ]
            )
        body = canonicalize(secured)
        entry = LogEntry(
            "credential", hash_bytes(body), len(body), JSON_MEDIA_TYPE, int(at.timestamp())
        )
        (index,) = log.append_many([entry])
        log.checkpoint()
        note = cosign(log.checkpoint_note, witness_signers())
        proof = dataclasses.replace(log.prove(index), checkpoint=note)
        return Bundle(
            credential=dict(secured),
            log_origin=origin,
            log_key=signer.verifier().vkey(),
            entries=(LoggedEntry("credential", log.entry(index), proof),),
        )


def run(bundles: Sequence[Bundle | bytes], policy: Any, now: datetime = NOW) -> Decision:
    return verify(list(bundles), policy, now=now, status_lists=status_lists())


def failure(d: Decision, bundle: int = 0) -> tuple[str, str | None]:
    for c in d.bundles[bundle].checks:
        if c.result == "fail":
            return c.step, c.code
    raise AssertionError(f"no step failed ({d.decision})")


def test_honest_credentials_on_both_logs_are_accepted(tmp_path: Path) -> None:
    """The baseline each attack departs from."""
    policy = two_logs()
    assert run([logged(tmp_path, credential())], policy).accepted
    own = logged(tmp_path, credential(), origin=ORIGIN, log_key=LOG_KEY)
    assert run([own], policy).accepted


# --- 1. a compromise cut-off binds every log ----------------------------------------------------


def test_stolen_key_logs_on_another_trusted_log(tmp_path: Path) -> None:
    """The key is compromised after index 5 of the evaluator's own log; the thief signs a
    fresh credential and logs it on the shared log, which states no cut-off."""
    compromised = {"log": ORIGIN, "index": 5}
    policy = two_logs(issuer=[_issuer(compromised_after=compromised)])
    stolen = logged(tmp_path, credential())
    assert failure(run([stolen], policy)) == ("issuer.trusted", "issuer.compromised")
    # on the log that states the cut-off, an entry at or below it still counts
    before = logged(tmp_path, credential(), origin=ORIGIN, log_key=LOG_KEY, prefix=5)
    assert run([before], policy).accepted
    after = logged(tmp_path, credential(), origin=ORIGIN, log_key=LOG_KEY, prefix=6)
    assert failure(run([after], policy)) == ("issuer.trusted", "issuer.compromised")


def test_a_time_cutoff_is_judged_by_the_log_not_the_signer(tmp_path: Path) -> None:
    """A time cut-off binds on every log, by the log's entry time."""
    cutoff = ISSUED - timedelta(days=1)
    policy = two_logs(issuer=[_issuer(compromised_after={"time": cutoff})])
    backdated = credential(valid_from=cutoff - timedelta(days=1))
    d = run([logged(tmp_path, backdated, at=ISSUED)], policy)
    assert failure(d) == ("issuer.trusted", "issuer.compromised")
    early = logged(tmp_path, credential(valid_from=cutoff - timedelta(minutes=1)), at=cutoff)
    then = cutoff + timedelta(days=1)
    d = verify([early], policy, now=then, status_lists=status_lists(then - timedelta(hours=1)))
    assert d.accepted


# --- 2. a compromised log key vouches for nothing alone ------------------------------------------


def test_compromised_log_key_forks_history(tmp_path: Path, world: World) -> None:
    """The thief holds the log key too and forks the log: the fork's checkpoints count only
    under the policy's witness quorum, and never without a witness."""
    doc_changes = {"quorum": {"witnesses": 0}}
    policy = make_policy(**doc_changes)
    # Same key and origin, another history, same size; no honest witness cosigns a fork.
    fork = with_note(world.b("split"), _log_signature_only(world.split_note))
    assert run([fork], policy).accepted  # with nothing listed compromised, nothing tells
    listed = _log_listed_compromised(**doc_changes)
    d = run([fork], listed)
    assert failure(d) == ("checkpoint.witnesses", "checkpoint.log_compromised")
    # under a quorum, honest witnessed checkpoints still count
    assert run([world.json], _log_listed_compromised()).accepted
    d = run([world.b("unwitnessed")], _log_listed_compromised())
    assert not d.accepted


# --- 3. key windows by the log's time; back-dating ---------------------------------------------


def test_retired_key_backdates_a_new_credential(tmp_path: Path) -> None:
    retired = ISSUED - timedelta(days=1)
    policy = two_logs(issuer=[_issuer(not_after=retired)])
    forged = credential(valid_from=retired - timedelta(days=1))
    d = run([logged(tmp_path, forged, at=ISSUED)], policy)
    assert failure(d) == ("issuer.trusted", "issuer.key_retired")


def test_backdated_validfrom_is_refused(tmp_path: Path) -> None:
    forged = credential(valid_from=ISSUED - timedelta(days=3))
    d = run([logged(tmp_path, forged, at=ISSUED)], two_logs())
    assert failure(d) == ("credential.validity", "credential.backdated")
    within_skew = credential(valid_from=ISSUED - timedelta(minutes=4))
    assert run([logged(tmp_path, within_skew, at=ISSUED)], two_logs()).accepted


# --- 4. the future ------------------------------------------------------------------------------


def test_an_evaluation_that_ends_in_the_future(tmp_path: Path) -> None:
    future = credential(period_end=ISSUED + timedelta(days=400))
    d = run([logged(tmp_path, future)], two_logs())
    assert failure(d) == ("credential.validity", "evaluation.future_period")
    assert d.evidence_age is None or d.evidence_age >= timedelta(0)
    # the period ends after validFrom but before now: still refused (validFrom comes last)
    later = credential(period_end=ISSUED + timedelta(hours=1))
    d = run([logged(tmp_path, later)], two_logs())
    assert failure(d) == ("credential.validity", "evaluation.future_period")


def test_issue_refuses_a_future_period(tmp_path: Path) -> None:
    results = parse_results(
        results_toml()
        .replace(
            format_datetime_stamp(PERIOD_END), format_datetime_stamp(ISSUED + timedelta(days=1))
        )
        .encode()
    )
    with Log.create(tmp_path / "log", Ed25519Signer(ORIGIN, LOG_KEY)) as log:
        with pytest.raises(UsageError) as exc:
            issue(
                log=log,
                issuer=ISSUER,
                subject=SUBJECT,
                pact=parse_pact(PACT_TOML.encode()),
                results=results,
                now=ISSUED,
                status=status_entries(),
            )
        assert exc.value.code == "issue.future_period"
        assert log.size == 0  # nothing logged


# --- 5, 6. what the signature does not cover ------------------------------------------------------

_VC = "https://www.w3.org/2018/credentials#"


def test_rdfc_aliasing_hides_the_status_entry(tmp_path: Path) -> None:
    """A revoked rdfc-signed credential: the holder moves credentialStatus to its full IRI
    (the signed RDF is unchanged: the entry is a node either way) and logs the result on a
    shared log it may submit to."""
    signed = credential(cryptosuite="eddsa-rdfc-2022")
    aliased = copy.deepcopy(signed)
    aliased[_VC + "credentialStatus"] = aliased.pop("credentialStatus")
    data_integrity.verify_proof(aliased)
    d = verify(
        [logged(tmp_path, aliased)],
        two_logs(),
        now=NOW,
        status_lists=status_lists(revoked=[4242]),
    )
    assert failure(d) == ("credential.signature", "vc.aliased_term")


def test_an_expired_proof_inside_a_bundle(tmp_path: Path) -> None:
    stale = credential(proof_expires=ISSUED + timedelta(hours=1))
    d = run([logged(tmp_path, stale)], two_logs())
    assert failure(d)[0] == "credential.signature"
    assert failure(d)[1] == "di.proof_expired"


# --- 7. revocation cannot be dodged -------------------------------------------------------------


def test_a_credential_without_status_cannot_be_revoked(tmp_path: Path) -> None:
    unrevocable = credential(status=[])
    d = run([logged(tmp_path, unrevocable)], two_logs())
    assert failure(d) == ("credential.status", "status.missing")
    # a policy may accept it, explicitly
    lax = two_logs(freshness__require_status=False)
    assert run([logged(tmp_path, unrevocable)], lax).accepted


# --- 8. what the decision's time and outcome mean -------------------------------------------------


def test_a_decision_never_expires_before_it_is_made(tmp_path: Path) -> None:
    """Valid for 5 s, checked 14 s after issuing: inside the 5 min skew the credential still
    verifies, but an accept that has already expired is no accept."""
    brief = credential(valid_from=NOW - timedelta(seconds=14), valid_for=timedelta(seconds=5))
    d = run([logged(tmp_path, brief, at=NOW - timedelta(seconds=14))], two_logs())
    assert not d.accepted
    assert any("expire" in r for r in d.reasons)


def test_a_malformed_bundle_makes_the_decision_malformed(world: World) -> None:
    truncated = world.json.encode()[:-40]
    d = run([world.json, truncated], make_policy())
    assert d.decision == "malformed"
    assert not d.accepted
    assert any("bundle 2: bundle.format failed" in r for r in d.reasons)


# --- 9. no unsigned byte changes the outcome silently -------------------------------------------


def test_log_key_hint_names_another_key(world: World) -> None:
    other = Ed25519Signer(ORIGIN, OTHER_LOG_KEY).verifier().vkey()
    hinted = dataclasses.replace(world.json, log_key=other)
    d = run([hinted], make_policy())
    assert failure(d) == ("checkpoint.signature", "bundle.log_key_mismatch")


def test_dropped_embedded_evidence_when_the_policy_asks_for_it(world: World) -> None:
    embedded = world.b("embedded")
    dropped = dataclasses.replace(embedded, evidence_data={})
    policy = make_policy(decision__evidence_bytes="required")
    assert run([embedded], policy).accepted
    d = run([dropped], policy)
    assert failure(d) == ("evidence.bytes", "evidence.missing")


# --- helpers ------------------------------------------------------------------------------------


def _log_signature_only(note: bytes) -> bytes:
    """``note`` with its witnesses' cosignature lines removed (the log's line kept)."""
    text, _, block = note.decode().rpartition("\n\n")
    lines = [ln for ln in block.splitlines() if not ln.startswith("— witness.example/")]
    return (text + "\n\n" + "\n".join(lines) + "\n").encode()


def _issuer(**extra: Any) -> dict[str, Any]:
    from .helpers.verify_world import issuer_entry

    return issuer_entry(**extra)


def _log_listed_compromised(**changes: Any) -> Any:
    from attest.verifier.policy import parse_policy

    from .helpers.verify_world import to_toml

    doc = policy_doc(**changes)
    doc["log"][0]["compromised"] = True
    return parse_policy(to_toml(doc).encode())
