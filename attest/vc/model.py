"""The W3C Verifiable Credentials data model rules, checked on any credential or presentation.

attest's own credentials are written by :mod:`attest.evaluation.credential`; this module checks
documents
that anybody wrote, before they are signed or trusted: the structural MUSTs of VC Data Model 2.0
(§4.3-§4.13, §5.3-§5.6) and, for credentials whose first context is the VC 1.1 one, of VC Data
Model 1.1 (``issuanceDate``, ``expirationDate``). What is checked is the JSON shape; whether
every term is defined is JSON-LD's business (:func:`attest.vc.jsonld.expand_safe`), and whether a
proof holds is :mod:`attest.vc.data_integrity`'s. :func:`check_agreement` then ties the two
views together: the JSON members a verifier reads must say what the JSON-LD says. Every refusal is a
:class:`~attest.errors.MalformedError` ``vc.*`` naming the property. Rules: specs/vc-api.md §3.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Final, NoReturn

from attest.codec.dates import parse_datetime, parse_datetime_stamp
from attest.errors import MalformedError
from attest.vc.contexts import CREDENTIALS_V1, CREDENTIALS_V2

__all__ = [
    "ModelVersion",
    "check_agreement",
    "check_credential",
    "check_presentation",
    "is_url",
    "model_version",
    "validity_period",
]

# RFC 3986 §3.1: a scheme, then ':'; no whitespace anywhere. Enough to tell a URL from a term,
# a blank string or a bare word, which is what the data model's "MUST be a URL" rules guard.
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*")
_LANGUAGE_KEYS: Final = frozenset({"@value", "@language", "@direction"})

# Objects that "MUST specify a type" wherever they appear (VC 2.0 §4.10, §4.11, §5.3-§5.6).
_TYPED: Final = (
    "credentialStatus",
    "credentialSchema",
    "evidence",
    "refreshService",
    "termsOfUse",
    "confidenceMethod",
    "renderMethod",
)


class ModelVersion(Enum):
    """Which data model a document follows, from its first ``@context``."""

    V1_1 = "1.1"
    V2_0 = "2.0"


def is_url(value: object) -> bool:
    """Whether ``value`` is a string shaped as an absolute URL (scheme, colon, no spaces)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def model_version(document: Mapping[str, Any], what: str = "credential") -> ModelVersion:
    """The data model version ``document`` declares: its ``@context`` is a list whose first
    item is the VC 2.0 (or VC 1.1) base context (VC 2.0 §4.3)."""
    contexts = document.get("@context")
    if contexts is None:
        _bad(what, "@context", "the document has no @context")
    if not isinstance(contexts, list) or not contexts:
        _bad(what, "@context", "@context must be an ordered list, the base context first")
    first = contexts[0]
    if first == CREDENTIALS_V2:
        version = ModelVersion.V2_0
    elif first == CREDENTIALS_V1:
        version = ModelVersion.V1_1
    else:
        _bad(what, "@context", f"the first @context must be {CREDENTIALS_V2} (or {CREDENTIALS_V1})")
    for item in contexts[1:]:
        if not (is_url(item) or isinstance(item, Mapping)):
            _bad(what, "@context", "every @context item after the first is a URL or an object")
    return version


def check_credential(document: object) -> ModelVersion:
    """Check a credential against the data model's structural rules; its version if it holds.

    Raises :class:`MalformedError` ``vc.<property>`` at the first rule it breaks.
    """
    if not isinstance(document, Mapping):
        raise MalformedError("vc.not_an_object", "a verifiable credential is a JSON object")
    version = model_version(document)
    _check_id(document, "credential")
    _check_types(document, "credential", "VerifiableCredential")
    _check_issuer(document)
    _check_subjects(document)
    _check_texts(document, "credential")
    validity_period(document)
    for name in _TYPED:
        for item in _objects(document, name):
            if "type" not in item:
                _bad("credential", name, f"every {name} object must have a type")
            _check_type_value(item["type"], "credential", name)
            if "id" in item and not is_url(item["id"]):
                _bad("credential", name, f"the id of a {name} object must be a URL")
    for schema in _objects(document, "credentialSchema"):
        if not is_url(schema.get("id")):
            _bad("credential", "credentialSchema", "every credentialSchema has a URL id")
    _check_related_resources(document)
    return version


def check_presentation(document: object) -> ModelVersion:
    """Check a presentation's structure (VC 2.0 §4.13); embedded credentials are checked by
    whoever verifies them. Raises :class:`MalformedError` ``vp.<property>``."""
    if not isinstance(document, Mapping):
        raise MalformedError("vp.not_an_object", "a verifiable presentation is a JSON object")
    version = model_version(document, "presentation")
    _check_id(document, "presentation")
    _check_types(document, "presentation", "VerifiablePresentation")
    if "holder" in document:
        holder = document["holder"]
        holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
        if not is_url(holder_id):
            _bad("presentation", "holder", "holder must be a URL or an object with a URL id")
    if "verifiableCredential" in document:
        value = document["verifiableCredential"]
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, Mapping) for item in items):
            _bad(
                "presentation",
                "verifiableCredential",
                "verifiableCredential holds credential objects (not strings or numbers)",
            )
    return version


def validity_period(document: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """When a credential is valid, as aware UTC datetimes (``None``: unbounded on that side).

    VC 2.0 (§4.9): ``validFrom`` and ``validUntil``, XSD ``dateTimeStamp`` strings, in order.
    VC 1.1 (§4.6, §4.7): ``issuanceDate``, required, and ``expirationDate``, XSD ``dateTime``
    strings (a value without a time zone is UTC).
    """
    if model_version(document) is ModelVersion.V2_0:
        start = _time(document, "validFrom", parse_datetime_stamp)
        end = _time(document, "validUntil", parse_datetime_stamp)
        if start is not None and end is not None and start > end:
            _bad("credential", "validUntil", "validFrom must not be later than validUntil")
        return start, end
    if "issuanceDate" not in document:
        _bad("credential", "issuanceDate", "a VC 1.1 credential must have an issuanceDate")
    start = _time(document, "issuanceDate", parse_datetime)
    return start, _time(document, "expirationDate", parse_datetime)


_CRED: Final = "https://www.w3.org/2018/credentials#"
_SEC: Final = "https://w3id.org/security#"
# What the verifier reads from the JSON, and the IRI each member must mean. A third party can
# rename a member of an eddsa-rdfc-2022 credential to a new term for the same IRI (an inline
# context added to @context) without changing the signed RDF; the verifier, reading the JSON,
# would then miss it (an expired credential with its validUntil renamed). So each of these
# IRIs must carry exactly the values found under its own name, and no others.
_DOCUMENT_READS: Final = (
    ("issuer", _CRED + "issuer"),
    ("validFrom", _CRED + "validFrom"),
    ("validUntil", _CRED + "validUntil"),
    ("issuanceDate", _CRED + "issuanceDate"),
    ("expirationDate", _CRED + "expirationDate"),
    ("credentialStatus", _CRED + "credentialStatus"),
    ("holder", _CRED + "holder"),
    ("verifiableCredential", _CRED + "verifiableCredential"),
)
_PROOF_READS: Final = (
    ("verificationMethod", _SEC + "verificationMethod"),
    ("proofPurpose", _SEC + "proofPurpose"),
    ("created", "http://purl.org/dc/terms/created"),
    ("expires", _SEC + "expiration"),
    ("challenge", _SEC + "challenge"),
    ("domain", _SEC + "domain"),
    ("previousProof", _SEC + "previousProof"),
)


def check_agreement(document: Mapping[str, Any], expanded: Sequence[Any]) -> None:
    """Refuse a document whose JSON and its JSON-LD ``expanded`` form disagree on anything a
    verifier reads: each member of :data:`_DOCUMENT_READS` (and of :data:`_PROOF_READS` in each
    proof) must hold as many values as its IRI has in the expanded form (``vc.aliased_term``).
    """
    if len(expanded) != 1 or not isinstance(expanded[0], Mapping):
        raise MalformedError("vc.aliased_term", "the document must expand to one node")
    node = expanded[0]
    _compare(document, node, _DOCUMENT_READS, "")
    proofs = document.get("proof")
    listed = proofs if isinstance(proofs, list) else [] if proofs is None else [proofs]
    graphs = node.get(_SEC + "proof", [])
    if len(graphs) != len(listed):
        raise MalformedError("vc.aliased_term", "the proofs are not all under 'proof'")
    for i, (proof, graph) in enumerate(zip(listed, graphs, strict=True)):
        nodes = graph.get("@graph", []) if isinstance(graph, Mapping) else []
        if isinstance(proof, Mapping) and len(nodes) == 1 and isinstance(nodes[0], Mapping):
            _compare(proof, nodes[0], _PROOF_READS, f"proof {i}: ")


def _compare(
    json_node: Mapping[str, Any],
    expanded: Mapping[str, Any],
    reads: Sequence[tuple[str, str]],
    where: str,
) -> None:
    for name, iri in reads:
        value = json_node.get(name)
        count = 0 if value is None else len(value) if isinstance(value, list) else 1
        if len(expanded.get(iri, [])) != count:
            raise MalformedError(
                "vc.aliased_term",
                f"{where}{iri} is stated under a name other than {name!r}: the verifier reads "
                f"{name!r}, so it refuses a document in which the two differ",
            )


# --- the rules -------------------------------------------------------------------------------


def _check_id(document: Mapping[str, Any], what: str) -> None:
    if "id" in document and not is_url(document["id"]):
        _bad(what, "id", "id must be a single URL")


def _check_types(document: Mapping[str, Any], what: str, required: str) -> None:
    if "type" not in document:
        _bad(what, "type", f"a {what} must have a type")
    types = _check_type_value(document["type"], what, "type")
    if required not in types:
        _bad(what, "type", f"type must include {required}")


def _check_type_value(value: object, what: str, where: str) -> list[str]:
    types = value if isinstance(value, list) else [value]
    if not types or not all(isinstance(t, str) and t for t in types):
        _bad(what, where, f"the type of {where} is one or more non-empty strings")
    return [str(t) for t in types]


def _check_issuer(document: Mapping[str, Any]) -> None:
    if "issuer" not in document:
        _bad("credential", "issuer", "a credential must have an issuer")
    issuer = document["issuer"]
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not is_url(issuer_id):
        _bad("credential", "issuer", "issuer must be a URL or an object with a URL id")
    if isinstance(issuer, Mapping):
        _check_texts(issuer, "credential", "issuer.")


def _check_subjects(document: Mapping[str, Any]) -> None:
    if "credentialSubject" not in document:
        _bad("credential", "credentialSubject", "a credential must have a credentialSubject")
    subjects = _objects(document, "credentialSubject")
    if not subjects:
        _bad("credential", "credentialSubject", "credentialSubject holds one or more objects")
    for subject in subjects:
        if not subject:
            _bad("credential", "credentialSubject", "a credentialSubject object makes a claim")
        if "id" in subject and not is_url(subject["id"]):
            _bad("credential", "credentialSubject", "a credentialSubject id must be a URL")


def _check_texts(document: Mapping[str, Any], what: str, where: str = "") -> None:
    """``name`` and ``description`` (VC 2.0 §4.6): a string, or language value objects."""
    for name in ("name", "description"):
        if name not in document:
            continue
        value = document[name]
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                continue
            if (
                isinstance(item, Mapping)
                and isinstance(item.get("@value"), str)
                and set(item) <= _LANGUAGE_KEYS
                and all(isinstance(item[k], str) for k in item)
            ):
                continue
            _bad(what, name, f"{where}{name} must be a string or language value objects")


def _check_related_resources(document: Mapping[str, Any]) -> None:
    """VC 2.0 §5.3: each related resource has a URL ``id``, a digest, and ids do not repeat."""
    seen: set[str] = set()
    for resource in _objects(document, "relatedResource"):
        resource_id = resource.get("id")
        if not is_url(resource_id):
            _bad("credential", "relatedResource", "every relatedResource has a URL id")
        if "digestSRI" not in resource and "digestMultibase" not in resource:
            _bad(
                "credential",
                "relatedResource",
                "every relatedResource has a digestSRI or a digestMultibase",
            )
        if resource_id in seen:
            _bad("credential", "relatedResource", "relatedResource ids must not repeat")
        seen.add(str(resource_id))


def _objects(document: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The objects under ``name``: one object or a list of them (absent: none)."""
    if name not in document:
        return []
    value = document[name]
    items: Sequence[object] = value if isinstance(value, list) else [value]
    if not all(isinstance(item, Mapping) for item in items):
        _bad("credential", name, f"{name} must be an object or a list of objects")
    return [item for item in items if isinstance(item, Mapping)]


def _time(
    document: Mapping[str, Any], name: str, parse: Callable[[str], datetime]
) -> datetime | None:
    if name not in document:
        return None
    value = document[name]
    if not isinstance(value, str):
        _bad("credential", name, f"{name} must be an XML Schema dateTime string")
    try:
        return parse(value)
    except MalformedError as exc:
        _bad("credential", name, f"{name}: {exc.message}")


def _bad(what: str, prop: str, message: str) -> NoReturn:
    prefix = "vc" if what == "credential" else "vp"
    code = "context" if prop == "@context" else prop
    raise MalformedError(f"{prefix}.bad_{code}", message)
