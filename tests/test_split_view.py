"""Split views as an attacker makes them: a second history of the log signed with the same key
(tests/helpers/verify_world.py's ``split`` log), shown to a verifier with remembered state.

Each test is an attack that the verifier must refuse (specs/verification.md §4): a fork one
entry larger or smaller than the remembered checkpoint without a proof, a proof that shows the
log's tree at the bundle's size has another root, two same-size histories in one call, an
unwitnessed fork shown first. A split view is kept as evidence (both signed notes) in the
decision and in the state, and the log stays rejected afterwards.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from attest.evaluation.bundle import Bundle
from attest.files import load_state, save_state
from attest.store.log import Log
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.merkle import verify_consistency
from attest.verifier.decision import Decision
from attest.verifier.pipeline import verify
from attest.verifier.state import STATE_FORMAT, Remembered, VerifierState

from .helpers.verify_world import (
    NOW,
    ORIGIN,
    World,
    build_world,
    make_policy,
    status_lists,
    with_note,
)

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "specs" / "decision.schema.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("split") / "world")


def run(
    bundles: list[Bundle],
    state: VerifierState | None = None,
    consistency: tuple[ConsistencyProof, ...] = (),
    **policy: Any,
) -> Decision:
    d = verify(
        [b.encode() for b in bundles],
        make_policy(**policy),
        now=NOW,
        state=state,
        status_lists=status_lists(NOW - timedelta(hours=1)),
        consistency=consistency,
    )
    jsonschema.validate(d.to_json(), SCHEMA)
    return d


def no_witnesses() -> dict[str, Any]:
    """A policy with no witness quorum and no consistency setting (its default applies)."""
    return {"quorum": None, "witness": None, "decision__consistency": None}


def check(d: Decision, i: int = 0) -> Any:
    return next(c for c in d.bundles[i].checks if c.step == "checkpoint.consistency")


def remembered(state: VerifierState, size: int, root: bytes, note: bytes) -> VerifierState:
    return state.with_checkpoint(ORIGIN, Remembered(size, root, note))


def log_only(note: bytes) -> bytes:
    """The note with its witness cosignatures removed: only the log's own signature."""
    text, _, sigs = note.partition(b"\n\n")
    kept = [
        line
        for line in sigs.splitlines(keepends=True)
        if line.startswith(b"\xe2\x80\x94 " + ORIGIN.encode() + b" ")
    ]
    return text + b"\n\n" + b"".join(kept)


def proof(log_dir: Path, old: int, new: int, old_root: bytes, new_root: bytes) -> ConsistencyProof:
    with Log.open(log_dir, write=False) as log:
        hashes = tuple(log.consistency_proof(old, new))
    return ConsistencyProof(ORIGIN, old, old_root, new, new_root, hashes)


def equivocations(d: Decision) -> list[dict[str, Any]]:
    out = d.to_json()["equivocations"]
    assert isinstance(out, list)
    return out


# --- forks of another size without a proof --------------------------------------------------------


def test_a_larger_fork_without_proof_is_unproven_by_default(world: World) -> None:
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    d = run([world.b("split")], state, **no_witnesses())
    assert not d.accepted
    assert (check(d).result, check(d).code) == ("fail", "consistency.unproven")
    assert d.state.get(ORIGIN) == state.get(ORIGIN)


def test_a_rolled_back_fork_without_proof_is_unproven_by_default(world: World) -> None:
    later = world.b("later_checkpoint")
    state = VerifierState()
    d = run([later], state, **no_witnesses())
    assert d.state.get(ORIGIN) is not None and d.state.get(ORIGIN).size == world.size + 1  # type: ignore[union-attr]
    d = run([world.b("split")], d.state, **no_witnesses())
    assert not d.accepted
    assert (check(d).result, check(d).code) == ("fail", "consistency.unproven")


def test_when_available_says_split_views_were_not_ruled_out(world: World) -> None:
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    d = run([world.json], state, **{**no_witnesses(), "decision__consistency": "when-available"})
    assert d.accepted and check(d).result == "not-applicable"
    assert "not ruled out" in check(d).reason
    assert d.to_json()["splitViews"]["ruledOut"] is False


def test_a_witness_quorum_keeps_when_available_the_default(world: World) -> None:
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    d = run([world.json], state, decision__consistency=None)
    assert d.accepted and check(d).result == "not-applicable"
    assert d.to_json()["splitViews"]["ruledOut"] is True  # the witnesses vouch


# --- proofs that show another tree ----------------------------------------------------------------


def test_a_proof_to_the_bundles_size_with_another_root_is_a_split_view(world: World) -> None:
    # The published (honest) log proves early -> size; the bundle is the fork at that size.
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    honest = proof(world.log_dir, world.early_size, world.size, world.early_root, world.root_hash)
    verify_consistency(
        world.early_size, world.size, world.early_root, world.root_hash, honest.proof
    )
    d = run([world.b("split")], state, (honest,))
    assert not d.accepted
    assert (check(d).result, check(d).code) == ("fail", "consistency.split_view")
    [e] = equivocations(d)
    assert e["origin"] == ORIGIN and e["proof"] is not None


def test_a_proof_from_another_remembered_root_is_a_split_view(world: World) -> None:
    # The fork's own tiles prove its early tree -> its size: the early tree is not ours.
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    forked = proof(
        world.split_log_dir, world.early_size, world.size, world.split_early_root, world.split_root
    )
    d = run([world.b("split")], state, (forked,))
    assert (check(d).result, check(d).code) == ("fail", "consistency.split_view")


def test_a_proof_between_other_sizes_is_named_not_ignored(world: World) -> None:
    state = remembered(VerifierState(), world.early_size, world.early_root, world.early_note)
    other = proof(world.log_dir, 1, world.size, b"\x00" * 32, world.root_hash)
    d = run([world.json], state, (other,), decision__consistency="require")
    assert (check(d).result, check(d).code) == ("fail", "consistency.unproven")
    assert f"1 to {world.size}" in check(d).reason


# --- one call, two histories ----------------------------------------------------------------------


def test_two_histories_of_one_size_in_one_call_reject_both(world: World) -> None:
    d = run([world.json, world.b("split")])
    assert not d.accepted
    assert [check(d, i).code for i in range(2)] == ["consistency.split_view"] * 2
    [e] = equivocations(d)
    assert sorted(e["checkpoints"]) == sorted([world.note.decode(), world.split_note.decode()])


# --- evidence is kept, and the log stays rejected -------------------------------------------------


def test_equivocation_is_kept_in_the_state_file_and_rejects_the_log(
    world: World, tmp_path: Path
) -> None:
    d = run(
        [world.b("split")], remembered(VerifierState(), world.size, world.root_hash, world.note)
    )
    assert (check(d).result, check(d).code) == ("fail", "consistency.split_view")
    path = tmp_path / "state.json"
    save_state(path, d.state)
    doc = json.loads(path.read_text())
    assert doc["format"] == STATE_FORMAT == "attest-verifier-state/v2"
    [e] = doc["equivocations"]
    assert sorted(e["checkpoints"]) == sorted([world.note.decode(), world.split_note.decode()])
    state = load_state(path)
    assert state == d.state

    # The honest bundle, the same checkpoint as remembered, is now refused too.
    d = run([world.json], state)
    assert not d.accepted
    assert (check(d).result, check(d).code) == ("fail", "consistency.split_view")
    assert "equivocat" in check(d).reason
    assert len(equivocations(d)) == 1

    # A policy that trusts another key for the origin no longer carries the old verdict.
    assert state.equivocation(ORIGIN, "another key") is None


def test_a_version_1_state_file_still_reads(world: World, tmp_path: Path) -> None:
    import base64

    v1 = {
        "format": "attest-verifier-state/v1",
        "logs": {
            ORIGIN: {
                "size": world.size,
                "root": base64.b64encode(world.root_hash).decode(),
                "checkpoint": world.note.decode(),
            }
        },
    }
    state = VerifierState.from_json(json.dumps(v1).encode())
    assert state.get(ORIGIN) == Remembered(world.size, world.root_hash, world.note)
    assert state.equivocations == ()


# --- witnessed beats unwitnessed ------------------------------------------------------------------


def test_an_unwitnessed_fork_shown_first_is_not_remembered(world: World) -> None:
    fork = with_note(world.b("split"), log_only(world.split_note))
    d = run([fork], VerifierState(), quorum__witnesses=1)
    assert not d.accepted
    assert d.state.get(ORIGIN) is None
    d = run([world.json], d.state, quorum__witnesses=1)
    assert d.accepted, d.reasons
    r = d.state.get(ORIGIN)
    assert r is not None and r.root_hash == world.root_hash


def test_a_same_size_unwitnessed_fork_is_still_evidence(world: World) -> None:
    fork = with_note(world.b("split"), log_only(world.split_note))
    d = run([world.json], VerifierState(), quorum__witnesses=1)
    d = run([fork], d.state, quorum__witnesses=1)
    assert check(d).code == "consistency.split_view"
    assert len(equivocations(d)) == 1


def test_state_is_unchanged_by_dataclass_replace(world: World) -> None:
    s = VerifierState()
    assert dataclasses.replace(s) == s
