"""PEM: Wycheproof's public key PEMs, OpenSSL-made files, and OpenSSL reading ours."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from typing import Any

import pytest

from attest.errors import KeyFileError, LimitExceededError, MalformedError
from attest.keys import pem
from attest.keys.ed25519 import PrivateKey, PublicKey
from tests import vectors

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not on PATH")

WYCHEPROOF_GROUPS = vectors.load_json("ed25519/wycheproof/ed25519_test.json")["testGroups"]
OPENSSL_PASS = "openssl-vector-passphrase"


def _openssl_text_bytes(text: str, label: str) -> bytes:
    """The hex bytes under ``label:`` in ``openssl pkey -text`` output."""
    block = text.split(f"{label}:\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith(" "):
            break
        lines.append(line.strip())
    return bytes.fromhex("".join(lines).replace(":", ""))


OPENSSL_TEXT = vectors.load_bytes("keys/openssl/ed25519.txt").decode()
OPENSSL_SEED = _openssl_text_bytes(OPENSSL_TEXT, "priv")
OPENSSL_PUB = _openssl_text_bytes(OPENSSL_TEXT, "pub")


# --- public keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group",
    WYCHEPROOF_GROUPS[::7],  # distinct keys; all 78 groups say the same thing
    ids=lambda g: g["publicKey"]["pk"][:12],
)
def test_wycheproof_public_pem_is_byte_exact(group: dict[str, Any]) -> None:
    public_key = PublicKey(bytes.fromhex(group["publicKey"]["pk"]))
    assert pem.encode_public_key_pem(public_key).decode() == group["publicKeyPem"]
    assert pem.decode_public_key_pem(group["publicKeyPem"].encode()) == public_key
    body = "".join(group["publicKeyPem"].splitlines()[1:-1])
    assert base64.b64decode(body).hex() == group["publicKeyDer"]


def test_openssl_public_pem() -> None:
    data = vectors.load_bytes("keys/openssl/ed25519.pub.pem")
    assert pem.decode_public_key_pem(data).raw == OPENSSL_PUB
    assert pem.encode_public_key_pem(PublicKey(OPENSSL_PUB)) == data


# --- private keys made by OpenSSL -----------------------------------------------------------


def test_openssl_unencrypted_private_pem() -> None:
    key = pem.decode_private_key_pem(vectors.load_bytes("keys/openssl/ed25519.pem"))
    assert key.seed == OPENSSL_SEED
    assert key.public_key.raw == OPENSSL_PUB
    assert pem.encode_private_key_pem(key) == vectors.load_bytes("keys/openssl/ed25519.pem")


@pytest.mark.parametrize("name", ["ed25519-pbkdf2.pem", "ed25519-scrypt.pem"])
def test_openssl_encrypted_private_pem(name: str) -> None:
    data = vectors.load_bytes(f"keys/openssl/{name}")
    assert pem.is_encrypted_pem(data)
    assert pem.decode_private_key_pem(data, OPENSSL_PASS).seed == OPENSSL_SEED
    with pytest.raises(KeyFileError) as info:
        pem.decode_private_key_pem(data, OPENSSL_PASS + "x")
    assert info.value.code == "pem.bad_passphrase"
    with pytest.raises(KeyFileError) as info:
        pem.decode_private_key_pem(data)
    assert info.value.code == "pem.passphrase_required"


def test_pbkdf2_iterations_are_bounded_before_any_work() -> None:
    """2^31 - 1 PBKDF2 iterations would take about ten minutes; it is refused at once."""
    data = vectors.load_bytes("keys/openssl/ed25519-pbkdf2-huge.pem")
    with pytest.raises(LimitExceededError) as info:
        pem.decode_private_key_pem(data, OPENSSL_PASS)
    assert info.value.code == "pem.kdf_too_costly"


@pytest.mark.slow
def test_many_pbkdf2_iterations_below_the_bound_are_accepted() -> None:
    data = vectors.load_bytes("keys/openssl/ed25519-pbkdf2-8m.pem")
    assert pem.decode_private_key_pem(data, OPENSSL_PASS).seed == OPENSSL_SEED


@pytest.mark.parametrize("kind", ["ed448", "x25519", "p256", "rsa2048"])
def test_other_key_types_are_rejected(kind: str) -> None:
    with pytest.raises(MalformedError) as info:
        pem.decode_private_key_pem(vectors.load_bytes(f"keys/openssl/{kind}.pem"))
    assert info.value.code == "pem.unsupported_key_type"
    with pytest.raises(MalformedError) as info:
        pem.decode_public_key_pem(vectors.load_bytes(f"keys/openssl/{kind}.pub.pem"))
    assert info.value.code == "pem.unsupported_key_type"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a pem",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
    ],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(MalformedError) as info:
        pem.decode_private_key_pem(data)
    assert info.value.code == "pem.malformed"
    with pytest.raises(MalformedError) as info:
        pem.decode_public_key_pem(data)
    assert info.value.code == "pem.malformed"


def test_public_pem_is_not_a_private_key() -> None:
    with pytest.raises(MalformedError) as info:
        pem.decode_private_key_pem(vectors.load_bytes("keys/openssl/ed25519.pub.pem"))
    assert info.value.code == "pem.malformed"


def test_legacy_encryption_is_refused() -> None:
    data = (
        b"-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
        b"DEK-Info: AES-256-CBC,00000000000000000000000000000000\n\nAAAA\n"
        b"-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(MalformedError) as info:
        pem.decode_private_key_pem(data, "x")
    assert info.value.code == "pem.unsupported_encryption"


def test_size_is_bounded() -> None:
    data = vectors.load_bytes("keys/openssl/ed25519.pem") + b"\n" * pem.MAX_PEM_SIZE
    with pytest.raises(LimitExceededError) as info:
        pem.decode_private_key_pem(data)
    assert info.value.code == "pem.too_large"


# --- our own output -------------------------------------------------------------------------

SEED = bytes(range(32))


def test_round_trip() -> None:
    key = PrivateKey(SEED)
    assert pem.decode_private_key_pem(pem.encode_private_key_pem(key)) == key
    encrypted = pem.encode_private_key_pem(key, "pw")
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert pem.decode_private_key_pem(encrypted, "pw") == key
    assert pem.decode_public_key_pem(pem.encode_public_key_pem(key.public_key)) == key.public_key


def test_passphrase_for_an_unencrypted_pem_is_ignored() -> None:
    key = PrivateKey(SEED)
    assert pem.decode_private_key_pem(pem.encode_private_key_pem(key), "unused") == key


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(MalformedError) as info:
        pem.encode_private_key_pem(PrivateKey(SEED), "")
    assert info.value.code == "pem.empty_passphrase"


def test_private_pem_is_pkcs8_per_rfc8410() -> None:
    """RFC 8410 §7: the PKCS#8 DER of an Ed25519 key is a fixed 16-byte header, then the seed."""
    text = pem.encode_private_key_pem(PrivateKey(SEED)).decode()
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    der = base64.b64decode("".join(text.splitlines()[1:-1]))
    assert der == bytes.fromhex("302e020100300506032b657004220420") + SEED


def _openssl(*args: str, stdin: bytes) -> str:
    assert OPENSSL is not None
    done = subprocess.run(
        [OPENSSL, *args], input=stdin, capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode()


@needs_openssl
def test_openssl_reads_our_private_pem() -> None:
    key = PrivateKey(SEED)
    text = _openssl("pkey", "-text", "-noout", stdin=pem.encode_private_key_pem(key))
    assert _openssl_text_bytes(text, "priv") == SEED
    assert _openssl_text_bytes(text, "pub") == key.public_key.raw


@needs_openssl
def test_openssl_reads_our_encrypted_pem() -> None:
    key = PrivateKey(SEED)
    data = pem.encode_private_key_pem(key, "our passphrase")
    text = _openssl("pkey", "-passin", "pass:our passphrase", "-text", "-noout", stdin=data)
    assert _openssl_text_bytes(text, "priv") == SEED


@needs_openssl
def test_openssl_reads_our_public_pem() -> None:
    public_key = PrivateKey(SEED).public_key
    data = pem.encode_public_key_pem(public_key)
    text = _openssl("pkey", "-pubin", "-text", "-noout", stdin=data)
    assert _openssl_text_bytes(text, "pub") == public_key.raw
    assert _openssl("pkey", "-pubin", "-pubout", stdin=data).encode() == data


@needs_openssl
@pytest.mark.parametrize("encrypt", [False, True])
def test_we_read_openssl_genpkey(encrypt: bool) -> None:
    args = ["genpkey", "-algorithm", "ed25519"]
    if encrypt:
        args += ["-aes256", "-pass", "pass:fresh"]
    data = _openssl(*args, stdin=b"").encode()
    assert pem.is_encrypted_pem(data) == encrypt
    key = pem.decode_private_key_pem(data, "fresh" if encrypt else None)
    passin = ["-passin", "pass:fresh"] if encrypt else []
    text = _openssl("pkey", *passin, "-text", "-noout", stdin=data)
    assert _openssl_text_bytes(text, "priv") == key.seed
    assert _openssl_text_bytes(text, "pub") == key.public_key.raw


def test_openssl_text_parser() -> None:
    """The helper above reads exactly 32 bytes from the committed OpenSSL output."""
    assert len(OPENSSL_SEED) == len(OPENSSL_PUB) == 32
    assert re.search(r"^ED25519 Private-Key:", OPENSSL_TEXT)
