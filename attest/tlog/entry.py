"""Log entries: the small deterministic CBOR record that describes one logged item.

An entry never holds the content itself, only its digest and what a reader needs to
recognise it. The encoding is RFC 8949 §4.2.1 core deterministic CBOR, and decoding accepts
only that encoding, so one entry has exactly one byte string and one leaf hash
(specs/log.md §2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from attest.codec.cbor import decode_cbor
from attest.codec.digest import Digest
from attest.errors import LimitExceededError, MalformedError

__all__ = ["ENTRY_VERSION", "KINDS", "MAX_NAME_LENGTH", "LogEntry"]

ENTRY_VERSION = 1
#: Kinds the project itself writes; other lowercase tokens are accepted and kept.
KINDS = frozenset({"evidence", "credential", "revocation", "status-list", "key"})
MAX_NAME_LENGTH = 1024
MAX_ENCODED_SIZE = 4096
MAX_SIZE = 2**63 - 1

_KIND = re.compile(r"[a-z][a-z0-9-]{0,31}")
# RFC 6838 §4.2 type/subtype names (restricted-name), lowercase, no parameters.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_REQUIRED = {"v", "kind", "sha256", "size", "type", "time"}
_OPTIONAL = {"name"}


def _control_free(text: str) -> bool:
    return text.isprintable()


@dataclass(frozen=True)
class LogEntry:
    """What was logged: its kind, content digest, size, media type, optional name, when."""

    kind: str
    digest: Digest
    size: int
    media_type: str
    logged_at: int
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise MalformedError(
                "entry.bad_kind", "entry kind must be a lowercase token of at most 32 characters"
            )
        if not isinstance(self.digest, Digest):
            raise MalformedError("entry.bad_digest", "entry digest must be a Digest")
        for value, what in ((self.size, "size"), (self.logged_at, "logged-at time")):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
                raise MalformedError(
                    f"entry.bad_{what.split()[0].replace('-', '_')}",
                    f"entry {what} must be an integer in [0, 2^63)",
                )
        if not isinstance(self.media_type, str) or not _MEDIA_TYPE.fullmatch(self.media_type):
            raise MalformedError(
                "entry.bad_media_type",
                "entry media type must be a lowercase type/subtype without parameters",
            )
        if self.name is not None:
            if not isinstance(self.name, str) or not self.name or not _control_free(self.name):
                raise MalformedError(
                    "entry.bad_name", "entry name must be non-empty printable text"
                )
            if len(self.name) > MAX_NAME_LENGTH:
                raise LimitExceededError(
                    "entry.name_too_long", f"entry name is at most {MAX_NAME_LENGTH} characters"
                )

    def encode(self) -> bytes:
        """The deterministic CBOR encoding: the bytes that are logged and leaf-hashed."""
        # Keys in RFC 8949 §4.2.1 order (shorter encoded key first, then bytewise), so the
        # plain encoder emits the deterministic form without sorting.
        record: dict[str, Any] = {"v": ENTRY_VERSION, "kind": self.kind}
        if self.name is not None:
            record["name"] = self.name
        record["size"] = self.size
        record["time"] = self.logged_at
        record["type"] = self.media_type
        record["sha256"] = self.digest.sha256
        return cbor2.dumps(record)

    @classmethod
    def decode(cls, data: bytes) -> LogEntry:
        """Parse an entry; only the deterministic encoding of a known version is accepted."""
        if len(data) > MAX_ENCODED_SIZE:
            raise LimitExceededError(
                "entry.too_large", f"a log entry is at most {MAX_ENCODED_SIZE} bytes"
            )
        record = decode_cbor(data, max_size=MAX_ENCODED_SIZE, max_depth=2, max_items=16)
        if not isinstance(record, Mapping) or not all(isinstance(k, str) for k in record):
            raise MalformedError("entry.not_a_map", "log entry must be a CBOR map with text keys")
        keys = set(record)
        if record.get("v") != ENTRY_VERSION:
            raise MalformedError(
                "entry.unknown_version", f"log entry version {record.get('v')!r} is not 1"
            )
        if missing := _REQUIRED - keys:
            raise MalformedError("entry.missing_field", f"log entry lacks {sorted(missing)}")
        if extra := keys - _REQUIRED - _OPTIONAL:
            raise MalformedError("entry.unknown_field", f"log entry has unknown {sorted(extra)}")
        sha = record["sha256"]
        if not isinstance(sha, bytes):
            raise MalformedError("entry.bad_digest", "entry sha256 must be a byte string")
        entry = cls(
            kind=record["kind"],
            digest=Digest(sha),
            size=record["size"],
            media_type=record["type"],
            logged_at=record["time"],
            name=record.get("name"),
        )
        if entry.encode() != bytes(data):
            raise MalformedError(
                "entry.not_canonical", "log entry is not in deterministic CBOR encoding"
            )
        return entry
