"""Key files: the format vectors, libsodium decoding them directly, the disk rules, PEM files."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl import pwhash
from nacl.secret import SecretBox

from attest import files
from attest.errors import AttestError, KeyFileError, UsageError
from attest.keys import keyfile, pem
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import KdfParams, NamedKey
from tests import vectors

VECTORS = vectors.load_json("keys/keyfile.json")
FAST = KdfParams(ops_limit=1, mem_limit=8192)
OPENSSL_PASS = "openssl-vector-passphrase"  # the vector files' published passphrase


def _bytes(case: dict[str, Any]) -> bytes:
    if "file_hex" in case:
        return bytes.fromhex(case["file_hex"])
    text: str = case["file"]
    return text.encode("utf-8")


# --- vectors -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["valid"], ids=[c["description"] for c in VECTORS["valid"]])
def test_valid_vectors(case: dict[str, Any]) -> None:
    parsed = keyfile.parse_key_file(_bytes(case))
    assert parsed.name == case["name"]
    assert parsed.kind == "attest"
    assert parsed.encrypted is case["encrypted"]
    assert parsed.public_key is not None
    assert parsed.public_key.raw.hex() == case["public_key_hex"]
    key = parsed.unlock(case["passphrase"])
    assert key.private_key.seed.hex() == case["seed_hex"]
    assert key.public_key.raw.hex() == case["public_key_hex"]
    assert key.name == case["name"]


@pytest.mark.parametrize(
    "case",
    [c for c in VECTORS["valid"] if c["encrypted"]],
    ids=[c["description"] for c in VECTORS["valid"] if c["encrypted"]],
)
def test_valid_vectors_decrypt_with_libsodium_alone(case: dict[str, Any]) -> None:
    """Decode the file as specs/keys.md describes it, with PyNaCl directly, not attest."""
    doc = json.loads(case["file"])
    secret = doc["secret"]
    assert secret["encryption"] == "argon2id-xsalsa20poly1305"
    salt = base64.b64decode(secret["salt"])
    nonce = base64.b64decode(secret["nonce"])
    assert salt.hex() == case["salt_hex"]
    assert nonce.hex() == case["nonce_hex"]
    box_key = pwhash.argon2id.kdf(
        32,
        case["passphrase"].encode("utf-8"),
        salt,
        opslimit=secret["ops_limit"],
        memlimit=secret["mem_limit"],
    )
    ciphertext = base64.b64decode(secret["ciphertext"])
    assert len(ciphertext) == 48  # 16-byte Poly1305 tag, then the 32-byte seed
    seed = SecretBox(box_key).decrypt(ciphertext, nonce)
    assert seed.hex() == case["seed_hex"]
    assert PrivateKey(seed).public_key.raw == base64.b64decode(doc["public_key"])


@pytest.mark.parametrize("case", VECTORS["valid"], ids=[c["description"] for c in VECTORS["valid"]])
def test_encoding_is_reproducible(case: dict[str, Any]) -> None:
    """Same key, passphrase, salt and nonce: the same bytes, member order and layout."""
    key = NamedKey(case["name"], PrivateKey(bytes.fromhex(case["seed_hex"])))
    if case["encrypted"]:
        data = keyfile.encode_key_file(
            key,
            case["passphrase"],
            kdf=FAST,
            salt=bytes.fromhex(case["salt_hex"]),
            nonce=bytes.fromhex(case["nonce_hex"]),
        )
    else:
        data = keyfile.encode_key_file(key, None, allow_unencrypted=True)
    assert data == _bytes(case)


@pytest.mark.parametrize(
    "case", VECTORS["invalid"], ids=[c["description"] for c in VECTORS["invalid"]]
)
def test_invalid_vectors(case: dict[str, Any]) -> None:
    data = _bytes(case)
    if case["stage"] == "parse":
        with pytest.raises(AttestError) as info:
            keyfile.parse_key_file(data)
    else:
        parsed = keyfile.parse_key_file(data)
        with pytest.raises(AttestError) as info:
            parsed.unlock(case["passphrase"])
    assert info.value.code == case["error"]
    assert isinstance(info.value, KeyFileError | UsageError)
    assert info.value.exit_code == 2


def test_invalid_vectors_cover_the_tampering_cases() -> None:
    descriptions = " | ".join(c["description"] for c in VECTORS["invalid"])
    for needle in ("wrong passphrase", "ciphertext", "nonce", "salt", "version 2", "public key"):
        assert needle in descriptions


# --- encoding rules ------------------------------------------------------------------------

KEY = NamedKey("example.com/evaluator", PrivateKey(bytes(range(32))))


def test_round_trip_with_random_salt_and_nonce() -> None:
    a = keyfile.encode_key_file(KEY, "pw", kdf=FAST)
    b = keyfile.encode_key_file(KEY, "pw", kdf=FAST)
    assert a != b  # fresh salt and nonce each time
    for data in (a, b):
        assert keyfile.parse_key_file(data).unlock("pw") == KEY


def test_unencrypted_only_when_asked() -> None:
    with pytest.raises(UsageError) as info:
        keyfile.encode_key_file(KEY, None)
    assert info.value.code == "keyfile.passphrase_required"
    data = keyfile.encode_key_file(KEY, None, allow_unencrypted=True)
    assert json.loads(data)["secret"] == {
        "encryption": "none",
        "seed": base64.b64encode(KEY.private_key.seed).decode(),
    }


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        keyfile.encode_key_file(KEY, "", kdf=FAST)
    assert info.value.code == "keyfile.empty_passphrase"


def test_default_kdf_is_libsodium_moderate() -> None:
    """Real files default to 3 passes over 256 MiB (libsodium's OPSLIMIT/MEMLIMIT_MODERATE)."""
    assert KdfParams.moderate() == KdfParams(3, 256 * 1024 * 1024)
    assert KdfParams.interactive() == KdfParams(2, 64 * 1024 * 1024)
    assert KdfParams.sensitive() == KdfParams(4, 1024 * 1024 * 1024)


def test_default_kdf_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    real = pwhash.argon2id.kdf

    def spy(size: int, password: bytes, salt: bytes, *, opslimit: int, memlimit: int) -> bytes:
        seen.append((opslimit, memlimit))
        return real(size, password, salt, opslimit=1, memlimit=8192)

    monkeypatch.setattr(pwhash.argon2id, "kdf", spy)
    doc = json.loads(keyfile.encode_key_file(KEY, "pw"))
    assert seen == [(3, 256 * 1024 * 1024)]
    assert (doc["secret"]["ops_limit"], doc["secret"]["mem_limit"]) == (3, 256 * 1024 * 1024)


@pytest.mark.parametrize(
    ("ops", "mem"),
    [(0, 8192), (17, 8192), (1, 4096), (1, 8193), (1, 2 << 30), (5, 1 << 30), (True, 8192)],
)
def test_kdf_bounds(ops: int, mem: int) -> None:
    with pytest.raises(KeyFileError) as info:
        KdfParams(ops, mem)
    assert info.value.code == "keyfile.bad_kdf_params"


def test_kdf_bounds_accept_the_extremes() -> None:
    KdfParams(1, 8192)
    KdfParams(4, 1 << 30)
    KdfParams(16, 256 << 20)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\nb", "x" * 257, "a\u00a0b"])
def test_bad_names(name: str) -> None:
    with pytest.raises(KeyFileError) as info:
        NamedKey(name, KEY.private_key)
    assert info.value.code == "keyfile.bad_name"


def test_secrets_stay_out_of_reprs() -> None:
    data = keyfile.encode_key_file(KEY, None, allow_unencrypted=True)
    parsed = keyfile.parse_key_file(data)
    seed = KEY.private_key.seed
    for text in (repr(KEY), repr(parsed), str(KEY), repr(parsed.unlock())):
        assert seed.hex() not in text
        assert base64.b64encode(seed).decode() not in text


def test_size_is_bounded() -> None:
    with pytest.raises(KeyFileError) as info:
        keyfile.parse_key_file(b" " * (keyfile.MAX_KEY_FILE_SIZE + 1))
    assert info.value.code == "keyfile.too_large"


def test_name_given_must_match() -> None:
    data = keyfile.encode_key_file(KEY, None, allow_unencrypted=True)
    assert keyfile.parse_key_file(data, name=KEY.name).name == KEY.name
    with pytest.raises(UsageError) as info:
        keyfile.parse_key_file(data, name="other.example/key")
    assert info.value.code == "keyfile.name_mismatch"


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("example.com/evaluator", "example.com_evaluator.key"),
        ("log.example+x", "log.example_x.key"),
        ("..hidden", "hidden.key"),
        ("ключ", "____.key"),
        ("../../etc/passwd", "_.._etc_passwd.key"),
    ],
)
def test_default_file_name(name: str, file: str) -> None:
    assert keyfile.default_key_file_name(name) == file
    assert "/" not in file


# --- the disk ------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_with_mode_0600(tmp_path: Path) -> None:
    old = os.umask(0)  # even with a permissive umask
    try:
        path = tmp_path / "k.key"
        files.write_key_file(path, b"data")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert path.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["k.key"]  # no temporary file left


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(b"precious")
    with pytest.raises(KeyFileError) as info:
        files.write_key_file(path, b"new")
    assert info.value.code == "keyfile.exists"
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["k.key"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_overwrite_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(b"old")
    path.chmod(0o644)
    files.write_key_file(path, b"new", overwrite=True)
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks")
def test_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "k.key"
    link.symlink_to(target)
    with pytest.raises(KeyFileError) as info:
        files.write_key_file(link, b"new")
    assert info.value.code == "keyfile.exists"
    assert not target.exists()


def test_write_into_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        files.write_key_file(tmp_path / "missing" / "k.key", b"x")
    assert info.value.code == "keyfile.write_failed"


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        files.read_key_file(tmp_path / "nope.key")
    assert info.value.code == "keyfile.unreadable"


def test_generate_then_read(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    key = files.generate_key_file(path, "example.com/evaluator", "pw", kdf=FAST)
    parsed = files.read_key_file(path)
    assert parsed.encrypted
    assert parsed.public_key == key.public_key
    assert parsed.unlock("pw") == key
    with pytest.raises(KeyFileError) as info:
        parsed.unlock("wrong")
    assert info.value.code == "keyfile.bad_passphrase"
    with pytest.raises(KeyFileError) as info:
        files.generate_key_file(path, "example.com/evaluator", "pw", kdf=FAST)
    assert info.value.code == "keyfile.exists"


def test_tampered_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    files.generate_key_file(path, "example.com/evaluator", "pw", kdf=FAST)
    doc = json.loads(path.read_text())
    ct = bytearray(base64.b64decode(doc["secret"]["ciphertext"]))
    ct[20] ^= 0x80
    doc["secret"]["ciphertext"] = base64.b64encode(bytes(ct)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError) as info:
        files.read_key_file(path).unlock("pw")
    assert info.value.code == "keyfile.bad_passphrase"


# --- PEM key files -------------------------------------------------------------------------


def test_pem_key_file_needs_a_name() -> None:
    with pytest.raises(UsageError) as info:
        keyfile.parse_key_file(vectors.load_bytes("keys/openssl/ed25519.pem"))
    assert info.value.code == "keyfile.name_required"


def test_pem_key_file() -> None:
    parsed = files.read_key_file(vectors.path("keys/openssl/ed25519.pem"), name="openssl/key")
    assert (parsed.kind, parsed.encrypted, parsed.name) == ("pem", False, "openssl/key")
    key = parsed.unlock()
    assert parsed.public_key == key.public_key
    public_pem = vectors.load_bytes("keys/openssl/ed25519.pub.pem")
    assert key.public_key == pem.decode_public_key_pem(public_pem)


@pytest.mark.parametrize("name", ["ed25519-pbkdf2.pem", "ed25519-scrypt.pem"])
def test_encrypted_pem_key_file(name: str) -> None:
    plain = files.read_key_file(vectors.path("keys/openssl/ed25519.pem"), name="k").unlock()
    parsed = files.read_key_file(vectors.path(f"keys/openssl/{name}"), name="k")
    assert (parsed.kind, parsed.encrypted, parsed.public_key) == ("pem", True, None)
    assert parsed.unlock(OPENSSL_PASS) == plain
    for passphrase, code in (
        (None, "keyfile.passphrase_required"),
        ("x", "keyfile.bad_passphrase"),
    ):
        with pytest.raises(KeyFileError) as info:
            parsed.unlock(passphrase)
        assert info.value.code == code


def test_pem_errors_become_key_file_errors() -> None:
    with pytest.raises(KeyFileError) as info:
        files.read_key_file(vectors.path("keys/openssl/p256.pem"), name="k")
    assert info.value.code == "keyfile.unsupported_key_type"
    huge = files.read_key_file(vectors.path("keys/openssl/ed25519-pbkdf2-huge.pem"), name="k")
    with pytest.raises(KeyFileError) as info:
        huge.unlock(OPENSSL_PASS)
    assert info.value.code == "keyfile.kdf_too_costly"


# --- arbitrary input -----------------------------------------------------------------------


@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_attest_errors(data: bytes) -> None:
    with contextlib.suppress(AttestError):
        keyfile.parse_key_file(data, name="fuzz/key").unlock("pw")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@given(st.sampled_from(["name", "public_key", "version", "secret", "format"]), _JSON)
def test_any_member_value_raises_only_attest_errors(member: str, value: object) -> None:
    doc = json.loads(VECTORS["valid"][0]["file"])
    doc[member] = value
    try:
        keyfile.parse_key_file(json.dumps(doc).encode()).unlock(VECTORS["valid"][0]["passphrase"])
    except AttestError:
        return
    # Only an unchanged value, or another valid name (the name is not sealed; specs/keys.md
    # §7.2), may still open.
    assert (member, value) in (("format", "attest-key"), ("version", 1)) or member == "name"
