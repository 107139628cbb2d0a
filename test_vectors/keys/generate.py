"""Writes did-key.json, keyfile.json and openssl/ed25519-pbkdf2-huge.pem in this folder.

Run from the repository root with the project installed: ``python test_vectors/keys/generate.py``.
Every value comes from fixed seeds, salts and nonces, so the output is byte-reproducible.
Valid cases are encoded with the attest library; the tests check them against independent
sources (the W3C did:key vectors, libsodium called directly). Invalid cases are valid ones
with one thing changed, each with the error code a reader must raise.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from attest.codec import multibase
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import KdfParams, NamedKey, encode_key_file

HERE = Path(__file__).resolve().parent


def seed(label: str) -> bytes:
    """A fixed 32-byte seed: SHA-256 of a label."""
    return hashlib.sha256(label.encode()).digest()


def dump(name: str, doc: dict[str, Any]) -> None:
    (HERE / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")


# --- did:key ----------------------------------------------------------------------------


def did_key_vectors() -> dict[str, Any]:
    seeds = {
        "zero seed (W3C did:key vector)": bytes(32),
        "seed 00..01 (W3C did:key vector)": bytes(31) + b"\x01",
        "RFC 8032 TEST 1 key": bytes.fromhex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        ),
        "seed 0xff x 32": b"\xff" * 32,
        "seed sha256('attest did:key vector')": seed("attest did:key vector"),
    }
    valid = []
    for label, s in seeds.items():
        key = PrivateKey(s)
        valid.append(
            {
                "description": label,
                "seed_hex": s.hex(),
                "public_key_hex": key.public_key.raw.hex(),
                "multikey": did_key.encode_multikey(key.public_key),
                "did": did_key.encode_did_key(key.public_key),
                "verification_method": did_key.verification_method_id(key.public_key),
                "secret_multikey": did_key.encode_secret_multikey(key),
            }
        )
    pk = PrivateKey(bytes(32)).public_key.raw
    other = PrivateKey(bytes(31) + b"\x01").public_key
    mk = did_key.encode_multikey(PrivateKey(bytes(32)).public_key)

    def z(data: bytes) -> str:
        return "z" + multibase.b58encode(data)

    def case(description: str, value: str, error: str, form: str = "did") -> dict[str, str]:
        return {"description": description, "form": form, "input": value, "error": error}

    invalid = [
        case("empty", "", "did_key.bad_syntax"),
        case("no method-specific id", "did:key:", "did_key.bad_syntax"),
        case("upper-case scheme", "DID:KEY:" + mk, "did_key.bad_syntax"),
        case("leading space", " did:key:" + mk, "did_key.bad_syntax"),
        case("another DID method", "did:web:example.com", "did_key.unsupported_method"),
        case("version segment (old drafts)", "did:key:1:" + mk, "did_key.bad_syntax"),
        case("path", f"did:key:{mk}/path", "did_key.bad_syntax"),
        case("query", f"did:key:{mk}?service=x", "did_key.bad_syntax"),
        case("empty fragment", f"did:key:{mk}#", "did_key.fragment_mismatch"),
        case("fragment is not the key", f"did:key:{mk}#key-1", "did_key.fragment_mismatch"),
        case(
            "fragment is another key",
            f"did:key:{mk}#{did_key.encode_multikey(other)}",
            "did_key.fragment_mismatch",
        ),
        case(
            "DID without fragment where a verification method URL is required",
            "did:key:" + mk,
            "did_key.missing_fragment",
            "verification_method",
        ),
        case(
            "base64url multibase ('u') instead of base58btc",
            "did:key:u" + multibase.b64url_encode(b"\xed\x01" + pk),
            "multikey.bad_encoding",
        ),
        case(
            "'0' is not in the base58 alphabet",
            "did:key:" + mk[:10] + "0" + mk[11:],
            "multibase.bad_base58",
        ),
        case(
            "'l' is not in the base58 alphabet",
            "did:key:" + mk[:10] + "l" + mk[11:],
            "multibase.bad_base58",
        ),
        case("trailing newline", "did:key:" + mk + "\n", "multibase.bad_base58"),
        case("no bytes after 'z'", "did:key:z", "multicodec.bad_varint"),
        case("truncated varint", "did:key:" + z(b"\xed"), "multicodec.bad_varint"),
        case(
            "non-minimal varint for 0xed",
            "did:key:" + z(b"\xed\x81\x00" + pk),
            "multicodec.bad_varint",
        ),
        case("31-byte key", "did:key:" + z(b"\xed\x01" + pk[:31]), "multikey.bad_length"),
        case("33-byte key", "did:key:" + z(b"\xed\x01" + pk + b"\x00"), "multikey.bad_length"),
        case(
            "x25519-pub (0xec) key with the same bytes",
            "did:key:" + z(b"\xec\x01" + pk),
            "multikey.unsupported_key_type",
        ),
        case(
            "p256-pub (0x1200), 33-byte compressed point",
            "did:key:" + z(b"\x80\x24\x02" + pk),
            "multikey.unsupported_key_type",
        ),
        case(
            "ed25519-priv (0x1300) secret key as a DID",
            "did:key:" + z(b"\x80\x26" + bytes(32)),
            "multikey.unsupported_key_type",
        ),
        case(
            "Multikey of the wrong key type",
            z(b"\xe7\x01\x02" + pk),
            "multikey.unsupported_key_type",
            "multikey",
        ),
        case("Multikey without the 'z' prefix", mk[1:], "multikey.bad_encoding", "multikey"),
    ]
    return {
        "description": "did:key / Multikey (Ed25519) cases of the attest project; "
        "see README.md. form: 'did' = decode_did_key(input), 'verification_method' = "
        "decode_did_key(input, require_fragment=True), 'multikey' = decode_multikey(input).",
        "valid": valid,
        "invalid": invalid,
    }


# --- key files --------------------------------------------------------------------------

PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a published test passphrase
KDF = KdfParams(ops_limit=1, mem_limit=8192)  # libsodium's minimum: fast vectors
SALT = bytes(range(16))
NONCE = bytes(range(100, 124))


DELETE = object()


def mutate_doc(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with the member at dotted ``path`` set (or deleted)."""
    copy: dict[str, Any] = json.loads(json.dumps(doc))
    *parents, last = path.split(".")
    target = copy
    for p in parents:
        target = target[p]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return copy


def mutate(doc: dict[str, Any], path: str, value: Any) -> str:
    """Key file text of :func:`mutate_doc`."""
    return json.dumps(mutate_doc(doc, path, value), indent=2, ensure_ascii=False) + "\n"


def keyfile_vectors() -> dict[str, Any]:
    key = NamedKey("example.com/evaluator", PrivateKey(seed("attest keyfile vector")))
    other = PrivateKey(seed("attest keyfile other key")).public_key
    encrypted = encode_key_file(key, PASSPHRASE, kdf=KDF, salt=SALT, nonce=NONCE)
    plain = encode_key_file(key, None, allow_unencrypted=True)
    unicode_key = NamedKey("ключ.example/évaluateur", key.private_key)
    unicode_pass = "pässwörd ключ 🔑"  # noqa: S105 - a published test passphrase
    unicode_file = encode_key_file(unicode_key, unicode_pass, kdf=KDF, salt=SALT, nonce=NONCE)
    enc: dict[str, Any] = json.loads(encrypted)
    pln: dict[str, Any] = json.loads(plain)

    def flip(b64: str, index: int) -> str:
        raw = bytearray(base64.b64decode(b64))
        raw[index] ^= 0x01
        return base64.b64encode(bytes(raw)).decode()

    def case(
        description: str, text: str, error: str, stage: str, passphrase: str | None = PASSPHRASE
    ) -> dict[str, Any]:
        return {
            "description": description,
            "file": text,
            "passphrase": passphrase,
            "stage": stage,
            "error": error,
        }

    s = enc["secret"]
    invalid = [
        case("wrong passphrase", encrypted.decode(), "keyfile.bad_passphrase", "unlock", "wrong"),
        case(
            "no passphrase for an encrypted file",
            encrypted.decode(),
            "keyfile.passphrase_required",
            "unlock",
            None,
        ),
        case(
            "passphrase differs only in Unicode normalization (NFD)",
            unicode_file.decode(),
            "keyfile.bad_passphrase",
            "unlock",
            "pa\u0308sswo\u0308rd ключ 🔑",
        ),
        case(
            "ciphertext: one bit flipped in the tag",
            mutate(enc, "secret.ciphertext", flip(s["ciphertext"], 0)),
            "keyfile.bad_passphrase",
            "unlock",
        ),
        case(
            "ciphertext: one bit flipped in the sealed seed",
            mutate(enc, "secret.ciphertext", flip(s["ciphertext"], 47)),
            "keyfile.bad_passphrase",
            "unlock",
        ),
        case(
            "nonce: one bit flipped",
            mutate(enc, "secret.nonce", flip(s["nonce"], 3)),
            "keyfile.bad_passphrase",
            "unlock",
        ),
        case(
            "salt: one bit flipped",
            mutate(enc, "secret.salt", flip(s["salt"], 3)),
            "keyfile.bad_passphrase",
            "unlock",
        ),
        case(
            "ops_limit changed (2 instead of 1): another key is derived",
            mutate(enc, "secret.ops_limit", 2),
            "keyfile.bad_passphrase",
            "unlock",
        ),
        case(
            "public key of another seed (encrypted file)",
            mutate(enc, "public_key", base64.b64encode(other.raw).decode()),
            "keyfile.public_key_mismatch",
            "unlock",
        ),
        case(
            "public key of another seed (unencrypted file)",
            mutate(pln, "public_key", base64.b64encode(other.raw).decode()),
            "keyfile.public_key_mismatch",
            "parse",
        ),
        case("version 2", mutate(enc, "version", 2), "keyfile.unsupported_version", "parse"),
        case("version 0", mutate(enc, "version", 0), "keyfile.unsupported_version", "parse"),
        case(
            "version as a string",
            mutate(enc, "version", "1"),
            "keyfile.unsupported_version",
            "parse",
        ),
        case(
            "version as a float",
            mutate(enc, "version", 1.0),
            "keyfile.unsupported_version",
            "parse",
        ),
        case(
            "version missing",
            mutate(enc, "version", DELETE),
            "keyfile.unsupported_version",
            "parse",
        ),
        case("another format", mutate(enc, "format", "age"), "keyfile.not_a_key_file", "parse"),
        case("format missing", mutate(enc, "format", DELETE), "keyfile.not_a_key_file", "parse"),
        case("a JSON array", "[]\n", "keyfile.not_a_key_file", "parse"),
        case("not JSON", "hello\n", "keyfile.malformed", "parse"),
        {
            "description": "not UTF-8",
            "file_hex": "7b22ff227d0a",
            "passphrase": PASSPHRASE,
            "stage": "parse",
            "error": "keyfile.malformed",
        },
        case(
            "duplicate member",
            encrypted.decode().replace('"version": 1,', '"version": 1,\n  "version": 1,'),
            "keyfile.malformed",
            "parse",
        ),
        case(
            "NaN constant",
            encrypted.decode().replace('"ops_limit": 1', '"ops_limit": NaN'),
            "keyfile.malformed",
            "parse",
        ),
        case("unknown member", mutate(enc, "comment", "hi"), "keyfile.unknown_field", "parse"),
        case(
            "unknown secret member",
            mutate(enc, "secret.aad", ""),
            "keyfile.unknown_field",
            "parse",
        ),
        case(
            "public key missing",
            mutate(enc, "public_key", DELETE),
            "keyfile.missing_field",
            "parse",
        ),
        case(
            "nonce missing", mutate(enc, "secret.nonce", DELETE), "keyfile.missing_field", "parse"
        ),
        case(
            "unencrypted file with a salt",
            mutate(pln, "secret.salt", s["salt"]),
            "keyfile.unknown_field",
            "parse",
        ),
        case(
            "unknown encryption",
            mutate(enc, "secret.encryption", "scrypt-aes256gcm"),
            "keyfile.unsupported_encryption",
            "parse",
        ),
        case(
            "encryption missing",
            mutate(enc, "secret.encryption", DELETE),
            "keyfile.unsupported_encryption",
            "parse",
        ),
        case("ops_limit 0", mutate(enc, "secret.ops_limit", 0), "keyfile.bad_kdf_params", "parse"),
        case(
            "ops_limit 17", mutate(enc, "secret.ops_limit", 17), "keyfile.bad_kdf_params", "parse"
        ),
        case(
            "mem_limit below 8 KiB",
            mutate(enc, "secret.mem_limit", 4096),
            "keyfile.bad_kdf_params",
            "parse",
        ),
        case(
            "mem_limit 2 GiB",
            mutate(enc, "secret.mem_limit", 2 << 30),
            "keyfile.bad_kdf_params",
            "parse",
        ),
        case(
            "mem_limit not a multiple of 1024",
            mutate(enc, "secret.mem_limit", 8193),
            "keyfile.bad_kdf_params",
            "parse",
        ),
        case(
            "ops_limit x mem_limit above 4 GiB (8 x 1 GiB)",
            mutate(mutate_doc(enc, "secret.mem_limit", 1 << 30), "secret.ops_limit", 8),
            "keyfile.bad_kdf_params",
            "parse",
        ),
        case(
            "ops_limit as a float",
            mutate(enc, "secret.ops_limit", 1.5),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "mem_limit as a string",
            mutate(enc, "secret.mem_limit", "8192"),
            "keyfile.bad_field",
            "parse",
        ),
        case("ops_limit true", mutate(enc, "secret.ops_limit", True), "keyfile.bad_field", "parse"),
        case(
            "salt of 15 bytes",
            mutate(enc, "secret.salt", base64.b64encode(SALT[:15]).decode()),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "nonce of 12 bytes",
            mutate(enc, "secret.nonce", base64.b64encode(NONCE[:12]).decode()),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "ciphertext truncated by one byte",
            mutate(
                enc,
                "secret.ciphertext",
                base64.b64encode(base64.b64decode(s["ciphertext"])[:-1]).decode(),
            ),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "salt without base64 padding",
            mutate(enc, "secret.salt", s["salt"].rstrip("=")),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "salt in base64url",
            mutate(enc, "secret.salt", base64.urlsafe_b64encode(b"\xfb\xff" * 8).decode()),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "public key with non-zero spare bits (non-canonical base64)",
            mutate(enc, "public_key", enc["public_key"][:-2] + "B="),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "seed of 31 bytes",
            mutate(pln, "secret.seed", base64.b64encode(key.private_key.seed[:31]).decode()),
            "keyfile.bad_field",
            "parse",
        ),
        case(
            "name with a space",
            mutate(enc, "name", "example.com evaluator"),
            "keyfile.bad_name",
            "parse",
        ),
        case(
            "name with '+'",
            mutate(enc, "name", "example.com+evaluator"),
            "keyfile.bad_name",
            "parse",
        ),
        case("empty name", mutate(enc, "name", ""), "keyfile.bad_name", "parse"),
        case("name not a string", mutate(enc, "name", 7), "keyfile.bad_name", "parse"),
    ]
    return {
        "description": "attest key files (format attest-key, version 1); see README.md and "
        "specs/keys.md. 'file' is the file's text, to be encoded as UTF-8 ('file_hex': the "
        "file's bytes in hex, for a file that is not UTF-8). "
        "stage 'parse' = the error is raised when the file is read, 'unlock' = when it is "
        "decrypted with 'passphrase'.",
        "kdf_note": "Vectors use ops_limit 1, mem_limit 8192 (libsodium's minimum) so tests "
        "run fast; real files default to ops_limit 3, mem_limit 268435456.",
        "valid": [
            {
                "description": "encrypted (Argon2id + XSalsa20-Poly1305)",
                "file": encrypted.decode(),
                "passphrase": PASSPHRASE,
                "name": key.name,
                "seed_hex": key.private_key.seed.hex(),
                "public_key_hex": key.public_key.raw.hex(),
                "salt_hex": SALT.hex(),
                "nonce_hex": NONCE.hex(),
                "encrypted": True,
            },
            {
                "description": "unencrypted (written only when explicitly asked)",
                "file": plain.decode(),
                "passphrase": None,
                "name": key.name,
                "seed_hex": key.private_key.seed.hex(),
                "public_key_hex": key.public_key.raw.hex(),
                "encrypted": False,
            },
            {
                "description": "non-ASCII name and passphrase (UTF-8, as typed: no normalization)",
                "file": unicode_file.decode(),
                "passphrase": unicode_pass,
                "name": unicode_key.name,
                "seed_hex": key.private_key.seed.hex(),
                "public_key_hex": key.public_key.raw.hex(),
                "salt_hex": SALT.hex(),
                "nonce_hex": NONCE.hex(),
                "encrypted": True,
            },
        ],
        "invalid": invalid,
    }


# --- a PEM asking for too much PBKDF2 work ----------------------------------------------


def huge_pbkdf2_pem() -> None:
    src = (HERE / "openssl" / "ed25519-pbkdf2-8m.pem").read_text()
    body = "".join(src.splitlines()[1:-1])
    der = base64.b64decode(body)
    old = bytes.fromhex("020400800000")  # INTEGER 8388608
    assert der.count(old) == 1
    der = der.replace(old, bytes.fromhex("02047fffffff"))  # INTEGER 2^31 - 1
    b64 = base64.b64encode(der).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    text = "\n".join(
        ["-----BEGIN ENCRYPTED PRIVATE KEY-----", *lines, "-----END ENCRYPTED PRIVATE KEY-----"]
    )
    (HERE / "openssl" / "ed25519-pbkdf2-huge.pem").write_text(text + "\n")


if __name__ == "__main__":
    dump("did-key.json", did_key_vectors())
    dump("keyfile.json", keyfile_vectors())
    huge_pbkdf2_pem()
