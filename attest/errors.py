"""One exception hierarchy for the whole library.

Every error carries a stable, dotted ``code`` (for programs, logs and test vectors) and a
message that names what is wrong (for people). Codes never change meaning once published;
``specs/`` lists them per format. The class says what *kind* of failure it is, and so which
exit code the command line uses:

- :class:`MalformedError`: the input does not parse or breaks a format rule (exit 2);
- :class:`VerificationError`: the input is well formed but a cryptographic check fails (exit 1);
- :class:`KeyFileError`: a key file cannot be read, decrypted or written (exit 2);
- :class:`UsageError`: the caller asked for something that cannot be done (exit 2);
- :class:`RemoteError`: a service answered with one of these codes over HTTP (exit 2).

No function in the core returns ``False`` for "invalid": it raises one of these.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AttestError",
    "KeyFileError",
    "LimitExceededError",
    "MalformedError",
    "RemoteError",
    "UsageError",
    "VerificationError",
]


class AttestError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code: ClassVar[int] = 2

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MalformedError(AttestError):
    """Input that does not parse, or that breaks a rule of its format."""


class LimitExceededError(MalformedError):
    """Input larger or deeper than a documented limit; rejected before the work is done."""


class VerificationError(AttestError):
    """Well-formed input whose signature, proof or hash does not check out."""

    exit_code: ClassVar[int] = 1


class KeyFileError(AttestError):
    """A key file that cannot be read, decrypted or written."""


class UsageError(AttestError):
    """A request that cannot be carried out as asked (wrong arguments, wrong state)."""


class RemoteError(AttestError):
    """An error a service answered with: its code and message, and the HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 0) -> None:
        super().__init__(code, message)
        self.status = status
