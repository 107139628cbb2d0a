"""Bundles (specs/bundle.md): round trips, every rule of §3 with its code, and nothing but an
AttestError on garbage."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attest.codec.cbor import encode_deterministic
from attest.errors import AttestError, LimitExceededError, MalformedError
from attest.evaluation.bundle import (
    CBOR_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    MAX_BUNDLE_SIZE,
    Bundle,
    parse_bundle,
)
from tests.helpers.issuing import issue_fixed

# --- valid bundles -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Bundle]:
    root = tmp_path_factory.mktemp("bundles")
    return {
        "json": issue_fixed(root / "json", encoding="json", embed=True),
        "cbor": issue_fixed(root / "cbor", encoding="cbor", embed=True),
        "json-plain": issue_fixed(root / "json-plain", encoding="json"),
        "cbor-plain": issue_fixed(root / "cbor-plain", encoding="cbor"),
    }


@pytest.mark.parametrize("name", ["json", "cbor", "json-plain", "cbor-plain"])
def test_round_trip(bundles: dict[str, Bundle], name: str) -> None:
    bundle = bundles[name]
    data = bundle.encode()
    parsed = parse_bundle(data)
    assert parsed == bundle
    assert parsed.encode() == data
    assert parsed.is_cbor == name.startswith("cbor")
    assert bool(parsed.evidence_data) == ("plain" not in name)


def test_json_bundle_layout(bundles: dict[str, Bundle]) -> None:
    doc = json.loads(bundles["json"].encode())
    assert list(doc) == ["mediaType", "version", "credential", "log", "entries", "evidenceData"]
    assert doc["mediaType"] == "application/vnd.attest.bundle+json"
    assert doc["version"] == 1
    assert [e["role"] for e in doc["entries"]] == ["credential", "evidence", "evidence"]
    for e in doc["entries"]:
        assert set(e) == {"role", "entry", "tlogProof"}
        assert e["tlogProof"].startswith("c2sp.org/tlog-proof@v1\n")
        assert base64.b64encode(base64.b64decode(e["entry"])).decode() == e["entry"]


def test_cbor_bundle_layout(bundles: dict[str, Bundle]) -> None:
    data = bundles["cbor"].encode()
    doc = cbor2.loads(data)
    assert doc["mediaType"] == "application/vnd.attest.bundle+cbor"
    assert doc["version"] == 1
    assert isinstance(doc["credential"], bytes)
    for e in doc["entries"]:
        assert isinstance(e["entry"], bytes)
        assert isinstance(e["tlogProof"], bytes)
    for item in doc["evidenceData"]:
        assert isinstance(item["data"], bytes)
    # RFC 8949 §4.2.1: re-encoding deterministically gives the same bytes
    assert cbor2.dumps(doc, canonical=True) == data


# --- §3, one rule at a time --------------------------------------------------------------------

Mutation = Callable[[dict[str, Any], dict[str, Bundle]], Any]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(doc) if callable(value) else value
        return doc

    return mutate


def _drop(*path: Any) -> Mutation:
    def mutate(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return doc

    return mutate


def _entries(change: Callable[[list[Any]], Any]) -> Mutation:
    def mutate(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
        result = change(doc["entries"])
        if result is not None:
            doc["entries"] = result
        return doc

    return mutate


def _proof_text(doc: dict[str, Any], i: int) -> str:
    value = doc["entries"][i]["tlogProof"]
    return value.decode() if isinstance(value, bytes) else str(value)


def _set_proof_text(doc: dict[str, Any], i: int, text: str) -> None:
    was_bytes = isinstance(doc["entries"][i]["tlogProof"], bytes)
    doc["entries"][i]["tlogProof"] = text.encode() if was_bytes else text


def _proof(change: Callable[[str], str], i: int = 0) -> Mutation:
    def mutate(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
        _set_proof_text(doc, i, change(_proof_text(doc, i)))
        return doc

    return mutate


def _entry_bytes(change: Callable[[bytes], bytes], i: int = 1) -> Mutation:
    def mutate(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
        value = doc["entries"][i]["entry"]
        if isinstance(value, bytes):
            doc["entries"][i]["entry"] = change(value)
        else:
            doc["entries"][i]["entry"] = base64.b64encode(change(base64.b64decode(value))).decode()
        return doc

    return mutate


def _mixed_checkpoints(doc: dict[str, Any], bundles: dict[str, Bundle]) -> Any:
    """Evidence entry 1 proven under the checkpoint of another (valid) log state."""
    other = bundles["cbor-plain" if isinstance(doc["credential"], dict) else "json-plain"]
    index = _proof_text(doc, 1).split("\n")[1]
    (same,) = [e for e in other.evidence_entries if f"index {e.index}" == index]
    before = _proof_text(doc, 1)
    _set_proof_text(doc, 1, same.proof.encode().decode())
    assert before.split("\n\n", 1)[1] != _proof_text(doc, 1).split("\n\n", 1)[1]
    return doc


def _foreign_credential(doc: dict[str, Any], bundles: dict[str, Bundle]) -> Any:
    """A CBOR bundle carrying the JSON credential, or a JSON bundle carrying COSE bytes."""
    if isinstance(doc["credential"], dict):
        cose = bundles["cbor"].credential
        assert isinstance(cose, bytes)
        doc["credential"] = base64.b64encode(cose).decode()
    else:
        doc["credential"] = copy.deepcopy(bundles["json"].credential)
    return doc


def _long_size(entry: bytes) -> bytes:
    """The entry with its 'size' integer one head width longer than the shortest form
    (RFC 8949 §4.2.1 requires the shortest)."""
    size = cbor2.loads(entry)["size"]
    assert 24 <= size < 1 << 16
    shortest = cbor2.dumps(size)
    longer = bytes([0x1A]) + size.to_bytes(4, "big")
    key = cbor2.dumps("size")
    assert entry.count(key + shortest) == 1
    return entry.replace(key + shortest, key + longer)


def _duplicate_evidence(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
    doc["evidenceData"].append(copy.deepcopy(doc["evidenceData"][0]))
    return doc


def _other_media(doc: dict[str, Any], _: dict[str, Bundle]) -> Any:
    doc["mediaType"] = CBOR_MEDIA_TYPE if doc["mediaType"] == JSON_MEDIA_TYPE else JSON_MEDIA_TYPE
    return doc


COMMON: list[tuple[str, Mutation, str]] = [
    ("mediaType of the other encoding", _other_media, "bundle.bad_media_type"),
    ("mediaType application/json", _set(("mediaType",), "application/json"),
     "bundle.bad_media_type"),
    ("version 2", _set(("version",), 2), "bundle.unknown_version"),
    ("version 0", _set(("version",), 0), "bundle.unknown_version"),
    ('version "1"', _set(("version",), "1"), "bundle.unknown_version"),
    ("version 1.0", _set(("version",), 1.0), "bundle.unknown_version"),
    ("version true", _set(("version",), True), "bundle.unknown_version"),
    ("missing mediaType", _drop("mediaType"), "bundle.missing_field"),
    ("missing version", _drop("version"), "bundle.missing_field"),
    ("missing credential", _drop("credential"), "bundle.missing_field"),
    ("missing log", _drop("log"), "bundle.missing_field"),
    ("missing entries", _drop("entries"), "bundle.missing_field"),
    ("unknown field", _set(("signature",), "x"), "bundle.unknown_field"),
    ("log with a third member", _set(("log", "url"), "https://log.example"), "bundle.bad_field"),
    ("log without verifierKey", _drop("log", "verifierKey"), "bundle.bad_field"),
    ("log origin not a string", _set(("log", "origin"), 5), "bundle.bad_field"),
    ("log not a map", _set(("log",), ["a", "b"]), "bundle.bad_field"),
    ("entries not a list", _set(("entries",), {"role": "credential"}), "bundle.bad_field"),
    ("no entries", _set(("entries",), []), "bundle.no_credential_entry"),
    ("bad role", _set(("entries", 1, "role"), "witness"), "bundle.bad_role"),
    ("role not text", _set(("entries", 1, "role"), 1), "bundle.bad_role"),
    ("credential entry not first", _entries(lambda e: [e[1], e[0], *e[2:]]),
     "bundle.no_credential_entry"),
    ("two credential entries", _set(("entries", 1, "role"), "credential"), "bundle.bad_role"),
    ("entry with a fourth member", _set(("entries", 0, "note"), "x"), "bundle.bad_field"),
    ("entry without tlogProof", _drop("entries", 0, "tlogProof"), "bundle.bad_field"),
    ("mixed checkpoints", _mixed_checkpoints, "bundle.mixed_checkpoints"),
    ("duplicate index", _entries(lambda e: e.append(copy.deepcopy(e[1]))),
     "bundle.duplicate_entry"),
    ("tlogProof header v2", _proof(lambda t: t.replace("tlog-proof@v1", "tlog-proof@v2", 1)),
     "tlog_proof.unknown_version"),
    ("tlogProof index with leading zero", _proof(lambda t: t.replace("\nindex ", "\nindex 0", 1)),
     "tlog_proof.bad_index"),
    ("tlogProof without checkpoint", _proof(lambda t: t.split("\n\n")[0] + "\n"),
     "tlog_proof.malformed"),
    ("entry not canonical CBOR", _entry_bytes(_long_size), "entry.not_canonical"),
    ("entry version 2", _entry_bytes(lambda e: e.replace(b"av\x01", b"av\x02", 1)),
     "entry.unknown_version"),
    ("credential of the other encoding", _foreign_credential, "bundle.bad_field"),
    ("evidenceData duplicate digest", _duplicate_evidence, "bundle.duplicate_evidence"),
    ("evidenceData digest in upper case",
     _set(("evidenceData", 0, "digest"), lambda d: d["evidenceData"][0]["digest"].upper()),
     "digest.malformed"),
    ("evidenceData digest sha512", _set(("evidenceData", 0, "digest"), "sha512:" + "0" * 128),
     "digest.malformed"),
    ("evidenceData with a third member", _set(("evidenceData", 0, "name"), "x"),
     "bundle.bad_field"),
    ("evidenceData not a list", _set(("evidenceData",), {}), "bundle.bad_field"),
    ("statusList a list", _set(("statusList",), []), "bundle.bad_field"),
    ("statusList null", _set(("statusList",), None), "bundle.bad_field"),
]  # fmt: skip


def _json_bytes(doc: Any) -> bytes:
    return json.dumps(doc, indent=1).encode()


@pytest.mark.parametrize("encoding", ["json", "cbor"])
@pytest.mark.parametrize(("mutate", "code"), [c[1:] for c in COMMON], ids=[c[0] for c in COMMON])
def test_rule(bundles: dict[str, Bundle], encoding: str, mutate: Mutation, code: str) -> None:
    data = bundles[encoding].encode()
    if encoding == "json":
        bad = _json_bytes(mutate(json.loads(data), bundles))
    else:
        bad = encode_deterministic(mutate(cbor2.loads(data), bundles))
    with pytest.raises(MalformedError) as info:
        parse_bundle(bad)
    assert info.value.code == code


def _non_canonical_b64(value: str) -> str:
    """Another spelling of the same bytes: spare bits of the last character set."""
    raw = base64.b64decode(value)
    assert value.endswith("=")
    stem = value.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for c in alphabet:
        candidate = stem[:-1] + c + value[len(stem) :]
        if candidate != value and base64.b64decode(candidate) == raw:
            return candidate
    raise AssertionError("no non-canonical spelling")


JSON_ONLY: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("entry base64 with spare bits set",
     lambda d: d["entries"][1].update(entry=_non_canonical_b64(d["entries"][1]["entry"])),
     "bundle.bad_base64"),
    ("entry base64 without padding",
     lambda d: d["entries"][1].update(entry=d["entries"][1]["entry"].rstrip("=")),
     "bundle.bad_base64"),
    ("entry base64url",
     lambda d: d["entries"][1].update(
         entry=base64.urlsafe_b64encode(b"\xfb\xff" + b"\0" * 40).decode()),
     "bundle.bad_base64"),
    ("entry base64 with a line break",
     lambda d: d["entries"][1].update(entry=d["entries"][1]["entry"][:8] + "\n"
                                      + d["entries"][1]["entry"][8:]),
     "bundle.bad_base64"),
    ("evidence data base64 with spare bits set",
     lambda d: d["evidenceData"][0].update(data=_non_canonical_b64(d["evidenceData"][0]["data"])),
     "bundle.bad_base64"),
    ("entry not a string", lambda d: d["entries"][1].update(entry=[1]), "bundle.bad_field"),
    ("tlogProof not a string", lambda d: d["entries"][1].update(tlogProof=None),
     "bundle.bad_field"),
    ("credential a string", lambda d: d.update(credential="eyJ9"), "bundle.bad_field"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "code"), [c[1:] for c in JSON_ONLY], ids=[c[0] for c in JSON_ONLY]
)
def test_json_rule(
    bundles: dict[str, Bundle], mutate: Callable[[dict[str, Any]], Any], code: str
) -> None:
    doc = json.loads(bundles["json"].encode())
    mutate(doc)
    with pytest.raises(MalformedError) as info:
        parse_bundle(_json_bytes(doc))
    assert info.value.code == code


def test_json_duplicate_key(bundles: dict[str, Bundle]) -> None:
    data = bundles["json"].encode()
    bad = data.replace(b'"version": 1,', b'"version": 1,\n  "version": 1,', 1)
    assert bad != data
    with pytest.raises(MalformedError) as info:
        parse_bundle(bad)
    assert info.value.code == "json.duplicate_key"


def test_cbor_duplicate_key(bundles: dict[str, Bundle]) -> None:
    data = bundles["cbor"].encode()
    head = data[0]
    assert head >> 5 == 5 and head & 31 < 23  # a map of fewer than 23 pairs
    extra = cbor2.dumps("version") + cbor2.dumps(1)
    bad = bytes([head + 1]) + data[1:] + extra
    with pytest.raises(MalformedError) as info:
        parse_bundle(bad)
    assert info.value.code == "cbor.duplicate_key"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["entries"][0].update(entry="AAAA"),
        lambda d: d["entries"][0].update(tlogProof=1),
        lambda d: d["evidenceData"][0].update(data="x"),
    ],
    ids=["entry text", "tlogProof int", "data text"],
)
def test_cbor_fields_are_byte_strings(bundles: dict[str, Bundle], change: Any) -> None:
    doc = cbor2.loads(bundles["cbor"].encode())
    change(doc)
    with pytest.raises(MalformedError) as info:
        parse_bundle(encode_deterministic(doc))
    assert info.value.code == "bundle.bad_field"


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_oversize(bundles: dict[str, Bundle], encoding: str) -> None:
    data = bundles[encoding].encode()
    padded = data + b" " * (MAX_BUNDLE_SIZE + 1 - len(data))
    assert len(padded) == MAX_BUNDLE_SIZE + 1
    with pytest.raises(LimitExceededError) as info:
        parse_bundle(padded)
    assert info.value.code == "bundle.too_large"


def test_too_many_entries(bundles: dict[str, Bundle]) -> None:
    doc = json.loads(bundles["json"].encode())
    doc["entries"] = doc["entries"][:1] * 1026
    with pytest.raises(LimitExceededError) as info:
        parse_bundle(_json_bytes(doc))
    assert info.value.code == "bundle.too_many_entries"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (cbor2.dumps([1, 2]), "bundle.not_an_object"),
        (cbor2.dumps("bundle"), "bundle.not_an_object"),
        (b"{", "json.syntax"),
        (b"", "cbor.truncated"),
        (b"\xbf\xff", "cbor.indefinite_length"),
        # a BOM is not '{', so this is read as CBOR: 0xef is simple value 15, unassigned
        (b'\xef\xbb\xbf{"a": 1}', "cbor.simple_value"),
    ],
    ids=["cbor array", "cbor text", "json truncated", "empty", "indefinite map", "bom"],
)
def test_not_a_bundle(data: bytes, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        parse_bundle(data)
    assert info.value.code == code


def test_mixed_key_types_in_a_cbor_map(bundles: dict[str, Bundle]) -> None:
    doc = cbor2.loads(bundles["cbor"].encode())
    doc[1] = 2
    doc["zzz"] = 3
    with pytest.raises(MalformedError) as info:
        parse_bundle(encode_deterministic(doc))
    assert info.value.code == "bundle.unknown_field"


# --- property: garbage in, AttestError out ---------------------------------------------------


def _parse_or_attest_error(data: bytes) -> None:
    with contextlib.suppress(AttestError):
        parse_bundle(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    _parse_or_attest_error(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256).map(lambda b: b"{" + b))
def test_random_json_like_bytes(data: bytes) -> None:
    _parse_or_attest_error(data)


@pytest.fixture(scope="module")
def encoded(bundles: dict[str, Bundle]) -> dict[str, bytes]:
    return {"json": bundles["json"].encode(), "cbor": bundles["cbor"].encode()}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    encoding=st.sampled_from(["json", "cbor"]),
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(["flip", "drop", "insert"]),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_byte_mutations_of_valid_bundles(
    encoded: dict[str, bytes], encoding: str, edits: list[tuple[int, str, bytes]]
) -> None:
    data = bytearray(encoded[encoding])
    for position, action, payload in edits:
        i = position % len(data)
        if action == "flip":
            data[i] ^= payload[0] or 1
        elif action == "drop":
            del data[i : i + len(payload)]
        else:
            data[i:i] = payload
    _parse_or_attest_error(bytes(data))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["credential", "evidence", "sha256:" + "0" * 64, "AAAA", "", "=", "\n\n"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-5, 5)), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, data: st.DataObject, values: st.SearchStrategy[Any]) -> Any:
    paths = _paths(doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(paths))
        action = data.draw(st.sampled_from(["replace", "delete", "add", "swap"]))
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            if not isinstance(parent, dict | list):
                break
            try:
                parent = parent[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            try:
                if action == "replace":
                    parent[path[-1]] = data.draw(values)
                elif action == "delete":
                    del parent[path[-1]]
                elif action == "add" and isinstance(parent, dict):
                    parent[data.draw(st.text(max_size=6))] = data.draw(values)
                elif action == "add" and isinstance(parent, list):
                    parent.insert(path[-1], data.draw(values))
                elif action == "swap":
                    other = data.draw(st.sampled_from(paths))
                    node = doc
                    for key in other:
                        node = node[key]
                    parent[path[-1]] = copy.deepcopy(node)
            except (KeyError, IndexError, TypeError):
                pass
    return doc


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_json_structure_mutations(encoded: dict[str, bytes], data: st.DataObject) -> None:
    doc = _mutate(json.loads(encoded["json"]), data, json_values)
    _parse_or_attest_error(json.dumps(doc).encode())


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_cbor_structure_mutations(encoded: dict[str, bytes], data: st.DataObject) -> None:
    doc = _mutate(cbor2.loads(encoded["cbor"]), data, cbor_values)
    try:
        raw = cbor2.dumps(doc)
    except (cbor2.CBOREncodeError, ValueError, TypeError):
        return
    _parse_or_attest_error(raw)


def test_bundle_paths_are_written_relative_to_nothing(tmp_path: Path) -> None:
    """A bundle carries no path of the machine that made it."""
    b = issue_fixed(tmp_path / "x", embed=True)
    assert str(tmp_path).encode() not in b.encode()
