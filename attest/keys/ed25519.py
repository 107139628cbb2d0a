"""Ed25519 keys and the one strict signature check used everywhere.

Every Ed25519 signature in the project is verified by :meth:`PublicKey.verify`, which calls
libsodium through PyNaCl. libsodium rejects non-canonical signatures (S >= L, non-canonical R),
small-order public keys and small-order R; using a single path means a credential can never
verify in one place and fail in another (see specs/keys.md).

The encodings of these keys live in modules named after them: :mod:`attest.keys.did_key`
(did:key, Multikey), :mod:`attest.keys.pem` (PKCS#8, SubjectPublicKeyInfo), :mod:`attest.keys.jwk`
(RFC 8037), and :mod:`attest.keys.keyfile` (encrypted key files on disk).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from nacl import bindings as _sodium
from nacl.exceptions import BadSignatureError, CryptoError

from attest.errors import MalformedError, VerificationError

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SEED_SIZE",
    "SIGNATURE_SIZE",
    "PrivateKey",
    "PublicKey",
]

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key: 32 bytes, the RFC 8032 point encoding."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != PUBLIC_KEY_SIZE:
            raise MalformedError(
                "key.bad_public_key_length",
                f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes",
            )

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`VerificationError` unless ``signature`` is valid for ``message``.

        Strict RFC 8032 verification (libsodium): small-order keys and R, S >= L and
        non-canonical encodings are all rejected.
        """
        if len(signature) != SIGNATURE_SIZE:
            raise VerificationError(
                "signature.bad_length", f"an Ed25519 signature is {SIGNATURE_SIZE} bytes"
            )
        try:
            _sodium.crypto_sign_open(signature + message, self.raw)
        except (BadSignatureError, CryptoError, ValueError) as exc:
            raise VerificationError(
                "signature.invalid", "the Ed25519 signature does not verify"
            ) from exc

    def fingerprint(self) -> str:
        """SHA-256 of the raw key, ``sha256:<hex>``: a name for the key that fits anywhere."""
        return "sha256:" + hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """An Ed25519 private key held as its 32-byte RFC 8032 seed. Never printed."""

    seed: bytes
    public_key: PublicKey = field(init=False)
    _expanded: bytes = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, bytes) or len(self.seed) != SEED_SIZE:
            raise MalformedError(
                "key.bad_seed_length", f"an Ed25519 private key seed is {SEED_SIZE} bytes"
            )
        pk, sk = _sodium.crypto_sign_seed_keypair(self.seed)
        object.__setattr__(self, "public_key", PublicKey(pk))
        object.__setattr__(self, "_expanded", sk)

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(SEED_SIZE))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic, RFC 8032)."""
        signed: bytes = _sodium.crypto_sign(message, self._expanded)
        return signed[:SIGNATURE_SIZE]

    def __repr__(self) -> str:
        return f"PrivateKey(public_key={self.public_key.raw.hex()})"
