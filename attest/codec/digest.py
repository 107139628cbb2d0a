"""Content digests: ``sha256:<64 lowercase hex>``, and streaming file hashing.

Evidence files can be far larger than memory, so :func:`hash_file` reads in fixed-size
chunks: constant memory whatever the size.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from attest.errors import MalformedError

__all__ = ["CHUNK_SIZE", "Digest", "hash_bytes", "hash_file"]

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


def hash_file(
    path: str | Path, *, progress: Callable[[int], None] | None = None, follow: bool = True
) -> tuple[Digest, int]:
    """Stream ``path`` through SHA-256; returns the digest and the number of bytes read.

    ``progress`` is called with the byte count of each chunk as it is hashed. Without
    ``follow`` (files in a folder a stranger filled) the path must name a regular file itself:
    a symlink is refused, not followed (``O_NOFOLLOW``), and so is a FIFO or device
    (``evidence.not_regular``).
    """
    h = hashlib.sha256()
    size = 0
    buf = bytearray(CHUNK_SIZE)
    view = memoryview(buf)
    if follow:
        f = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by the with below)
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) or not os.path.islink(path):
                raise
            raise MalformedError("evidence.not_regular", f"{path} is a symlink") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise MalformedError("evidence.not_regular", f"{path} is not a regular file")
        f = open(fd, "rb", buffering=0)  # noqa: SIM115
    with f:
        while n := f.readinto(buf):
            h.update(view[:n])
            size += n
            if progress is not None:
                progress(n)
    return Digest(h.digest()), size
