"""Content digests: ``sha256:<64 lowercase hex>``.

Hashing a file is I/O and lives at the edge (:func:`attest.files.hash_file`, which streams
in :data:`CHUNK_SIZE` chunks: constant memory whatever the size).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from attest.errors import MalformedError

__all__ = ["CHUNK_SIZE", "Digest", "hash_bytes"]

#: Bytes read at a time when a file is hashed.
CHUNK_SIZE = 1 << 20
_TEXT = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True, order=True)
class Digest:
    """A SHA-256 content digest with the size of what was hashed."""

    sha256: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.sha256, bytes) or len(self.sha256) != 32:
            raise MalformedError("digest.bad_length", "a SHA-256 digest is 32 bytes")

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse ``sha256:<64 lowercase hex>``; nothing else is accepted."""
        if not isinstance(text, str) or not _TEXT.fullmatch(text):
            shown = text[:80] if isinstance(text, str) else type(text).__name__
            raise MalformedError(
                "digest.malformed", f"expected sha256:<64 lowercase hex digits>, got {shown!r}"
            )
        return cls(bytes.fromhex(text[7:]))

    def __str__(self) -> str:
        return "sha256:" + self.sha256.hex()


def hash_bytes(data: bytes) -> Digest:
    return Digest(hashlib.sha256(data).digest())
