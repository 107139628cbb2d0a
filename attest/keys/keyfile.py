"""Private key files: their format, encoded and parsed over bytes (no disk here).

A key file holds a signing key's name (its signed-note key name, e.g.
``example.com/evaluator``), its public key, and its 32-byte seed, encrypted with a
passphrase: Argon2id stretches the passphrase into a key for XSalsa20-Poly1305 (libsodium's
``crypto_pwhash`` and ``crypto_secretbox``). The format is JSON with a version; its every byte
is described in specs/keys.md. The Argon2id cost is stored in the file and bounded on read,
so a hostile file cannot make us spend minutes or gigabytes. Files are written atomically,
with owner-only permissions, and never over an existing file unless asked
(:mod:`attest.files` reads and writes them).

PKCS#8 PEM files, optionally encrypted, are read too, so keys made by OpenSSL can be used;
their name comes from the caller, since PEM has nowhere to keep one.

Parsing (:func:`parse_key_file`) is pure and cheap; the passphrase work happens only in
:meth:`KeyFile.unlock`. :func:`attest.files.read_key_file`, :func:`attest.files.write_key_file`
and :func:`attest.files.generate_key_file` do the I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from attest.errors import AttestError, KeyFileError, MalformedError, UsageError
from attest.keys import name as _name
from attest.keys.ed25519 import PUBLIC_KEY_SIZE, SEED_SIZE, PrivateKey, PublicKey

__all__ = [
    "ENCRYPTION_ARGON2ID_XSALSA20POLY1305",
    "ENCRYPTION_NONE",
    "FORMAT",
    "MAX_KEY_FILE_SIZE",
    "MAX_MEM_LIMIT",
    "MAX_OPS_LIMIT",
    "MAX_WORK",
    "MIN_MEM_LIMIT",
    "MIN_OPS_LIMIT",
    "NONCE_SIZE",
    "SALT_SIZE",
    "VERSION",
    "KdfParams",
    "KeyFile",
    "NamedKey",
    "check_key_name",
    "default_key_file_name",
    "encode_key_file",
    "parse_key_file",
]

FORMAT: Final = "attest-key"
VERSION: Final = 1
ENCRYPTION_ARGON2ID_XSALSA20POLY1305: Final = "argon2id-xsalsa20poly1305"
ENCRYPTION_NONE: Final = "none"

MAX_KEY_FILE_SIZE: Final = 64 * 1024
SALT_SIZE: Final = pwhash.argon2id.SALTBYTES  # 16
NONCE_SIZE: Final = SecretBox.NONCE_SIZE  # 24
_CIPHERTEXT_SIZE: Final = SecretBox.MACBYTES + SEED_SIZE  # 16-byte tag, then 32 bytes

# Bounds on the Argon2id cost read from a file: libsodium's minimums, and at most libsodium's
# "sensitive" preset (4 passes over 1 GiB), about five seconds of work on a laptop.
MIN_OPS_LIMIT: Final = 1
MAX_OPS_LIMIT: Final = 16
MIN_MEM_LIMIT: Final = 8 * 1024
MAX_MEM_LIMIT: Final = 1024 * 1024 * 1024
MAX_WORK: Final = 4 * MAX_MEM_LIMIT
"""Largest ``ops_limit * mem_limit`` accepted."""

_MAX_NAME_LENGTH: Final = 256

_TOP_FIELDS: Final = frozenset({"format", "version", "name", "public_key", "secret"})
_ENCRYPTED_FIELDS: Final = frozenset(
    {"encryption", "ops_limit", "mem_limit", "salt", "nonce", "ciphertext"}
)
_PLAIN_FIELDS: Final = frozenset({"encryption", "seed"})


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: passes over memory (``ops_limit``) and memory in bytes (``mem_limit``)."""

    ops_limit: int
    mem_limit: int

    def __post_init__(self) -> None:
        ok = (
            type(self.ops_limit) is int
            and type(self.mem_limit) is int
            and MIN_OPS_LIMIT <= self.ops_limit <= MAX_OPS_LIMIT
            and MIN_MEM_LIMIT <= self.mem_limit <= MAX_MEM_LIMIT
            and self.mem_limit % 1024 == 0
            and self.ops_limit * self.mem_limit <= MAX_WORK
        )
        if not ok:
            raise KeyFileError(
                "keyfile.bad_kdf_params",
                f"Argon2id ops_limit must be {MIN_OPS_LIMIT}..{MAX_OPS_LIMIT}, mem_limit a "
                f"multiple of 1024 in {MIN_MEM_LIMIT}..{MAX_MEM_LIMIT} bytes, and their "
                f"product at most {MAX_WORK}",
            )

    @classmethod
    def interactive(cls) -> KdfParams:
        """libsodium's interactive preset: 2 passes over 64 MiB (about 0.1 s)."""
        return cls(pwhash.argon2id.OPSLIMIT_INTERACTIVE, pwhash.argon2id.MEMLIMIT_INTERACTIVE)

    @classmethod
    def moderate(cls) -> KdfParams:
        """libsodium's moderate preset, our default: 3 passes over 256 MiB (about 0.5 s)."""
        return cls(pwhash.argon2id.OPSLIMIT_MODERATE, pwhash.argon2id.MEMLIMIT_MODERATE)

    @classmethod
    def sensitive(cls) -> KdfParams:
        """libsodium's sensitive preset: 4 passes over 1 GiB (several seconds)."""
        return cls(pwhash.argon2id.OPSLIMIT_SENSITIVE, pwhash.argon2id.MEMLIMIT_SENSITIVE)


@dataclass(frozen=True)
class NamedKey:
    """A signing key and its name. Its repr shows only the public half."""

    name: str
    private_key: PrivateKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key


@dataclass(frozen=True)
class _Sealed:
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True, repr=False)
class KeyFile:
    """A parsed key file, still locked: name and public key, but no secret yet.

    ``public_key`` is ``None`` only for an encrypted PEM file, which keeps nothing in clear.
    """

    name: str
    kind: Literal["attest", "pem"]
    encrypted: bool
    public_key: PublicKey | None
    _secret: _Sealed | PrivateKey | bytes = field(compare=False)

    def unlock(self, passphrase: str | None = None) -> NamedKey:
        """The key itself; ``passphrase`` is needed only when the file is encrypted.

        Raises :class:`KeyFileError` ``keyfile.bad_passphrase`` when the passphrase is wrong
        (or the ciphertext was altered), ``keyfile.public_key_mismatch`` when the stored public
        key is not the seed's.
        """
        secret = self._secret
        if isinstance(secret, PrivateKey):
            return NamedKey(self.name, secret)
        if passphrase is None:
            raise KeyFileError(
                "keyfile.passphrase_required", "the key file is encrypted: a passphrase is needed"
            )
        if isinstance(secret, bytes):
            from attest.keys import pem  # only PEM keys need cryptography (OpenSSL)

            with _pem_errors_as_keyfile_errors():
                return NamedKey(self.name, pem.decode_private_key_pem(secret, passphrase))
        private_key = PrivateKey(_open(secret, passphrase))
        _check_public(self.public_key, private_key)
        return NamedKey(self.name, private_key)

    def __repr__(self) -> str:
        return f"KeyFile(name={self.name!r}, kind={self.kind!r}, encrypted={self.encrypted})"


def check_key_name(name: str) -> None:
    """Raise ``keyfile.bad_name`` unless ``name`` is a signed-note key name of sane length.

    The rules are :func:`attest.keys.name.check_key_name`'s (non-empty, no spaces, no ``+``, no
    control characters), plus a length bound.
    """
    try:
        _name.check_key_name(name)
    except MalformedError as exc:
        raise KeyFileError("keyfile.bad_name", exc.message) from exc
    if len(name) > _MAX_NAME_LENGTH:
        raise KeyFileError(
            "keyfile.bad_name", f"a key name is at most {_MAX_NAME_LENGTH} characters"
        )


def default_key_file_name(name: str) -> str:
    """A file name for a key name: ``example.com/evaluator`` -> ``example.com_evaluator.key``."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return (safe or "key") + ".key"


# --- encoding ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    key: bytes = pwhash.argon2id.kdf(
        SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=kdf.ops_limit,
        memlimit=kdf.mem_limit,
    )
    return key


def encode_key_file(
    key: NamedKey,
    passphrase: str | None,
    *,
    allow_unencrypted: bool = False,
    kdf: KdfParams | None = None,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """The key file bytes for ``key``, its seed sealed under ``passphrase``.

    ``passphrase=None`` writes the seed in clear, and only with ``allow_unencrypted=True``.
    ``kdf`` defaults to :meth:`KdfParams.moderate`; ``salt`` and ``nonce`` default to fresh
    random bytes (fixed values are for test vectors only).
    """
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": key.name,
        "public_key": _b64(key.public_key.raw),
    }
    if passphrase is None:
        if not allow_unencrypted:
            raise UsageError(
                "keyfile.passphrase_required",
                "a passphrase is required unless an unencrypted key file is asked for",
            )
        doc["secret"] = {"encryption": ENCRYPTION_NONE, "seed": _b64(key.private_key.seed)}
    else:
        if not passphrase:
            raise UsageError("keyfile.empty_passphrase", "the passphrase is empty")
        kdf = kdf or KdfParams.moderate()
        salt = secrets.token_bytes(SALT_SIZE) if salt is None else salt
        nonce = secrets.token_bytes(NONCE_SIZE) if nonce is None else nonce
        if len(salt) != SALT_SIZE or len(nonce) != NONCE_SIZE:
            raise UsageError("keyfile.bad_field", "salt is 16 bytes and nonce 24 bytes")
        box = SecretBox(_derive(passphrase, salt, kdf))
        ciphertext = box.encrypt(key.private_key.seed, nonce).ciphertext
        doc["secret"] = {
            "encryption": ENCRYPTION_ARGON2ID_XSALSA20POLY1305,
            "ops_limit": kdf.ops_limit,
            "mem_limit": kdf.mem_limit,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "ciphertext": _b64(ciphertext),
        }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- parsing ----------------------------------------------------------------------------


def _bad(code: str, message: str) -> KeyFileError:
    return KeyFileError(code, message)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _bad("keyfile.malformed", f"duplicate JSON member {k!r}")
        out[k] = v
    return out


def _no_constants(value: str) -> Any:
    raise _bad("keyfile.malformed", f"{value} is not valid JSON")


def _check_fields(obj: dict[str, Any], expected: frozenset[str], where: str) -> None:
    unknown = sorted(set(obj) - expected)
    if unknown:
        raise _bad("keyfile.unknown_field", f"unknown {where} member {unknown[0]!r}")
    missing = sorted(expected - set(obj))
    if missing:
        raise _bad("keyfile.missing_field", f"{where} member {missing[0]!r} is missing")


def _bytes_field(obj: dict[str, Any], name: str, size: int) -> bytes:
    value = obj[name]
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise _bad("keyfile.bad_field", f"{name!r} must be a base64 string") from exc
    if _b64(raw) != value:
        raise _bad("keyfile.bad_field", f"{name!r} is not canonical base64")
    if len(raw) != size:
        raise _bad("keyfile.bad_field", f"{name!r} must hold {size} bytes, not {len(raw)}")
    return raw


def _int_field(obj: dict[str, Any], name: str) -> int:
    value = obj[name]
    if type(value) is not int:
        raise _bad("keyfile.bad_field", f"{name!r} must be an integer")
    return value


def _check_public(stored: PublicKey | None, private_key: PrivateKey) -> None:
    if stored is not None and stored != private_key.public_key:
        raise _bad(
            "keyfile.public_key_mismatch",
            "the stored public key is not the public key of the stored seed",
        )


def _open(sealed: _Sealed, passphrase: str) -> bytes:
    box = SecretBox(_derive(passphrase, sealed.salt, sealed.kdf))
    try:
        seed: bytes = box.decrypt(sealed.ciphertext, sealed.nonce)
    except CryptoError as exc:
        raise _bad(
            "keyfile.bad_passphrase", "wrong passphrase, or the key file has been altered"
        ) from exc
    return seed


@contextmanager
def _pem_errors_as_keyfile_errors() -> Iterator[None]:
    """Re-raise the PEM module's ``pem.*`` errors as the matching ``keyfile.*`` errors."""
    try:
        yield
    except AttestError as exc:
        if not exc.code.startswith("pem."):
            raise
        raise KeyFileError("keyfile." + exc.code.removeprefix("pem."), exc.message) from exc


def _parse_pem(data: bytes, name: str | None) -> KeyFile:
    if name is None:
        raise UsageError("keyfile.name_required", "a PEM key file needs a key name given with it")
    check_key_name(name)
    from attest.keys import pem  # only PEM keys need cryptography (OpenSSL)

    if pem.is_encrypted_pem(data):
        return KeyFile(name, "pem", True, None, data)
    with _pem_errors_as_keyfile_errors():
        private_key = pem.decode_private_key_pem(data)
    return KeyFile(name, "pem", False, private_key.public_key, private_key)


def _parse_json(data: bytes, name: str | None) -> KeyFile:
    try:
        doc = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _bad("keyfile.malformed", "a key file is UTF-8 JSON or PEM") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad("keyfile.not_a_key_file", f"not an {FORMAT!r} key file")
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        raise _bad(
            "keyfile.unsupported_version",
            f"key file version {version!r} is not supported (this reader knows {VERSION})",
        )
    _check_fields(doc, _TOP_FIELDS, "key file")
    stored_name = doc["name"]
    if not isinstance(stored_name, str):
        raise _bad("keyfile.bad_name", "'name' must be a string")
    check_key_name(stored_name)
    if name is not None and name != stored_name:
        raise UsageError(
            "keyfile.name_mismatch", f"the key file names {stored_name!r}, not {name!r}"
        )
    public_key = PublicKey(_bytes_field(doc, "public_key", PUBLIC_KEY_SIZE))
    secret = doc["secret"]
    if not isinstance(secret, dict):
        raise _bad("keyfile.bad_field", "'secret' must be an object")
    encryption = secret.get("encryption")
    if encryption == ENCRYPTION_NONE:
        _check_fields(secret, _PLAIN_FIELDS, "secret")
        private_key = PrivateKey(_bytes_field(secret, "seed", SEED_SIZE))
        _check_public(public_key, private_key)
        return KeyFile(stored_name, "attest", False, public_key, private_key)
    if encryption != ENCRYPTION_ARGON2ID_XSALSA20POLY1305:
        raise _bad(
            "keyfile.unsupported_encryption", f"key encryption {encryption!r} is not supported"
        )
    _check_fields(secret, _ENCRYPTED_FIELDS, "secret")
    sealed = _Sealed(
        kdf=KdfParams(_int_field(secret, "ops_limit"), _int_field(secret, "mem_limit")),
        salt=_bytes_field(secret, "salt", SALT_SIZE),
        nonce=_bytes_field(secret, "nonce", NONCE_SIZE),
        ciphertext=_bytes_field(secret, "ciphertext", _CIPHERTEXT_SIZE),
    )
    return KeyFile(stored_name, "attest", True, public_key, sealed)


def parse_key_file(data: bytes, *, name: str | None = None) -> KeyFile:
    """Parse key file bytes (our JSON format or a PKCS#8 PEM) without decrypting anything.

    ``name`` is required for PEM files; for our own files, if given, it must match.
    """
    if len(data) > MAX_KEY_FILE_SIZE:
        raise _bad("keyfile.too_large", f"a key file is at most {MAX_KEY_FILE_SIZE} bytes")
    if data.lstrip().startswith(b"-----BEGIN "):
        return _parse_pem(data, name)
    return _parse_json(data, name)
