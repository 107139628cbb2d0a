"""Shipped JSON-LD contexts: pinned bytes, the offline loader, and the attest v1 vocabulary."""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from attest.codec.canonical import parse_json
from attest.errors import MalformedError
from attest.vc import contexts
from tests import vectors

ATTEST_IRI = "https://w3id.org/attest#"
SPEC = Path(__file__).resolve().parent.parent / "specs" / "context.md"


def _sample_credential() -> Any:
    """The EvaluationCredential of attest's own Data Integrity vectors, without its proof."""
    case = vectors.load_json("data-integrity/eddsa-jcs-2022.json")["cases"][0]
    assert case["id"] == "ok-credential"
    document = json.loads(case["document_json"])
    del document["proof"]
    return document


def _terms(context: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every (term, definition) of a context, scoped contexts included."""
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        yield term, definition
        if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
            yield from _terms(definition["@context"])


def _iri(definition: Any) -> str:
    return definition if isinstance(definition, str) else str(definition["@id"])


# --- the loader --------------------------------------------------------------------------------


def test_shipped_urls() -> None:
    assert contexts.shipped_contexts() == {
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/attest/v1",
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        "https://www.w3.org/ns/did/v1",
    }


# The two contexts that only set an @vocab have nothing to protect.
VOCAB_ONLY = {
    "https://www.w3.org/ns/credentials/examples/v2": "https://www.w3.org/ns/credentials/examples#",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": (
        "https://www.w3.org/ns/credentials/undefined-term#"
    ),
}


@pytest.mark.parametrize("url", sorted(contexts.shipped_contexts()))
def test_pinned_bytes(url: str) -> None:
    data = contexts.context_bytes(url)
    assert hashlib.sha256(data).hexdigest() == contexts.CONTEXT_SHA256[url]
    document: Any = contexts.load_context(url)
    assert document == json.loads(data)
    assert isinstance(document["@context"], dict)
    if url in VOCAB_ONLY:
        assert document["@context"] == {"@vocab": VOCAB_ONLY[url]}
    else:
        assert document["@context"]["@protected"] is True


def test_examples_context_is_the_test_vectors_copy() -> None:
    """The W3C vc-di-eddsa vectors' examples context and the shipped one are the same bytes."""
    assert contexts.context_bytes(contexts.CREDENTIALS_EXAMPLES_V2) == vectors.load_bytes(
        "vc-di-eddsa/contexts/credentials-examples-v2.jsonld"
    )


def test_every_shipped_file_is_listed_with_its_digest() -> None:
    readme = (Path(contexts.__file__).parent / "README.md").read_text(encoding="utf-8")
    for url, digest in contexts.CONTEXT_SHA256.items():
        if url != contexts.ATTEST_V1:
            assert f"| `{url}` |" in readme and digest in readme, url


def test_vc_1_1_context_defines_what_vc_1_1_documents_use() -> None:
    v1: Any = contexts.load_context(contexts.CREDENTIALS_V1)["@context"]
    assert v1["@version"] == 1.1
    scoped = v1["VerifiableCredential"]["@context"]
    for term in ("issuanceDate", "expirationDate", "credentialSubject", "issuer", "proof"):
        assert term in scoped, term
    # VC 1.1 has no @vocab: a term no context defines is dropped, which safe mode refuses
    assert "@vocab" not in v1 and "@vocab" not in scoped


def test_vc_2_context_has_no_vocab_and_carries_the_status_list_terms() -> None:
    """The VC 2.0 REC context defines no @vocab (undefined terms fail safe expansion) and holds
    the Bitstring Status List types, so no separate status list context exists."""
    v2: Any = contexts.load_context(contexts.CREDENTIALS_V2)["@context"]
    assert "@vocab" not in json.dumps(v2).replace('"@type": "@vocab"', "")
    for term in (
        "BitstringStatusList",
        "BitstringStatusListCredential",
        "BitstringStatusListEntry",
    ):
        assert term in v2, term


def test_published_w3c_digests() -> None:
    """The digests the VC 2.0 and Data Integrity 1.0 Recommendations publish."""
    assert contexts.CONTEXT_SHA256[contexts.CREDENTIALS_V2] == (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    )
    assert contexts.CONTEXT_SHA256[contexts.DATA_INTEGRITY_V2] == (
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
    )
    assert contexts.CONTEXT_SHA256[contexts.MULTIKEY_V1] == (
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"
    )


def test_load_context_returns_fresh_copies() -> None:
    first: Any = contexts.load_context(contexts.ATTEST_V1)
    first["@context"]["EvaluationCredential"] = "https://evil.example/"
    again: Any = contexts.load_context(contexts.ATTEST_V1)
    assert again["@context"]["EvaluationCredential"] == ATTEST_IRI + "EvaluationCredential"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/ns/credentials/v2/",
        "http://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/2018/credentials/v2",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/citizenship/v4rc1",
        "https://w3id.org/attest/v2",
        "",
    ],
)
def test_unknown_urls_are_refused(url: str) -> None:
    with pytest.raises(MalformedError) as info:
        contexts.load_context(url)
    assert info.value.code == "context.unknown"


# --- the attest v1 vocabulary ------------------------------------------------------------------

ATTEST: Any = contexts.load_context(contexts.ATTEST_V1)["@context"]
VC_V2: Any = contexts.load_context(contexts.CREDENTIALS_V2)["@context"]


def test_attest_context_header() -> None:
    assert ATTEST["@version"] == 1.1
    assert ATTEST["@protected"] is True
    assert ATTEST["id"] == "@id"
    assert ATTEST["type"] == "@type"
    for _, definition in _terms(ATTEST):
        if isinstance(definition, dict) and "@context" in definition:
            assert definition["@context"]["@protected"] is True


def test_every_attest_term_maps_to_its_own_iri() -> None:
    for term, definition in _terms(ATTEST):
        if term in {"id", "type"}:
            continue
        assert _iri(definition) == ATTEST_IRI + term, term


def test_required_terms() -> None:
    terms = {term for term, _ in _terms(ATTEST)}
    assert {
        "EvaluationCredential", "Evaluation", "PactReference", "MetricMeasurement",
        "ObligationOutcome", "EvidenceReference",
        "evaluation", "method", "suite", "pact", "version", "digest",
        "metric", "value", "unit", "sampleSize", "dimension",
        "obligation", "comparator", "threshold", "outcome", "verdict",
        "evaluationPeriod", "start", "end",
        "size", "logOrigin", "logIndex",
        "capability", "reliability", "safety", "security", "reputation", "minSampleSize",
    } <= terms  # fmt: skip


def test_no_protected_vc_term_is_redefined() -> None:
    """VC 2.0's top-level terms are protected: redefining one differently is an error."""
    vc_terms = {t for t in VC_V2 if not t.startswith("@")}
    for term, definition in _terms(ATTEST):
        if term in vc_terms:
            assert definition == VC_V2[term], term


def test_every_term_is_documented() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    for term, _ in _terms(ATTEST):
        assert f"`{term}`" in spec, term


def test_sample_credential_uses_only_defined_terms() -> None:
    defined = {t for t, _ in _terms(ATTEST)} | {t for t, _ in _terms(VC_V2)}
    used = set(_keys(_sample_credential())) - {"@context"}
    assert used <= defined, used - defined


def test_sample_credential_parses_strictly() -> None:
    credential = _sample_credential()
    assert parse_json(json.dumps(credential).encode()) == credential


def test_sample_credential_expands_with_pyld() -> None:
    """JSON-LD expansion with only the shipped contexts: every term maps to the attest IRI."""
    jsonld = pytest.importorskip("pyld.jsonld")

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": contexts.load_context(url)}

    credential = _sample_credential()
    expanded = jsonld.expand(credential, {"documentLoader": loader})
    iris = {key for key in _keys(expanded) if not key.startswith("@")}
    for term in ("evaluation", "pact", "measurement", "sampleSize", "dimension", "start"):
        assert ATTEST_IRI + term in iris, term
    # nothing was dropped: every member name of the input expanded to its IRI
    term_iri = {t: _iri(d) for t, d in (*_terms(VC_V2), *_terms(ATTEST)) if t not in {"id", "type"}}
    used = set(_keys(credential)) - {"@context", "id", "type"}
    assert {term_iri[t] for t in used} <= iris
    nquads = jsonld.normalize(
        credential,
        {"documentLoader": loader, "algorithm": "URDNA2015", "format": "application/n-quads"},
    )
    assert f"<{ATTEST_IRI}dimension> <{ATTEST_IRI}reliability>" in nquads
    # a dimension token the context does not name still expands into the attest namespace
    other = json.loads(json.dumps(credential).replace('"reliability"', '"latency"'))
    nquads = jsonld.normalize(
        other, {"documentLoader": loader, "algorithm": "URDNA2015", "format": "application/n-quads"}
    )
    assert f"<{ATTEST_IRI}dimension> <{ATTEST_IRI}latency>" in nquads
    assert '"1200"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in nquads


def _keys(value: Any) -> Iterator[str]:
    """Every member name in a JSON value, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


# --- one home for each URL and media type -----------------------------------------------------

_SOURCE = Path(__file__).resolve().parent.parent
#: Definitions still awaiting a switch to the one home (remove an entry once it imports).
_NOT_YET = {
    "attest/keys/did_key.py": {contexts.MULTIKEY_V1},  # keys sits below vc: it may not import it
}
_URLS = {
    getattr(contexts, name)
    for name in contexts.__all__
    if isinstance(getattr(contexts, name), str) and getattr(contexts, name).startswith("https://")
}
_MEDIA_TYPES = {
    "application/vnd.attest.bundle+json": "attest/evaluation/bundle.py",
    "application/vnd.attest.bundle+cbor": "attest/evaluation/bundle.py",
}


def _literals() -> Iterator[tuple[str, set[str]]]:
    """Each source file and the string literals its code holds (docstrings and text that
    merely mentions a URL are not definitions, so only whole-string constants count)."""
    for top in ("attest", "cli"):
        for path in sorted((_SOURCE / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            found = {
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            }
            yield path.relative_to(_SOURCE).as_posix(), found


def test_every_context_url_is_written_once() -> None:
    """A context URL is spelled in attest.vc.contexts only; everything else imports it."""
    assert len(_URLS) >= 9
    seen = set()
    for name, literals in _literals():
        if name == "attest/vc/contexts/__init__.py":
            seen = literals & _URLS
            continue
        spelled = literals & _URLS
        assert spelled <= _NOT_YET.get(name, set()), f"{name} spells {sorted(spelled)}"
    assert seen == _URLS


def test_every_bundle_media_type_is_written_once() -> None:
    for name, literals in _literals():
        for media, home in _MEDIA_TYPES.items():
            assert name == home or media not in literals, f"{name} spells {media}"
