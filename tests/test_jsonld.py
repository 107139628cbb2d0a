"""attest.vc.jsonld: safe-mode expansion, RDFC-1.0 canonical N-Quads, the offline loader, bounds."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.errors import AttestError, LimitExceededError, MalformedError
from attest.vc import contexts, jsonld
from tests import vectors

W3C = "vc-di-eddsa"
UNSIGNED = vectors.load_json(f"{W3C}/unsigned.json")
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
ATTEST = "https://w3id.org/attest/v1"
CTX = {"id": "@id", "type": "@type", "name": "https://schema.org/name"}


def _attest_credential() -> Any:
    case = vectors.load_json("data-integrity/eddsa-jcs-2022.json")["cases"][0]
    document = json.loads(case["document_json"])
    del document["proof"]
    return document


def _vc1(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [V1],
        "id": "urn:uuid:5a0a2b7e-3c6d-4e1f-9a2b-1c3d5e7f9a0b",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


# --- W3C vectors: RDFC-1.0 byte for byte ---------------------------------------------------------


def test_w3c_canonical_document() -> None:
    expected = vectors.load_bytes(f"{W3C}/eddsa-rdfc-2022/canonDocDataInt.txt").decode()
    assert jsonld.canonical_nquads(UNSIGNED) == expected


def test_w3c_canonical_proof_configuration() -> None:
    config = vectors.load_json(f"{W3C}/eddsa-rdfc-2022/proofConfigDataInt.json")
    expected = vectors.load_bytes(f"{W3C}/eddsa-rdfc-2022/proofCanonDataInt.txt").decode()
    assert jsonld.canonical_nquads(config) == expected


def test_w3c_chain_document_with_proofs_in_a_named_graph() -> None:
    """The document a chained proof signs canonicalizes, its proofs as named graphs."""
    temp = vectors.load_json(f"{W3C}/proof-set-chain/proofChainTempDoc1.json")
    nquads = jsonld.canonical_nquads(temp)
    graphs = set(re.findall(r" (_:c14n\d+) \.$", nquads, re.MULTILINE))
    proof_graphs = set(
        re.findall(r"<https://w3id.org/security#proof> (_:c14n\d+) \.$", nquads, re.M)
    )
    assert len(proof_graphs) == 2 and proof_graphs <= graphs
    assert nquads.count("<https://w3id.org/security#proofValue>") == 2
    assert nquads == jsonld.canonical_nquads(copy.deepcopy(temp))  # deterministic


def test_expansion_maps_every_member() -> None:
    expanded: Any = jsonld.expand_safe(_attest_credential())
    text = json.dumps(expanded)
    for term in ("evaluation", "measurement", "sampleSize", "logIndex", "verdict"):
        assert f"https://w3id.org/attest#{term}" in text, term
    assert expanded[0]["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://w3id.org/attest#EvaluationCredential",
    ]


def test_vc_1_1_credential_expands_and_canonicalizes() -> None:
    nquads = jsonld.canonical_nquads(_vc1())
    assert "<https://www.w3.org/2018/credentials#issuanceDate>" in nquads
    assert '"2024-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in nquads


def test_integral_numbers_are_integers_as_in_javascript() -> None:
    """5.0 read from JSON is the integer 5 to JSON-LD (and to jsonld.js): xsd:integer."""
    doc = {"@context": [V2, EXAMPLES], "type": ["VerifiableCredential"], "n": 5.0, "x": 0.5}
    nquads = jsonld.canonical_nquads(doc)
    assert '"5"^^<http://www.w3.org/2001/XMLSchema#integer>' in nquads
    assert '"5.0E-1"^^<http://www.w3.org/2001/XMLSchema#double>' in nquads
    assert nquads == jsonld.canonical_nquads({**doc, "n": 5})


def test_inputs_are_not_modified() -> None:
    doc = _attest_credential()
    before = copy.deepcopy(doc)
    jsonld.expand_safe(doc)
    jsonld.canonical_nquads(doc)
    assert doc == before


# --- safe mode -----------------------------------------------------------------------------------

UNSAFE = [
    ("undefined term (VC 2.0)", {"@context": [V2], "type": ["VerifiableCredential"], "foo": 1},
     "jsonld.undefined_term"),
    ("undefined nested term (VC 1.1)", _vc1(credentialSubject={"id": "did:ex:1", "degree": "x"}),
     "jsonld.undefined_term"),
    ("no context at all", {"name": "x", "id": "urn:x"}, "jsonld.undefined_term"),
    ("@-name that is no keyword", {"@context": CTX, "name": "x", "@foo": 1},
     "jsonld.undefined_term"),
    ("term mapped to null", {"@context": [CTX, {"q": None}], "name": "x", "q": 1},
     "jsonld.undefined_term"),
    ("blank node property", {"@context": CTX, "_:p": "x"}, "jsonld.undefined_term"),
    ("relative @id", {"@context": CTX, "id": "relative", "name": "x"}, "jsonld.relative_iri"),
    ("relative @id value", {"@context": [CTX, {"r": {"@id": "https://ex/r", "@type": "@id"}}],
                            "name": "x", "r": "relative"}, "jsonld.relative_iri"),
    ("relative @type", {"@context": CTX, "type": "Thing", "name": "x"}, "jsonld.relative_iri"),
    ("VC 1.1 type undefined", _vc1(type=["VerifiableCredential", "DegreeCredential"]),
     "jsonld.relative_iri"),
    ("relative @vocab", {"@context": [CTX, {"@vocab": "relative/"}], "q": "x"},
     "jsonld.relative_iri"),
    ("free-floating scalar", {"@context": CTX, "@graph": [1, {"id": "urn:x", "name": "x"}]},
     "jsonld.dropped_value"),
    ("top-level node with only @id", {"@context": CTX, "id": "urn:x"}, "jsonld.dropped_value"),
    ("empty document", {"@context": CTX}, "jsonld.dropped_value"),
    ("null @value", {"@context": CTX, "name": {"@value": None}}, "jsonld.dropped_value"),
    ("only @language", {"@context": CTX, "name": {"@language": "en"}}, "jsonld.dropped_value"),
    ("bad language tag", {"@context": CTX, "name": {"@value": "x", "@language": "e n"}},
     "jsonld.invalid_language"),
    ("reserved term", {"@context": [CTX, {"@foo": "https://ex/"}], "name": "x"},
     "jsonld.reserved_term"),
    ("reserved IRI mapping", {"@context": [CTX, {"q": "@foo"}], "name": "x"},
     "jsonld.reserved_term"),
    ("protected term redefined", {"@context": [V2, {"name": "https://evil.example/name"}],
                                  "type": ["VerifiableCredential"], "name": "x"},
     "jsonld.invalid"),
    ("relative datatype", {"@context": CTX, "name": {"@value": "x", "@type": "rel"}},
     "jsonld.invalid"),
    ("JSON-LD 1.0 @version", {"@context": [CTX, {"@version": 1.0}], "name": "x"},
     "jsonld.invalid"),
    ("@vocab null", {"@context": [CTX, {"@vocab": None}], "name": "x"}, "jsonld.invalid"),
    ("unknown context", {"@context": "https://evil.example/ctx", "name": "x"}, "context.unknown"),
    ("relative context URL", {"@context": "ctx.jsonld", "name": "x"}, "jsonld.invalid"),
    ("unknown context in a scoped position",
     {"@context": [CTX, {"s": {"@id": "https://ex/s", "@context": "https://evil.example/c"}}],
      "s": {"name": "x"}}, "context.unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "document", "code"), UNSAFE, ids=[u[0] for u in UNSAFE])
def test_safe_mode_refuses(what: str, document: Any, code: str) -> None:
    for operation in (jsonld.expand_safe, jsonld.canonical_nquads):
        with pytest.raises(MalformedError) as info:
            operation(document)
        assert info.value.code == code, (what, info.value.message)


def test_undefined_term_is_named_with_its_path() -> None:
    doc = _vc1(credentialSubject={"id": "did:example:1", "degree": {"kind": "BSc"}})
    with pytest.raises(MalformedError) as info:
        jsonld.expand_safe(doc)
    assert info.value.code == "jsonld.undefined_term"
    assert info.value.message.startswith("$.credentialSubject.degree: ")
    assert "'degree'" in info.value.message


def test_direction_is_signed_as_an_i18n_datatype() -> None:
    # JSON-LD 1.1 API, Object to RDF Conversion with rdfDirection "i18n-datatype": the datatype
    # is https://www.w3.org/ns/i18n# + language + "_" + direction. The direction is part of
    # the canonical form, so changing it changes what is signed.
    doc = {"@context": CTX, "name": {"@value": "x", "@language": "en", "@direction": "rtl"}}
    assert jsonld.expand_safe(doc) == [
        {"https://schema.org/name": [{"@value": "x", "@language": "en", "@direction": "rtl"}]}
    ]
    nquads = jsonld.canonical_nquads(doc)
    assert (
        nquads == '_:c14n0 <https://schema.org/name> "x"^^<https://www.w3.org/ns/i18n#en_rtl> .\n'
    )
    doc["name"]["@direction"] = "ltr"
    assert jsonld.canonical_nquads(doc) != nquads
    no_language = {"@context": CTX, "name": {"@value": "x", "@direction": "ltr"}}
    assert "<https://www.w3.org/ns/i18n#_ltr>" in jsonld.canonical_nquads(no_language)


def test_undefined_terms_context_gives_undefined_terms_an_iri() -> None:
    doc = {
        "@context": [V2, "https://www.w3.org/ns/credentials/undefined-terms/v2"],
        "type": ["VerifiableCredential"],
        "foo": 1,
    }
    assert "<https://www.w3.org/ns/credentials/undefined-term#foo>" in jsonld.canonical_nquads(doc)


def test_examples_context_gives_undefined_terms_an_iri() -> None:
    doc = {"@context": [V2, EXAMPLES], "type": ["VerifiableCredential"], "foo": 1}
    assert "<https://www.w3.org/ns/credentials/examples#foo>" in jsonld.canonical_nquads(doc)


def test_did_context_expands_a_did_document() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": "did:example:1",
        "verificationMethod": [
            {
                "id": "did:example:1#k",
                "type": "Multikey",
                "controller": "did:example:1",
                "publicKeyMultibase": "z6Mk",
            }
        ],
        "assertionMethod": ["did:example:1#k"],
    }
    nquads = jsonld.canonical_nquads(doc)
    assert "<did:example:1> <https://w3id.org/security#assertionMethod> <did:example:1#k>" in nquads


def test_not_a_document() -> None:
    for value in ([], "x", None, 1):
        with pytest.raises(MalformedError) as info:
            jsonld.expand_safe(value)  # type: ignore[arg-type]
        assert info.value.code == "jsonld.bad_document"


# --- offline --------------------------------------------------------------------------------------


def test_no_network_is_ever_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for url in ("https://evil.example/ctx", "http://127.0.0.1:9/ctx", "file:///etc/passwd"):
        for operation in (jsonld.expand_safe, jsonld.canonical_nquads):
            with pytest.raises(MalformedError) as info:
                operation({"@context": [V2, url], "type": ["VerifiableCredential"]})
            assert info.value.code == "context.unknown"
    # the shipped contexts resolve with the network gone
    assert jsonld.canonical_nquads(UNSIGNED)


def test_loader_answers_only_shipped_urls() -> None:
    for url in sorted(contexts.shipped_contexts()):
        remote = jsonld.document_loader(url)
        assert remote["documentUrl"] == url
        assert remote["document"] == contexts.load_context(url)
    with pytest.raises(MalformedError) as info:
        jsonld.document_loader("https://evil.example/")
    assert info.value.code == "context.unknown"


def test_a_poisoned_pyld_cache_does_not_reach_attest() -> None:
    """Other code in the process may use PyLD with its own loader; attest's cache is its own."""
    pyld = pytest.importorskip("pyld.jsonld")
    evil = {"@context": {"@vocab": "https://evil.example/#", "id": "@id", "type": "@type"}}

    def evil_loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": evil, "tag": "static"}

    doc = {"@context": [V2], "type": ["VerifiableCredential"], "foo": 1}
    try:
        assert "evil.example" in json.dumps(pyld.expand(doc, {"documentLoader": evil_loader}))
        with pytest.raises(MalformedError) as info:
            jsonld.expand_safe(doc)
        assert info.value.code == "jsonld.undefined_term"
    finally:
        pyld._resolved_context_cache.clear()  # PyLD's process-wide cache, for other tests


# --- bounds -------------------------------------------------------------------------------------


def _nested(depth: int) -> dict[str, Any]:
    inner: Any = "x"
    for _ in range(depth):
        inner = {"p": inner}
    return {"@context": {"@vocab": "https://ex/#"}, "p": inner}


def test_depth_limit() -> None:
    jsonld.canonical_nquads(_nested(jsonld.MAX_DEPTH - 1))
    with pytest.raises(LimitExceededError) as info:
        jsonld.canonical_nquads(_nested(jsonld.MAX_DEPTH))
    assert info.value.code == "json.too_deep"


def test_size_limits_are_checked_before_processing(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("JSON-LD processing ran")

    monkeypatch.setattr(jsonld, "_run", never)
    many = {"@context": {"@vocab": "https://ex/#"}, "p": list(range(jsonld.MAX_VALUES))}
    text = {"@context": {"@vocab": "https://ex/#"}, "p": "x" * (jsonld.MAX_TEXT + 1)}
    for doc in (many, text):
        with pytest.raises(LimitExceededError) as info:
            jsonld.canonical_nquads(doc)
        assert info.value.code == "jsonld.too_large"


def test_values_per_property_are_bounded() -> None:
    ok = {"@context": {"@vocab": "https://ex/#"}, "p": list(range(jsonld.MAX_PROPERTY_VALUES))}
    jsonld.canonical_nquads(ok)
    # the same subject, its values spread over many objects with one @id
    spread = {
        "@context": {"@vocab": "https://ex/#"},
        "@graph": [{"@id": "urn:x", "p": i} for i in range(jsonld.MAX_PROPERTY_VALUES + 1)],
    }
    for doc in ({**ok, "p": [*ok["p"], -1]}, spread):
        with pytest.raises(LimitExceededError) as info:
            jsonld.canonical_nquads(doc)
        assert info.value.code == "rdfc.too_many_values"
    jsonld.expand_safe(spread)  # expansion alone is linear: not bounded by this


def test_blank_nodes_are_bounded() -> None:
    doc = {
        "@context": {"@vocab": "https://ex/#"},
        "p": {"@list": list(range(jsonld.MAX_BLANK_NODES + 1))},  # one blank node per item
    }
    with pytest.raises(LimitExceededError) as info:
        jsonld.canonical_nquads(doc)
    assert info.value.code == "rdfc.too_many_blank_nodes"


def _clique(n: int) -> dict[str, Any]:
    """n blank nodes, each linked to all others by one predicate: every hash ties (a poison
    graph for RDFC-1.0's Hash N-Degree Quads)."""
    return {
        "@context": {"p": {"@id": "https://ex/p", "@type": "@id"}},
        "@graph": [
            {"@id": f"_:b{i}", "p": [f"_:b{j}" for j in range(n) if j != i]} for i in range(n)
        ],
    }


def test_poison_graphs_are_refused_quickly() -> None:
    assert jsonld.canonical_nquads(_clique(4)).count("_:c14n") == 24
    for n in (6, 8, 12, 30):
        start = time.perf_counter()
        with pytest.raises(LimitExceededError) as info:
            jsonld.canonical_nquads(_clique(n))
        assert info.value.code == "rdfc.too_complex"
        assert time.perf_counter() - start < 5


def test_identical_nodes_still_canonicalize() -> None:
    """Ties that need one deep comparison each (repeated identical objects) stay within budget."""
    doc = {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential"],
        "credentialSubject": [{"p": [{"q": i} for i in range(100)]} for _ in range(4)],
    }
    first = jsonld.canonical_nquads(doc)
    doc["credentialSubject"] = list(reversed(doc["credentialSubject"]))
    assert jsonld.canonical_nquads(doc) == first


# --- robustness ---------------------------------------------------------------------------------


def test_threads_get_the_same_answers() -> None:
    docs = [UNSIGNED, _attest_credential(), _vc1()]
    expected = [jsonld.canonical_nquads(d) for d in docs]
    results: list[bool] = []

    def work() -> None:
        for _ in range(5):
            results.append([jsonld.canonical_nquads(d) for d in docs] == expected)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 20


_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8)
_keys = st.sampled_from(
    ["@id", "@type", "@value", "@list", "@set", "@graph", "@context", "@language", "@reverse",
     "@included", "@index", "@nest", "@json", "@vocab", "@base", "@direction", "id", "type",
     "name", "issuer", "credentialSubject", "proof", "p", "_:b", "x:y", "@foo", ""]
)  # fmt: skip
_values = st.recursive(
    _scalars | st.sampled_from([V2, EXAMPLES, "urn:x", "_:b0", "rel", "@id", "@vocab"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5), st.sampled_from([[V2], [V2, EXAMPLES], [V1]]))
def test_hostile_documents_only_raise_attest_errors(body: dict[str, Any], ctx: Any) -> None:
    for doc in (body, {"@context": ctx, **body}):
        for operation in (jsonld.expand_safe, jsonld.canonical_nquads):
            with contextlib.suppress(AttestError):
                operation(doc)


def test_process_wide_caches_stay_bounded() -> None:
    """A stranger's inline contexts are processed, then forgotten: the caches do not grow."""
    for i in range(jsonld._PROCESSED_MAX + 50):
        doc = {"@context": [V2, {f"t{i}": f"https://ex/t{i}"}], "type": ["VerifiableCredential"]}
        doc[f"t{i}"] = i
        jsonld.canonical_nquads(doc)
    assert len(jsonld._PROCESSED) <= jsonld._PROCESSED_MAX
    assert set(jsonld._SHIPPED_RESOLVED) <= jsonld._shipped_keys()
    # and the shipped contexts still give the same answers afterwards
    expected = vectors.load_bytes(f"{W3C}/eddsa-rdfc-2022/canonDocDataInt.txt").decode()
    assert jsonld.canonical_nquads(UNSIGNED) == expected


def test_a_strangers_contexts_are_not_kept_after_the_call() -> None:
    """Found in review: the process-wide memo kept every document's inline contexts alive (some
    400 MB after 300 large ones). Only shipped-context entries are remembered now."""
    jsonld.canonical_nquads(UNSIGNED)  # the shipped contexts' entries, once
    processed, active = len(jsonld._PROCESSED), len(jsonld._SHIPPED_ACTIVE)
    big = {
        f"t{j}": {"@id": f"https://ex/t{j}", "@context": {"s": "https://ex/s"}} for j in range(200)
    }
    for i in range(20):
        doc = {"@context": [V2, {**big, "x": f"https://ex/x{i}"}], "type": ["VerifiableCredential"]}
        doc["t1"] = {"s": i}
        jsonld.canonical_nquads(doc)
    assert (len(jsonld._PROCESSED), len(jsonld._SHIPPED_ACTIVE)) == (processed, active)
