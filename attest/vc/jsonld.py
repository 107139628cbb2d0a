"""JSON-LD for attest: safe-mode expansion and RDFC-1.0 canonical N-Quads, offline and bounded.

``eddsa-rdfc-2022`` signs the RDF meaning of a document, not its JSON text, so a verifier must
turn JSON-LD into RDF exactly as the signer did. Three things make that safe here:

- **Offline.** Every ``@context`` URL is resolved by :func:`document_loader` from the copies
  :mod:`attest.vc.contexts` ships; any other URL is ``context.unknown``. Nothing is fetched, ever.
- **Safe mode.** Plain JSON-LD silently drops what it cannot map to an IRI (an undefined member
  name, a relative ``@type``), so a signature would not cover it while a JSON reader still sees
  it. Like jsonld.js's ``safe: true``, every such event is an error here: the document is
  refused, not quietly shortened. The events and their codes are listed in specs/context.md §7.
- **Bounded.** The input's size and depth are checked before any JSON-LD processing, and the
  canonicalization's blank-node work is capped (RDFC-1.0 §4.4 lets an implementation refuse
  "poison" graphs); limits in specs/data-integrity.md §6.

The processing itself is PyLD's (JSON-LD 1.1 expansion and to-RDF; its ``URDNA2015`` is the
algorithm RDFC-1.0 standardized, with SHA-256), configured with attest's loader, no base IRI,
and a context cache private to this module.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Final, NoReturn

from pyld import context_resolver as _resolver
from pyld import jsonld as _pyld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from attest.codec.canonical import JsonInput, JsonValue, json_copy
from attest.errors import AttestError, LimitExceededError, MalformedError
from attest.vc import contexts

__all__ = [
    "MAX_BLANK_NODES",
    "MAX_DEEP_WORK",
    "MAX_DEPTH",
    "MAX_PROPERTY_VALUES",
    "MAX_TEXT",
    "MAX_VALUES",
    "RDF_DIRECTION",
    "canonical_nquads",
    "document_loader",
    "expand_safe",
]

MAX_DEPTH: Final = 32
"""Deepest nesting of objects and arrays a JSON-LD document may have (``json.too_deep``)."""

MAX_VALUES: Final = 10_000
"""Most JSON values (objects, arrays, scalars and member names) in one document
(``jsonld.too_large``); checked before any JSON-LD processing."""

MAX_TEXT: Final = 1 << 20
"""Most characters of strings and member names in one document, all together (``jsonld.too_large``):
the size the strict JSON reader allows a whole document."""

MAX_PROPERTY_VALUES: Final = 256
"""Most values one subject may have for one property (``rdfc.too_many_values``): building the
RDF node map compares each new value with those already there, quadratic in this count."""

MAX_BLANK_NODES: Final = 2_048
"""Most blank nodes in the RDF dataset of one document (``rdfc.too_many_blank_nodes``)."""

MAX_DEEP_WORK: Final = 1_024
"""Units of RDFC-1.0 "deep" work one document may spend beyond one per blank node
(``rdfc.too_complex``): each run of Hash N-Degree Quads (§4.8) costs one, and each group of k
tied related blank nodes k! - 1 (the permutations it tries beyond the first). A document with
n blank nodes may spend n + MAX_DEEP_WORK: enough for every tied node's own run (as
rdf-canonize's default, one run per tied node, allows) and some recursion."""
RDF_DIRECTION: Final = "i18n-datatype"
"""How a value's ``@direction`` enters RDF: as the datatype ``i18n:<language>_<direction>``."""

_KEYWORDS: Final = frozenset(
    {
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import",
        "@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix",
        "@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version",
        "@vocab", "@default", "@embed", "@explicit", "@omitDefault", "@requireAll",
    }
)  # fmt: skip
_RESERVED: Final = re.compile(r"@[a-zA-Z]+")
_ABSOLUTE_IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*")
_BCP47: Final = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# PyLD's processing is pure Python and its caches are not thread-safe: one call at a time.
_LOCK: Final = threading.Lock()
# Resolved shipped contexts, kept for the life of the process: one per shipped URL and one per
# scoped context inside them (PyLD keys those by their canonical JSON).
_SHIPPED_RESOLVED: Final[dict[str, Any]] = {}
# Processed scoped contexts by (active context, local context, flags), for the process, least
# recently used first; only for inputs that come from shipped contexts alone (below), so a
# stranger's inline contexts are never kept beyond their call.
_PROCESSED: Final[OrderedDict[tuple[int, int, bool, bool, bool], tuple[Any, Any, Any]]] = (
    OrderedDict()
)
_PROCESSED_MAX: Final = 512
# Active contexts made of shipped contexts only, by id: the context (which keeps the id from
# being reused) and the ids of the scoped contexts its terms define.
_SHIPPED_ACTIVE: Final[dict[int, tuple[Any, frozenset[int]]]] = {}
_SHIPPED_ACTIVE_MAX: Final = 256


# --- the offline loader -------------------------------------------------------------------------


def document_loader(url: str, options: object = None) -> dict[str, Any]:
    """PyLD's ``documentLoader`` contract, answered from :mod:`attest.vc.contexts` only.

    Returns ``{"contextUrl": None, "documentUrl": url, "document": <parsed context>}`` (a
    fresh copy each call). Any URL attest does not ship raises ``context.unknown``; no network
    access of any kind takes place.
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": contexts.load_context(url),
        "tag": "static",
    }


class _ContextCache:
    """PyLD's shared resolved-context cache: shipped URLs for the process, the rest per call.

    Keys are context URLs and the canonical JSON of inline contexts; a document's inline
    contexts are forgotten after its call, so a stranger cannot grow the cache.
    """

    def __init__(self) -> None:
        self._local: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        found = _SHIPPED_RESOLVED.get(key)
        return found if found is not None else self._local.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if key in _shipped_keys():
            _SHIPPED_RESOLVED[key] = value
        else:
            self._local[key] = value


@cache
def _shipped_keys() -> frozenset[str]:
    """The cache keys of the shipped contexts: their URLs, and the canonical JSON (PyLD's key)
    of every scoped context they define."""
    keys = set(contexts.shipped_contexts())
    for url in contexts.shipped_contexts():
        stack: list[JsonValue] = [contexts.load_context(url)["@context"]]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                for value in item.values():
                    if isinstance(value, dict):
                        scoped = value.get("@context")
                        if isinstance(scoped, dict):
                            keys.add(_resolver.canonicalize(scoped).decode("utf-8"))
                            stack.append(scoped)
    return frozenset(keys)


def _names_shipped_only(local_ctx: Any) -> bool:
    """Whether a top-level ``@context`` value names shipped context URLs and nothing else."""
    named = local_ctx if isinstance(local_ctx, list) else [local_ctx]
    shipped = contexts.shipped_contexts()
    return bool(named) and all(isinstance(c, str) and c in shipped for c in named)


def _remember_shipped_active(active_ctx: Any) -> None:
    if len(_SHIPPED_ACTIVE) >= _SHIPPED_ACTIVE_MAX:
        _SHIPPED_ACTIVE.clear()  # never grows past the bound; the next calls fill it again
    mappings = active_ctx.get("mappings", {})
    scoped = frozenset(
        id(term["@context"])
        for term in mappings.values()
        if isinstance(term, Mapping) and isinstance(term.get("@context"), dict)
    )
    _SHIPPED_ACTIVE[id(active_ctx)] = (active_ctx, scoped)


def _options(**extra: Any) -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_ContextCache(), document_loader),
        # No base IRI: a relative reference stays relative and is refused (jsonld.js's
        # default), instead of being resolved against PyLD's placeholder base.
        "base": None,
        "processingMode": "json-ld-1.1",
        **extra,
    }


# --- safe mode ----------------------------------------------------------------------------------


class _Unsafe(Exception):
    """A safe-mode event inside PyLD: carried out of its call stack, then raised as an error."""

    def __init__(self, code: str, what: str, term: str | None = None) -> None:
        super().__init__(what)
        self.code = code
        self.what = what
        self.term = term


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's processor with every silent drop turned into an :class:`_Unsafe` event."""

    def __init__(self, *, for_rdf: bool) -> None:
        super().__init__(on_property_dropped=self._property_dropped)
        self._for_rdf = for_rdf
        self._processed: dict[tuple[int, int, bool, bool, bool], tuple[Any, Any, Any]] = {}

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        """PyLD's context processing, remembered when the active context is final.

        PyLD processes a type-scoped context again for every node of that type, in every call
        (its own cache misses, as each run starts from a fresh clone); the result depends only
        on the frozen active context, the local context and the flags, so one run per
        combination suffices. A document's top-level ``@context`` is left to PyLD, whose
        resolver already caches it. Scoped contexts are remembered for the process
        (:data:`_PROCESSED`, bounded) when both the active context and the scoped one come
        from shipped contexts alone, else for this call only.
        """
        flags = (override_protected, propagate, validate_scoped)
        if not isinstance(active_ctx, _pyld.frozendict) or not isinstance(local_ctx, dict):
            result = super()._process_context(active_ctx, local_ctx, options, *flags, cycles)
            if isinstance(active_ctx, _pyld.frozendict) and _names_shipped_only(local_ctx):
                _remember_shipped_active(result)
            return result
        key = (id(active_ctx), id(local_ctx), *flags)
        # A dict here is a term's scoped context, or a document's own node-level @context.
        known = _SHIPPED_ACTIVE.get(id(active_ctx))
        shared = known is not None and id(local_ctx) in known[1]
        memo = _PROCESSED if shared else self._processed
        hit = memo.get(key)
        if hit is not None:
            if shared:
                _PROCESSED.move_to_end(key)
            return hit[2]
        result = super()._process_context(active_ctx, local_ctx, options, *flags, cycles)
        # The entry keeps both inputs alive, so their ids cannot be reused while it exists.
        memo[key] = (active_ctx, local_ctx, result)
        if shared:
            _remember_shipped_active(result)
            if len(_PROCESSED) > _PROCESSED_MAX:
                _PROCESSED.popitem(last=False)
        return result

    @staticmethod
    def _property_dropped(iri: str | None) -> NoReturn:
        if iri is None:
            raise _Unsafe(
                "jsonld.undefined_term",
                "a member name maps to nothing (a term defined as null, or an @-name that is "
                "not a keyword)",
            )
        raise _Unsafe(
            "jsonld.undefined_term",
            f"the term {iri[:100]!r} is not defined by any context and was dropped",
            iri,
        )

    def _expand(
        self, active_ctx: Any, active_property: Any, element: Any, options: Any, *a: Any, **k: Any
    ) -> Any:
        result = super()._expand(active_ctx, active_property, element, options, *a, **k)
        if result is None and element is not None:
            raise _Unsafe(
                "jsonld.dropped_value",
                f"a value expansion drops: {_describe_dropped(element)}"
                + (f" (under {str(active_property)[:100]!r})" if active_property else ""),
            )
        return result

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded, for_rdf=self._for_rdf)
        return expanded


if not callable(getattr(_pyld.JsonLdProcessor, "_expand", None)):  # pragma: no cover
    raise ImportError("attest.vc.jsonld needs PyLD's JsonLdProcessor._expand (PyLD 3.3)")


def _describe_dropped(element: Any) -> str:
    if not isinstance(element, dict):
        return f"the free-floating value {str(element)[:60]!r}"
    if not element or set(element) <= {"@context"}:
        return "an empty object"
    keys = set(element) - {"@context"}
    if keys == {"@language"}:
        return "an object with only @language"
    if element.get("@value", 0) is None:
        return "a null @value"
    return "a top-level node with only an identifier, @value or @list"


def _check_expanded(value: Any, *, for_rdf: bool) -> None:
    """Refuse what expansion kept but RDF cannot carry, or carries as something else; for RDF,
    also bound the values per subject and property (the node map's quadratic work)."""
    counts: dict[tuple[object, str], int] = {}

    def count(subject: Any, name: str, n: int) -> None:
        key = (subject.get("@id") if isinstance(subject.get("@id"), str) else id(subject), name)
        total = counts[key] = counts.get(key, 0) + n
        if for_rdf and total > MAX_PROPERTY_VALUES:
            raise LimitExceededError(
                "rdfc.too_many_values",
                f"a subject has more than {MAX_PROPERTY_VALUES} values for {name[:100]!r}",
            )

    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            _check_value(item)
            continue
        node_id = item.get("@id")
        if isinstance(node_id, str) and not (_is_iri(node_id) or node_id.startswith("_:")):
            _unsafe_iri("@id", node_id)
        types = item.get("@type", ())
        for kind in types:
            if isinstance(kind, str) and not (_is_iri(kind) or kind.startswith("_:")):
                _unsafe_iri("@type", kind)
        if types:
            count(item, "@type", len(types))
        for key, child in item.items():
            if key == "@reverse" and isinstance(child, dict):
                for name, nodes in child.items():
                    _check_property(name)
                    for node in nodes if isinstance(nodes, list) else [nodes]:
                        if isinstance(node, dict):
                            count(node, name, 1)
                stack.extend(child.values())
            elif key.startswith("@"):
                if key in {"@graph", "@list", "@set", "@included"}:
                    stack.append(child)
            else:
                _check_property(key)
                count(item, key, len(child) if isinstance(child, list) else 1)
                stack.append(child)


def _check_value(item: dict[str, Any]) -> None:
    kind = item.get("@type")
    if isinstance(kind, str) and kind != "@json" and not _is_iri(kind):
        _unsafe_iri("@type", kind)
    language = item.get("@language")
    if isinstance(language, str) and not _BCP47.fullmatch(language):
        raise _Unsafe("jsonld.invalid_language", f"{language[:40]!r} is not a BCP 47 language tag")


def _check_property(name: str) -> None:
    if name.startswith("_:"):
        raise _Unsafe(
            "jsonld.undefined_term",
            f"the property {name[:100]!r} is a blank node, which RDF cannot use as a predicate",
        )
    if not _is_iri(name):
        raise _Unsafe(
            "jsonld.undefined_term",
            f"the term {name[:100]!r} does not expand to an absolute IRI",
            name,
        )


def _is_iri(value: str) -> bool:
    return _ABSOLUTE_IRI.fullmatch(value) is not None and not value.startswith("_:")


def _unsafe_iri(where: str, value: str) -> NoReturn:
    raise _Unsafe(
        "jsonld.relative_iri",
        f"the {where} value {value[:100]!r} is not an absolute IRI (relative references are "
        "refused: there is no base IRI)",
    )


# --- the checks before PyLD runs ----------------------------------------------------------------


def _prepare(document: Mapping[str, JsonInput]) -> dict[str, JsonValue]:
    """A checked plain copy of ``document``: a JSON object within the size and depth limits,
    whose inline contexts define no reserved term and no relative ``@vocab``."""
    if not isinstance(document, Mapping):
        raise MalformedError("jsonld.bad_document", "a JSON-LD document here is a JSON object")
    copy = json_copy(document, max_depth=MAX_DEPTH)
    if not isinstance(copy, dict):  # unreachable for a Mapping; narrows the type
        raise MalformedError("jsonld.bad_document", "a JSON-LD document here is a JSON object")
    count = text = 0
    stack: list[JsonValue] = [copy]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            count += len(item)
            text += sum(len(key) for key in item)
            if "@context" in item:
                _check_inline_context(item["@context"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            text += len(item)
        if count > MAX_VALUES or text > MAX_TEXT:
            raise LimitExceededError(
                "jsonld.too_large",
                f"the document holds more than {MAX_VALUES:,} JSON values or {MAX_TEXT:,} "
                "characters of text; JSON-LD processing is refused",
            )
    return copy


def _check_inline_context(context: JsonValue) -> None:
    """jsonld.js's ``reserved term`` and ``relative @vocab reference`` events, for the contexts
    a document carries inline (the shipped ones have neither)."""
    stack = [context]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if key not in _KEYWORDS and _RESERVED.fullmatch(key):
                _reserved(key)
            if (
                key == "@vocab"
                and isinstance(value, str)
                and value
                and not (_is_iri(value) or value.startswith("_:"))
            ):
                raise MalformedError(
                    "jsonld.relative_iri",
                    f"an inline context's @vocab {value[:100]!r} is not an absolute IRI",
                )
            if key.startswith("@"):
                continue
            mapping = value.get("@id", value.get("@reverse")) if isinstance(value, dict) else value
            if (
                isinstance(mapping, str)
                and mapping not in _KEYWORDS
                and _RESERVED.fullmatch(mapping)
            ):
                _reserved(mapping)
            if isinstance(value, dict) and "@context" in value:
                stack.append(value["@context"])


def _reserved(name: str) -> NoReturn:
    raise MalformedError(
        "jsonld.reserved_term",
        f"an inline context uses {name[:60]!r}, which JSON-LD reserves and ignores",
    )


# --- running PyLD -------------------------------------------------------------------------------


def _run(document: dict[str, JsonValue], for_rdf: bool, fn: str, options: dict[str, Any]) -> Any:
    """Call the processor's ``fn`` under the lock, turning every failure into an AttestError."""
    processor = _SafeProcessor(for_rdf=for_rdf)
    try:
        with _LOCK:
            return getattr(processor, fn)(document, options)
    except _Unsafe as event:
        raise MalformedError(event.code, _located(event, document)) from None
    except AttestError:
        raise
    except RecursionError:
        raise LimitExceededError(
            "jsonld.too_deep", "JSON-LD processing recursed too deeply"
        ) from None
    except Exception as exc:  # PyLD's JsonLdError, or its own bug on hostile input
        raise _from_pyld(exc) from exc


def _from_pyld(exc: BaseException) -> AttestError:
    """The AttestError behind a PyLD failure (e.g. ``context.unknown`` from the loader), or
    ``jsonld.invalid`` naming the JSON-LD error code."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    codes: list[str] = []
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, AttestError):
            return cause
        if isinstance(cause, _Unsafe):
            return MalformedError(cause.code, cause.what)
        code = getattr(cause, "code", None)
        if isinstance(code, str) and code:
            codes.append(code)
        cause = cause.__cause__ or cause.__context__
    if codes:
        return MalformedError("jsonld.invalid", f"JSON-LD processing failed: {codes[-1]}")
    return MalformedError("jsonld.invalid", f"JSON-LD processing failed ({type(exc).__name__})")


def _located(event: _Unsafe, document: dict[str, JsonValue]) -> str:
    """The event's message, with the JSON path of the member it concerns when one is found."""
    if event.term is None:
        return event.what
    for path, key in _members(document):
        if key == event.term:
            return f"{path}: {event.what}"
    return event.what


def _members(value: JsonValue, path: str = "$") -> Iterator[tuple[str, str]]:
    """(path, name) of every member outside ``@context``, in document order."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "@context":
                continue
            where = f"{path}.{key}" if _IDENTIFIER.fullmatch(key) else f"{path}[{key!r}]"
            yield where, key
            yield from _members(child, where)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _members(child, f"{path}[{i}]")


# --- the public operations ----------------------------------------------------------------------


def expand_safe(document: Mapping[str, JsonInput]) -> list[JsonValue]:
    """JSON-LD 1.1 expansion of ``document`` in safe mode, with the shipped contexts only.

    Raises :class:`MalformedError` for anything expansion would drop or leave relative
    (``jsonld.undefined_term``, ``jsonld.relative_iri``, ``jsonld.dropped_value``,
    ``jsonld.invalid_language``, ``jsonld.reserved_term``), ``context.unknown`` for a context
    attest does not ship, ``jsonld.invalid`` for any other JSON-LD error, and
    :class:`LimitExceededError` beyond the size and depth limits. The input is not modified.
    """
    prepared = _prepare(document)
    expanded = _run(prepared, False, "expand", _options())
    return list(expanded)


def canonical_nquads(document: Mapping[str, JsonInput]) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document`` (what eddsa-rdfc-2022 hashes).

    Expansion runs in safe mode as in :func:`expand_safe`. A value with ``@direction`` becomes
    a literal typed ``https://www.w3.org/ns/i18n#<language>_<direction>`` (JSON-LD 1.1 API
    ``rdfDirection: i18n-datatype``, as Digital Bazaar's eddsa-rdfc-2022 does), so the
    direction is signed rather than dropped. Blank-node work is bounded by :data:`MAX_BLANK_NODES`
    and :data:`MAX_DEEP_WORK` (``rdfc.*``, :class:`LimitExceededError`).
    """
    prepared = _prepare(document)
    dataset = _run(prepared, True, "to_rdf", _options(rdfDirection=RDF_DIRECTION))
    blank_nodes: set[str] = set()
    for quads in dataset.values():
        for quad in quads:
            for position in ("subject", "object"):
                if quad[position]["type"] == "blank node":
                    blank_nodes.add(quad[position]["value"])
    blank_nodes.update(name for name in dataset if name.startswith("_:"))
    if len(blank_nodes) > MAX_BLANK_NODES:
        raise LimitExceededError(
            "rdfc.too_many_blank_nodes",
            f"the document's RDF holds {len(blank_nodes):,} blank nodes; at most "
            f"{MAX_BLANK_NODES:,} are canonicalized",
        )
    try:
        with _LOCK:
            canonicalizer = _BoundedCanonicalizer(len(blank_nodes) + MAX_DEEP_WORK)
            nquads = canonicalizer.main(dataset, {"format": "application/n-quads"})
    except AttestError:
        raise
    except Exception as exc:  # never seen; a PyLD bug must still not escape as a traceback
        raise _from_pyld(exc) from exc
    if not isinstance(nquads, str):  # never: the N-Quads format returns text
        raise MalformedError("jsonld.invalid", "canonicalization returned no N-Quads")
    return nquads


# --- bounded RDFC-1.0 ---------------------------------------------------------------------------


class _BoundedCanonicalizer(URDNA2015):  # type: ignore[misc]
    """PyLD's RDFC-1.0 (URDNA2015, SHA-256) with a budget on its exponential part.

    Hash N-Degree Quads (§4.8) runs only for blank nodes whose first-degree hashes tie, and
    tries every permutation of related blank nodes that share a hash, recursively. Each run
    spends one unit of the budget, and each group of k tied related blank nodes k! - 1 more
    (the permutations beyond the first), before any is tried (:data:`MAX_DEEP_WORK`).
    """

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = self.remaining = budget

    def spend(self, units: int) -> None:
        self.remaining -= units
        if self.remaining < 0:
            raise LimitExceededError(
                "rdfc.too_complex",
                f"canonicalizing the document's blank nodes needs more than {self.budget:,} "
                "steps of deep comparison (RDFC-1.0 §4.8); refused as a poison graph",
            )

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self.spend(1)
        return super().hash_n_degree_quads(id_, issuer)

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        """§4.6.3 step 3.1.1 (_:a for the reference blank node, _:z for others), with a
        shallow copy: PyLD deep-copies each component, a tenth of a canonicalization."""
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}

    def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        for nodes in related.values():
            if len(nodes) > 1:
                # 8! already exceeds the budget: never compute a larger factorial.
                self.spend(math.factorial(min(len(nodes), 8)) - 1)
        return related
