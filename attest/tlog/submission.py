"""Signed submissions to a shared log: what an evaluator sends to ``POST /add``.

A submission is a JSON object naming the log (its origin), a POSIX time, a nonce and one to
:data:`MAX_ENTRIES` items to log (kind, digest, size, media type, optional name). The
submitter signs ``DOMAIN ‖ JCS(body)`` with its Ed25519 key and sends the signature and its
did:key in two headers. The log names who may submit in an allow-list of did:key or C2SP
verifier keys. Pure: the caller supplies the time and remembers nonces
(:mod:`attest.service.replay`);
specs/service.md §3 is the normative text.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from attest.codec.canonical import JsonValue, canonicalize, parse_json
from attest.codec.digest import Digest
from attest.errors import LimitExceededError, MalformedError, VerificationError
from attest.keys import did_key
from attest.keys.ed25519 import SIGNATURE_SIZE, PrivateKey, PublicKey
from attest.tlog import note
from attest.tlog.entry import LogEntry

__all__ = [
    "DOMAIN",
    "KEY_HEADER",
    "KINDS",
    "MAX_ENTRIES",
    "MAX_SKEW",
    "SIGNATURE_HEADER",
    "Authenticated",
    "Submission",
    "SubmittedEntry",
    "Submitter",
    "Submitters",
    "authenticate",
    "new_nonce",
    "parse_submitters",
    "sign_submission",
]

#: Prefix of every signed submission: the signature can mean nothing else.
DOMAIN: Final = b"attest-submission/v1\n"
#: The header naming the submitter's key (``did:key:z6Mk…``).
KEY_HEADER: Final = "Attest-Submitter"
#: The header carrying the Ed25519 signature, standard base64 with padding.
SIGNATURE_HEADER: Final = "Attest-Signature"
#: Most items in one submission.
MAX_ENTRIES: Final = 1000
#: Largest difference, in seconds, between a submission's time and the server's clock.
MAX_SKEW: Final = 300
#: Entry kinds a submitter may log through the service.
KINDS: Final = frozenset({"evidence", "credential"})

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TOP: Final = frozenset({"log", "time", "nonce", "entries"})
_ENTRY: Final = frozenset({"kind", "digest", "size", "type", "name"})
_ENTRY_REQUIRED: Final = frozenset({"kind", "digest", "size", "type"})
_MAX_HEADER = 256
_MAX_SUBMITTERS_FILE = 1 << 20
_MAX_SUBMITTERS = 10_000


# --- the submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedEntry:
    """One item to log: what :class:`attest.tlog.entry.LogEntry` records, minus the time,
    which the server sets when it logs the item."""

    kind: str
    digest: Digest
    size: int
    media_type: str
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MalformedError(
                "submission.bad_kind",
                f"a submitted entry's kind is one of {sorted(KINDS)}, not {str(self.kind)[:40]!r}",
            )
        self.log_entry(0)  # every rule of a log entry (specs/log.md §2) holds already

    def log_entry(self, logged_at: int) -> LogEntry:
        return LogEntry(
            self.kind, self.digest, self.size, self.media_type, logged_at, name=self.name
        )

    def to_json(self) -> dict[str, JsonValue]:
        doc: dict[str, JsonValue] = {
            "kind": self.kind,
            "digest": str(self.digest),
            "size": self.size,
            "type": self.media_type,
        }
        if self.name is not None:
            doc["name"] = self.name
        return doc

    @classmethod
    def from_json(cls, doc: object, where: str) -> SubmittedEntry:
        if not isinstance(doc, dict):
            raise MalformedError("submission.malformed", f"{where} must be a JSON object")
        if missing := _ENTRY_REQUIRED - doc.keys():
            raise MalformedError("submission.missing_field", f"{where} lacks {sorted(missing)}")
        if unknown := doc.keys() - _ENTRY:
            shown = sorted(k[:40] for k in unknown)
            raise MalformedError("submission.unknown_field", f"{where} has unknown {shown}")
        kind, digest, size, media, name = (
            doc.get(k) for k in ("kind", "digest", "size", "type", "name")
        )
        if not isinstance(kind, str) or not isinstance(media, str):
            raise MalformedError("submission.malformed", f"{where}: kind and type are strings")
        if not isinstance(digest, str):
            raise MalformedError("submission.malformed", f"{where}: digest is a string")
        if isinstance(size, bool) or not isinstance(size, int):
            raise MalformedError("submission.malformed", f"{where}: size is an integer")
        if name is not None and not isinstance(name, str):
            raise MalformedError("submission.malformed", f"{where}: name is a string")
        return cls(kind, Digest.parse(digest), size, media, name)


@dataclass(frozen=True)
class Submission:
    """A submission body: the log it is for, when and with which nonce it was made, and the
    items to log."""

    log: str
    time: int
    nonce: str
    entries: tuple[SubmittedEntry, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.log, str) or not self.log or len(self.log) > _MAX_HEADER:
            raise MalformedError("submission.malformed", "log is the log's origin, a string")
        if isinstance(self.time, bool) or not isinstance(self.time, int) or self.time < 0:
            raise MalformedError("submission.bad_time", "time is POSIX seconds, an integer")
        if not isinstance(self.nonce, str) or not _NONCE.fullmatch(self.nonce):
            raise MalformedError(
                "submission.bad_nonce", "nonce is 16 to 64 characters of [A-Za-z0-9_-]"
            )
        if not self.entries:
            raise MalformedError("submission.no_entries", "a submission logs at least one item")
        if len(self.entries) > MAX_ENTRIES:
            raise LimitExceededError(
                "submission.too_many_entries", f"a submission logs at most {MAX_ENTRIES} items"
            )

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "log": self.log,
            "time": self.time,
            "nonce": self.nonce,
            "entries": [e.to_json() for e in self.entries],
        }

    def encode(self) -> bytes:
        """The body to send: its JCS bytes (any JSON with the same value verifies too)."""
        return canonicalize(self.to_json())

    @classmethod
    def from_json(cls, doc: JsonValue) -> Submission:
        if not isinstance(doc, dict):
            raise MalformedError("submission.malformed", "a submission is a JSON object")
        if missing := _TOP - doc.keys():
            raise MalformedError(
                "submission.missing_field", f"the submission lacks {sorted(missing)}"
            )
        if unknown := doc.keys() - _TOP:
            shown = sorted(k[:40] for k in unknown)
            raise MalformedError("submission.unknown_field", f"unknown submission fields {shown}")
        entries = doc["entries"]
        if not isinstance(entries, list):
            raise MalformedError("submission.malformed", "entries is a JSON array")
        if len(entries) > MAX_ENTRIES:
            raise LimitExceededError(
                "submission.too_many_entries", f"a submission logs at most {MAX_ENTRIES} items"
            )
        log, time, nonce = doc["log"], doc["time"], doc["nonce"]
        if not isinstance(log, str) or not isinstance(nonce, str):
            raise MalformedError("submission.malformed", "log and nonce are strings")
        if isinstance(time, bool) or not isinstance(time, int):
            raise MalformedError("submission.bad_time", "time is POSIX seconds, an integer")
        parsed = tuple(SubmittedEntry.from_json(e, f"entries[{i}]") for i, e in enumerate(entries))
        return cls(log, time, nonce, parsed)


def new_nonce() -> str:
    """A fresh random nonce (128 bits, base64url)."""
    return secrets.token_urlsafe(16)


def sign_submission(submission: Submission, key: PrivateKey) -> tuple[bytes, dict[str, str]]:
    """The body and the two authentication headers of ``submission`` signed by ``key``."""
    body = submission.encode()
    signature = key.sign(DOMAIN + body)
    headers = {
        KEY_HEADER: did_key.encode_did_key(key.public_key),
        SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
    }
    return body, headers


# --- who may submit --------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitter:
    """A registered submitter: its key and a name for logs and errors."""

    name: str
    public_key: PublicKey

    @property
    def did(self) -> str:
        return did_key.encode_did_key(self.public_key)


class Submitters(Mapping[bytes, Submitter]):
    """The allow-list: registered submitters by raw public key."""

    def __init__(self, submitters: Sequence[Submitter]) -> None:
        self._by_key: dict[bytes, Submitter] = {}
        for s in submitters:
            if s.public_key.raw in self._by_key:
                raise MalformedError(
                    "submitters.duplicate", f"key {s.did} is listed twice ({s.name})"
                )
            self._by_key[s.public_key.raw] = s

    def __getitem__(self, key: bytes) -> Submitter:
        return self._by_key[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)


def parse_submitters(data: bytes) -> Submitters:
    """Parse an allow-list file: one key a line, a did:key or a C2SP Ed25519 verifier key,
    optionally followed by a name; blank lines and ``#`` comments are ignored."""
    if len(data) > _MAX_SUBMITTERS_FILE:
        raise LimitExceededError("submitters.too_large", "the submitters file is at most 1 MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedError("submitters.bad_encoding", "the submitters file is UTF-8") from exc
    found: list[Submitter] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key_text, _, label = line.partition(" ")
        try:
            if key_text.startswith("did:"):
                public_key = did_key.decode_did_key(key_text)
                name = label.strip() or key_text
            else:
                verifier = note.parse_verifier_key(key_text)
                public_key, name = verifier.public_key, label.strip() or verifier.name
        except MalformedError as exc:
            raise MalformedError(
                "submitters.bad_line",
                f"line {number}: not a did:key or verifier key: {exc.message}",
            ) from exc
        found.append(Submitter(name, public_key))
        if len(found) > _MAX_SUBMITTERS:
            raise LimitExceededError("submitters.too_many", f"at most {_MAX_SUBMITTERS} submitters")
    return Submitters(found)


# --- checking a request -----------------------------------------------------------------------


@dataclass(frozen=True)
class Authenticated:
    """A submission whose signature verified, and who signed it."""

    submitter: Submitter
    submission: Submission


def _auth(code: str, message: str) -> VerificationError:
    return VerificationError(code, message)


def authenticate(
    body: bytes,
    headers: Mapping[str, str],
    submitters: Mapping[bytes, Submitter],
    *,
    origin: str,
    now: int,
    max_skew: int = MAX_SKEW,
    max_size: int = 1 << 20,
) -> Authenticated:
    """Check a ``POST /add`` request: a registered key, a valid signature over the canonical
    body, a well-formed submission for this log, made within ``max_skew`` seconds of ``now``.

    Raises ``auth.*`` :class:`VerificationError` for authentication failures and
    ``submission.*``, ``json.*``, ``digest.*``, ``entry.*`` :class:`MalformedError` for bodies
    that are not a submission. Nonces are the caller's to remember (``attest.service.replay``).
    """
    key_text, sig_text = headers.get(KEY_HEADER), headers.get(SIGNATURE_HEADER)
    if not key_text or not sig_text:
        raise _auth(
            "auth.missing", f"sign the submission: send {KEY_HEADER} and {SIGNATURE_HEADER}"
        )
    if len(key_text) > _MAX_HEADER or len(sig_text) > _MAX_HEADER:
        raise _auth("auth.bad_header", "an authentication header is too long")
    try:
        public_key = did_key.decode_did_key(key_text)
    except MalformedError as exc:
        raise _auth(
            "auth.bad_key", f"{KEY_HEADER} is not an Ed25519 did:key: {exc.message}"
        ) from exc
    submitter = submitters.get(public_key.raw)
    if submitter is None:
        raise _auth("auth.unknown_submitter", f"{key_text[:80]} is not registered with this log")
    try:
        signature = base64.b64decode(sig_text, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != SIGNATURE_SIZE or base64.b64encode(signature).decode() != sig_text:
        raise _auth("auth.bad_signature", f"{SIGNATURE_HEADER} is not base64 of 64 bytes")
    doc = parse_json(body, max_size=max_size)
    try:
        public_key.verify(DOMAIN + canonicalize(doc), signature)
    except VerificationError as exc:
        raise _auth("auth.bad_signature", "the signature does not verify over the body") from exc
    submission = Submission.from_json(doc)
    if abs(now - submission.time) > max_skew:
        raise _auth(
            "auth.stale",
            f"the submission's time is {submission.time - now:+d} s from the server's clock "
            f"(at most ±{max_skew} s)",
        )
    if submission.log != origin:
        raise MalformedError(
            "submission.wrong_log",
            f"the submission is for log {submission.log[:80]!r}, not {origin!r}",
        )
    return Authenticated(submitter, submission)
