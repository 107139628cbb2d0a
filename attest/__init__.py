"""attest: cryptographic attestations and portable credentials for AI agent evaluations.

This module is the library's public surface: what a marketplace needs to decide whether to
rely on an agent. ``verify`` runs every step of specs/verification.md on bundles under a
policy at a time the caller gives, and returns a :class:`Decision`; the policy is parsed from
its TOML bytes by ``parse_policy`` or read from a file by ``load_policy``; a
:class:`VerifierState` remembers checkpoints between runs. Every error is an
:class:`AttestError` with a stable ``code``. Everything else lives in the packages named in
ARCHITECTURE.md and is importable from there, with no promise of stability.

A policy names whom it trusts; a bundle that does not parse is refused with a code, not a
traceback, and never counts toward an accept::

    >>> from datetime import UTC, datetime
    >>> import attest
    >>> policy = attest.parse_policy(b'''
    ... version = 1
    ... [[issuer]]
    ... name = "Evaluator A"
    ... id = "did:key:z6MkfmWZBQ1UnChRwqtCJZvUjfc7wkWrR7h3nPdBrHJxNSBs"
    ... dimensions = ["reliability", "safety"]
    ... [[log]]
    ... origin = "log.example/verify-vectors"
    ... key = "log.example/verify-vectors+d00b4c29+AX7bZ2MWj4Zs2R483newDtsD0mLGUcPMiEfLHjuomORq"
    ... ''')
    >>> [issuer.name for issuer in policy.issuers]
    ['Evaluator A']
    >>> now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    >>> decision = attest.verify({"bot.bundle.json": b'{"not": "a bundle"}'}, policy, now=now)
    >>> decision.accepted
    False
    >>> name, check = decision.malformed[0]
    >>> name, check.step, check.code
    ('bot.bundle.json', 'bundle.format', 'bundle.missing_field')

A policy that breaks a rule of specs/policy.md raises, with a code a program can match::

    >>> try:
    ...     attest.parse_policy(b"version = 2")
    ... except attest.MalformedError as exc:
    ...     print(exc.code, exc.exit_code)
    policy.unknown_version 2

The verifier names are imported on first use (``import attest`` stays cheap for a program
that only needs, say, ``attest.codec``); the error classes are imported at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from attest.errors import (
    AttestError,
    KeyFileError,
    LimitExceededError,
    MalformedError,
    RemoteError,
    UsageError,
    VerificationError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from attest.files import load_policy
    from attest.verifier.pipeline import Decision, verify
    from attest.verifier.policy import parse_policy
    from attest.verifier.state import VerifierState

#: Where each lazily imported public name lives. Keep in step with the imports above (a test,
#: tests/test_docs.py, checks that every name resolves to the object its module defines).
_LAZY = {
    "Decision": "attest.verifier.pipeline",
    "verify": "attest.verifier.pipeline",
    "load_policy": "attest.files",
    "parse_policy": "attest.verifier.policy",
    "VerifierState": "attest.verifier.state",
}

__all__ = [
    "AttestError",
    "Decision",
    "KeyFileError",
    "LimitExceededError",
    "MalformedError",
    "RemoteError",
    "UsageError",
    "VerificationError",
    "VerifierState",
    "__version__",
    "load_policy",
    "parse_policy",
    "verify",
]


def __getattr__(name: str) -> Any:
    """Import a public verifier name on first use (PEP 562) and keep it on the module."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'attest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
