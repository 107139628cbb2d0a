"""attest.vc.cose: COSE_Sign1 with Ed25519 against cose-wg examples, own vectors, attacks."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic
from attest.errors import (
    AttestError,
    LimitExceededError,
    MalformedError,
    UsageError,
    VerificationError,
)
from attest.keys.ed25519 import PrivateKey, PublicKey
from attest.vc import cose

from . import vectors

ERROR_CLASSES = {
    "MalformedError": MalformedError,
    "LimitExceededError": LimitExceededError,
    "VerificationError": VerificationError,
}
WG = "cose/cose-wg-examples"
EDDSA_SIG_01 = vectors.load_json(f"{WG}/eddsa-examples/eddsa-sig-01.json")
RFC8032_TEST1 = PrivateKey(bytes.fromhex(EDDSA_SIG_01["input"]["sign0"]["key"]["d_hex"]))
OWN = vectors.load_json("cose/attest/sign1.json")
OWN_KEYS = {
    name: PublicKey(bytes.fromhex(key["public_key_hex"])) for name, key in OWN["keys"].items()
}

KEY = PrivateKey(bytes([0x49]) * 32)
OTHER = PrivateKey(bytes([0x4F]) * 32)
PAYLOAD = encode_deterministic({"type": "EvaluationCredential", "score": 97})


@contextmanager
def raises_code(code: str, cls: type[AttestError] = AttestError) -> Iterator[None]:
    """Like ``pytest.raises(cls)``, and the error's stable code must be exactly ``code``."""
    with pytest.raises(cls) as info:
        yield
    assert info.value.code == code


def sign1(
    protected: dict[Any, Any] | bytes,
    unprotected: dict[Any, Any] | None = None,
    payload: bytes = PAYLOAD,
    signature: bytes | None = None,
    key: PrivateKey = KEY,
) -> bytes:
    """A tagged COSE_Sign1 with any headers, validly signed unless ``signature`` is given."""
    prot = protected if isinstance(protected, bytes) else encode_deterministic(protected)
    if signature is None:
        signature = key.sign(cose.sig_structure(prot, payload))
    return encode_deterministic(CBORTag(18, [prot, unprotected or {}, payload, signature]))


# --- cose-wg/Examples: eddsa-examples --------------------------------------------------------


def test_eddsa_sig_01_key_is_rfc8032_test_1() -> None:
    x = EDDSA_SIG_01["input"]["sign0"]["key"]["x_hex"]
    assert RFC8032_TEST1.public_key.raw.hex() == x


def test_eddsa_sig_01_byte_for_byte() -> None:
    # protected {1: -8 (EdDSA), 3: 0}, unprotected {4: '11'}, as in the example.
    payload = EDDSA_SIG_01["input"]["plaintext"].encode()
    protected = encode_deterministic({cose.HEADER_ALG: cose.ALG_EDDSA, cose.HEADER_CONTENT_TYPE: 0})
    assert protected.hex() == "a201270300"
    to_be_signed = cose.sig_structure(protected, payload)
    assert to_be_signed.hex().upper() == EDDSA_SIG_01["intermediates"]["ToBeSign_hex"]
    signature = RFC8032_TEST1.sign(to_be_signed)
    message = encode_deterministic(CBORTag(18, [protected, {4: b"11"}, payload, signature]))
    assert message.hex().upper() == EDDSA_SIG_01["output"]["cbor"]


def test_eddsa_sig_01_verifies() -> None:
    message = bytes.fromhex(EDDSA_SIG_01["output"]["cbor"])
    result = cose.verify(message, RFC8032_TEST1.public_key)
    assert result.alg == cose.ALG_EDDSA
    assert result.kid == b"11"
    assert result.content_type == 0
    assert result.claims is None
    assert result.payload == b"This is the content."
    assert result.protected == {1: -8, 3: 0}
    assert result.unprotected == {4: b"11"}


def test_eddsa_sig_01_refused_when_only_fully_specified_alg_is_accepted() -> None:
    message = bytes.fromhex(EDDSA_SIG_01["output"]["cbor"])
    with raises_code("cose.unsupported_alg", MalformedError):
        cose.verify(message, RFC8032_TEST1.public_key, algorithms={cose.ALG_ED25519})


def test_eddsa_sig_01_unprotected_kid_is_not_signed() -> None:
    # RFC 9052 §3.1: kid is a hint and may be unprotected, so changing it there does not
    # break the signature. attest never writes an unprotected kid; the caller chooses the key.
    message = bytes.fromhex(EDDSA_SIG_01["output"]["cbor"])
    swapped = message.replace(bytes.fromhex("a1044231 31"), bytes.fromhex("a1044232 32"))
    assert swapped != message
    assert cose.verify(swapped, RFC8032_TEST1.public_key).kid == b"22"
    with raises_code("signature.invalid", VerificationError):
        cose.verify(swapped, OTHER.public_key)


def test_eddsa_sig_02_ed448_is_not_ed25519() -> None:
    # alg -8 is polymorphic: this one is Ed448 (57-byte key, 114-byte signature). An
    # Ed25519 verifier must refuse it, never guess the curve.
    case = vectors.load_json(f"{WG}/eddsa-examples/eddsa-sig-02.json")
    message = bytes.fromhex(case["output"]["cbor"])
    with raises_code("signature.bad_length", VerificationError):
        cose.verify(message, RFC8032_TEST1.public_key)


@pytest.mark.parametrize("name", ["eddsa-01", "eddsa-02"])
def test_cose_sign_is_not_sign1(name: str) -> None:
    case = vectors.load_json(f"{WG}/eddsa-examples/{name}.json")
    with raises_code("cose.wrong_tag", MalformedError):
        cose.verify(bytes.fromhex(case["output"]["cbor"]), RFC8032_TEST1.public_key)


# --- cose-wg/Examples: sign1-tests (ES256, which attest does not support) --------------------

#: file -> (verify options, expected code). See test_vectors/cose/README.md for the reasons.
SIGN1_TESTS: dict[str, tuple[dict[str, Any], str]] = {
    "sign-pass-01": ({}, "cose.alg_unprotected"),
    "sign-pass-02": (
        {"external_aad": bytes.fromhex("11aa22bb33cc44dd55006699")},
        "cose.unsupported_alg",
    ),
    "sign-pass-03": ({"allow_untagged": True}, "cose.unsupported_alg"),
    "sign-fail-01": ({"allow_untagged": True}, "cose.wrong_tag"),
    "sign-fail-02": ({}, "cose.unsupported_alg"),
    "sign-fail-03": ({}, "cose.unsupported_alg"),
    "sign-fail-04": ({}, "cose.unsupported_alg"),
    "sign-fail-06": ({}, "cose.unsupported_alg"),
    "sign-fail-07": ({}, "cose.unsupported_alg"),
}


@pytest.mark.parametrize("name", sorted(SIGN1_TESTS))
def test_sign1_tests_rejected_with_the_documented_code(name: str) -> None:
    case = vectors.load_json(f"{WG}/sign1-tests/{name}.json")
    options, code = SIGN1_TESTS[name]
    assert case.get("fail", False) == name.startswith("sign-fail")
    with raises_code(code, MalformedError):
        cose.verify(bytes.fromhex(case["output"]["cbor"]), RFC8032_TEST1.public_key, **options)


def test_sign1_tests_cover_every_file() -> None:
    files = vectors.path(f"{WG}/sign1-tests").glob("*.json")
    assert sorted(p.stem for p in files) == sorted(SIGN1_TESTS)


def test_sign_pass_03_needs_untagged_allowed() -> None:
    case = vectors.load_json(f"{WG}/sign1-tests/sign-pass-03.json")
    with raises_code("cose.untagged", MalformedError):
        cose.verify(bytes.fromhex(case["output"]["cbor"]), RFC8032_TEST1.public_key)


@pytest.mark.parametrize("name", ["sign-pass-02", "sign-pass-03", "sign-fail-01"])
def test_sign1_tests_sig_structure(name: str) -> None:
    # Where the message is as signed, the Sig_structure built from the protected bytes as
    # received equals upstream's ToBeSign: the construction is algorithm-independent.
    case = vectors.load_json(f"{WG}/sign1-tests/{name}.json")
    message = bytes.fromhex(case["output"]["cbor"])
    body = decode_cbor(message, allowed_tags=frozenset({18, 998}))
    protected, _, payload, _ = body.value if isinstance(body, CBORTag) else body  # type: ignore[misc]
    aad = bytes.fromhex(case["input"]["sign0"].get("external", ""))
    expected = case["intermediates"]["ToBeSign_hex"]
    assert cose.sig_structure(protected, payload, aad).hex().upper() == expected


# --- attest's own vectors --------------------------------------------------------------------


def _verify_case(case: dict[str, Any]) -> cose.VerifiedSign1:
    options: dict[str, Any] = {}
    if "external_aad_hex" in case:
        options["external_aad"] = bytes.fromhex(case["external_aad_hex"])
    if "detached_payload_hex" in case:
        options["detached_payload"] = bytes.fromhex(case["detached_payload_hex"])
    if "allow_untagged" in case:
        options["allow_untagged"] = case["allow_untagged"]
    if "algorithms" in case:
        options["algorithms"] = set(case["algorithms"])
    key = OWN_KEYS[case.get("key", OWN["default_key"])]
    return cose.verify(bytes.fromhex(case["message_hex"]), key, **options)


@pytest.mark.parametrize("case", OWN["valid"], ids=lambda c: c["id"])
def test_own_valid(case: dict[str, Any]) -> None:
    result = _verify_case(case)
    expected = case["result"]
    assert result.alg == expected["alg"]
    assert (None if result.kid is None else result.kid.hex()) == expected["kid_hex"]
    assert result.content_type == expected["content_type"]
    assert (None if result.claims is None else asdict(result.claims)) == expected["claims"]
    assert result.payload.hex() == expected["payload_hex"]


@pytest.mark.parametrize("case", OWN["invalid"], ids=lambda c: c["id"])
def test_own_invalid(case: dict[str, Any]) -> None:
    with pytest.raises(AttestError) as info:
        _verify_case(case)
    assert info.value.code == case["code"]
    assert type(info.value) is ERROR_CLASSES[case["error_class"]]


# --- parse_sign1: the one reader, without the signature ---------------------------------------

_AFTER_PARSE = {"cose.payload_missing", "cose.payload_not_detached"}


def _parse_case(case: dict[str, Any]) -> cose.Sign1:
    options: dict[str, Any] = {}
    if "allow_untagged" in case:
        options["allow_untagged"] = case["allow_untagged"]
    if "algorithms" in case:
        options["algorithms"] = set(case["algorithms"])
    return cose.parse_sign1(bytes.fromhex(case["message_hex"]), **options)


@pytest.mark.parametrize("case", OWN["invalid"], ids=lambda c: c["id"])
def test_parse_refuses_what_verify_refuses_before_the_signature(case: dict[str, Any]) -> None:
    """parse_sign1 is verify's first half: every structural or header refusal is its own, with
    the same code and class; only the payload and signature checks are left to verify."""
    if case["error_class"] == "VerificationError" or case["code"] in _AFTER_PARSE:
        parsed = _parse_case(case)  # well formed: parsing succeeds, verifying would not
        with pytest.raises(AttestError) as info:
            _verify_case(case)
        assert info.value.code == case["code"]
        assert parsed.alg in cose.ALGORITHMS
        return
    with pytest.raises(AttestError) as info:
        _parse_case(case)
    assert info.value.code == case["code"]
    assert type(info.value) is ERROR_CLASSES[case["error_class"]]


@pytest.mark.parametrize("case", OWN["valid"], ids=lambda c: c["id"])
def test_parse_reads_what_verify_returns(case: dict[str, Any]) -> None:
    parsed = _parse_case(case)
    verified = _verify_case(case)
    assert (parsed.alg, parsed.kid, parsed.content_type, parsed.claims) == (
        verified.alg,
        verified.kid,
        verified.content_type,
        verified.claims,
    )
    assert parsed.protected == verified.protected
    assert parsed.unprotected == verified.unprotected
    assert parsed.payload in (verified.payload, None)  # None: detached


def test_parse_does_not_verify_and_sign1_verify_does() -> None:
    claims = cose.CwtClaims(iss="did:key:z6Mk", iat=1, nbf=1)
    message = cose.sign(KEY, PAYLOAD, kid=b"k-1", content_type="application/vc", claims=claims)
    forged = message[:-1] + bytes([message[-1] ^ 1])
    parsed = cose.parse_sign1(forged)  # a bad signature is not the parser's business
    assert parsed.kid == b"k-1"
    assert parsed.claims == claims
    assert parsed.content_type == "application/vc"
    assert parsed.payload == PAYLOAD
    assert parsed.protected_bytes == encode_deterministic(
        {1: -19, 3: "application/vc", 4: b"k-1", 15: claims.to_map()}
    )
    assert len(parsed.signature) == 64
    with raises_code("signature.invalid", VerificationError):
        parsed.verify(KEY.public_key)
    good = cose.parse_sign1(message).verify(KEY.public_key)
    assert good == cose.verify(message, KEY.public_key)
    with raises_code("signature.invalid", VerificationError):
        cose.parse_sign1(message).verify(OTHER.public_key)


def test_parsed_message_is_frozen() -> None:
    parsed = cose.parse_sign1(cose.sign(KEY, PAYLOAD, kid=b"k"))
    with pytest.raises(AttributeError):
        parsed.kid = b"other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        parsed.protected[cose.HEADER_KID] = b"other"  # type: ignore[index]


def test_own_vectors_are_reproducible() -> None:
    generator = runpy.run_path(str(vectors.path("cose/attest/generate.py")), run_name="vectors")
    rebuilt = json.loads(json.dumps(generator["build"](), ensure_ascii=False))
    assert rebuilt == OWN


def test_own_vectors_cover_every_verify_code() -> None:
    codes = {c["code"] for c in OWN["invalid"]}
    cose_codes = {code for code in codes if code.startswith("cose.")}
    assert cose_codes == {
        "cose.alg_missing",
        "cose.alg_unprotected",
        "cose.bad_alg",
        "cose.bad_claims",
        "cose.bad_content_type",
        "cose.bad_crit",
        "cose.bad_kid",
        "cose.bad_label",
        "cose.bad_payload",
        "cose.crit_missing",
        "cose.crit_unknown",
        "cose.duplicate_label",
        "cose.header_not_protected",
        "cose.not_sign1",
        "cose.payload_missing",
        "cose.payload_not_detached",
        "cose.protected_not_bytes",
        "cose.protected_not_map",
        "cose.signature_not_bytes",
        "cose.unprotected_not_map",
        "cose.unsupported_alg",
        "cose.untagged",
        "cose.wrong_tag",
    }
    assert {"signature.invalid", "signature.bad_length", "cbor.too_deep"} <= codes


# --- what sign writes ------------------------------------------------------------------------


def test_sign_layout() -> None:
    claims = cose.CwtClaims(iss="did:key:z6Mk", sub="agent", iat=10, nbf=10, exp=20)
    message = cose.sign(KEY, PAYLOAD, kid=b"k", content_type="application/cbor", claims=claims)
    outer = decode_cbor(message, allowed_tags=frozenset({18}), require_deterministic=True)
    assert isinstance(outer, CBORTag)
    assert outer.tag == 18
    protected, unprotected, payload, signature = outer.value
    assert decode_cbor(protected, require_deterministic=True) == {
        1: -19,
        3: "application/cbor",
        4: b"k",
        15: {1: "did:key:z6Mk", 2: "agent", 4: 20, 5: 10, 6: 10},
    }
    assert protected.startswith(bytes.fromhex("a4013203"))  # {1: -19, 3: ...}
    assert unprotected == {}
    assert payload == PAYLOAD
    assert len(signature) == 64
    KEY.public_key.verify(cose.sig_structure(protected, PAYLOAD), signature)


SPEC_EXAMPLE = (
    "d2845841a4013203706170706c69636174696f6e2f63626f7204486973737565722d310fa301726469643a65"
    "78616d706c653a697373756572041a6b36ec80061a6955b900a049a16573636f7265186158404aa5ed4ee1c3"
    "ac22f604dd88b094b3c89040fea8aac0f6ec3922cdf341cd8a5e0aab7e361cd806dd4b4fe1b1f90a4055d71d"
    "e6122820afb48139032cc7afdf02"
)


def test_spec_example() -> None:
    # specs/cose.md §2: the annotated example, byte for byte.
    claims = cose.CwtClaims(iss="did:example:issuer", iat=1767225600, exp=1798761600)
    payload = encode_deterministic({"score": 97})
    message = cose.sign(
        KEY, payload, kid=b"issuer-1", content_type="application/cbor", claims=claims
    )
    assert message.hex() == SPEC_EXAMPLE
    assert cose.verify(message, KEY.public_key).claims == claims


def test_sign_is_deterministic() -> None:
    assert cose.sign(KEY, PAYLOAD, kid=b"k") == cose.sign(KEY, PAYLOAD, kid=b"k")


def test_sign_detached() -> None:
    message = cose.sign(KEY, PAYLOAD, kid=b"k", detached=True)
    outer = decode_cbor(message, allowed_tags=frozenset({18}))
    assert isinstance(outer, CBORTag)
    assert outer.value[2] is None
    assert cose.verify(message, KEY.public_key, detached_payload=PAYLOAD).payload == PAYLOAD


@pytest.mark.parametrize(
    ("options", "code", "cls"),
    [
        ({"kid": "k"}, "cose.bad_kid", UsageError),
        ({"kid": b"k", "content_type": -1}, "cose.bad_content_type", UsageError),
        ({"kid": b"k", "content_type": True}, "cose.bad_content_type", UsageError),
        ({"kid": b"k", "content_type": ""}, "cose.bad_content_type", UsageError),
        ({"kid": b"k", "content_type": 2**64}, "cose.bad_content_type", UsageError),
    ],
)
def test_sign_refuses_bad_arguments(options: dict[str, Any], code: str, cls: type) -> None:
    with raises_code(code, cls):
        cose.sign(KEY, PAYLOAD, **options)


@pytest.mark.parametrize(
    "fields",
    [{"iss": 1}, {"sub": b"x"}, {"iat": "1"}, {"nbf": 1.5}, {"exp": True}, {"exp": 2**63}],
    ids=repr,
)
def test_claims_refuse_bad_types(fields: dict[str, Any]) -> None:
    with raises_code("cose.bad_claims", MalformedError):
        cose.CwtClaims(**fields)


@pytest.mark.parametrize("algorithms", [set(), {-7}, {-19, -7}])
def test_verify_refuses_bad_algorithm_lists(algorithms: set[int]) -> None:
    message = cose.sign(KEY, PAYLOAD, kid=b"k")
    with raises_code("cose.bad_algorithms", UsageError):
        cose.verify(message, KEY.public_key, algorithms=algorithms)


def test_verify_size_limit() -> None:
    message = cose.sign(KEY, PAYLOAD, kid=b"k")
    with raises_code("cbor.too_large", LimitExceededError):
        cose.verify(message, KEY.public_key, max_size=len(message) - 1)
    big = cose.sign(KEY, bytes(cose.MAX_MESSAGE_SIZE), kid=b"k")
    with raises_code("cbor.too_large", LimitExceededError):
        cose.verify(big, KEY.public_key)


# --- attacks ---------------------------------------------------------------------------------


def test_attack_alg_in_unprotected_header() -> None:
    # Algorithm substitution: the signed header says Ed25519, an unsigned one says ES256.
    with raises_code("cose.alg_unprotected", MalformedError):
        cose.verify(sign1({1: -19, 4: b"k"}, {1: -7}), KEY.public_key)
    # alg only where it is not signed, with a protected header that is empty.
    with raises_code("cose.alg_unprotected", MalformedError):
        cose.verify(sign1(b"", {1: -19, 4: b"k"}), KEY.public_key)
    with raises_code("cose.alg_missing", MalformedError):
        cose.verify(sign1({4: b"k"}), KEY.public_key)


def test_attack_alg_mismatch() -> None:
    # A valid Ed25519 signature under a header naming another algorithm is never checked
    # as Ed25519: the header, not the key, decides, and only -19 / -8 are Ed25519.
    for alg in (-7, -35, -53, -257, 0, "EdDSA", "Ed25519"):
        with raises_code("cose.unsupported_alg", MalformedError):
            cose.verify(sign1({1: alg, 4: b"k"}), KEY.public_key)
    # The header's alg is signed: rewriting -19 to -8 (or back) breaks the signature.
    good = cose.sign(KEY, PAYLOAD, kid=b"k")
    signature = good[-64:]
    with raises_code("signature.invalid", VerificationError):
        cose.verify(sign1({1: -8, 4: b"k"}, signature=signature), KEY.public_key)
    # A caller that wants the fully-specified identifier only can say so.
    with raises_code("cose.unsupported_alg", MalformedError):
        cose.verify(sign1({1: -8, 4: b"k"}), KEY.public_key, algorithms={cose.ALG_ED25519})


def test_attack_kid_swap() -> None:
    good = cose.sign(KEY, PAYLOAD, kid=b"issuer-1")
    signature = good[-64:]
    swapped = sign1({1: -19, 4: b"issuer-2"}, signature=signature)
    with raises_code("signature.invalid", VerificationError):
        cose.verify(swapped, KEY.public_key)
    # A second kid in the unprotected header cannot shadow the signed one.
    shadowed = sign1({1: -19, 4: b"issuer-1"}, {4: b"issuer-2"})
    with raises_code("cose.duplicate_label", MalformedError):
        cose.verify(shadowed, KEY.public_key)
    # The message names a kid, but the signature is checked with the caller's key only.
    with raises_code("signature.invalid", VerificationError):
        cose.verify(good, OTHER.public_key)


def test_attack_payload_swap() -> None:
    good = cose.sign(KEY, PAYLOAD, kid=b"k")
    signature = good[-64:]
    for payload in (b"", PAYLOAD + b"\x00", PAYLOAD[:-1], encode_deterministic({"score": 100})):
        with raises_code("signature.invalid", VerificationError):
            cose.verify(
                sign1({1: -19, 4: b"k"}, payload=payload, signature=signature), KEY.public_key
            )
    detached = cose.sign(KEY, PAYLOAD, kid=b"k", detached=True)
    with raises_code("signature.invalid", VerificationError):
        cose.verify(detached, KEY.public_key, detached_payload=PAYLOAD + b"\x00")


def test_attack_external_aad_mismatch() -> None:
    bound = cose.sign(KEY, PAYLOAD, kid=b"k", external_aad=b"context-a")
    assert cose.verify(bound, KEY.public_key, external_aad=b"context-a").payload == PAYLOAD
    for aad in (b"", b"context-b", b"context-a\x00"):
        with raises_code("signature.invalid", VerificationError):
            cose.verify(bound, KEY.public_key, external_aad=aad)
    unbound = cose.sign(KEY, PAYLOAD, kid=b"k")
    with raises_code("signature.invalid", VerificationError):
        cose.verify(unbound, KEY.public_key, external_aad=b"context-a")


def test_attack_claims_or_content_type_unprotected() -> None:
    with raises_code("cose.header_not_protected", MalformedError):
        cose.verify(sign1({1: -19}, {15: {1: "did:key:attacker"}}), KEY.public_key)
    with raises_code("cose.header_not_protected", MalformedError):
        cose.verify(sign1({1: -19}, {3: "text/plain"}), KEY.public_key)


def test_attack_crit_unknown_extension() -> None:
    with raises_code("cose.crit_unknown", MalformedError):
        cose.verify(sign1({1: -19, 2: [-70000], -70000: True}), KEY.public_key)


# --- COSE receipts (draft-ietf-cose-merkle-tree-proofs): decode only -------------------------


@pytest.mark.parametrize("name", ["inclusion", "consistency"])
def test_receipts_decode_and_are_refused_as_es256(name: str) -> None:
    data = vectors.load_bytes(f"cose/cose-receipts/examples/{name}-receipt.cbor")
    outer = decode_cbor(data, allowed_tags=frozenset({18}))
    assert isinstance(outer, CBORTag)
    protected_bytes, unprotected, payload, signature = outer.value
    protected = decode_cbor(protected_bytes)
    assert protected == {
        1: -7,
        4: b"test-key-1",
        395: 1,
        15: {1: "https://transparency-service.example.com"},
    }
    # Upstream's protected map is not in deterministic order (395 before 15), so requiring
    # deterministic protected headers would refuse real receipts: attest does not.
    with raises_code("cbor.not_deterministic", MalformedError):
        decode_cbor(protected_bytes, require_deterministic=True)
    proofs = unprotected[396]
    assert set(proofs) == ({-1} if name == "inclusion" else {-2})
    assert payload is None
    assert len(signature) == 64
    with raises_code("cose.unsupported_alg", MalformedError):
        cose.verify(data, KEY.public_key)


# --- properties ------------------------------------------------------------------------------

_content_types = st.one_of(st.none(), st.integers(0, 2**64 - 1), st.text(min_size=1, max_size=20))
_dates = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
_claims = st.one_of(
    st.none(),
    st.builds(
        cose.CwtClaims,
        iss=st.one_of(st.none(), st.text(max_size=20)),
        sub=st.one_of(st.none(), st.text(max_size=20)),
        iat=_dates,
        nbf=_dates,
        exp=_dates,
    ),
)


@settings(max_examples=200)
@given(
    payload=st.binary(max_size=200),
    kid=st.binary(max_size=40),
    content_type=_content_types,
    claims=_claims,
    aad=st.binary(max_size=20),
    detached=st.booleans(),
)
def test_round_trip(
    payload: bytes,
    kid: bytes,
    content_type: int | str | None,
    claims: cose.CwtClaims | None,
    aad: bytes,
    detached: bool,
) -> None:
    message = cose.sign(
        KEY,
        payload,
        kid=kid,
        content_type=content_type,
        claims=claims,
        external_aad=aad,
        detached=detached,
    )
    result = cose.verify(
        message,
        KEY.public_key,
        external_aad=aad,
        detached_payload=payload if detached else None,
    )
    assert (result.alg, result.kid, result.payload) == (cose.ALG_ED25519, kid, payload)
    assert result.content_type == content_type
    assert result.claims == claims
    assert result.unprotected == {}


_MESSAGE = cose.sign(
    KEY,
    PAYLOAD,
    kid=b"issuer-1",
    content_type="application/cbor",
    claims=cose.CwtClaims(iss="did:key:z6Mk", iat=1767225600, exp=1798761600),
)


@settings(max_examples=1000)
@given(st.integers(0, len(_MESSAGE) - 1), st.integers(1, 255))
def test_any_byte_change_is_rejected(index: int, mask: int) -> None:
    changed = bytearray(_MESSAGE)
    changed[index] ^= mask
    with pytest.raises((MalformedError, VerificationError)):
        cose.verify(bytes(changed), KEY.public_key)


@settings(max_examples=300)
@given(st.integers(0, len(_MESSAGE) - 1), st.binary(min_size=1, max_size=3))
def test_any_insertion_or_truncation_is_rejected(index: int, extra: bytes) -> None:
    with pytest.raises((MalformedError, VerificationError)):
        cose.verify(_MESSAGE[:index], KEY.public_key)
    with pytest.raises((MalformedError, VerificationError)):
        cose.verify(_MESSAGE[:index] + extra + _MESSAGE[index:], KEY.public_key)


@settings(max_examples=500)
@given(st.binary(max_size=120), st.booleans())
def test_random_bytes_raise_only_project_errors(data: bytes, untagged: bool) -> None:
    with suppress(MalformedError, VerificationError):  # anything else fails the test
        cose.verify(data, KEY.public_key, allow_untagged=untagged)


_labels = st.one_of(st.integers(-5, 20), st.sampled_from(["alg", "kid"]))
_header_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-100, 100),
    st.binary(max_size=8),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(-5, 20), st.binary(max_size=2)), max_size=3),
    st.dictionaries(
        st.integers(-2, 8), st.one_of(st.integers(-9, 9), st.text(max_size=4)), max_size=3
    ),
)
_headers = st.dictionaries(_labels, _header_values, max_size=5)


@settings(max_examples=500)
@given(
    protected=_headers,
    unprotected=_headers,
    payload=st.one_of(st.none(), st.binary(max_size=8), st.integers(-100, 100)),
    signature=st.one_of(st.binary(min_size=64, max_size=64), st.binary(max_size=8)),
    raw_protected=st.booleans(),
)
def test_random_structures_never_verify(
    protected: dict[Any, Any],
    unprotected: dict[Any, Any],
    payload: object,
    signature: bytes,
    raw_protected: bool,
) -> None:
    # Well-formed COSE_Sign1-shaped input with arbitrary headers reaches every header rule;
    # with a random signature nothing may verify, and nothing but project errors may escape.
    prot: object = protected if raw_protected else encode_deterministic(protected)
    message = encode_deterministic(CBORTag(18, [prot, unprotected, payload, signature]))
    with pytest.raises((MalformedError, VerificationError)):
        cose.verify(message, KEY.public_key, detached_payload=b"x" if payload is None else None)
