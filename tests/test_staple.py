"""Stapled status lists: the bundle's ``statusLists`` (strict and bounded), ``attest status
staple``, and a fail-closed policy deciding on what is stapled."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner

from attest.codec.cbor import decode_cbor, encode_deterministic
from attest.errors import AttestError
from attest.evaluation.bundle import MAX_STATUS_LISTS, parse_bundle
from attest.verifier.pipeline import verify
from attest_cli.main import cli
from tests.helpers.verify_world import (
    NOW,
    STATUS_INDEX,
    World,
    build_world,
    make_policy,
    status_lists,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("staple") / "world")


def _write_lists(directory: Path, lists: list[dict[str, Any]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in lists:
        path = directory / doc["id"].rsplit("/", 1)[1]
        path.write_text(json.dumps(doc))
        paths.append(path)
    return paths


def _staple(tmp_path: Path, bundle: Path, lists: list[Path], out: Path) -> Any:
    args = ["status", "staple", str(bundle), "-o", str(out)]
    for path in lists:
        args += ["--status", str(path)]
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_a_fail_closed_policy_decides_on_stapled_lists(
    tmp_path: Path, world: World, encoding: str
) -> None:
    policy = make_policy()  # status_unknown = "reject"
    assert policy.freshness.status_unknown == "reject"
    bundle = tmp_path / f"bundle.{encoding}"
    bundle.write_bytes(world.b("base", encoding).encode())
    assert not verify([bundle.read_bytes()], policy, now=NOW).accepted  # nothing to check

    clear = _write_lists(tmp_path / "clear", status_lists())
    out = tmp_path / f"stapled.{encoding}"
    r = _staple(tmp_path, bundle, clear, out)
    assert r.exit_code == 0, r.output
    assert "2 status list(s)" in r.output
    stapled = parse_bundle(out.read_bytes())
    assert len(stapled.status_lists) == 2 and stapled.status_list is None
    assert stapled.encode() == out.read_bytes()
    decision = verify([out.read_bytes()], policy, now=NOW)
    assert decision.accepted, decision.to_json()

    revoked = _write_lists(tmp_path / "revoked", status_lists(revoked=[STATUS_INDEX]))
    out_revoked = tmp_path / f"revoked.{encoding}"
    assert _staple(tmp_path, out, revoked, out_revoked).exit_code == 0  # replaces the lists
    assert len(parse_bundle(out_revoked.read_bytes()).status_lists) == 2
    decision = verify([out_revoked.read_bytes()], policy, now=NOW)
    assert not decision.accepted
    assert "status.revoked" in json.dumps(decision.to_json())

    suspended = _write_lists(tmp_path / "suspended", status_lists(suspended=[STATUS_INDEX]))
    out_suspended = tmp_path / f"suspended.{encoding}"
    assert _staple(tmp_path, bundle, suspended, out_suspended).exit_code == 0
    decision = verify([out_suspended.read_bytes()], policy, now=NOW)
    assert "status.suspended" in json.dumps(decision.to_json())

    # Only the revocation list: the suspension entry has no list, and the policy fails closed.
    half = tmp_path / f"half.{encoding}"
    r = _staple(tmp_path, bundle, clear[:1], half)
    assert r.exit_code == 0 and "not stapled" in r.output
    decision = verify([half.read_bytes()], policy, now=NOW)
    assert "status.unknown" in json.dumps(decision.to_json())


def test_the_old_single_status_list_stays_readable(world: World) -> None:
    lists = status_lists()
    old = dataclasses.replace(world.json, status_list=lists[0])
    data = old.encode()
    assert b'"statusList"' in data and b'"statusLists"' not in data
    assert parse_bundle(data).stapled == (lists[0],)
    # one list of two: the suspension entry is unknown, as before
    assert not verify([data], make_policy(), now=NOW).accepted
    assert verify([data], make_policy(), now=NOW, status_lists=lists[1:]).accepted


def test_staple_refuses_what_the_credential_does_not_name(tmp_path: Path, world: World) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(world.json.encode())
    foreign = status_lists()[0] | {"id": "https://elsewhere.example/list"}
    paths = _write_lists(tmp_path / "foreign", [foreign])
    r = _staple(tmp_path, bundle, paths, tmp_path / "out.json")
    assert r.exit_code != 0 and "status.not_referenced" in r.output
    not_list = tmp_path / "not-a-list"
    not_list.write_text('{"id": "x"}')
    r = _staple(tmp_path, bundle, [not_list], tmp_path / "out.json")
    assert r.exit_code != 0 and "status.not_a_list" in r.output
    plain = tmp_path / "plain.json"
    plain.write_bytes(world.b("second_issuer").encode())  # no credentialStatus
    r = _staple(tmp_path, plain, _write_lists(tmp_path / "l", status_lists()), tmp_path / "o")
    assert r.exit_code != 0 and "status_store.no_entry" in r.output
    existing = tmp_path / "exists.json"
    existing.write_text("keep")
    r = _staple(tmp_path, bundle, _write_lists(tmp_path / "m", status_lists()), existing)
    assert r.exit_code != 0 and "cli.exists" in r.output and existing.read_text() == "keep"


def _json_with(world: World, **fields: Any) -> bytes:
    doc = json.loads(world.json.encode())
    doc.update(fields)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"statusLists": {}}, "bundle.bad_field"),
        ({"statusLists": []}, "bundle.bad_field"),
        ({"statusLists": None}, "bundle.bad_field"),
        ({"statusLists": [{}, 1]}, "bundle.bad_field"),
        ({"statusLists": [{}] * (MAX_STATUS_LISTS + 1)}, "bundle.too_many_status_lists"),
        ({"statusLists": [{}], "statusList": {}}, "bundle.bad_field"),
    ],
)
def test_status_lists_are_strict_and_bounded(
    world: World, fields: dict[str, Any], code: str
) -> None:
    with pytest.raises(AttestError) as err:
        parse_bundle(_json_with(world, **fields))
    assert err.value.code == code


def test_cbor_status_lists_are_checked_alike(world: World) -> None:
    doc = dict(cast(dict[str, Any], decode_cbor(world.cbor.encode())))
    doc["statusLists"] = "not a list"
    with pytest.raises(AttestError) as err:
        parse_bundle(encode_deterministic(doc))
    assert err.value.code == "bundle.bad_field"
    doc["statusLists"] = [{"id": "x"}]
    assert parse_bundle(encode_deterministic(doc)).stapled == ({"id": "x"},)
