"""Pacts (specs/pact.md §1, §2): the template, the digest recomputed independently, and every
rule of §1 rejected with its code."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785

from attest.errors import LimitExceededError, MalformedError
from attest.evaluation.pact import TEMPLATE, parse_pact
from tests.helpers.issuing import PACT_TOML, normalized_pact, pact_digest

# --- the template --------------------------------------------------------------------------


def test_template_parses_as_written() -> None:
    doc = tomllib.loads(TEMPLATE)
    pact = parse_pact(TEMPLATE.encode())
    assert pact.id == doc["id"] == "urn:example:pact:customer-support-agent"
    assert pact.version == doc["version"]
    assert pact.subject_kind == doc["subject_kind"]
    assert pact.title == doc["title"]
    assert [o.metric for o in pact.obligations] == [o["metric"] for o in doc["obligation"]]
    assert [o.threshold for o in pact.obligations] == [0.9, 0.001, 8.0]
    assert [o.min_sample_size for o in pact.obligations] == [200, 1000, None]
    # every dimension the template uses is one the project names
    assert {o.dimension for o in pact.obligations} <= {
        "capability",
        "reliability",
        "safety",
        "security",
        "reputation",
    }
    assert str(pact.digest) == pact_digest(doc)


# --- the digest ----------------------------------------------------------------------------

PACT_JSON = """
  {"obligations": [
     {"unit": "ratio", "threshold": 0.90, "dimension": "reliability", "comparator": ">=",
      "min_sample_size": 200, "metric": "task_success_rate"},
     {"metric": "harmful_output_rate", "comparator": "<=", "threshold": 1e-3,
      "unit": "ratio", "dimension": "safety"},
     {"description": "Answers fast.", "metric": "p95_latency", "comparator": "<",
      "threshold": 8.0, "unit": "s", "dimension": "capability"}],
   "title": "Support agent", "subject_kind": "ai-agent", "version": "2.1.0",
   "id": "urn:example:pact:support"}
"""


def test_toml_and_json_spellings_have_one_digest() -> None:
    toml_pact = parse_pact(PACT_TOML.encode())
    json_pact = parse_pact(PACT_JSON.encode())
    assert toml_pact.digest == json_pact.digest
    assert toml_pact.to_json() == json_pact.to_json()


def test_digest_is_sha256_of_jcs_of_the_normalized_pact() -> None:
    doc = tomllib.loads(PACT_TOML)
    expected = normalized_pact(doc)
    canonical = rfc8785.dumps(expected)
    # spot-check the canonical bytes against RFC 8785 by hand: sorted keys, 8.0 -> 8, 0.001
    assert canonical.startswith(b'{"id":"urn:example:pact:support","obligations":[{"comparator"')
    assert b'"threshold":8,' in canonical
    assert b'"threshold":0.001,' in canonical
    digest = "sha256:" + hashlib.sha256(canonical).hexdigest()
    assert str(parse_pact(PACT_TOML.encode()).digest) == digest
    assert str(parse_pact(PACT_JSON.encode()).digest) == digest


def test_comments_whitespace_and_key_order_do_not_matter() -> None:
    reordered = """
# another comment
version = "2.1.0"     # trailing comment
title = "Support agent"
subject_kind = "ai-agent"
id = "urn:example:pact:support"

[[obligation]]
min_sample_size = 200
dimension = "reliability"
unit = "ratio"
threshold = 0.900
comparator = ">="
metric = "task_success_rate"

[[obligation]]
dimension = "safety"
unit = "ratio"
threshold = 1e-3
comparator = "<="
metric = "harmful_output_rate"

[[obligation]]
description = "Answers fast."
dimension = "capability"
unit = "s"
threshold = 8.0
comparator = "<"
metric = "p95_latency"
"""
    assert parse_pact(reordered.encode()).digest == parse_pact(PACT_TOML.encode()).digest


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def test_obligation_order_is_part_of_the_digest() -> None:
    doc = json.loads(PACT_JSON)
    swapped = copy.deepcopy(doc)
    swapped["obligations"].reverse()
    a, b = parse_pact(_json(doc)), parse_pact(_json(swapped))
    assert a.digest != b.digest
    assert str(b.digest) == pact_digest(swapped)
    assert [o.metric for o in b.obligations] == [o["metric"] for o in swapped["obligations"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", "2.1.1"),
        ("title", "Support agent "),
        ("id", "urn:example:pact:support2"),
        ("subject_kind", "ai-agent2"),
    ],
)
def test_any_change_changes_the_digest(field: str, value: str) -> None:
    doc = json.loads(PACT_JSON)
    changed = {**doc, field: value}
    assert parse_pact(_json(changed)).digest != parse_pact(_json(doc)).digest
    assert str(parse_pact(_json(changed)).digest) == pact_digest(changed)


def test_threshold_change_changes_the_digest() -> None:
    doc = json.loads(PACT_JSON)
    changed = copy.deepcopy(doc)
    changed["obligations"][0]["threshold"] = 0.91
    assert parse_pact(_json(changed)).digest != parse_pact(_json(doc)).digest


def test_absent_title_is_absent_from_the_normal_form() -> None:
    doc = json.loads(PACT_JSON)
    del doc["title"]
    pact = parse_pact(_json(doc))
    assert pact.title is None
    assert "title" not in pact.to_json()
    assert str(pact.digest) == pact_digest(doc)


def test_other_dimension_tokens_are_kept_as_written() -> None:
    doc = json.loads(PACT_JSON)
    doc["obligations"][2]["dimension"] = "latency.p95"
    assert parse_pact(_json(doc)).obligations[2].dimension == "latency.p95"


def test_json_is_recognised_after_leading_blanks() -> None:
    assert parse_pact(b" \n\t" + PACT_JSON.encode()).digest == parse_pact(PACT_TOML.encode()).digest


# --- every rule of §1 ------------------------------------------------------------------------

OB = {"metric": "m", "comparator": ">=", "threshold": 0.5, "unit": "ratio", "dimension": "safety"}
BASE = {"id": "urn:example:p", "version": "1", "subject_kind": "ai-agent", "obligations": [OB]}


def top(**changes: Any) -> bytes:
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is DROP:
            del doc[key]
        else:
            doc[key] = value
    return _json(doc)


def ob(**changes: Any) -> bytes:
    item: dict[str, Any] = dict(OB)
    for key, value in changes.items():
        if value is DROP:
            del item[key]
        else:
            item[key] = value
    return _json({**BASE, "obligations": [item]})


DROP = object()
TOML_HEAD = 'id = "urn:example:p"\nversion = "1"\nsubject_kind = "ai-agent"\n'
TOML_OB = '[[obligation]]\nmetric = "m"\ncomparator = ">="\nunit = "ratio"\ndimension = "safety"\n'


def toml_threshold(value: str) -> bytes:
    return (TOML_HEAD + TOML_OB + f"threshold = {value}\n").encode()


def toml_ob(line: str) -> bytes:
    return (TOML_HEAD + TOML_OB + "threshold = 1\n" + line + "\n").encode()


M, L = MalformedError, LimitExceededError
INVALID: list[tuple[str, bytes, str, type[MalformedError]]] = [
    # TOML / JSON
    ("toml syntax", b'id = "urn:x:y"\nversion = ', "pact.bad_toml", M),
    ("toml not UTF-8", b'id = "urn:x:\xff"\n', "pact.bad_toml", M),
    ("json duplicate key", b'{"id": "urn:a:b", "id": "urn:a:c"}', "json.duplicate_key", M),
    ("json NaN", ob(threshold=0.5).replace(b"0.5", b"NaN"), "json.non_finite", M),
    ("json 2^53", ob(threshold=0.5).replace(b"0.5", b"9007199254740992"),
     "json.int_out_of_range", M),
    ("json 1e400", ob(threshold=0.5).replace(b"0.5", b"1e400"), "json.number_out_of_range", M),
    # the top-level table
    ("unknown top field", top(owner="me"), "pact.unknown_field", M),
    ("missing id", top(id=DROP), "pact.missing_field", M),
    ("missing version", top(version=DROP), "pact.missing_field", M),
    ("missing subject_kind", top(subject_kind=DROP), "pact.missing_field", M),
    ("id not a URI", top(id="support pact"), "pact.bad_id", M),
    ("id without scheme", top(id=":x"), "pact.bad_id", M),
    ("id empty after colon", top(id="urn:"), "pact.bad_id", M),
    ("id with space", top(id="urn:a b"), "pact.bad_id", M),
    ("id not a string", top(id=7), "pact.bad_id", M),
    ("version empty", top(version=""), "pact.bad_version", M),
    ("version leading dot", top(version=".1"), "pact.bad_version", M),
    ("version with space", top(version="1 0"), "pact.bad_version", M),
    ("version 65 chars", top(version="1" * 65), "pact.bad_version", M),
    ("version a number", top(version=1), "pact.bad_version", M),
    ("subject_kind upper case", top(subject_kind="Agent"), "pact.bad_subject_kind", M),
    ("subject_kind digit first", top(subject_kind="1agent"), "pact.bad_subject_kind", M),
    ("subject_kind 65 chars", top(subject_kind="a" * 65), "pact.bad_subject_kind", M),
    ("title 201 chars", top(title="t" * 201), "pact.bad_title", M),
    ("title not a string", top(title=["t"]), "pact.bad_title", M),
    ("no obligations", top(obligations=DROP), "pact.no_obligations", M),
    ("empty obligations", top(obligations=[]), "pact.no_obligations", M),
    ("both spellings", top(obligation=[OB]), "pact.bad_obligations", M),
    ("obligation not a table", top(obligations=[1]), "pact.bad_obligations", M),
    ("257 obligations",
     top(obligations=[{**OB, "metric": f"m{i}"} for i in range(257)]),
     "pact.too_many_obligations", L),
    ("same metric and comparator twice",
     top(obligations=[OB, {**OB, "threshold": 0.7}]), "pact.duplicate_obligation", M),
    ("too large", top(title="t") + b" " * (256 * 1024), "pact.too_large", L),
    # an obligation
    ("unknown obligation field", ob(weight=2), "pact.unknown_field", M),
    ("missing metric", ob(metric=DROP), "pact.missing_field", M),
    ("missing comparator", ob(comparator=DROP), "pact.missing_field", M),
    ("missing threshold", ob(threshold=DROP), "pact.missing_field", M),
    ("missing unit", ob(unit=DROP), "pact.missing_field", M),
    ("missing dimension", ob(dimension=DROP), "pact.missing_field", M),
    ("metric upper case", ob(metric="Task"), "pact.bad_metric", M),
    ("metric empty", ob(metric=""), "pact.bad_metric", M),
    ("metric with space", ob(metric="task rate"), "pact.bad_metric", M),
    ("metric not a string", ob(metric=3), "pact.bad_metric", M),
    ("comparator =>", ob(comparator="=>"), "pact.bad_comparator", M),
    ("comparator !=", ob(comparator="!="), "pact.bad_comparator", M),
    ("comparator =", ob(comparator="="), "pact.bad_comparator", M),
    ("comparator with space", ob(comparator=">= "), "pact.bad_comparator", M),
    ("threshold a string", ob(threshold="0.9"), "pact.bad_number", M),
    ("threshold a boolean", ob(threshold=True), "pact.bad_number", M),
    ("threshold null", ob(threshold=None), "pact.bad_number", M),
    ("threshold TOML inf", toml_threshold("inf"), "pact.bad_number", M),
    ("threshold TOML nan", toml_threshold("nan"), "pact.bad_number", M),
    ("threshold TOML 2^53", toml_threshold("9007199254740992"), "pact.bad_number", M),
    ("threshold TOML -2^53", toml_threshold("-9007199254740992"), "pact.bad_number", M),
    ("threshold TOML date", toml_threshold("2026-01-01"), "pact.bad_number", M),
    ("unit empty", ob(unit=""), "pact.bad_unit", M),
    ("unit leading space", ob(unit=" ratio"), "pact.bad_unit", M),
    ("unit trailing space", ob(unit="ratio "), "pact.bad_unit", M),
    ("unit with LF", ob(unit="a\nb"), "pact.bad_unit", M),
    ("unit with CR", ob(unit="a\rb"), "pact.bad_unit", M),
    ("unit with VT", ob(unit="a\x0bb"), "pact.bad_unit", M),
    ("unit with FF", ob(unit="a\x0cb"), "pact.bad_unit", M),
    ("unit with NEL", ob(unit="a\x85b"), "pact.bad_unit", M),
    ("unit with LINE SEPARATOR", ob(unit="a\u2028b"), "pact.bad_unit", M),
    ("unit with PARAGRAPH SEPARATOR", ob(unit="a\u2029b"), "pact.bad_unit", M),
    ("unit 65 chars", ob(unit="u" * 65), "pact.bad_unit", M),
    ("unit not a string", ob(unit=1), "pact.bad_unit", M),
    ("dimension upper case", ob(dimension="Safety"), "pact.bad_dimension", M),
    ("dimension empty", ob(dimension=""), "pact.bad_dimension", M),
    ("dimension list", ob(dimension=["safety"]), "pact.bad_dimension", M),
    ("min_sample_size 0", ob(min_sample_size=0), "pact.bad_sample_size", M),
    ("min_sample_size -1", ob(min_sample_size=-1), "pact.bad_sample_size", M),
    ("min_sample_size 1.5", ob(min_sample_size=1.5), "pact.bad_sample_size", M),
    ("min_sample_size 10.0", ob(min_sample_size=10.0), "pact.bad_sample_size", M),
    ("min_sample_size true", ob(min_sample_size=True), "pact.bad_sample_size", M),
    ("min_sample_size string", ob(min_sample_size="10"), "pact.bad_sample_size", M),
    ("min_sample_size TOML 2^53", toml_ob("min_sample_size = 9007199254740992"),
     "pact.bad_sample_size", M),
    ("description 2001 chars", ob(description="d" * 2001), "pact.bad_description", M),
    ("description not a string", ob(description=5), "pact.bad_description", M),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "code", "error"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_pact(data: bytes, code: str, error: type[MalformedError]) -> None:
    with pytest.raises(MalformedError) as info:
        parse_pact(data)
    assert info.value.code == code
    assert type(info.value) is error


def test_the_rule_table_names_every_pact_code() -> None:
    """Every pact code of specs/pact.md §5 is exercised above (pact.not_a_table below)."""
    spec_codes = {
        "pact.bad_toml", "pact.not_a_table", "pact.unknown_field", "pact.missing_field",
        "pact.bad_id", "pact.bad_version", "pact.bad_subject_kind", "pact.bad_title",
        "pact.no_obligations", "pact.bad_obligations", "pact.too_many_obligations",
        "pact.duplicate_obligation", "pact.bad_metric", "pact.bad_comparator",
        "pact.bad_number", "pact.bad_unit", "pact.bad_dimension", "pact.bad_sample_size",
        "pact.bad_description", "pact.too_large",
    }  # fmt: skip
    assert spec_codes - {c[2] for c in INVALID} == {"pact.not_a_table"}


@pytest.mark.parametrize("data", [b"[1, 2]", b'"pact"', b"3"])
def test_json_that_is_not_an_object(data: bytes) -> None:
    with pytest.raises(MalformedError) as info:
        parse_pact(data, format="json")
    assert info.value.code == "pact.not_a_table"


EDGES: list[tuple[str, Callable[[], bytes]]] = [
    ("256 obligations", lambda: top(obligations=[{**OB, "metric": f"m{i}"} for i in range(256)])),
    ("same metric, two comparators", lambda: top(obligations=[OB, {**OB, "comparator": "<="}])),
    ("title 200 chars", lambda: top(title="t" * 200)),
    ("version 64 chars", lambda: top(version="1" * 64)),
    ("subject_kind 64 chars", lambda: top(subject_kind="a" * 64)),
    ("unit 64 chars with inner spaces", lambda: ob(unit="u" + " " * 62 + "u")),
    ("unit 1 char", lambda: ob(unit="s")),
    ("description 2000 chars", lambda: ob(description="d" * 2000)),
    ("min_sample_size 1", lambda: ob(min_sample_size=1)),
    ("min_sample_size 2^53-1", lambda: ob(min_sample_size=2**53 - 1)),
    ("threshold 2^53-1", lambda: ob(threshold=2**53 - 1)),
    ("threshold -(2^53-1)", lambda: ob(threshold=-(2**53 - 1))),
    ("https id", lambda: top(id="https://pacts.example/support?v=1")),
    ("did id", lambda: top(id="did:web:pacts.example")),
    ("obligation spelling in JSON", lambda: _json({**top_doc(), "obligation": [OB]})),
    ("exactly 256 KiB", lambda: top().ljust(256 * 1024, b" ")),
]


def top_doc() -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    del doc["obligations"]
    return doc


@pytest.mark.parametrize("make", [e[1] for e in EDGES], ids=[e[0] for e in EDGES])
def test_valid_edges(make: Callable[[], bytes]) -> None:
    data = make()
    pact = parse_pact(data)
    doc = json.loads(data)
    assert str(pact.digest) == pact_digest(doc)
