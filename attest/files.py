"""The library's files: every read and write of a policy, a verifier state, a key file or an
evidence file happens here, at the edge, and the core modules only ever see bytes.

Every read goes through :func:`read_file`, which is :func:`attest._fs.read_regular` with the
errors a person can act on: the file must be a regular file (a FIFO, which would block, a
device, which never ends, or a directory is refused as ``<what>.not_regular``), its size is
taken from ``fstat`` and one over the bound is refused before a byte is read
(``<what>.too_large``), and a file that cannot be opened is ``<what>.unreadable``.
Evidence files, which may be larger than memory, are streamed by :func:`hash_file` under the
same rule of regular files only.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from attest import _fs
from attest.codec.digest import CHUNK_SIZE, Digest
from attest.errors import AttestError, KeyFileError, MalformedError, UsageError
from attest.keys.ed25519 import PrivateKey, PublicKey
from attest.keys.keyfile import (
    MAX_KEY_FILE_SIZE,
    KdfParams,
    KeyFile,
    NamedKey,
    encode_key_file,
    parse_key_file,
)
from attest.verifier.policy import MAX_POLICY_SIZE, Policy, parse_policy
from attest.verifier.state import MAX_STATE_SIZE, VerifierState

__all__ = [
    "generate_key_file",
    "hash_file",
    "load_policy",
    "load_state",
    "read_file",
    "read_key_file",
    "save_state",
    "write_key_file",
]

StrPath = str | os.PathLike[str]


def read_file(path: StrPath, max_size: int, *, what: str, follow: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, refused by type and size before reading.

    ``what`` names the file in error codes: ``<what>.not_regular``, ``<what>.too_large``,
    ``<what>.unreadable`` (missing, a permission error, …). ``follow`` (a path the user
    named) follows a symlink in the last component; without it a symlink is refused.
    """
    return _read(path, max_size, what=what, follow=follow)


def _read(
    path: StrPath,
    max_size: int,
    *,
    what: str,
    follow: bool = True,
    error: type[AttestError] = UsageError,
    noun: str = "",
) -> bytes:
    """:func:`read_file` raising ``error`` for a file that cannot be read, whose message
    names the file as ``noun`` (``"the policy "``) before its path."""
    try:
        return _fs.read_regular(path, max_size, code=what, follow=follow)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise error(
            f"{what}.unreadable", f"cannot read {noun}{os.fspath(path)}: {reason}"
        ) from None


def hash_file(
    path: StrPath,
    *,
    progress: Callable[[int], None] | None = None,
    follow: bool = True,
    what: str = "evidence",
) -> tuple[Digest, int]:
    """Stream ``path`` through SHA-256; returns the digest and the number of bytes read.

    ``progress`` is called with the byte count of each chunk as it is hashed. The file must
    be a regular file (a FIFO or device is ``<what>.not_regular``, never opened for a read
    that would block or never end). Without ``follow`` (files in a folder a stranger filled)
    a symlink is refused too, not followed (``O_NOFOLLOW``).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) or follow or not os.path.islink(path):
            raise
        raise MalformedError(f"{what}.not_regular", f"{os.fspath(path)} is a symlink") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MalformedError(f"{what}.not_regular", f"{os.fspath(path)} is not a regular file")
    with open(fd, "rb", buffering=0) as f:
        h = hashlib.sha256()
        size = 0
        buf = bytearray(CHUNK_SIZE)
        view = memoryview(buf)
        while n := f.readinto(buf):
            h.update(view[:n])
            size += n
            if progress is not None:
                progress(n)
    return Digest(h.digest()), size


# --- key files ----------------------------------------------------------------------------


def read_key_file(path: StrPath, *, name: str | None = None) -> KeyFile:
    """Read and parse the key file at ``path`` (see :func:`attest.keys.keyfile.parse_key_file`).

    A file that cannot be read is ``keyfile.unreadable``; one that is not a regular file
    ``keyfile.not_regular``; one over the size bound ``keyfile.too_large``.
    """
    data = _read(path, MAX_KEY_FILE_SIZE, what="keyfile", error=KeyFileError)
    return parse_key_file(data, name=name)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # not every platform can open a directory; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_key_file(path: StrPath, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only (mode 0600).

    The bytes go to a fresh temporary file beside ``path`` (created ``O_EXCL``, mode 0600),
    are flushed to disk, then linked into place, which fails if ``path`` exists (or renamed
    over it when ``overwrite`` is set). A crash leaves either no key file or a whole one.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise KeyFileError(
            "keyfile.write_failed", f"cannot create a file in {target.parent}: {exc.strerror}"
        ) from exc
    try:
        _fs.write_and_close(fd, data)
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError as exc:
                raise KeyFileError(
                    "keyfile.exists", f"{target} already exists; refusing to overwrite it"
                ) from exc
    except OSError as exc:
        raise KeyFileError(
            "keyfile.write_failed", f"cannot write {target}: {exc.strerror}"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)


def generate_key_file(
    path: StrPath,
    name: str,
    passphrase: str | None,
    *,
    allow_unencrypted: bool = False,
    kdf: KdfParams | None = None,
    overwrite: bool = False,
) -> NamedKey:
    """Make a fresh key named ``name`` and write it to ``path`` (see
    :func:`attest.keys.keyfile.encode_key_file`)."""
    key = NamedKey(name, PrivateKey.generate())
    data = encode_key_file(key, passphrase, allow_unencrypted=allow_unencrypted, kdf=kdf)
    write_key_file(path, data, overwrite=overwrite)
    return key


# --- the verifier's policy and state -------------------------------------------------------


def load_policy(path: StrPath) -> Policy:
    """Read a policy file; ``key_file`` entries are read relative to the policy's folder."""
    base = Path(path).parent

    def resolve(name: str) -> PublicKey:
        key_file = read_key_file(base / name)
        if key_file.public_key is None:
            raise MalformedError("policy.bad_issuer", f"{name} keeps no public key in clear")
        return key_file.public_key

    data = _read(path, MAX_POLICY_SIZE, what="policy", error=MalformedError, noun="the policy ")
    return parse_policy(data, resolve_key=resolve)


def load_state(path: StrPath) -> VerifierState:
    """The state in ``path``; an absent file is an empty state (first run)."""
    try:
        data = _fs.read_regular(path, MAX_STATE_SIZE, code="state", follow=True)
    except FileNotFoundError:
        return VerifierState()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError("state.unreadable", f"cannot read {os.fspath(path)}: {reason}") from None
    return VerifierState.from_json(data)


def save_state(path: StrPath, state: VerifierState) -> None:
    """Replace ``path`` atomically and durably with ``state`` (mode 0600)."""
    _fs.write_atomic(Path(path), state.to_json(), mode=0o600)
