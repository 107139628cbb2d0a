"""Ed25519 keys and every way attest writes them down (specs/keys.md is the reference).

attest signs with one algorithm, Ed25519 (RFC 8032), and verifies every signature, wherever
it appears, through one call, :meth:`~attest.keys.ed25519.PublicKey.verify` (libsodium: it
refuses non-canonical signatures and small-order keys), so a signature can never pass in one
place and fail in another. A private key is its 32-byte seed; a public key its 32 raw bytes.

- :mod:`~attest.keys.ed25519`: ``PrivateKey`` (never printed), ``PublicKey``, the one check.
- :mod:`~attest.keys.did_key`: how a credential names its issuer. A Multikey is
  ``"z" + base58btc(0xed 0x01 || public key)``, so it always starts ``z6Mk``; the DID is
  ``did:key:`` + Multikey, and its verification method ``did:key:z6Mk…#z6Mk…`` (§4).
- :mod:`~attest.keys.pem`: PKCS#8 and SubjectPublicKeyInfo PEM, what OpenSSL reads (§5).
- :mod:`~attest.keys.jwk`: RFC 8037 ``{"kty": "OKP", "crv": "Ed25519", "x": …}`` (§6).
- :mod:`~attest.keys.keyfile`: the key file, JSON ``{"format": "attest-key", "version": 1,
  "name", "public_key", "secret"}`` whose seed is sealed by Argon2id + XSalsa20-Poly1305,
  the cost bounded on read (§7). Encoding and parsing only: :mod:`attest.files` reads and
  writes key files on disk.

For example, the key whose seed is the bytes 0, 1, …, 31::

    >>> from attest.keys.ed25519 import PrivateKey
    >>> from attest.keys.did_key import decode_did_key, encode_did_key
    >>> key = PrivateKey(bytes(range(32)))
    >>> did = encode_did_key(key.public_key)
    >>> did
    'did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd'
    >>> decode_did_key(did) == key.public_key
    True
    >>> key.public_key.verify(b"hello", key.sign(b"hello")) is None
    True

A failed check raises :class:`~attest.errors.VerificationError`; it never returns ``False``.
Layer (ARCHITECTURE.md): above :mod:`attest.codec`, below :mod:`attest.tlog` and
:mod:`attest.vc`, which name their signers with these keys.
"""
