"""``attest key`` through click's CliRunner, checked against independent vectors."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from attest import files
from attest.keys import keyfile
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import KdfParams, NamedKey
from attest_cli.main import cli
from tests import vectors

PASS = "cli test passphrase"
ENV = {"ATTEST_PASSPHRASE": PASS}
FAST = KdfParams(ops_limit=1, mem_limit=8192)


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    clean = {"ATTEST_PASSPHRASE": None} if env is None else env
    return CliRunner().invoke(cli, list(args), env=clean, input=stdin)  # type: ignore[arg-type]


def assert_error(result: Result, code: str, exit_code: int = 2) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith(f"error: {code}: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def make_key_file(path: Path, name: str, seed: bytes, passphrase: str | None = PASS) -> Path:
    key = NamedKey(name, PrivateKey(seed))
    data = keyfile.encode_key_file(key, passphrase, allow_unencrypted=passphrase is None, kdf=FAST)
    files.write_key_file(path, data)
    return path


# --- generate ------------------------------------------------------------------------------


def test_generate_with_environment_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "eval.key"
    result = run(
        "key", "generate", "example.com/evaluator", "-o", str(out), "--kdf", "interactive", env=ENV
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 or os.name != "posix"
    key = files.read_key_file(out).unlock(PASS)
    assert key.name == "example.com/evaluator"
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines()[1:])
    assert lines["did"].strip() == "did:key:z" + _b58(b"\xed\x01" + key.public_key.raw)
    name, key_id, vkey_b64 = lines["note key"].strip().split("+", 2)
    assert base64.b64decode(vkey_b64) == b"\x01" + key.public_key.raw
    assert name == key.name
    digest = hashlib.sha256(name.encode() + b"\n\x01" + key.public_key.raw).digest()
    assert key_id == digest[:4].hex()  # C2SP signed-note key id
    assert lines["fingerprint"].strip() == key.public_key.fingerprint()
    seed = key.private_key.seed
    for secret in (seed.hex(), base64.b64encode(seed).decode()):
        assert secret not in result.output


def test_generate_default_file_name_and_kdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("key", "generate", "example.com/evaluator", "--json", env=ENV)
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["file"] == "example.com_evaluator.key"
    doc = json.loads((tmp_path / "example.com_evaluator.key").read_text())
    assert (doc["secret"]["ops_limit"], doc["secret"]["mem_limit"]) == (3, 256 << 20)
    assert info["encrypted"] is True


def test_generate_prompts_twice_without_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "k.key"
    result = run(
        "key", "generate", "a.example/k", "-o", str(out), "--kdf", "interactive",
        stdin="typed pass\ntyped pass\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert files.read_key_file(out).unlock("typed pass").name == "a.example/k"
    assert "typed pass" not in result.output  # hidden input is not echoed


def test_generate_no_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "k.key"
    result = run("key", "generate", "a.example/k", "-o", str(out), "--no-passphrase")
    assert result.exit_code == 0, result.output
    assert "unencrypted" in result.stderr
    doc = json.loads(out.read_text())
    assert doc["secret"]["encryption"] == "none"
    assert not files.read_key_file(out).encrypted
    assert doc["secret"]["seed"] not in result.output


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "k.key"
    out.write_text("precious")
    assert_error(run("key", "generate", "a.example/k", "-o", str(out), env=ENV), "keyfile.exists")
    assert out.read_text() == "precious"
    result = run(
        "key", "generate", "a.example/k", "-o", str(out), "--force", "--kdf", "interactive",
        env=ENV,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert files.read_key_file(out).name == "a.example/k"


@pytest.mark.parametrize("name", ["has space", "has+plus", ""])
def test_generate_bad_name(tmp_path: Path, name: str) -> None:
    result = run("key", "generate", name, "-o", str(tmp_path / "k.key"), env=ENV)
    assert_error(result, "keyfile.bad_name")
    assert not (tmp_path / "k.key").exists()


def test_generate_empty_passphrase(tmp_path: Path) -> None:
    result = run("key", "generate", "a.example/k", "-o", str(tmp_path / "k.key"), env={
        "ATTEST_PASSPHRASE": ""
    })  # fmt: skip
    assert_error(result, "keyfile.empty_passphrase")


def test_help_names_the_environment_variable() -> None:
    result = run("key", "generate", "--help")
    assert result.exit_code == 0
    assert "ATTEST_PASSPHRASE" in result.output
    assert "key" in run("--help").output


# --- show ----------------------------------------------------------------------------------

GO_KEYS = vectors.load_json("tlog/generated/keys.json")["keys"]
GO_KEY = next(k for k in GO_KEYS if k["type"] == "ed25519")


def test_show_matches_go_and_w3c(tmp_path: Path) -> None:
    """The note key is Go x/mod's vkey for the same seed and name."""
    path = make_key_file(tmp_path / "k.key", GO_KEY["name"], bytes.fromhex(GO_KEY["seed_hex"]))
    result = run("key", "show", str(path), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["note_verifier_key"] == GO_KEY["vkey"]
    assert info["name"] == GO_KEY["name"]
    assert info["encrypted"] is True
    assert info["format"] == "attest"
    text = run("key", "show", str(path))
    assert text.exit_code == 0
    assert GO_KEY["vkey"] in text.stdout
    assert info["did"] in text.stdout


def test_show_needs_no_passphrase_for_our_files(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes(32))
    result = run("key", "show", str(path))
    assert result.exit_code == 0, result.output
    assert "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp" in result.stdout


def test_show_openssl_pem(tmp_path: Path) -> None:
    pem_path = str(vectors.path("keys/openssl/ed25519.pem"))
    assert_error(run("key", "show", pem_path), "keyfile.name_required")
    result = run("key", "show", pem_path, "--name", "openssl.example/k", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "pem"
    encrypted = str(vectors.path("keys/openssl/ed25519-scrypt.pem"))
    enc = run("key", "show", encrypted, "--name", "openssl.example/k", "--json", env={
        "ATTEST_PASSPHRASE": "openssl-vector-passphrase"
    })  # fmt: skip
    assert enc.exit_code == 0, enc.output
    assert json.loads(enc.stdout)["did"] == json.loads(result.stdout)["did"]


def test_show_errors(tmp_path: Path) -> None:
    assert_error(run("key", "show", str(tmp_path / "missing.key")), "keyfile.unreadable")
    bad = tmp_path / "bad.key"
    bad.write_text('{"format": "attest-key", "version": 9}')
    assert_error(run("key", "show", str(bad)), "keyfile.unsupported_version")


# --- export --------------------------------------------------------------------------------

W3C = vectors.load_json("did-key/did-method-key/ed25519-x25519.json")
W3C_JWK = W3C["did:key:z6MkwYMhwTvsq376YBAcJHy3vyRWzBgn5vKfVqqDCgm7XVKU"]
WYCHEPROOF = vectors.load_json("ed25519/wycheproof/ed25519_test.json")["testGroups"]
RFC8032_TEST1 = vectors.load_json("ed25519/ed25519-rfc8032-7.1.json")["vectors"][0]


def test_export_did(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes(32))
    result = run("key", "export", str(path), "--format", "did")
    assert result.exit_code == 0, result.output
    assert result.stdout == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp\n"


def test_export_note(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", GO_KEY["name"], bytes.fromhex(GO_KEY["seed_hex"]))
    result = run("key", "export", str(path), "--format", "note")
    assert result.exit_code == 0, result.output
    assert result.stdout == GO_KEY["vkey"] + "\n"


def test_export_pem_public(tmp_path: Path) -> None:
    """The RFC 8032 TEST 1 key's public PEM is the one Wycheproof publishes for it."""
    seed = bytes.fromhex(RFC8032_TEST1["secretKey"])
    group = next(g for g in WYCHEPROOF if g["publicKey"]["pk"] == RFC8032_TEST1["publicKey"])
    path = make_key_file(tmp_path / "k.key", "a.example/k", seed)
    result = run("key", "export", str(path), "--format", "pem")
    assert result.exit_code == 0, result.output
    assert result.stdout == group["publicKeyPem"]


def test_export_jwk_public_and_private(tmp_path: Path) -> None:
    pair = W3C_JWK["verificationKeyPair"]
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes.fromhex(W3C_JWK["seed"]))
    public = run("key", "export", str(path), "--format", "jwk")
    assert public.exit_code == 0, public.output
    assert json.loads(public.stdout) == pair["publicKeyJwk"]
    private = run("key", "export", str(path), "--format", "jwk", "--private", env=ENV)
    assert private.exit_code == 0, private.output
    assert json.loads(private.stdout) == pair["privateKeyJwk"]


def test_export_private_pem(tmp_path: Path) -> None:
    seed = bytes(range(32))
    path = make_key_file(tmp_path / "k.key", "a.example/k", seed)
    result = run("key", "export", str(path), "--format", "pem", "--private", env=ENV)
    assert result.exit_code == 0, result.output
    loaded = serialization.load_pem_private_key(result.stdout.encode(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert loaded.private_bytes_raw() == seed
    if shutil.which("openssl"):
        done = subprocess.run(
            ["openssl", "pkey", "-noout"],
            input=result.stdout.encode(),
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0


def test_export_private_to_a_file(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes(range(32)))
    out = tmp_path / "k.pem"
    result = run(
        "key", "export", str(path), "--format", "pem", "--private", "-o", str(out), env=ENV
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = run("key", "export", str(path), "--format", "pem", "--private", "-o", str(out), env=ENV)
    assert_error(again, "keyfile.exists")


def test_export_private_of_an_unencrypted_file_needs_no_passphrase(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes(range(32)), passphrase=None)
    result = run("key", "export", str(path), "--format", "jwk", "--private")
    assert result.exit_code == 0, result.output
    assert "d" in json.loads(result.stdout)


def test_export_errors(tmp_path: Path) -> None:
    path = make_key_file(tmp_path / "k.key", "a.example/k", bytes(range(32)))
    wrong = {"ATTEST_PASSPHRASE": "wrong"}
    assert_error(
        run("key", "export", str(path), "--format", "pem", "--private", env=wrong),
        "keyfile.bad_passphrase",
    )
    assert_error(
        run("key", "export", str(path), "--format", "note", "--private", env=ENV),
        "key.private_export_unsupported",
    )
    assert_error(
        run("key", "export", str(tmp_path / "nope"), "--format", "did"), "keyfile.unreadable"
    )
    tampered = json.loads(path.read_text())
    other = PrivateKey(bytes(32)).public_key.raw
    tampered["public_key"] = base64.b64encode(other).decode()
    bad = tmp_path / "bad.key"
    bad.write_text(json.dumps(tampered))
    assert_error(
        run("key", "export", str(bad), "--format", "jwk", "--private", env=ENV),
        "keyfile.public_key_mismatch",
    )
    usage = run("key", "export", str(path), "--format", "xml")
    assert usage.exit_code == 2  # click's own usage error
    assert "Traceback" not in usage.output


def _b58(data: bytes) -> str:
    """Base58btc, written out here so the CLI test does not lean on attest.codec.multibase."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out
