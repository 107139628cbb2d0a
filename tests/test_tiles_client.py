"""A verifier that reads the log's published tiles (attest.tiles_client, attest verify
--log-tiles): the remembered state advances with proofs it computes itself, and a fork of any
size, larger, equal or smaller, is a split view with both signed notes kept."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from attest.codec.dates import format_datetime_stamp
from attest.evaluation.bundle import Bundle
from attest.files import load_state, save_state
from attest.tiles_client import TileSource, proofs_for
from attest.verifier.decision import Decision
from attest.verifier.pipeline import verify
from attest.verifier.policy import Policy
from attest.verifier.state import Remembered, VerifierState
from attest_cli.main import cli

from .helpers.verify_world import (
    NOW,
    ORIGIN,
    World,
    build_world,
    make_policy,
    policy_doc,
    status_lists,
    to_toml,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("tiles") / "world")


def decide(
    bundles: list[Bundle], state: VerifierState, source: str, policy: Policy | None = None
) -> Decision:
    policy = policy or make_policy()
    data = [b.encode() for b in bundles]
    logs = {log.origin: log.verifier for log in policy.logs}
    proofs = proofs_for([TileSource(source)], data, state, logs)
    return verify(
        data,
        policy,
        now=NOW,
        state=state,
        status_lists=status_lists(NOW - timedelta(hours=1)),
        consistency=proofs,
    )


def consistency(d: Decision, i: int = 0) -> tuple[str, str | None]:
    c = next(c for c in d.bundles[i].checks if c.step == "checkpoint.consistency")
    return c.result, c.code


def early(world: World) -> VerifierState:
    return VerifierState().with_checkpoint(
        ORIGIN, Remembered(world.early_size, world.early_root, world.early_note)
    )


def test_state_advances_with_proofs_from_the_tiles(world: World) -> None:
    d = decide([world.json], early(world), str(world.log_dir))
    assert d.accepted and consistency(d) == ("pass", None)
    r = d.state.get(ORIGIN)
    assert r is not None and (r.size, r.root_hash) == (world.size, world.root_hash)
    assert d.to_json()["splitViews"]["ruledOut"] is True


def test_a_larger_fork_is_a_split_view(world: World) -> None:
    d = decide([world.b("split")], early(world), str(world.log_dir))
    assert not d.accepted and consistency(d) == ("fail", "consistency.split_view")
    [e] = d.to_json()["equivocations"]
    assert e["proof"]["new_root"] is not None
    assert world.split_note.decode() in e["checkpoints"]


def test_a_smaller_fork_is_a_split_view(world: World) -> None:
    # Remembered: the honest checkpoint; shown: the fork's early checkpoint (smaller).
    state = VerifierState().with_checkpoint(
        ORIGIN, Remembered(world.size, world.root_hash, world.note)
    )
    fork_early = Remembered(world.early_size, world.split_early_root, world.split_early_note)
    # A bundle of the fork at the early size is the fork's early note; reconcile directly.
    from attest.tlog.checkpoint import parse_checkpoint

    cp = parse_checkpoint(fork_early.note.split(b"\n\n", 1)[0] + b"\n")
    source = TileSource(str(world.log_dir))
    proof = source.proof(ORIGIN, world.early_size, world.size, world.size + 1)
    r = state.reconcile(ORIGIN, cp, fork_early.note, [proof], log_key="k")
    assert r.consistent is False and r.evidence is not None
    assert r.evidence.notes == (world.note, world.split_early_note)


def test_the_forks_own_tiles_show_another_early_tree(world: World) -> None:
    # Served the fork's tiles, the proof's early root is not the remembered one.
    d = decide([world.b("split")], early(world), str(world.split_log_dir))
    assert consistency(d) == ("fail", "consistency.split_view")


@pytest.fixture
def served(world: World) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(world.log_dir))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_cli_reads_tiles_over_http(world: World, served: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(to_toml(policy_doc()))
    state = tmp_path / "state.json"
    save_state(state, early(world))
    lists = []
    for i, doc in enumerate(status_lists(NOW - timedelta(hours=1))):
        p = tmp_path / f"status{i}.json"
        p.write_text(json.dumps(doc))
        lists += ["--status", str(p)]
    bundles = {}
    for name in ("base", "split"):
        bundles[name] = tmp_path / f"{name}.json"
        bundles[name].write_bytes(world.b(name).encode())
    base = [
        "verify", "--policy", str(policy), "--state", str(state), "--now",
        format_datetime_stamp(NOW), "--json", "--log-tiles", served, *lists,
    ]  # fmt: skip
    r = CliRunner().invoke(cli, [*base, str(bundles["base"])])
    assert r.exit_code == 0, r.output
    assert load_state(state).get(ORIGIN).size == world.size  # type: ignore[union-attr]
    r = CliRunner().invoke(cli, [*base, str(bundles["split"])])
    assert r.exit_code == 1, r.output
    out = json.loads(r.stdout)
    assert len(out["equivocations"]) == 1
    assert len(load_state(state).equivocations) == 1


def test_the_policy_names_where_a_log_publishes(world: World, served: str, tmp_path: Path) -> None:
    """``tiles = "…"`` on a policy's [[log]] does what --log-tiles does: the remembered state
    advances without a consistency file."""
    doc = policy_doc()
    doc["log"][0]["tiles"] = served
    policy = tmp_path / "policy.toml"
    policy.write_text(to_toml(doc))
    state = tmp_path / "state.json"
    save_state(state, early(world))
    lists = []
    for i, status in enumerate(status_lists(NOW - timedelta(hours=1))):
        p = tmp_path / f"status{i}.json"
        p.write_text(json.dumps(status))
        lists += ["--status", str(p)]
    bundle = tmp_path / "base.json"
    bundle.write_bytes(world.b("base").encode())
    args = ["verify", "--policy", str(policy), "--state", str(state), "--now"]
    r = CliRunner().invoke(cli, [*args, format_datetime_stamp(NOW), *lists, str(bundle)])
    assert r.exit_code == 0, r.output
    assert load_state(state).get(ORIGIN).size == world.size  # type: ignore[union-attr]
