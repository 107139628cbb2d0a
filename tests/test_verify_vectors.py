"""test_vectors/verify: every case through the verifier; the generator reproduces them."""

from __future__ import annotations

import base64
import json
import runpy
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from attest.codec.canonical import parse_json
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
from attest.codec.digest import hash_bytes
from attest.verifier.pipeline import STEPS, ConsistencyProof, Decision, verify
from attest.verifier.policy import parse_policy
from attest.verifier.state import VerifierState

from . import vectors

INDEX = vectors.load_json("verify/cases.json")
CASES = INDEX["cases"]
SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "specs" / "decision.schema.json").read_text("utf-8")
)


def here(relpath: str) -> str:
    """cases.json paths are relative to its own folder."""
    return f"verify/{relpath}"


def load(relpath: str) -> bytes:
    return vectors.load_bytes(here(relpath))


def proof(relpath: str) -> ConsistencyProof:
    doc = vectors.load_json(here(relpath))
    return ConsistencyProof(
        origin=doc["origin"],
        old_size=doc["old_size"],
        old_root=vectors.b64(doc["old_root"]),
        new_size=doc["new_size"],
        new_root=vectors.b64(doc["new_root"]),
        proof=tuple(vectors.b64(h) for h in doc["proof"]),
    )


def status_list(relpath: str) -> dict[str, Any]:
    doc = parse_json(load(relpath))
    assert isinstance(doc, dict)
    return doc


def run(case: dict[str, Any]) -> Decision:
    evidence = None
    if case["evidenceDir"]:
        folder = vectors.path(here(case["evidenceDir"]))
        evidence = {p.name: hash_bytes(p.read_bytes()) for p in sorted(folder.iterdir())}
    state = VerifierState.from_json(load(case["state"])) if case["state"] else None
    return verify(
        [load(b) for b in case["bundles"]],
        parse_policy(load(case["policy"])),
        now=parse_datetime_stamp(case["now"]),
        state=state,
        status_lists=[status_list(s) for s in case["statusLists"]],
        evidence=evidence,
        consistency=[proof(c) for c in case["consistency"]],
    )


def unmet(d: Decision) -> list[str]:
    """The decision rules that failed, in the vocabulary of cases.json."""
    out = []
    if any("different subjects" in r for r in d.reasons):
        out.append("subjects")
    if any("different pacts" in r for r in d.reasons):
        out.append("pacts")
    if len(d.evaluators) < d.evaluators_required:
        out.append("min_evaluators")
    out += [f"dimension:{v.dimension}" for v in d.dimensions if v.result != "pass"]
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    d = run(case)
    assert d.decision == expect["decision"], d.reasons
    failed = [
        {"bundle": i, "step": c.step, "code": c.code}
        for i, b in enumerate(d.bundles)
        for c in b.failures
    ]
    assert failed == expect["failures"]
    assert bool(d.malformed) == expect["malformed"]
    for b in d.bundles:
        assert [c.step for c in b.checks] == list(STEPS)
    if not expect["failures"]:
        assert unmet(d) == expect["unmet"]
    out = d.to_json()
    jsonschema.validate(out, SCHEMA)
    assert out["expires"] == expect["expires"]
    remembered = d.state.get(expect["remembered"]["origin"]) if expect["remembered"] else None
    if expect["remembered"] is None:
        assert d.state.logs == {}
    else:
        assert remembered is not None
        assert remembered.size == expect["remembered"]["size"]
        assert base64.b64encode(remembered.root_hash).decode() == expect["remembered"]["root"]


def test_every_step_and_rule_is_covered() -> None:
    steps = {f["step"] for c in CASES for f in c["expect"]["failures"]}
    assert steps == set(STEPS)
    rules = {r.split(":")[0] for c in CASES for r in c["expect"]["unmet"]}
    assert rules == {"min_evaluators", "dimension", "subjects"}
    assert {c["expect"]["decision"] for c in CASES} == {"accept", "reject", "malformed"}
    for c in CASES:  # each reject names its cause; each accept has none
        assert (c["expect"]["decision"] == "malformed") == c["expect"]["malformed"], c["id"]
        e = c["expect"]
        assert (e["decision"] == "accept") == (not e["failures"] and not e["unmet"]), c["id"]
        assert (e["expires"] is not None) == (e["decision"] == "accept"), c["id"]


def test_case_files_exist_and_times_are_stamps() -> None:
    for c in CASES:
        assert format_datetime_stamp(parse_datetime_stamp(c["now"])) == c["now"]
        for rel in [c["policy"], *c["bundles"], *c["statusLists"], *c["consistency"]]:
            vectors.path(here(rel))


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    generator = runpy.run_path(str(vectors.path("verify/generate.py")), run_name="vectors")
    generator["main"](tmp_path)
    root = vectors.path("verify")
    own = {"README.md", "generate.py"}
    committed = {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.name not in own and "__pycache__" not in p.parts
    }
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == committed
    for rel in sorted(written):
        assert (tmp_path / rel).read_bytes() == (root / rel).read_bytes(), rel
