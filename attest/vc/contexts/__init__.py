"""The JSON-LD contexts attest ships, looked up by URL and never fetched.

A credential names its vocabulary by context URLs. A verifier that fetched them would depend on
the network and on whoever serves those URLs today (Data Integrity 1.0 §2.4.1, §5.14); attest
instead ships fixed copies, pinned by SHA-256, and knows no others. The W3C files are byte-exact
copies (source, commit and license in README.md beside this file); ``attest-v1.jsonld`` is the
project's own vocabulary, specs/context.md. ``attest.vc.jsonld`` is the JSON-LD processor that reads
them (safe mode, offline, bounded).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Final

from attest.codec.canonical import JsonValue, parse_json
from attest.errors import MalformedError

__all__ = [
    "ATTEST_V1",
    "CONTEXT_SHA256",
    "CREDENTIALS_EXAMPLES_V2",
    "CREDENTIALS_STATUS_V1",
    "CREDENTIALS_UNDEFINED_TERMS_V2",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "DID_V1",
    "MULTIKEY_V1",
    "context_bytes",
    "load_context",
    "shipped_contexts",
]

CREDENTIALS_V2: Final = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2: Final = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
ATTEST_V1: Final = "https://w3id.org/attest/v1"
CREDENTIALS_V1: Final = "https://www.w3.org/2018/credentials/v1"
"""The VC Data Model 1.1 base context: credentials from issuers that still write VC 1.1."""
CREDENTIALS_EXAMPLES_V2: Final = "https://www.w3.org/ns/credentials/examples/v2"
"""The VC 2.0 examples context (one ``@vocab``): the W3C specifications' examples and vectors."""
CREDENTIALS_UNDEFINED_TERMS_V2: Final = "https://www.w3.org/ns/credentials/undefined-terms/v2"
"""One ``@vocab`` (``https://www.w3.org/ns/credentials/undefined-term#``) for issuers whose
documents use terms no context defines (VC 2.0 §5.2)."""
DID_V1: Final = "https://www.w3.org/ns/did/v1"
"""The DID Core 1.0 context, which DID documents and some presentations list."""
CREDENTIALS_STATUS_V1: Final = "https://www.w3.org/ns/credentials/status/v1"
"""The Bitstring Status List context (§5.2). Named here, not shipped: its terms are also in the
VC 2.0 context, which is all attest writes; a status list that also names it is accepted
(attest.vc.status_list), and nothing expands it."""

_FILES: Final = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    ATTEST_V1: "attest-v1.jsonld",
    CREDENTIALS_V1: "credentials-v1.jsonld",
    CREDENTIALS_EXAMPLES_V2: "credentials-examples-v2.jsonld",
    CREDENTIALS_UNDEFINED_TERMS_V2: "credentials-undefined-terms-v2.jsonld",
    DID_V1: "did-v1.jsonld",
}

CONTEXT_SHA256: Final = {
    # The three W3C digests are the ones the VC 2.0 and Data Integrity 1.0 RECs publish.
    CREDENTIALS_V2: "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    DATA_INTEGRITY_V2: "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    MULTIKEY_V1: "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    ATTEST_V1: "b040ddba5d6571467373b7172eab2ce8b01752b9b84169a3d856472677050d2c",
    # Byte-exact copies of the upstream repositories' files (no published digest).
    CREDENTIALS_V1: "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    CREDENTIALS_EXAMPLES_V2: "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    CREDENTIALS_UNDEFINED_TERMS_V2: (
        "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581"
    ),
    DID_V1: "4f3eae5568c9c5f036a082088f9e192019ee06faa78973c87ff91d5421b88dad",
}
"""SHA-256 (hex) of each shipped file's exact bytes; a change to a file is a new version."""


def shipped_contexts() -> frozenset[str]:
    """The context URLs attest can resolve offline."""
    return frozenset(_FILES)


@cache
def context_bytes(url: str) -> bytes:
    """The exact bytes of the shipped context document for ``url``.

    Raises :class:`MalformedError` ``context.unknown`` for any other URL (nothing is fetched)
    and ``context.digest_mismatch`` if the installed file is not the pinned one.
    """
    name = _FILES.get(url)
    if name is None:
        raise MalformedError(
            "context.unknown", f"{url[:200]!r} is not a JSON-LD context attest ships"
        )
    data = resources.files(__name__).joinpath(name).read_bytes()
    if hashlib.sha256(data).hexdigest() != CONTEXT_SHA256[url]:
        raise MalformedError(
            "context.digest_mismatch", f"the installed copy of {url} is not the pinned file"
        )
    return data


def load_context(url: str) -> dict[str, JsonValue]:
    """The shipped context document for ``url``, parsed (a fresh copy on every call)."""
    document = parse_json(context_bytes(url))
    if not isinstance(document, dict):  # never: every shipped file is a JSON object (tested)
        raise MalformedError("context.not_an_object", f"the context {url} is not a JSON object")
    return document
