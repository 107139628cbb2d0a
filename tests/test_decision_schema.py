"""The decision's JSON has one definition (attest.verifier.decision.decision_schema): the
spec's schema file and the service's OpenAPI component are that definition, and the decisions
the verifier writes fill exactly its shape: every schema path is produced by some decision,
and nothing a decision writes is missing from the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from attest.service.openapi import decision_component
from attest.verifier.pipeline import DECISION_SCHEMA, STEPS

from . import test_verify_vectors as vv

SPEC_FILE = Path(__file__).resolve().parent.parent / "specs" / "decision.schema.json"


@pytest.fixture(scope="module")
def decisions() -> list[dict[str, Any]]:
    return [vv.run(case).to_json() for case in vv.CASES]


def test_spec_file_is_the_definition() -> None:
    written = json.loads(SPEC_FILE.read_text("utf-8"))
    assert written == DECISION_SCHEMA, (
        "specs/decision.schema.json is stale; write it from "
        "attest.verifier.pipeline.DECISION_SCHEMA (json.dumps(..., indent=2))"
    )
    jsonschema.Draft202012Validator.check_schema(written)


def test_openapi_component_is_the_definition() -> None:
    ours = decision_component()
    defs = DECISION_SCHEMA["$defs"]
    expected = {
        k: v for k, v in DECISION_SCHEMA.items() if k not in ("$schema", "$id", "title", "$defs")
    }
    expected["description"] = ours["description"]
    assert ours == json.loads(
        json.dumps(expected).replace('{"$ref": "#/$defs/time"}', json.dumps(defs["time"]))
    )
    assert ours["properties"]["bundles"]["items"]["properties"]["checks"]["items"]["properties"][
        "step"
    ] == {"enum": list(STEPS)}


def _schema_paths(schema: dict[str, Any], at: str = "") -> Iterator[str]:
    """Every member path the schema describes ('[]' for array items, '{}' for map values)."""
    if "$ref" in schema:
        return
    for option in schema.get("oneOf", []):
        yield from _schema_paths(option, at)
    if isinstance(schema.get("items"), dict):
        yield from _schema_paths(schema["items"], at + "[]")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _schema_paths(extra, at + "{}")
    for name, sub in schema.get("properties", {}).items():
        yield f"{at}/{name}"
        yield from _schema_paths(sub, f"{at}/{name}")


def _value_paths(value: Any, at: str = "", maps: frozenset[str] = frozenset()) -> Iterator[str]:
    if isinstance(value, list):
        for v in value:
            yield from _value_paths(v, at + "[]", maps)
    elif isinstance(value, dict):
        is_map = at in maps
        for name, v in value.items():
            path = f"{at}{{}}" if is_map else f"{at}/{name}"
            if not is_map:
                yield path
            yield from _value_paths(v, path, maps)


def test_decisions_fill_exactly_the_schema(decisions: list[dict[str, Any]]) -> None:
    validator = jsonschema.Draft202012Validator(DECISION_SCHEMA)
    for d in decisions:
        validator.validate(d)
    maps = frozenset({"/dimensions[]/metrics", "/bundles[]/dimensions"})
    described = set(_schema_paths(DECISION_SCHEMA))
    produced = {p for d in decisions for p in _value_paths(d, maps=maps)}
    assert produced <= described, sorted(produced - described)
    assert described - produced == set(), "schema paths no vector decision produces"
