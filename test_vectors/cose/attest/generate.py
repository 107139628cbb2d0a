"""Regenerate ``sign1.json``: attest's own COSE_Sign1 vectors, valid and invalid.

Run from the repository root: ``python test_vectors/cose/attest/generate.py``. Keys come from
fixed seeds and Ed25519 is deterministic, so the output is byte-identical on every run. Each
case states the outcome attest must give: ``ok`` (with what verified) or the stable error code
and error class of specs/cose.md. Cases that break a header rule carry a *valid* signature
over exactly the bytes sent, so it is the rule, not the signature, that must reject them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from attest.codec.cbor import CBORTag, encode_deterministic
from attest.keys.ed25519 import PrivateKey
from attest.vc import cose

HERE = Path(__file__).resolve().parent
MALFORMED, LIMIT, VERIFY = "MalformedError", "LimitExceededError", "VerificationError"

ISSUER = PrivateKey(bytes([0x49]) * 32)
OTHER = PrivateKey(bytes([0x4F]) * 32)
KID = b"issuer-1"
PAYLOAD = encode_deterministic({"type": "EvaluationCredential", "score": 97, "pass": True})
AAD = b"attest external aad"
CLAIMS = cose.CwtClaims(
    iss="did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
    sub="agent:example",
    iat=1767225600,
    nbf=1767225600,
    exp=1798761600,
)


def enc(value: object) -> bytes:
    return encode_deterministic(value)


def tag_head(number: int) -> bytes:
    """The head of a tag, to put in front of hand-assembled content."""
    return enc(CBORTag(number, 0))[:-1]


def assemble(
    protected: bytes | dict[Any, Any],
    unprotected: bytes | dict[Any, Any] | None = None,
    payload: bytes = PAYLOAD,
    *,
    key: PrivateKey = ISSUER,
    signed_payload: bytes | None = None,
    tag: int | None = 18,
) -> bytes:
    """A COSE_Sign1 whose signature is valid over exactly the protected bytes given.

    Raw ``bytes`` for a header are spliced in as they are, so hand-made encodings (duplicate
    keys, indefinite lengths) reach the verifier untouched.
    """
    prot_bytes = protected if isinstance(protected, bytes) else enc(protected)
    unprot = unprotected if isinstance(unprotected, bytes) else enc(unprotected or {})
    signed = payload if signed_payload is None else signed_payload
    signature = key.sign(cose.sig_structure(prot_bytes, signed))
    body = b"\x84" + enc(prot_bytes) + unprot + enc(payload) + enc(signature)
    return body if tag is None else tag_head(tag) + body


def prot(changes: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """The protected header attest writes, ``{1: -19, 4: kid}``, updated with ``changes``."""
    return {1: cose.ALG_ED25519, 4: KID, **(changes or {})}


def ok(
    case_id: str, desc: str, message: bytes, expected: dict[str, Any], **options: Any
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "description": desc, "message_hex": message.hex()}
    case.update(options)
    case.update({"expect": "ok", "result": expected})
    return case


def err(
    case_id: str, desc: str, message: bytes, code: str, cls: str, **options: Any
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "description": desc, "message_hex": message.hex()}
    case.update(options)
    case.update({"expect": "error", "code": code, "error_class": cls})
    return case


def result(
    alg: int = cose.ALG_ED25519,
    kid: bytes | None = KID,
    content_type: int | str | None = None,
    claims: cose.CwtClaims | None = None,
    payload: bytes = PAYLOAD,
) -> dict[str, Any]:
    return {
        "alg": alg,
        "kid_hex": None if kid is None else kid.hex(),
        "content_type": content_type,
        "claims": None if claims is None else asdict(claims),
        "payload_hex": payload.hex(),
    }


def valid_cases() -> list[dict[str, Any]]:
    full = cose.sign(ISSUER, PAYLOAD, kid=KID, content_type="application/cbor", claims=CLAIMS)
    return [
        ok(
            "minimal",
            "cose.sign with a kid only: protected {1: -19, 4: kid}, unprotected {}",
            cose.sign(ISSUER, PAYLOAD, kid=KID),
            result(),
        ),
        ok(
            "full",
            "content type (text) and all five CWT claims in the protected header",
            full,
            result(content_type="application/cbor", claims=CLAIMS),
        ),
        ok(
            "content-type-uint",
            "content type as a CoAP Content-Format number (60, application/cbor)",
            cose.sign(ISSUER, PAYLOAD, kid=KID, content_type=60),
            result(content_type=60),
        ),
        ok(
            "empty-payload",
            "a zero-length payload is a payload, not a detached one",
            cose.sign(ISSUER, b"", kid=KID),
            result(payload=b""),
        ),
        ok(
            "external-aad",
            "signed with external AAD; the verifier supplies the same bytes",
            cose.sign(ISSUER, PAYLOAD, kid=KID, external_aad=AAD),
            result(),
            external_aad_hex=AAD.hex(),
        ),
        ok(
            "detached",
            "payload sent as nil and supplied by the verifier",
            cose.sign(ISSUER, PAYLOAD, kid=KID, detached=True),
            result(),
            detached_payload_hex=PAYLOAD.hex(),
        ),
        ok(
            "alg-eddsa",
            "alg -8 (EdDSA, RFC 9053) is accepted on input, never written",
            assemble(prot({1: cose.ALG_EDDSA})),
            result(alg=cose.ALG_EDDSA),
        ),
        ok(
            "kid-unprotected",
            "kid is a hint and may be unprotected (RFC 9052 §3.1)",
            assemble({1: cose.ALG_ED25519}, {4: KID}),
            result(),
        ),
        ok(
            "no-kid",
            "kid is optional on input",
            assemble({1: cose.ALG_ED25519}),
            result(kid=None),
        ),
        ok(
            "unknown-labels",
            "unknown labels outside crit are kept and ignored, in either header",
            assemble(prot({99: "x", "custom": 1}), {-70000: b"hint"}),
            result(),
        ),
        ok(
            "crit-understood",
            "crit naming labels attest understands (3, 15), both present",
            assemble(prot({2: [3, 15], 3: 0, 15: {1: "iss"}})),
            result(content_type=0, claims=cose.CwtClaims(iss="iss")),
        ),
        ok(
            "protected-not-deterministic",
            "protected map keys out of order: accepted, the signature covers the bytes as sent",
            assemble(bytes.fromhex("a2") + enc(4) + enc(KID) + enc(1) + enc(cose.ALG_ED25519)),
            result(),
        ),
        ok(
            "untagged-allowed",
            "no tag 18, and the caller allows untagged messages",
            assemble(prot(), tag=None),
            result(),
            allow_untagged=True,
        ),
    ]


def structure_cases() -> list[dict[str, Any]]:
    good = cose.sign(ISSUER, PAYLOAD, kid=KID)
    sig = ISSUER.sign(cose.sig_structure(enc(prot()), PAYLOAD))
    return [
        err("untagged", "no tag 18 and untagged not allowed", good[1:], "cose.untagged", MALFORMED),
        err(
            "tag-998",
            "tag 998 (cose-wg sign-fail-01)",
            assemble(prot(), tag=998),
            "cose.wrong_tag",
            MALFORMED,
            allow_untagged=True,
        ),
        err("tag-98", "COSE_Sign's tag 98", assemble(prot(), tag=98), "cose.wrong_tag", MALFORMED),
        err("tag-17", "COSE_Mac0's tag 17", assemble(prot(), tag=17), "cose.wrong_tag", MALFORMED),
        err(
            "not-array",
            "tag 18 around a map",
            enc(CBORTag(18, {1: 2})),
            "cose.not_sign1",
            MALFORMED,
        ),
        err(
            "three-items",
            "tag 18 around a 3-array",
            enc(CBORTag(18, [enc(prot()), {}, PAYLOAD])),
            "cose.not_sign1",
            MALFORMED,
        ),
        err(
            "five-items",
            "tag 18 around a 5-array",
            enc(CBORTag(18, [enc(prot()), {}, PAYLOAD, sig, b""])),
            "cose.not_sign1",
            MALFORMED,
        ),
        err(
            "protected-map",
            "protected header sent as a map, not a bstr",
            enc(CBORTag(18, [prot(), {}, PAYLOAD, sig])),
            "cose.protected_not_bytes",
            MALFORMED,
        ),
        err(
            "protected-array",
            "protected bstr holding an array",
            assemble(enc([1, -19])),
            "cose.protected_not_map",
            MALFORMED,
        ),
        err(
            "protected-trailing",
            "protected bstr with a byte after the map",
            assemble(enc(prot()) + b"\x00"),
            "cbor.trailing_data",
            MALFORMED,
        ),
        err(
            "protected-truncated",
            "protected bstr that ends inside the map",
            assemble(enc(prot())[:-1]),
            "cbor.truncated",
            MALFORMED,
        ),
        err(
            "protected-duplicate-key",
            "alg twice in the protected map",
            assemble(b"\xa3" + enc(1) + enc(-19) + enc(4) + enc(KID) + enc(1) + enc(-19)),
            "cbor.duplicate_key",
            MALFORMED,
        ),
        err(
            "protected-indefinite",
            "protected map of indefinite length",
            assemble(b"\xbf" + enc(1) + enc(-19) + enc(4) + enc(KID) + b"\xff"),
            "cbor.indefinite_length",
            MALFORMED,
        ),
        err(
            "protected-tag",
            "a tag inside the protected header",
            assemble(prot({99: CBORTag(1, 0)})),
            "cbor.tag_not_allowed",
            MALFORMED,
        ),
        err(
            "unprotected-array",
            "unprotected header is an array",
            enc(CBORTag(18, [enc(prot()), [], PAYLOAD, sig])),
            "cose.unprotected_not_map",
            MALFORMED,
        ),
        err(
            "unprotected-duplicate-key",
            "the same label twice in the unprotected map",
            assemble(prot(), b"\xa2" + enc(99) + enc(1) + enc(99) + enc(2)),
            "cbor.duplicate_key",
            MALFORMED,
        ),
        err(
            "unprotected-bool-key",
            "a map key that is not an integer, text or bytes",
            assemble(prot(), b"\xa1\xf5\x01"),
            "cbor.bad_map_key",
            MALFORMED,
        ),
        err(
            "unprotected-bstr-label",
            "a header label that is a byte string",
            assemble(prot(), {b"x": 1}),
            "cose.bad_label",
            MALFORMED,
        ),
        err(
            "unprotected-too-deep",
            "17 nested arrays in the unprotected header",
            assemble(prot(), {99: [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}),
            "cbor.too_deep",
            LIMIT,
        ),
        err(
            "payload-int",
            "payload is an integer",
            enc(CBORTag(18, [enc(prot()), {}, 7, sig])),
            "cose.bad_payload",
            MALFORMED,
        ),
        err(
            "signature-text",
            "signature is a text string",
            enc(CBORTag(18, [enc(prot()), {}, PAYLOAD, "sig"])),
            "cose.signature_not_bytes",
            MALFORMED,
        ),
        err(
            "trailing-data",
            "a byte after the COSE_Sign1",
            good + b"\x00",
            "cbor.trailing_data",
            MALFORMED,
        ),
        err(
            "truncated",
            "the last byte of the signature is missing",
            good[:-1],
            "cbor.truncated",
            MALFORMED,
        ),
        err("empty", "no bytes at all", b"", "cbor.truncated", MALFORMED),
        err(
            "undefined",
            "payload is CBOR undefined",
            tag_head(18) + b"\x84" + enc(enc(prot())) + b"\xa0\xf7" + enc(sig),
            "cbor.simple_value",
            MALFORMED,
        ),
    ]


def header_cases() -> list[dict[str, Any]]:
    return [
        err("alg-missing", "no alg anywhere", assemble({4: KID}), "cose.alg_missing", MALFORMED),
        err(
            "alg-empty-protected",
            "protected h'' and alg unprotected",
            assemble(b"", {1: -19, 4: KID}),
            "cose.alg_unprotected",
            MALFORMED,
        ),
        err(
            "alg-only-unprotected",
            "alg only in the unprotected header",
            assemble({4: KID}, {1: -19}),
            "cose.alg_unprotected",
            MALFORMED,
        ),
        err(
            "alg-both",
            "alg in both headers, same value",
            assemble(prot(), {1: -19}),
            "cose.alg_unprotected",
            MALFORMED,
        ),
        err(
            "alg-substitution",
            "protected alg -19, unprotected alg -7",
            assemble(prot(), {1: -7}),
            "cose.alg_unprotected",
            MALFORMED,
        ),
        err(
            "alg-es256",
            "alg -7 (ES256), signed with Ed25519 anyway",
            assemble(prot({1: -7})),
            "cose.unsupported_alg",
            MALFORMED,
        ),
        err(
            "alg-ed448",
            "alg -53 (Ed448)",
            assemble(prot({1: -53})),
            "cose.unsupported_alg",
            MALFORMED,
        ),
        err(
            "alg-minus-999",
            "alg -999 (cose-wg sign-fail-03)",
            assemble(prot({1: -999})),
            "cose.unsupported_alg",
            MALFORMED,
        ),
        err(
            "alg-text",
            'alg "unknown" (cose-wg sign-fail-04)',
            assemble(prot({1: "unknown"})),
            "cose.unsupported_alg",
            MALFORMED,
        ),
        err(
            "alg-text-eddsa",
            'alg "EdDSA" as text is not the registered integer',
            assemble(prot({1: "EdDSA"})),
            "cose.unsupported_alg",
            MALFORMED,
        ),
        err("alg-bool", "alg true", assemble(prot({1: True})), "cose.bad_alg", MALFORMED),
        err("alg-bytes", "alg as a bstr", assemble(prot({1: b"\x32"})), "cose.bad_alg", MALFORMED),
        err(
            "alg-eddsa-refused",
            "alg -8 when the caller accepts -19 only",
            assemble(prot({1: cose.ALG_EDDSA})),
            "cose.unsupported_alg",
            MALFORMED,
            algorithms=[cose.ALG_ED25519],
        ),
        err(
            "kid-both",
            "kid in both headers",
            assemble(prot(), {4: KID}),
            "cose.duplicate_label",
            MALFORMED,
        ),
        err(
            "label-both",
            "an unknown label in both headers",
            assemble(prot({99: 1}), {99: 1}),
            "cose.duplicate_label",
            MALFORMED,
        ),
        err(
            "content-type-unprotected",
            "content type in the unprotected header",
            assemble(prot(), {3: 0}),
            "cose.header_not_protected",
            MALFORMED,
        ),
        err(
            "claims-unprotected",
            "CWT claims in the unprotected header",
            assemble(prot(), {15: {1: "iss"}}),
            "cose.header_not_protected",
            MALFORMED,
        ),
        err(
            "crit-unprotected",
            "crit in the unprotected header",
            assemble(prot(), {2: [4]}),
            "cose.header_not_protected",
            MALFORMED,
        ),
        err(
            "crit-empty",
            "crit is an empty array",
            assemble(prot({2: []})),
            "cose.bad_crit",
            MALFORMED,
        ),
        err(
            "crit-not-array",
            "crit is an integer",
            assemble(prot({2: 4})),
            "cose.bad_crit",
            MALFORMED,
        ),
        err(
            "crit-bad-label",
            "crit holds a bstr",
            assemble(prot({2: [b"x"]})),
            "cose.bad_crit",
            MALFORMED,
        ),
        err(
            "crit-absent-label",
            "crit names 3, which is not in the protected header",
            assemble(prot({2: [3]})),
            "cose.crit_missing",
            MALFORMED,
        ),
        err(
            "crit-unknown-label",
            "crit names 99, present but not understood",
            assemble(prot({2: [99], 99: 1})),
            "cose.crit_unknown",
            MALFORMED,
        ),
        err("kid-text", "kid as text", assemble(prot({4: "issuer-1"})), "cose.bad_kid", MALFORMED),
        err(
            "kid-unprotected-int",
            "unprotected kid as an integer",
            assemble({1: -19}, {4: 1}),
            "cose.bad_kid",
            MALFORMED,
        ),
        err("kid-nil", "kid nil", assemble(prot({4: None})), "cose.bad_kid", MALFORMED),
        err(
            "content-type-negative",
            "content type -1",
            assemble(prot({3: -1})),
            "cose.bad_content_type",
            MALFORMED,
        ),
        err(
            "content-type-empty",
            'content type ""',
            assemble(prot({3: ""})),
            "cose.bad_content_type",
            MALFORMED,
        ),
        err(
            "content-type-float",
            "content type 0.0",
            assemble(prot({3: 0.0})),
            "cose.bad_content_type",
            MALFORMED,
        ),
        err(
            "claims-array",
            "CWT claims as an array",
            assemble(prot({15: [1]})),
            "cose.bad_claims",
            MALFORMED,
        ),
        err(
            "claims-iss-int",
            "iss as an integer",
            assemble(prot({15: {1: 5}})),
            "cose.bad_claims",
            MALFORMED,
        ),
        err(
            "claims-iat-text",
            "iat as text",
            assemble(prot({15: {6: "2026-01-01"}})),
            "cose.bad_claims",
            MALFORMED,
        ),
        err(
            "claims-exp-float",
            "exp as a float NumericDate (refused here)",
            assemble(prot({15: {4: 1798761600.5}})),
            "cose.bad_claims",
            MALFORMED,
        ),
        err(
            "claims-bstr-key",
            "a CWT claim key that is a bstr",
            assemble(prot({15: {b"x": 1}})),
            "cose.bad_claims",
            MALFORMED,
        ),
    ]


def signature_cases() -> list[dict[str, Any]]:
    good = cose.sign(ISSUER, PAYLOAD, kid=KID)
    sig = good[-64:]
    prot_bytes = enc(prot())
    sig_with_content_type = ISSUER.sign(cose.sig_structure(enc(prot({3: 0})), PAYLOAD))
    return [
        err(
            "payload-changed",
            "one payload bit flipped after signing",
            assemble(
                prot(), payload=PAYLOAD[:-1] + bytes([PAYLOAD[-1] ^ 1]), signed_payload=PAYLOAD
            ),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "payload-swapped",
            "another payload under the same signature",
            assemble(prot(), payload=b"other", signed_payload=PAYLOAD),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "signature-changed",
            "one signature bit flipped",
            good[:-1] + bytes([good[-1] ^ 1]),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "signature-short",
            "a 63-byte signature",
            enc(CBORTag(18, [prot_bytes, {}, PAYLOAD, sig[:-1]])),
            "signature.bad_length",
            VERIFY,
        ),
        err(
            "wrong-key",
            "signed by another key",
            assemble(prot(), key=OTHER),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "kid-swapped",
            "protected kid replaced after signing",
            enc(CBORTag(18, [enc(prot({4: b"issuer-2"})), {}, PAYLOAD, sig])),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "alg-swapped",
            "protected alg -19 replaced by -8 after signing",
            enc(CBORTag(18, [enc(prot({1: -8})), {}, PAYLOAD, sig])),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "protected-reencoded",
            "same protected map, keys re-ordered after signing",
            enc(CBORTag(18, [b"\xa2" + enc(4) + enc(KID) + enc(1) + enc(-19), {}, PAYLOAD, sig])),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "protected-added",
            "content type added to the protected header after signing (cose-wg sign-fail-06)",
            enc(CBORTag(18, [enc(prot({3: 0})), {}, PAYLOAD, sig])),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "protected-removed",
            "content type removed from the protected header after signing (cose-wg sign-fail-07)",
            enc(CBORTag(18, [prot_bytes, {}, PAYLOAD, sig_with_content_type])),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "aad-missing",
            "signed with external AAD, verified without",
            cose.sign(ISSUER, PAYLOAD, kid=KID, external_aad=AAD),
            "signature.invalid",
            VERIFY,
        ),
        err(
            "aad-unexpected",
            "signed without external AAD, verified with it",
            good,
            "signature.invalid",
            VERIFY,
            external_aad_hex=AAD.hex(),
        ),
        err(
            "aad-other",
            "signed with one external AAD, verified with another",
            cose.sign(ISSUER, PAYLOAD, kid=KID, external_aad=AAD),
            "signature.invalid",
            VERIFY,
            external_aad_hex=(AAD + b"!").hex(),
        ),
        err(
            "detached-missing",
            "payload nil and none supplied",
            cose.sign(ISSUER, PAYLOAD, kid=KID, detached=True),
            "cose.payload_missing",
            MALFORMED,
        ),
        err(
            "detached-other",
            "payload nil and another one supplied",
            cose.sign(ISSUER, PAYLOAD, kid=KID, detached=True),
            "signature.invalid",
            VERIFY,
            detached_payload_hex=b"other".hex(),
        ),
        err(
            "detached-unexpected",
            "a payload supplied for a message that carries one",
            good,
            "cose.payload_not_detached",
            MALFORMED,
            detached_payload_hex=PAYLOAD.hex(),
        ),
        err(
            "sign1-as-sign",
            "the Signature1 bytes re-labelled as COSE_Sign (tag 98)",
            enc(CBORTag(98, 0))[:-1] + good[1:],
            "cose.wrong_tag",
            MALFORMED,
        ),
    ]


def build() -> dict[str, Any]:
    return {
        "about": "COSE_Sign1 (RFC 9052 §4.2) as attest writes and accepts it (specs/cose.md). "
        "Verify each message with cose.verify(message, key, external_aad=..., "
        "detached_payload=..., allow_untagged=..., algorithms=...); absent options take "
        "their defaults (no AAD, no detached payload, tag required, algorithms -19 and -8).",
        "keys": {
            "issuer": {
                "seed_hex": ISSUER.seed.hex(),
                "public_key_hex": ISSUER.public_key.raw.hex(),
            },
            "other": {"seed_hex": OTHER.seed.hex(), "public_key_hex": OTHER.public_key.raw.hex()},
        },
        "default_key": "issuer",
        "payload_hex": PAYLOAD.hex(),
        "valid": valid_cases(),
        "invalid": structure_cases() + header_cases() + signature_cases(),
    }


def main() -> None:
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    (HERE / "sign1.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
