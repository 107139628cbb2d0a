"""Regenerate the signed-note, checkpoint and cosignature vectors in this folder.

Run from the repository root: ``python test_vectors/note/generate.py``. Every key comes from a
fixed seed and Ed25519 is deterministic, so the output is byte-identical on every run. Each
case states the outcome attest must give: ``ok`` (with what verified) or the stable error
code and error class (specs/note.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from attest.keys.ed25519 import PrivateKey
from attest.tlog import checkpoint, cosignature, note
from attest.tlog.merkle import leaf_hash, tree_root

HERE = Path(__file__).resolve().parent
MALFORMED, LIMIT, VERIFY = "MalformedError", "LimitExceededError", "VerificationError"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def seed(byte: int) -> bytes:
    return bytes([byte]) * 32


ALICE = note.Ed25519Signer("example.com/alice", PrivateKey(seed(0x41)))
BOB = note.Ed25519Signer("example.com/bob", PrivateKey(seed(0x42)))
LOG = note.Ed25519Signer("example.com/log", PrivateKey(seed(0x4C)))
W1_KEY, W2_KEY = PrivateKey(seed(0x57)), PrivateKey(seed(0x58))
W1 = cosignature.CosignatureSigner("witness.example/w1", W1_KEY, 1767225600)
W2 = cosignature.CosignatureSigner("witness.example/w2", W2_KEY, 1767225601)

KEYS: dict[str, dict[str, Any]] = {
    "alice": {"name": ALICE.name, "seed_hex": seed(0x41).hex(), "type": "ed25519"},
    "bob": {"name": BOB.name, "seed_hex": seed(0x42).hex(), "type": "ed25519"},
    "log": {"name": LOG.name, "seed_hex": seed(0x4C).hex(), "type": "ed25519"},
    "w1": {"name": W1.name, "seed_hex": seed(0x57).hex(), "type": "cosignature"},
    "w2": {"name": W2.name, "seed_hex": seed(0x58).hex(), "type": "cosignature"},
}
VKEY = {
    "alice": ALICE.verifier().vkey(),
    "bob": BOB.verifier().vkey(),
    "log": LOG.verifier().vkey(),
    "w1": W1.verifier().vkey(),
    "w2": W2.verifier().vkey(),
    # the witnesses' Ed25519 keys as plain type 0x01 keys: different key ids
    "w1_as_ed25519": note.format_verifier_key(W1.name, W1_KEY.public_key),
}
for k, v in KEYS.items():
    v["vkey"] = VKEY[k]

#: The witness signature of the cosigned checkpoint example in c2sp.org/tlog-cosignature.
SPEC_WITNESS_BLOB = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
    "mbIUBkBIfZ+qnA=="
)
TEXT = "attest signed-note vector\nsecond line\n"


def line(name: str, blob: bytes) -> str:
    return f"\u2014 {name} {b64(blob)}\n"


def sig_line(signer: note.Signer, text: str) -> str:
    return line(signer.name, signer.key_id.to_bytes(4, "big") + signer.sign(text.encode()))


def ok(
    case_id: str, desc: str, data: str | bytes, vkeys: list[str], **extra: Any
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "description": desc}
    case.update(_note_field(data))
    case.update({"vkeys": vkeys, "expect": "ok"})
    case.update(extra)
    return case


def err(
    case_id: str, desc: str, data: str | bytes, vkeys: list[str], code: str, cls: str
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "description": desc}
    case.update(_note_field(data))
    case.update({"vkeys": vkeys, "expect": "error", "code": code, "error_class": cls})
    return case


def _note_field(data: str | bytes) -> dict[str, str]:
    if isinstance(data, bytes):
        return {"note_b64": b64(data)}
    return {"note": data}


def flip_pad_bits(encoded: str) -> str:
    """Set the unused low bits of the last base64 digit: same bytes, non-canonical text."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = encoded.rstrip("=")
    pad = len(encoded) - len(body)
    last = alphabet.index(body[-1]) | (0b11 if pad == 1 else 0b1111)
    return body[:-1] + alphabet[last] + "=" * pad


# --- notes.json ------------------------------------------------------------------------------


def notes() -> dict[str, Any]:
    good = note.sign(TEXT, [ALICE]).decode()
    a_line = sig_line(ALICE, TEXT)
    b_line = sig_line(BOB, TEXT)
    a_blob = base64.b64decode(a_line.split(" ")[2])
    va = [VKEY["alice"]]
    cases = [
        ok("one-signer", "signed by alice", good, va, verified=["example.com/alice+" + _id(ALICE)]),
        ok(
            "text-with-blank-lines",
            "the text may hold blank lines; the last blank line separates the signatures",
            note.sign("a\n\nb\n\n\nc\n", [ALICE]).decode(),
            va,
            text="a\n\nb\n\n\nc\n",
            verified=[_label(ALICE)],
        ),
        ok(
            "unknown-key-ignored",
            "bob's line is from an unknown key: set aside, not checked",
            TEXT + "\n" + a_line + b_line,
            va,
            verified=[_label(ALICE)],
            unverified=[_label(BOB)],
        ),
        ok(
            "two-known-keys",
            "both keys known: both verify, listed in note order",
            TEXT + "\n" + b_line + a_line,
            [VKEY["alice"], VKEY["bob"]],
            verified=[_label(BOB), _label(ALICE)],
        ),
        ok(
            "one-hundred-lines",
            "100 signature lines, the most a note may have",
            TEXT + "\n" + a_line * 100,
            va,
            verified=[_label(ALICE)],
        ),
        ok(
            "minimal-text",
            "the shortest text is a single newline",
            note.sign("\n", [ALICE]).decode(),
            va,
            text="\n",
            verified=[_label(ALICE)],
        ),
        err(
            "101-lines",
            "101 signature lines: refused before any signature is checked",
            TEXT + "\n" + a_line * 101,
            va,
            "note.too_many_signatures",
            LIMIT,
        ),
        err(
            "no-blank-line",
            "no blank line before the signature",
            TEXT + a_line,
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "no-final-newline",
            "the last signature line lacks its newline",
            good[:-1],
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "empty-signature-block",
            "a blank line but no signature lines",
            TEXT + "\n",
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "crlf",
            "CR before a newline",
            good.replace("line\n", "line\r\n", 1),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err("nul", "a NUL byte in the text", "\x00" + good, va, "note.malformed", MALFORMED),
        err(
            "tab", "a tab in the text", good.replace(" ", "\t", 1), va, "note.malformed", MALFORMED
        ),
        err(
            "invalid-utf8", "a 0xFF byte", b"\xff" + good.encode(), va, "note.malformed", MALFORMED
        ),
        err(
            "overlong-utf8",
            "an overlong encoding of '/'",
            b"\xc0\xaf" + good.encode(),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "surrogate-utf8",
            "a UTF-8 encoded surrogate",
            b"\xed\xa0\x80" + good.encode(),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "hyphen-dash",
            "'-' instead of the em dash",
            good.replace("\u2014", "-"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "en-dash",
            "U+2013 instead of the em dash",
            good.replace("\u2014", "\u2013"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "no-space-after-dash",
            "em dash directly followed by the name",
            good.replace("\u2014 ", "\u2014"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "two-spaces",
            "two spaces between name and signature",
            good.replace("alice ", "alice  "),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "no-signature",
            "a name and no signature",
            TEXT + "\n\u2014 example.com/alice\n",
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "name-with-plus",
            "'+' in the key name",
            good.replace("alice", "al+ice"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "name-with-nbsp",
            "U+00A0 in the key name",
            good.replace("alice", "al\u00a0ice"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "name-with-ideographic-space",
            "U+3000 in the key name",
            good.replace("alice", "al\u3000ice"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "empty-name",
            "no key name",
            TEXT + "\n\u2014  " + b64(a_blob) + "\n",
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "base64-bad-char",
            "'!' in the base64",
            good.replace("=\n", "!\n"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "base64-url-alphabet",
            "base64url instead of standard base64",
            TEXT
            + "\n\u2014 example.com/alice "
            + base64.urlsafe_b64encode(a_blob).decode().replace("=", "")
            + "\n",
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "base64-no-padding",
            "the '=' padding removed",
            good.replace("=\n", "\n"),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "key-id-only",
            "four bytes: a key id and no signature",
            TEXT + "\n" + line(ALICE.name, a_blob[:4]),
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "trailing-line",
            "a line after the signatures that is not a signature",
            good + "trailing\n",
            va,
            "note.malformed",
            MALFORMED,
        ),
        err(
            "text-altered",
            "one character of the text changed",
            good.replace("second", "Second"),
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "signature-altered",
            "one bit of the signature flipped",
            TEXT + "\n" + line(ALICE.name, a_blob[:-1] + bytes([a_blob[-1] ^ 1])),
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "signature-truncated",
            "a known key's signature one byte short",
            TEXT + "\n" + line(ALICE.name, a_blob[:-1]),
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "non-canonical-base64",
            "a known key's line with non-zero base64 pad bits: same bytes, second encoding "
            "(Go x/mod accepts it; attest does not)",
            TEXT + "\n\u2014 example.com/alice " + flip_pad_bits(b64(a_blob)) + "\n",
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "good-and-bad-line-same-key",
            "a valid line and a bad line by the same known key (Go x/mod checks only the "
            "first; attest checks every distinct line)",
            TEXT + "\n" + a_line + line(ALICE.name, a_blob[:-1] + bytes([a_blob[-1] ^ 1])),
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "blank-line-in-signature-block",
            "a blank line between two signature lines moves the split: the first line "
            "becomes text, so the signature no longer matches",
            TEXT + "\n" + a_line + "\n" + a_line,
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err(
            "known-bad-unknown-good",
            "bob (unknown) is ignored, but alice's bad line still rejects the note",
            TEXT + "\n" + b_line + line(ALICE.name, a_blob[:-1] + bytes([a_blob[-1] ^ 1])),
            va,
            "note.invalid_signature",
            VERIFY,
        ),
        err("no-verifiers", "well formed, no known key", good, [], "note.unverified", VERIFY),
        err(
            "other-key-id",
            "alice's name with bob's key id: an unknown key, ignored",
            TEXT + "\n" + line(ALICE.name, BOB.key_id.to_bytes(4, "big") + a_blob[4:]),
            va,
            "note.unverified",
            VERIFY,
        ),
        err(
            "other-name",
            "bob's line relabelled with alice's name: an unknown key, ignored",
            TEXT + "\n" + b_line.replace("example.com/bob", "example.com/alice"),
            va,
            "note.unverified",
            VERIFY,
        ),
        err(
            "cosignature-key-type",
            "alice's key as a cosignature/v1 (0x04) signer: its key id differs from the "
            "0x01 vkey's, so the line is unknown",
            note.sign(
                TEXT, [cosignature.CosignatureSigner(ALICE.name, ALICE.private_key, 1)]
            ).decode(),
            va,
            "note.unverified",
            VERIFY,
        ),
    ]
    return {
        "about": "Signed notes (c2sp.org/signed-note) and what attest.tlog.note.open must do with "
        "them. 'note' is the UTF-8 text of the note; when 'note_b64' is given instead, the "
        "note is not valid UTF-8 and those are its exact bytes.",
        "keys": {k: KEYS[k] for k in ("alice", "bob")},
        "text": TEXT,
        "cases": cases,
        "verifier_keys": verifier_keys(),
        "private_keys": private_keys(),
    }


def _id(s: note.Signer) -> str:
    return f"{s.key_id:08x}"


def _label(s: note.Signer) -> str:
    return f"{s.name}+{s.key_id:08x}"


def _vkey(name: str, key_type: int, key: bytes, kid: int | None = None) -> str:
    if kid is None:  # computed here, so that invalid names can be encoded too
        digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + key).digest()
        kid = int.from_bytes(digest[:4], "big")
    return f"{name}+{kid:08x}+{b64(bytes([key_type]) + key)}"


def verifier_keys() -> list[dict[str, Any]]:
    pub = ALICE.private_key.public_key.raw
    name = ALICE.name
    good = VKEY["alice"]

    def bad(case_id: str, vkey: str, code: str, parser: str = "note") -> dict[str, Any]:
        return {
            "id": case_id,
            "parser": parser,
            "vkey": vkey,
            "expect": "error",
            "code": code,
            "error_class": MALFORMED,
        }

    return [
        {
            "id": "ed25519",
            "parser": "note",
            "vkey": good,
            "expect": "ok",
            "key_type": 1,
            "key_id_hex": _id(ALICE),
            "public_key_hex": pub.hex(),
        },
        {
            "id": "cosignature",
            "parser": "cosignature",
            "vkey": VKEY["w1"],
            "expect": "ok",
            "key_type": 4,
            "key_id_hex": f"{W1.key_id:08x}",
            "public_key_hex": W1_KEY.public_key.raw.hex(),
        },
        bad("uppercase-hex", good.replace(_id(ALICE), _id(ALICE).upper()), "note.bad_verifier_key"),
        bad("seven-hex-digits", good.replace(_id(ALICE), _id(ALICE)[1:]), "note.bad_verifier_key"),
        bad("no-key", f"{name}+{_id(ALICE)}", "note.bad_verifier_key"),
        bad("no-key-empty", f"{name}+{_id(ALICE)}+", "note.bad_verifier_key"),
        bad("empty-name", good[len(name) :], "note.bad_verifier_key"),
        bad("name-with-space", _vkey("example.com/al ice", 1, pub), "note.bad_verifier_key"),
        bad("trailing-newline", good + "\n", "note.bad_verifier_key"),
        bad(
            "base64url",
            f"{name}+{_id(ALICE)}+"
            + base64.urlsafe_b64encode(bytes([1]) + pub).decode().rstrip("="),
            "note.bad_verifier_key",
        ),
        bad("type-only", _vkey(name, 1, b""), "note.bad_verifier_key"),
        bad("wrong-key-id", _vkey(name, 1, pub, kid=0x01020304), "note.key_id_mismatch"),
        bad("key-31-bytes", _vkey(name, 1, pub[:31]), "note.bad_verifier_key"),
        bad("key-33-bytes", _vkey(name, 1, pub + b"\x00"), "note.bad_verifier_key"),
        bad("cosignature-key-as-ed25519", VKEY["w1"], "note.unsupported_key_type"),
        bad("ed25519-key-as-cosignature", good, "note.unsupported_key_type", "cosignature"),
        bad("ecdsa-type-0x02", _vkey(name, 2, pub), "note.unsupported_key_type", "checkpoint"),
        bad("rfc6962-type-0x05", _vkey(name, 5, pub), "note.unsupported_key_type", "checkpoint"),
        bad(
            "unassigned-type-0xff",
            _vkey(name, 0xFF, pub),
            "note.unsupported_key_type",
            "checkpoint",
        ),
    ]


def private_keys() -> list[dict[str, Any]]:
    seed_a = seed(0x41)
    encoded = b64(bytes([1]) + seed_a)
    good = f"PRIVATE+KEY+{ALICE.name}+{_id(ALICE)}+{encoded}"

    def bad(case_id: str, skey: str, code: str) -> dict[str, Any]:
        return {
            "id": case_id,
            "skey": skey,
            "expect": "error",
            "code": code,
            "error_class": MALFORMED,
        }

    return [
        {"id": "ed25519", "skey": good, "expect": "ok", "vkey": VKEY["alice"]},
        bad("no-prefix", good[len("PRIVATE+KEY+") :], "note.bad_private_key"),
        bad(
            "lowercase-prefix", "private+key+" + good[len("PRIVATE+KEY+") :], "note.bad_private_key"
        ),
        bad("wrong-key-id", good.replace(_id(ALICE), "01020304"), "note.key_id_mismatch"),
        bad(
            "type-0x04",
            good.replace(b64(b"\x01" + seed_a), b64(b"\x04" + seed_a)),
            "note.bad_private_key",
        ),
        bad(
            "seed-31-bytes",
            good.replace(b64(b"\x01" + seed_a), b64(b"\x01" + seed_a[:31])),
            "note.bad_private_key",
        ),
        bad("name-with-space", good.replace("alice", "al ice"), "note.bad_private_key"),
    ]


# --- checkpoints.json ------------------------------------------------------------------------


def root_of(n: int) -> bytes:
    """Root of the tree of leaves b'0' .. str(n-1) (the gen_leaves convention)."""
    return tree_root(leaf_hash(str(i).encode()) for i in range(n))


def checkpoints() -> dict[str, Any]:
    r10 = b64(root_of(10))
    empty = b64(hashlib.sha256(b"").digest())
    origin = LOG.name
    body10 = f"{origin}\n10\n{r10}\n"

    def body_ok(case_id: str, text: str, size: int, ext: list[str]) -> dict[str, Any]:
        return {
            "id": case_id,
            "text": text,
            "expect": "ok",
            "origin": text.split("\n")[0],
            "size": size,
            "root_b64": text.split("\n")[2],
            "extensions": ext,
        }

    def body_bad(case_id: str, text: str, code: str) -> dict[str, Any]:
        return {
            "id": case_id,
            "text": text,
            "expect": "error",
            "code": code,
            "error_class": MALFORMED,
        }

    bodies = [
        body_ok("size-10", body10, 10, []),
        body_ok("empty-tree", f"{origin}\n0\n{empty}\n", 0, []),
        body_ok("extensions", body10 + "ext one\nx-two: 2\n", 10, ["ext one", "x-two: 2"]),
        body_ok("origin-with-spaces", f"go.sum database tree\n10\n{r10}\n", 10, []),
        body_ok("largest-size", f"{origin}\n{2**63 - 1}\n{r10}\n", 2**63 - 1, []),
        body_bad("two-lines", f"{origin}\n10\n", "checkpoint.malformed"),
        body_bad("no-final-newline", body10[:-1], "checkpoint.malformed"),
        body_bad("crlf", body10.replace("\n", "\r\n"), "checkpoint.malformed"),
        body_bad("tab", body10.replace("\n10", "\n\t10"), "checkpoint.malformed"),
        body_bad("empty-origin", f"\n10\n{r10}\n", "checkpoint.bad_origin"),
        body_bad("leading-zero", f"{origin}\n010\n{r10}\n", "checkpoint.bad_size"),
        body_bad("plus-sign", f"{origin}\n+10\n{r10}\n", "checkpoint.bad_size"),
        body_bad("minus-sign", f"{origin}\n-1\n{r10}\n", "checkpoint.bad_size"),
        body_bad("leading-space", f"{origin}\n 10\n{r10}\n", "checkpoint.bad_size"),
        body_bad("underscore", f"{origin}\n1_0\n{r10}\n", "checkpoint.bad_size"),
        body_bad("hex-size", f"{origin}\n0xa\n{r10}\n", "checkpoint.bad_size"),
        body_bad("arabic-indic-digits", f"{origin}\n\u0661\u0660\n{r10}\n", "checkpoint.bad_size"),
        body_bad("size-2^63", f"{origin}\n{2**63}\n{r10}\n", "checkpoint.bad_size"),
        body_bad("size-2^64", f"{origin}\n{2**64}\n{r10}\n", "checkpoint.bad_size"),
        body_bad("empty-size", f"{origin}\n\n{r10}\n", "checkpoint.bad_size"),
        body_bad(
            "root-31-bytes", f"{origin}\n10\n{b64(root_of(10)[:31])}\n", "checkpoint.bad_root_hash"
        ),
        body_bad(
            "root-33-bytes",
            f"{origin}\n10\n{b64(root_of(10) + b'x')}\n",
            "checkpoint.bad_root_hash",
        ),
        body_bad("root-no-padding", f"{origin}\n10\n{r10[:-1]}\n", "checkpoint.bad_root_hash"),
        body_bad(
            "root-non-canonical",
            f"{origin}\n10\n{flip_pad_bits(r10)}\n",
            "checkpoint.bad_root_hash",
        ),
        body_bad("root-hex", f"{origin}\n10\n{root_of(10).hex()}\n", "checkpoint.bad_root_hash"),
        body_bad(
            "empty-tree-zero-root", f"{origin}\n0\n{b64(bytes(32))}\n", "checkpoint.bad_empty_root"
        ),
        body_bad("empty-extension", body10 + "\next\n", "checkpoint.bad_extension"),
        body_bad("trailing-blank-line", body10 + "\n", "checkpoint.bad_extension"),
    ]

    cp10 = checkpoint.parse_checkpoint(body10)
    full = checkpoint.sign_checkpoint(cp10, LOG, [W1, W2]).decode()
    log_line = sig_line(LOG, body10)
    w1_line, w2_line = sig_line(W1, body10), sig_line(W2, body10)
    witnesses = [VKEY["w1"], VKEY["w2"]]

    def signed(
        case_id: str,
        desc: str,
        data: str,
        code: str | None,
        cls: str = VERIFY,
        wit: list[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        case: dict[str, Any] = {
            "id": case_id,
            "description": desc,
            "note": data,
            "log_vkey": VKEY["log"],
            "witness_vkeys": witnesses if wit is None else wit,
        }
        case.update(extra)
        if code is None:
            case["expect"] = "ok"
        else:
            case.update({"expect": "error", "code": code, "error_class": cls})
        return case

    other = checkpoint.Checkpoint("example.com/other", 10, root_of(10))
    open_cases = [
        signed(
            "log-only",
            "signed by the log alone",
            note.sign(body10, [LOG]).decode(),
            None,
            verified=[_label(LOG)],
            cosignature_timestamps={},
        ),
        signed(
            "log-and-two-witnesses",
            "the log and two cosignature/v1 witnesses",
            full,
            None,
            verified=[_label(LOG), _label(W1), _label(W2)],
            cosignature_timestamps={_label(W1): W1.timestamp, _label(W2): W2.timestamp},
        ),
        signed(
            "unknown-witness-ignored",
            "w2 is not configured: its line is ignored",
            full,
            None,
            wit=[VKEY["w1"]],
            verified=[_label(LOG), _label(W1)],
            cosignature_timestamps={_label(W1): W1.timestamp},
        ),
        signed(
            "witness-as-ed25519-vkey",
            "w1 configured with its type 0x01 vkey: the 0x04 line has another key id and "
            "is ignored, never checked as Ed25519",
            full,
            None,
            wit=[VKEY["w1_as_ed25519"]],
            verified=[_label(LOG)],
            cosignature_timestamps={},
        ),
        signed(
            "origin-given",
            "the expected origin passed explicitly",
            full,
            None,
            origin=origin,
            verified=[_label(LOG), _label(W1), _label(W2)],
            cosignature_timestamps={_label(W1): W1.timestamp, _label(W2): W2.timestamp},
        ),
        signed(
            "only-witnesses",
            "no log signature: valid as a signed note, not as a checkpoint",
            body10 + "\n" + w1_line + w2_line,
            "checkpoint.log_signature_missing",
        ),
        signed(
            "no-known-key",
            "signed only by alice, who is neither log nor witness",
            note.sign(body10, [ALICE]).decode(),
            "checkpoint.log_signature_missing",
        ),
        signed(
            "log-as-cosigner",
            "the log's key signed as a cosignature/v1 (0x04) line: not the log's 0x01 key id",
            note.sign(
                body10, [cosignature.CosignatureSigner(LOG.name, LOG.private_key, 5), W1]
            ).decode(),
            "checkpoint.log_signature_missing",
        ),
        signed(
            "origin-mismatch",
            "a checkpoint for another origin, signed by the log key",
            note.sign(other.text(), [LOG]).decode(),
            "checkpoint.origin_mismatch",
        ),
        signed(
            "expected-origin-differs",
            "the caller expects another origin",
            full,
            "checkpoint.origin_mismatch",
            origin="example.com/other",
        ),
        signed(
            "malformed-body",
            "a log-signed text whose size has a leading zero",
            note.sign(f"{origin}\n010\n{r10}\n", [LOG]).decode(),
            "checkpoint.bad_size",
            MALFORMED,
        ),
        signed(
            "root-altered",
            "root replaced after signing",
            full.replace(r10, b64(bytes(32))),
            "note.invalid_signature",
        ),
        signed(
            "size-altered",
            "size changed after signing",
            full.replace("\n10\n", "\n11\n"),
            "note.invalid_signature",
        ),
        signed(
            "extension-added",
            "an extension line added after signing",
            full.replace(f"{r10}\n", f"{r10}\nadded\n"),
            "note.invalid_signature",
        ),
        signed(
            "witness-timestamp-altered",
            "w1's timestamp changed, the log's line intact",
            body10 + "\n" + log_line + _retime(w1_line, W1.timestamp + 1) + w2_line,
            "note.invalid_signature",
        ),
        signed("not-a-note", "a bare checkpoint body", body10, "note.malformed", MALFORMED),
    ]
    return {
        "about": "Checkpoint bodies (c2sp.org/tlog-checkpoint) for attest.tlog.checkpoint."
        "parse_checkpoint, and signed checkpoints for attest.tlog.checkpoint.open_checkpoint(note, "
        "log, witnesses=..., origin=...). 'origin' absent means the log key's name. Leaves "
        "follow gen_leaves (leaf i is the ASCII decimal of i).",
        "keys": {k: KEYS[k] for k in ("log", "alice", "w1", "w2")},
        "bodies": bodies,
        "open": open_cases,
    }


def _retime(sig_line_text: str, timestamp: int) -> str:
    name, encoded = sig_line_text[2:-1].split(" ")
    blob = base64.b64decode(encoded)
    return line(name, blob[:4] + timestamp.to_bytes(8, "big") + blob[12:])


# --- cosignatures.json -----------------------------------------------------------------------


def cosignatures() -> dict[str, Any]:
    body = f"{LOG.name}\n10\n{b64(root_of(10))}\n"
    ext_body = body + "ext one\n"
    messages = [
        {"timestamp": t, "text": x, "signed_message": cosignature.signed_message(x, t).decode()}
        for t, x in ((0, body), (W1.timestamp, body), (2**63 - 1, body), (W1.timestamp, ext_body))
    ]
    bad_messages = [
        {
            "id": "timestamp-2^63",
            "timestamp": 2**63,
            "text": body,
            "code": "cosignature.bad_timestamp",
            "error_class": MALFORMED,
        },
        {
            "id": "timestamp-negative",
            "timestamp": -1,
            "text": body,
            "code": "cosignature.bad_timestamp",
            "error_class": MALFORMED,
        },
        {
            "id": "text-without-newline",
            "timestamp": 1,
            "text": body[:-1],
            "code": "cosignature.bad_text",
            "error_class": MALFORMED,
        },
    ]
    log_line = sig_line(LOG, body)
    kid = W1.key_id.to_bytes(4, "big")

    def forged(timestamp: int, message: bytes) -> str:
        return line(W1.name, kid + timestamp.to_bytes(8, "big") + W1_KEY.sign(message))

    def signed(
        case_id: str, desc: str, data: str, code: str | None, **extra: Any
    ) -> dict[str, Any]:
        case: dict[str, Any] = {
            "id": case_id,
            "description": desc,
            "note": data,
            "log_vkey": VKEY["log"],
            "witness_vkeys": [VKEY["w1"]],
        }
        if code is None:
            case["expect"] = "ok"
            case.update(extra)
        else:
            case.update({"expect": "error", "code": code, "error_class": VERIFY})
        return case

    max_ts = 2**63 - 1
    w1_max = cosignature.CosignatureSigner(W1.name, W1_KEY, max_ts)
    cases = [
        signed(
            "ok",
            "log and w1",
            body + "\n" + log_line + sig_line(W1, body),
            None,
            cosignature_timestamps={_label(W1): W1.timestamp},
        ),
        signed(
            "timestamp-zero",
            "timestamp 0 is valid",
            body
            + "\n"
            + log_line
            + sig_line(cosignature.CosignatureSigner(W1.name, W1_KEY, 0), body),
            None,
            cosignature_timestamps={_label(W1): 0},
        ),
        signed(
            "timestamp-max",
            "timestamp 2^63 - 1 is the largest allowed",
            body + "\n" + log_line + sig_line(w1_max, body),
            None,
            cosignature_timestamps={_label(W1): max_ts},
        ),
        signed(
            "extension-lines-signed",
            "cosignature/v1 signs the extension lines too",
            ext_body + "\n" + sig_line(LOG, ext_body) + sig_line(W1, ext_body),
            None,
            cosignature_timestamps={_label(W1): W1.timestamp},
        ),
        signed(
            "timestamp-2^63",
            "a correct signature over a message with time 2^63",
            body
            + "\n"
            + log_line
            + forged(2**63, b"cosignature/v1\ntime %d\n" % 2**63 + body.encode()),
            "note.invalid_signature",
        ),
        signed(
            "timestamp-2^64-1",
            "timestamp all ones",
            body
            + "\n"
            + log_line
            + forged(2**64 - 1, b"cosignature/v1\ntime %d\n" % (2**64 - 1) + body.encode()),
            "note.invalid_signature",
        ),
        signed(
            "plain-ed25519-under-0x04-id",
            "w1 signs the bare checkpoint text (no cosignature/v1 header) under its 0x04 key id",
            body + "\n" + log_line + forged(W1.timestamp, body.encode()),
            "note.invalid_signature",
        ),
        signed(
            "wrong-timestamp-line",
            "the message's time differs from the blob's",
            body
            + "\n"
            + log_line
            + forged(W1.timestamp, cosignature.signed_message(body, W1.timestamp + 1)),
            "note.invalid_signature",
        ),
        signed(
            "no-timestamp",
            "key id and 64-byte signature, no timestamp (68 bytes)",
            body
            + "\n"
            + log_line
            + line(W1.name, kid + W1_KEY.sign(cosignature.signed_message(body, W1.timestamp))),
            "note.invalid_signature",
        ),
        signed(
            "one-byte-long",
            "77 bytes: one byte too many",
            body
            + "\n"
            + log_line
            + line(W1.name, base64.b64decode(sig_line(W1, body).split(" ")[2]) + b"\x00"),
            "note.invalid_signature",
        ),
        signed(
            "other-log-text",
            "a valid w1 cosignature for another checkpoint, moved here",
            body + "\n" + log_line + sig_line(W1, body.replace("\n10\n", "\n9\n")),
            "note.invalid_signature",
        ),
    ]
    blobs = [
        {
            "id": "spec-example",
            "blob_b64": SPEC_WITNESS_BLOB,
            "expect": "ok",
            "key_id_hex": "8d66cf3f",
            "timestamp": 1679315147,
        },
        {
            "id": "71-bytes-after-key-id",
            "blob_b64": b64(kid + bytes(71)),
            "expect": "error",
            "code": "cosignature.bad_length",
            "error_class": MALFORMED,
        },
        {
            "id": "73-bytes-after-key-id",
            "blob_b64": b64(kid + bytes(73)),
            "expect": "error",
            "code": "cosignature.bad_length",
            "error_class": MALFORMED,
        },
        {
            "id": "timestamp-2^63",
            "blob_b64": b64(kid + (2**63).to_bytes(8, "big") + bytes(64)),
            "expect": "error",
            "code": "cosignature.bad_timestamp",
            "error_class": MALFORMED,
        },
    ]
    return {
        "about": "cosignature/v1 (c2sp.org/tlog-cosignature): signed messages, signature blobs "
        "(key id ‖ uint64 BE timestamp ‖ Ed25519 signature; decode the part after the 4-byte key "
        "id), and cosigned checkpoints for attest.tlog.checkpoint.open_checkpoint.",
        "keys": {k: KEYS[k] for k in ("log", "w1")},
        "messages": messages,
        "bad_messages": bad_messages,
        "blobs": blobs,
        "open": cases,
    }


def main() -> None:
    for name, build in (
        ("notes", notes),
        ("checkpoints", checkpoints),
        ("cosignatures", cosignatures),
    ):
        text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
        (HERE / f"{name}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
