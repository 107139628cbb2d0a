"""Writes the bundle vectors in this folder: valid bundles and invalid ones (see README.md).

Run from the repository root with the project installed:

    python test_vectors/bundle/generate.py [OUTPUT_DIR]

OUTPUT_DIR defaults to this folder. The inputs, keys, clock and issuance are those of
``test_vectors/credential/generate.py`` (imported from there), so the valid bundles carry the
credentials of that folder. Every invalid bundle is a valid one with one thing changed, or an
issuance where one thing was done wrong and everything else right; ``index.json`` names what
must reject it: a structural rule of specs/bundle.md §3 at parse time (with its error code),
or a verification step of specs/verification.md §2.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import cbor2

from attest.codec.canonical import canonicalize
from attest.codec.cbor import encode_deterministic
from attest.codec.digest import Digest, hash_bytes
from attest.evaluation.bundle import (
    CBOR_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    MAX_BUNDLE_SIZE,
    Bundle,
    LoggedEntry,
)
from attest.evaluation.credential import (
    COSE_MEDIA_TYPE,
    EvidenceRef,
    sign_cose,
    sign_json,
    unsigned_credential,
)
from attest.evaluation.credential import JSON_MEDIA_TYPE as VC_MEDIA_TYPE
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import evaluate, parse_results
from attest.keys.did_key import verification_method_id
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.vc import data_integrity
from attest.vc.cose import CwtClaims
from attest.vc.cose import sign as cose_sign

HERE = Path(__file__).resolve().parent


def _load_credential_generator() -> Any:
    path = HERE.parent / "credential" / "generate.py"
    spec = importlib.util.spec_from_file_location("attest_credential_vectors", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


C = _load_credential_generator()
OTHER_LABEL = "attest bundle vector other key"
ATTACKER_LABEL = "attest bundle vector attacker log key"
OTHER = PrivateKey(C.seed(OTHER_LABEL))
ATTACKER = PrivateKey(C.seed(ATTACKER_LABEL))
#: When a verifier should check the verify-stage cases: an hour after issuance.
VERIFY_AT = "2026-11-26T13:00:00Z"


# --- issuing with one thing done wrong, everything else right ---------------------------------


def issue_wrongly(
    work: Path,
    encoding: str,
    *,
    sign: Callable[[dict[str, Any]], Any] | None = None,
    after_signing: Callable[[Any], Any] | None = None,
    logged_digest: Callable[[Any], Digest] | None = None,
) -> Bundle:
    """specs/bundle.md §4 by hand, in a fresh log: evidence logged, credential built from the
    vectors' inputs and signed (``sign``, default: as attest signs), changed (``after_signing``)
    and then logged faithfully (the log records what the bundle carries, unless
    ``logged_digest`` says otherwise), one checkpoint, the bundle."""
    with Log.create(work, C.log_signer()) as log:
        t = int(C.NOW.timestamp())
        evidence = [
            LogEntry("evidence", hash_bytes(data), len(data), media, t, name=name)
            for name, media, data in C.EVIDENCE
        ]
        indices = log.append_many(evidence)
        refs = [
            EvidenceRef(e.digest, e.size, e.media_type, C.ORIGIN, i, name=e.name)
            for e, i in zip(evidence, indices, strict=True)
        ]
        pact = parse_pact(C.PACT_TOML.encode())
        ev = evaluate(C.SUBJECT, pact, parse_results(C.RESULTS_TOML.encode()))
        unsigned = unsigned_credential(
            ev, C.ISSUER.public_key, refs, now=C.NOW, valid_for=C.VALID_FOR
        )
        if sign is not None:
            secured = sign(unsigned)
        elif encoding == "json":
            secured = sign_json(unsigned, C.ISSUER)
        else:
            secured = sign_cose(unsigned, C.ISSUER)
        if after_signing is not None:
            secured = after_signing(secured)
        body = secured if isinstance(secured, bytes) else canonicalize(secured)
        digest = logged_digest(secured) if logged_digest else hash_bytes(body)
        media = COSE_MEDIA_TYPE if isinstance(secured, bytes) else VC_MEDIA_TYPE
        entry = LogEntry("credential", digest, len(body), media, t, name=str(unsigned["id"]))
        (index,) = log.append_many([entry])
        log.checkpoint()
        items = [LoggedEntry("credential", log.entry(index), log.prove(index))]
        items += [LoggedEntry("evidence", log.entry(i), log.prove(i)) for i in indices]
        return Bundle(secured, log.origin, log.config.vkey, tuple(items))


def _change_measurement(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["credentialSubject"]["evaluation"]["measurement"][0]["value"] = 0.999
    return doc


def _flip_proof_value(doc: dict[str, Any]) -> dict[str, Any]:
    from attest.codec import multibase

    doc = copy.deepcopy(doc)
    signature = bytearray(multibase.decode(doc["proof"]["proofValue"]))
    signature[10] ^= 0x01
    doc["proof"]["proofValue"] = multibase.encode(bytes(signature), multibase.BASE58BTC)
    return doc


def _cose_parts(message: bytes) -> list[Any]:
    return list(cbor2.loads(message).value)


def _cose_join(parts: list[Any]) -> bytes:
    return encode_deterministic(cbor2.CBORTag(18, parts))


def _flip_cose_signature(message: bytes) -> bytes:
    parts = _cose_parts(message)
    signature = bytearray(parts[3])
    signature[0] ^= 0x80
    parts[3] = bytes(signature)
    return _cose_join(parts)


def _change_cose_payload(message: bytes) -> bytes:
    parts = _cose_parts(message)
    doc = cbor2.loads(parts[2])
    parts[2] = encode_deterministic(_change_measurement(doc))
    return _cose_join(parts)


def _cose_with_claims(unsigned: dict[str, Any], key: PrivateKey, **claims: Any) -> bytes:
    base = cbor2.loads(cbor2.loads(sign_cose(unsigned, C.ISSUER)).value[0])[15]
    cwt = CwtClaims(iss=base[1], sub=base[2], iat=base[6], nbf=base[5], exp=base[4])
    return cose_sign(
        key,
        encode_deterministic(unsigned),
        kid=verification_method_id(key.public_key).encode(),
        content_type="application/vc",
        claims=replace(cwt, **claims),
    )


def _json_by_other_key(unsigned: dict[str, Any]) -> dict[str, Any]:
    options = data_integrity.ProofOptions(created=unsigned["validFrom"])
    return dict(data_integrity.add_proof(unsigned, OTHER, options))


# --- structural changes to a valid bundle --------------------------------------------------


def _proof_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _as_before(before: Any, text: str) -> Any:
    return text.encode() if isinstance(before, bytes) else text


def _entry_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else base64.b64decode(value)


def _entry_as_before(before: Any, raw: bytes) -> Any:
    return raw if isinstance(before, bytes) else base64.b64encode(raw).decode()


def _long_size(entry: bytes) -> bytes:
    """The entry with its ``size`` in a 4-byte head instead of the shortest (RFC 8949 §4.2.1)."""
    size = cbor2.loads(entry)["size"]
    key = cbor2.dumps("size")
    shortest = key + cbor2.dumps(size)
    assert entry.count(shortest) == 1
    return entry.replace(shortest, key + bytes([0x1A]) + size.to_bytes(4, "big"))


def _non_canonical_b64(value: str) -> str:
    raw = base64.b64decode(value)
    stem = value.rstrip("=")
    pad = value[len(stem) :]
    assert pad, "needs a padded value"
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/":
        candidate = stem[:-1] + c + pad
        if candidate != value and base64.b64decode(candidate) == raw:
            return candidate
    raise AssertionError("no other spelling")


def _flip_checkpoint_signature(note: bytes) -> bytes:
    text, _, sig_line = note.rstrip(b"\n").rpartition(b"\n")
    prefix, _, blob = sig_line.rpartition(b" ")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 0x01
    return text + b"\n" + prefix + b" " + base64.b64encode(bytes(raw)) + b"\n"


def _resign_checkpoint(note: bytes, key: PrivateKey) -> bytes:
    from attest.tlog import note as notes

    text = note.decode().split("\n\n")[0] + "\n"
    return notes.sign(text, [Ed25519Signer(C.ORIGIN, key)])


def _with_checkpoint(proof: Any, checkpoint: bytes) -> Any:
    text = _proof_text(proof)
    head = text.split("\n\n", 1)[0]
    return _as_before(proof, head + "\n\n" + checkpoint.decode())


def _flip_first_proof_hash(proof: Any) -> Any:
    lines = _proof_text(proof).split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("index ")) + 1
    raw = bytearray(base64.b64decode(lines[i]))
    raw[0] ^= 0x01
    lines[i] = base64.b64encode(bytes(raw)).decode()
    return _as_before(proof, "\n".join(lines))


def _other_entry_digest(entry: Any) -> Any:
    decoded = LogEntry.decode(_entry_bytes(entry))
    changed = replace(decoded, digest=hash_bytes(b"not the evidence"))
    return _entry_as_before(entry, changed.encode())


# --- writing --------------------------------------------------------------------------------


class Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[Path] = []
        self.valid: list[dict[str, Any]] = []
        self.invalid: list[dict[str, Any]] = []

    def put(self, name: str, data: bytes) -> str:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(path)
        return name

    def case(self, case_id: str, encoding: str, data: bytes, **expect: Any) -> None:
        ext = "json" if encoding == "json" else "cbor"
        name = self.put(f"invalid/{case_id}.{ext}", data)
        self.invalid.append({"id": case_id, "file": name, "encoding": encoding, **expect})


def _json_text(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def _encode(doc: Any, encoding: str) -> bytes:
    return _json_text(doc) if encoding == "json" else encode_deterministic(doc)


def _decode(data: bytes, encoding: str) -> Any:
    return json.loads(data) if encoding == "json" else cbor2.loads(data)


Change = Callable[[Any], Any]


def _structural(json_doc: Any, cbor_doc: Any) -> list[tuple[str, str, str, str, Change]]:
    """(id, encoding, description, code, change) for the rules of specs/bundle.md §3."""

    def drop(key: str) -> Change:
        return lambda d: d.pop(key)

    def set_(key: str, value: Any) -> Change:
        return lambda d: d.__setitem__(key, value)

    def entries(change: Callable[[list[Any]], Any]) -> Change:
        def apply(d: Any) -> None:
            result = change(d["entries"])
            if result is not None:
                d["entries"] = result

        return apply

    def mixed(other: Any) -> Change:
        """Entry 1's proof taken from the other bundle: the same entry, the same log, but
        proven under the checkpoint of the other issuance."""

        def apply(d: Any) -> None:
            before = d["entries"][1]["tlogProof"]
            d["entries"][1]["tlogProof"] = _as_before(
                before, _proof_text(other["entries"][1]["tlogProof"])
            )

        return apply

    def entry(i: int, fn: Callable[[bytes], bytes]) -> Change:
        def apply(d: Any) -> None:
            e = d["entries"][i]
            e["entry"] = _entry_as_before(e["entry"], fn(_entry_bytes(e["entry"])))

        return apply

    def proof(i: int, fn: Callable[[str], str]) -> Change:
        def apply(d: Any) -> None:
            e = d["entries"][i]
            e["tlogProof"] = _as_before(e["tlogProof"], fn(_proof_text(e["tlogProof"])))

        return apply

    def _spare_bits(d: Any) -> None:
        e = next(e for e in d["entries"] if e["entry"].endswith("="))
        e["entry"] = _non_canonical_b64(e["entry"])

    def _unpadded(d: Any) -> None:
        e = next(e for e in d["entries"] if e["entry"].endswith("="))
        e["entry"] = e["entry"].rstrip("=")

    cose_b64 = base64.b64encode(cbor_doc["credential"]).decode()
    out: list[tuple[str, str, str, str, Change]] = []
    for enc, other_media, other in (
        ("json", CBOR_MEDIA_TYPE, cbor_doc),
        ("cbor", JSON_MEDIA_TYPE, json_doc),
    ):
        out += [
            (f"{enc}-media-type-of-other-encoding", enc, f"mediaType {other_media}",
             "bundle.bad_media_type", set_("mediaType", other_media)),
            (f"{enc}-version-2", enc, "version 2", "bundle.unknown_version",
             set_("version", 2)),
            (f"{enc}-version-text", enc, 'version "1" (text)', "bundle.unknown_version",
             set_("version", "1")),
            (f"{enc}-version-float", enc, "version 1.0 (a float)", "bundle.unknown_version",
             set_("version", 1.0)),
            (f"{enc}-missing-media-type", enc, "no mediaType", "bundle.missing_field",
             drop("mediaType")),
            (f"{enc}-missing-version", enc, "no version", "bundle.missing_field",
             drop("version")),
            (f"{enc}-missing-credential", enc, "no credential", "bundle.missing_field",
             drop("credential")),
            (f"{enc}-missing-log", enc, "no log", "bundle.missing_field", drop("log")),
            (f"{enc}-missing-entries", enc, "no entries", "bundle.missing_field",
             drop("entries")),
            (f"{enc}-unknown-field", enc, "an unknown top-level field 'signature'",
             "bundle.unknown_field", set_("signature", "x")),
            (f"{enc}-log-extra-member", enc, "log with a third member 'url'",
             "bundle.bad_field",
             lambda d: d["log"].__setitem__("url", "https://log.example/")),
            (f"{enc}-bad-role", enc, "entry 1 has role 'witness'", "bundle.bad_role",
             lambda d: d["entries"][1].__setitem__("role", "witness")),
            (f"{enc}-credential-not-first", enc, "the evidence entry comes first",
             "bundle.no_credential_entry", entries(lambda e: [e[1], e[0], *e[2:]])),
            (f"{enc}-two-credential-entries", enc, "entry 1 has role 'credential' too",
             "bundle.bad_role", lambda d: d["entries"][1].__setitem__("role", "credential")),
            (f"{enc}-no-entries", enc, "entries is empty", "bundle.no_credential_entry",
             set_("entries", [])),
            (f"{enc}-mixed-checkpoints", enc,
             "entry 1's tlog-proof leads to the checkpoint of the log's other issuance "
             "(both genuine)", "bundle.mixed_checkpoints", mixed(other)),
            (f"{enc}-duplicate-index", enc, "entry 1 appears twice",
             "bundle.duplicate_entry", entries(lambda e: e.append(copy.deepcopy(e[1])))),
            (f"{enc}-tlog-proof-bad-header", enc,
             "a tlog-proof whose first line is c2sp.org/tlog-proof@v2",
             "tlog_proof.unknown_version",
             proof(0, lambda t: t.replace("tlog-proof@v1", "tlog-proof@v2", 1))),
            (f"{enc}-tlog-proof-index-leading-zero", enc, "a tlog-proof with 'index 02'",
             "tlog_proof.bad_index", proof(0, lambda t: t.replace("\nindex ", "\nindex 0", 1))),
            (f"{enc}-entry-not-canonical-cbor", enc,
             "entry 1 with its size in a 4-byte head (not the shortest form)",
             "entry.not_canonical", entry(1, _long_size)),
            (f"{enc}-entry-unknown-version", enc, "entry 1 with v = 2",
             "entry.unknown_version", entry(1, lambda b: b.replace(b"av\x01", b"av\x02", 1))),
            (f"{enc}-duplicate-evidence-data", enc, "evidenceData holds one digest twice",
             "bundle.duplicate_evidence",
             lambda d: d["evidenceData"].append(copy.deepcopy(d["evidenceData"][0]))),
            (f"{enc}-evidence-digest-upper-case", enc, "an evidenceData digest in upper case",
             "digest.malformed",
             lambda d: d["evidenceData"][0].__setitem__(
                 "digest", d["evidenceData"][0]["digest"].upper())),
            (f"{enc}-status-list-null", enc, "statusList null", "bundle.bad_field",
             set_("statusList", None)),
            (f"{enc}-status-lists-empty", enc, "statusLists an empty array",
             "bundle.bad_field", set_("statusLists", [])),
            (f"{enc}-status-lists-too-many", enc, "statusLists with 5 lists (at most 4)",
             "bundle.too_many_status_lists", set_("statusLists", [{"id": "x"}] * 5)),
            (f"{enc}-status-list-and-lists", enc, "both statusList and statusLists",
             "bundle.bad_field",
             lambda d: d.update({"statusList": {"id": "x"}, "statusLists": [{"id": "x"}]})),
        ]  # fmt: skip
    out += [
        ("json-credential-is-cose", "json", "a JSON bundle carrying the COSE credential (base64)",
         "bundle.bad_field", set_("credential", cose_b64)),
        ("cbor-credential-is-json", "cbor", "a CBOR bundle carrying the JSON credential (a map)",
         "bundle.bad_field", set_("credential", json_doc["credential"])),
        ("json-entry-base64-spare-bits", "json",
         "an entry in base64 whose spare bits are set (decodes to the same bytes)",
         "bundle.bad_base64", _spare_bits),
        ("json-entry-base64-unpadded", "json", "an entry in base64 without its padding",
         "bundle.bad_base64", _unpadded),
        ("json-evidence-base64url", "json", "evidence data in the base64url alphabet",
         "bundle.bad_base64",
         lambda d: d["evidenceData"][0].__setitem__(
             "data", base64.urlsafe_b64encode(b"\xfb\xff\xfe").decode())),
        ("cbor-entry-as-text", "cbor", "entry 1 as base64 text instead of a byte string",
         "bundle.bad_field",
         lambda d: d["entries"][1].__setitem__(
             "entry", base64.b64encode(d["entries"][1]["entry"]).decode())),
        ("cbor-integer-key", "cbor", "an extra map key that is an integer",
         "bundle.unknown_field", lambda d: d.__setitem__(1, 1)),
    ]  # fmt: skip
    return out


def build(out: Path) -> list[Path]:
    """Write every generated file under ``out``; returns their paths."""
    w = Writer(out)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        issued = C.issue_both(work / "main", embed=True)
        plain = C.issue_both(work / "plain")
        json_bundle, cbor_bundle = issued.json_bundle, issued.cbor_bundle
        wrong = {
            "json-claim-changed-before-logging": issue_wrongly(
                work / "w1", "json", after_signing=_change_measurement
            ),
            "json-proof-value-bit-flipped": issue_wrongly(
                work / "w2", "json", after_signing=_flip_proof_value
            ),
            "json-signed-by-another-key": issue_wrongly(
                work / "w3", "json", sign=_json_by_other_key
            ),
            "cose-signature-bit-flipped": issue_wrongly(
                work / "w4", "cbor", after_signing=_flip_cose_signature
            ),
            "cose-payload-changed": issue_wrongly(
                work / "w5", "cbor", after_signing=_change_cose_payload
            ),
            "cose-cwt-subject-mismatch": issue_wrongly(
                work / "w6",
                "cbor",
                sign=lambda u: _cose_with_claims(u, C.ISSUER, sub=C.SUBJECT + "-2"),
            ),
            "cose-cwt-expiry-mismatch": issue_wrongly(
                work / "w7",
                "cbor",
                sign=lambda u: _cose_with_claims(u, C.ISSUER, exp=int(C.NOW.timestamp()) + 1),
            ),
            "cose-signed-by-another-key": issue_wrongly(
                work / "w8", "cbor", sign=lambda u: _cose_with_claims(u, OTHER)
            ),
            "json-logged-digest-of-unsigned-document": issue_wrongly(
                work / "w9",
                "json",
                logged_digest=lambda s: hash_bytes(
                    canonicalize({k: v for k, v in s.items() if k != "proof"})
                ),
            ),
        }

    expected = json.loads((C.HERE / "expected.json").read_text("utf-8"))
    for name, bundle, facts in (
        ("valid/bundle.json", json_bundle, expected["json"]),
        ("valid/bundle.cbor", cbor_bundle, expected["cose"]),
        ("valid/bundle-referenced.json", plain.json_bundle, expected["json"]),
        ("valid/bundle-referenced.cbor", plain.cbor_bundle, expected["cose"]),
    ):
        w.put(name, bundle.encode())
        w.valid.append(
            {
                "file": name,
                "encoding": "cbor" if bundle.is_cbor else "json",
                "credential": "../credential/"
                + ("credential.cose" if bundle.is_cbor else "credential.json"),
                "credential_id": facts["credential_id"],
                "credential_digest": facts["digest"],
                "entries": [
                    {"role": e.role, "index": e.index, "digest": str(e.decoded.digest)}
                    for e in bundle.entries
                ],
                "checkpoint_size": facts["checkpoint_size"],
                "embedded_evidence": sorted(bundle.evidence_data),
            }
        )

    # -- structural: parse must fail with the code ---------------------------------------
    json_doc = _decode(json_bundle.encode(), "json")
    cbor_doc = _decode(cbor_bundle.encode(), "cbor")
    for case_id, enc, description, code, change in _structural(json_doc, cbor_doc):
        doc = copy.deepcopy(json_doc if enc == "json" else cbor_doc)
        change(doc)
        data = _encode(doc, enc)
        w.case(case_id, enc, data, description=description, stage="parse", code=code)

    good = json_bundle.encode()
    w.case(
        "json-duplicate-key",
        "json",
        good.replace(b'"version": 1,', b'"version": 1,\n  "version": 1,', 1),
        description="the member 'version' twice",
        stage="parse",
        code="json.duplicate_key",
    )
    raw = cbor_bundle.encode()
    assert raw[0] >> 5 == 5  # a map
    assert raw[0] & 31 < 23  # of fewer than 23 pairs, so one more fits the head byte
    w.case(
        "cbor-duplicate-key",
        "cbor",
        bytes([raw[0] + 1]) + raw[1:] + cbor2.dumps("version") + cbor2.dumps(1),
        description="the key 'version' twice",
        stage="parse",
        code="cbor.duplicate_key",
    )
    w.case(
        "cbor-indefinite-length",
        "cbor",
        b"\xbf" + raw[1:] + b"\xff",
        description="the top-level map with an indefinite length",
        stage="parse",
        code="cbor.indefinite_length",
    )
    for enc, source in (("json", "valid/bundle.json"), ("cbor", "valid/bundle.cbor")):
        w.invalid.append(
            {
                "id": f"{enc}-oversize",
                "make": {"from": source, "append": "spaces", "to_size": MAX_BUNDLE_SIZE + 1},
                "encoding": enc,
                "description": "the valid bundle padded with spaces to 64 MiB + 1 byte "
                "(made by the consumer, not stored)",
                "stage": "parse",
                "code": "bundle.too_large",
            }
        )

    # -- cryptographic: parse succeeds, a verification step must fail ----------------------
    def verify_case(case_id: str, bundle_or_data: Bundle | bytes, description: str,
                    fails: list[str], code: str | None = None) -> None:  # fmt: skip
        data = bundle_or_data if isinstance(bundle_or_data, bytes) else bundle_or_data.encode()
        enc = "json" if data.lstrip()[:1] == b"{" else "cbor"
        expect: dict[str, Any] = {"description": description, "stage": "verify"}
        expect["step"] = fails[0]
        expect["fails"] = fails
        if code is not None:
            expect["code"] = code
        w.case(case_id, enc, data, **expect)

    changed = json.loads(good)
    changed["credential"]["credentialSubject"]["evaluation"]["measurement"][0]["value"] = 0.999
    verify_case(
        "json-claim-changed-after-logging",
        _json_text(changed),
        "a measured value changed in the bundle after issuing (signature and log both disagree)",
        ["credential.signature"],
    )
    sig_code = "signature.invalid"
    verify_case(
        "json-claim-changed-before-logging",
        wrong["json-claim-changed-before-logging"],
        "a measured value changed after signing, and that changed credential logged",
        ["credential.signature"],
        sig_code,
    )
    verify_case(
        "json-proof-value-bit-flipped",
        wrong["json-proof-value-bit-flipped"],
        "one bit of the Ed25519 signature in proofValue flipped (still 64 bytes, base58btc)",
        ["credential.signature"],
        sig_code,
    )
    verify_case(
        "json-signed-by-another-key",
        wrong["json-signed-by-another-key"],
        "a valid proof by another did:key, while issuer names the vectors' issuer",
        ["credential.signature"],
        "credential.issuer_key_mismatch",
    )
    verify_case(
        "cose-signature-bit-flipped",
        wrong["cose-signature-bit-flipped"],
        "one bit of the COSE_Sign1 signature flipped",
        ["credential.signature"],
        sig_code,
    )
    verify_case(
        "cose-payload-changed",
        wrong["cose-payload-changed"],
        "the COSE payload re-encoded with a measured value changed; signature kept",
        ["credential.signature"],
        sig_code,
    )
    verify_case(
        "cose-cwt-subject-mismatch",
        wrong["cose-cwt-subject-mismatch"],
        "correctly signed, but the CWT sub claim is not the payload's credentialSubject.id",
        ["credential.signature"],
        "credential.claims_mismatch",
    )
    verify_case(
        "cose-cwt-expiry-mismatch",
        wrong["cose-cwt-expiry-mismatch"],
        "correctly signed, but the CWT exp claim is not the payload's validUntil",
        ["credential.signature"],
        "credential.claims_mismatch",
    )
    verify_case(
        "cose-signed-by-another-key",
        wrong["cose-signed-by-another-key"],
        "signed by another did:key (kid names it); iss and the payload name the issuer",
        ["credential.signature"],
    )

    flipped_cp = _flip_checkpoint_signature(json_bundle.checkpoint)
    verify_case(
        "checkpoint-signature-bit-flipped",
        replace(
            json_bundle,
            entries=tuple(
                replace(e, proof=replace(e.proof, checkpoint=flipped_cp))
                for e in json_bundle.entries
            ),
        ),
        "one bit of the log's checkpoint signature flipped (in every proof alike)",
        ["checkpoint.signature"],
    )
    forged = _resign_checkpoint(json_bundle.checkpoint, ATTACKER)
    forged_doc = json.loads(good)
    forged_doc["log"]["verifierKey"] = Ed25519Signer(C.ORIGIN, ATTACKER).verifier().vkey()
    for e in forged_doc["entries"]:
        e["tlogProof"] = _with_checkpoint(e["tlogProof"], forged)
    verify_case(
        "checkpoint-signed-by-another-log-key",
        _json_text(forged_doc),
        "the checkpoint re-signed by another key under the same origin, and that key put in "
        "the bundle's log.verifierKey (a hint a verifier must not trust)",
        ["checkpoint.signature"],
    )
    proof_doc = json.loads(good)
    proof_doc["entries"][0]["tlogProof"] = _flip_first_proof_hash(
        proof_doc["entries"][0]["tlogProof"]
    )
    verify_case(
        "credential-proof-hash-bit-flipped",
        _json_text(proof_doc),
        "one bit of the first inclusion proof hash of the credential's entry flipped",
        ["inclusion.credential"],
    )
    verify_case(
        "json-logged-digest-of-unsigned-document",
        wrong["json-logged-digest-of-unsigned-document"],
        "the log's credential entry records the digest of the document without its proof",
        ["inclusion.credential"],
        "inclusion.credential_mismatch",
    )
    entry_doc = json.loads(good)
    entry_doc["entries"][1]["entry"] = _other_entry_digest(entry_doc["entries"][1]["entry"])
    verify_case(
        "evidence-entry-digest-changed",
        _json_text(entry_doc),
        "evidence entry 1 re-encoded with another sha256 (canonical, but not the logged entry)",
        ["inclusion.evidence"],
    )
    missing = cbor2.loads(cbor_bundle.encode())
    gone = LogEntry.decode(missing["entries"].pop(2)["entry"])
    missing["evidenceData"] = [
        item for item in missing["evidenceData"] if item["digest"] != str(gone.digest)
    ]
    verify_case(
        "evidence-entry-missing",
        encode_deterministic(missing),
        "the credential cites two evidence entries; the bundle holds one",
        ["inclusion.evidence"],
        "inclusion.evidence_missing",
    )
    altered = json.loads(good)
    altered["evidenceData"][0]["data"] = base64.b64encode(b"other bytes\n").decode()
    verify_case(
        "evidence-data-altered",
        _json_text(altered),
        "embedded evidence bytes that do not hash to their digest",
        ["evidence.bytes"],
        "evidence.altered",
    )
    uncited = json.loads(good)
    extra = b"a file the credential does not cite\n"
    uncited["evidenceData"].append(
        {
            "digest": "sha256:" + hashlib.sha256(extra).hexdigest(),
            "data": base64.b64encode(extra).decode(),
        }
    )
    uncited["evidenceData"].sort(key=lambda item: item["digest"])
    verify_case(
        "evidence-data-not-cited",
        _json_text(uncited),
        "embedded evidence that the credential does not cite",
        ["evidence.bytes"],
        "evidence.not_cited",
    )

    index = {
        "verify": {
            "at": VERIFY_AT,
            "trusted_issuer": expected["issuer"]["did"],
            "issuer_dimensions": ["reliability", "safety", "capability"],
            "trusted_log": {
                "origin": expected["log"]["origin"],
                "verifier_key": expected["log"]["verifier_key"],
            },
            "other_key": {"seed_label": OTHER_LABEL, "seed_hex": OTHER.seed.hex()},
            "attacker_log_key": {"seed_label": ATTACKER_LABEL, "seed_hex": ATTACKER.seed.hex()},
        },
        "valid": w.valid,
        "invalid": w.invalid,
    }
    path = out / "index.json"
    path.write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", "utf-8")
    w.written.append(path)
    return w.written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in build(target):
        print(p.relative_to(target))
