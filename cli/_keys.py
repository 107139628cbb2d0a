"""Loading a signing key for a command: read the file, ask for a passphrase only if needed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ._passphrase import read_passphrase

if TYPE_CHECKING:
    from attest.keys.keyfile import NamedKey

__all__ = ["load_signing_key"]


def load_signing_key(path: str | Path) -> NamedKey:
    """The key in ``path`` (an attest key file or a PEM), unlocked."""
    from attest.files import read_key_file

    key_file = read_key_file(path)
    passphrase = read_passphrase(confirm=False) if key_file.encrypted else None
    return key_file.unlock(passphrase)
