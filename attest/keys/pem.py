"""PEM key files for Ed25519, so keys move to and from OpenSSL and other standard tooling.

Private keys are PKCS#8 (RFC 5958, ``BEGIN PRIVATE KEY``; ``BEGIN ENCRYPTED PRIVATE KEY``
when a passphrase is given), public keys SubjectPublicKeyInfo (RFC 5280 §4.1.2.7,
``BEGIN PUBLIC KEY``), both with the Ed25519 algorithm identifier of RFC 8410. This is what
``openssl genpkey -algorithm ed25519`` writes and ``openssl pkey`` reads. pyca/cryptography
does the DER and PBES2 work; only Ed25519 keys are accepted.

Before an encrypted PEM is decrypted, its PBES2 parameters (RFC 8018 §6.2) are read and
bounded, so that a hostile file cannot ask for billions of PBKDF2 iterations or gigabytes of
scrypt memory.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from attest.errors import KeyFileError, LimitExceededError, MalformedError
from attest.keys.ed25519 import PrivateKey, PublicKey

__all__ = [
    "MAX_PBKDF2_ITERATIONS",
    "MAX_PEM_SIZE",
    "MAX_SCRYPT_MEMORY",
    "decode_private_key_pem",
    "decode_public_key_pem",
    "encode_private_key_pem",
    "encode_public_key_pem",
    "is_encrypted_pem",
]

MAX_PEM_SIZE: Final = 64 * 1024
"""Largest PEM text we parse; an Ed25519 key needs a few hundred bytes."""

MAX_PBKDF2_ITERATIONS: Final = 10_000_000
"""Most PBKDF2 iterations we run for an encrypted PEM (a few seconds; OpenSSL writes 2048)."""

MAX_SCRYPT_MEMORY: Final = 1024 * 1024 * 1024
"""Most scrypt memory (128 * N * r bytes) an encrypted PEM may ask for; p * memory <= 4x."""

_ENCRYPTED_MARKERS: Final = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")
_ENCRYPTED_BLOCK: Final = re.compile(
    rb"-----BEGIN ENCRYPTED PRIVATE KEY-----([A-Za-z0-9+/=\s]*)-----END ENCRYPTED PRIVATE KEY-----"
)
_OID_PBES2: Final = bytes.fromhex("2a864886f70d01050d")  # 1.2.840.113549.1.5.13
_OID_PBKDF2: Final = bytes.fromhex("2a864886f70d01050c")  # 1.2.840.113549.1.5.12
_OID_SCRYPT: Final = bytes.fromhex("2b06010401da47040b")  # 1.3.6.1.4.1.11591.4.11


def _check_size(data: bytes) -> None:
    if len(data) > MAX_PEM_SIZE:
        raise LimitExceededError("pem.too_large", f"PEM input larger than {MAX_PEM_SIZE} bytes")


def _unsupported(kind: str) -> MalformedError:
    return MalformedError(
        "pem.unsupported_key_type", f"the PEM holds a {kind} key; only Ed25519 is supported"
    )


def _der(data: bytes, expected_tag: int) -> tuple[bytes, bytes]:
    """``(content, rest)`` of the DER element at the start of ``data``; ValueError if bad."""
    if len(data) < 2 or data[0] != expected_tag:
        raise ValueError("unexpected DER element")
    length, offset = data[1], 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 3 or len(data) < 2 + count:
            raise ValueError("bad DER length")
        length, offset = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    if len(data) < offset + length:
        raise ValueError("truncated DER")
    return data[offset : offset + length], data[offset + length :]


def _der_int(data: bytes) -> tuple[int, bytes]:
    content, rest = _der(data, 0x02)
    if not content or len(content) > 8 or content[0] & 0x80:
        raise ValueError("DER integer out of range")
    return int.from_bytes(content, "big"), rest


def _check_pbes2_cost(data: bytes) -> None:
    """Refuse encrypted PEMs other than PBES2, and PBES2 costs above our bounds."""
    block = _ENCRYPTED_BLOCK.search(data)
    try:
        if block is None:
            raise ValueError("not an EncryptedPrivateKeyInfo PEM")
        der = base64.b64decode(b"".join(block.group(1).split()), validate=True)
        info, _ = _der(der, 0x30)  # EncryptedPrivateKeyInfo (RFC 5958 §3)
        algorithm, _ = _der(info, 0x30)
        oid, params = _der(algorithm, 0x06)
        if oid != _OID_PBES2:
            raise ValueError("not PBES2")
        params, _ = _der(params, 0x30)
        kdf, _ = _der(params, 0x30)  # keyDerivationFunc AlgorithmIdentifier
        kdf_oid, kdf_params = _der(kdf, 0x06)
        kdf_params, _ = _der(kdf_params, 0x30)
        _, kdf_params = _der(kdf_params, 0x04)  # salt
        if kdf_oid == _OID_PBKDF2:
            iterations, _ = _der_int(kdf_params)
            ok = 1 <= iterations <= MAX_PBKDF2_ITERATIONS
        elif kdf_oid == _OID_SCRYPT:  # RFC 7914 §7.1
            n, kdf_params = _der_int(kdf_params)
            r, kdf_params = _der_int(kdf_params)
            p, _ = _der_int(kdf_params)
            memory = 128 * n * r
            ok = 0 < memory <= MAX_SCRYPT_MEMORY and 0 < p * memory <= 4 * MAX_SCRYPT_MEMORY
        else:
            raise ValueError("unknown PBES2 key derivation")
    except (ValueError, binascii.Error) as exc:
        raise MalformedError(
            "pem.unsupported_encryption",
            "an encrypted PEM must be PKCS#8 with PBES2 (PBKDF2 or scrypt)",
        ) from exc
    if not ok:
        raise LimitExceededError(
            "pem.kdf_too_costly", "the encrypted PEM asks for more key-derivation work than allowed"
        )


def encode_private_key_pem(private_key: PrivateKey, passphrase: str | None = None) -> bytes:
    """PKCS#8 PEM of the key; encrypted (PBES2, as OpenSSL does) when ``passphrase`` is set."""
    encryption: serialization.KeySerializationEncryption
    if passphrase is None:
        encryption = serialization.NoEncryption()
    elif not passphrase:
        raise MalformedError("pem.empty_passphrase", "an empty passphrase encrypts nothing")
    else:
        encryption = serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
    key = Ed25519PrivateKey.from_private_bytes(private_key.seed)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def encode_public_key_pem(public_key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (``BEGIN PUBLIC KEY``) of the key."""
    key = Ed25519PublicKey.from_public_bytes(public_key.raw)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def is_encrypted_pem(data: bytes) -> bool:
    """Whether a private-key PEM needs a passphrase to be read."""
    return any(marker in data for marker in _ENCRYPTED_MARKERS)


def decode_private_key_pem(data: bytes, passphrase: str | None = None) -> PrivateKey:
    """The Ed25519 key of a PKCS#8 PEM, decrypting it with ``passphrase`` if it is encrypted.

    A passphrase given for an unencrypted PEM is ignored. Wrong passphrases raise
    :class:`KeyFileError` ``pem.bad_passphrase``; other key types ``pem.unsupported_key_type``.
    """
    _check_size(data)
    encrypted = is_encrypted_pem(data)
    if encrypted and passphrase is None:
        raise KeyFileError("pem.passphrase_required", "the PEM private key is encrypted")
    if encrypted:
        _check_pbes2_cost(data)
    password = passphrase.encode("utf-8") if encrypted and passphrase is not None else None
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except UnsupportedAlgorithm as exc:
        raise _unsupported("unsupported") from exc
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise KeyFileError(
                "pem.bad_passphrase", "wrong passphrase, or the encrypted PEM is damaged"
            ) from exc
        raise MalformedError("pem.malformed", "not a PKCS#8 private key PEM") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise _unsupported(type(key).__name__.removesuffix("PrivateKey").lstrip("_"))
    return PrivateKey(key.private_bytes_raw())


def decode_public_key_pem(data: bytes) -> PublicKey:
    """The Ed25519 key of a SubjectPublicKeyInfo PEM (``BEGIN PUBLIC KEY``)."""
    _check_size(data)
    try:
        key = serialization.load_pem_public_key(data)
    except UnsupportedAlgorithm as exc:
        raise _unsupported("unsupported") from exc
    except ValueError as exc:
        raise MalformedError("pem.malformed", "not a SubjectPublicKeyInfo public key PEM") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise _unsupported(type(key).__name__.removesuffix("PublicKey").lstrip("_"))
    return PublicKey(key.public_bytes_raw())
