"""Ed25519 against public vectors: RFC 8032 §7.1, Wycheproof, and the speccheck edge cases.

Every signature check goes through :meth:`PublicKey.verify` (libsodium), the one path the
project uses; these tests pin what that path accepts and rejects.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from attest.errors import MalformedError, VerificationError
from attest.keys.ed25519 import PrivateKey, PublicKey
from tests import vectors

L = 2**252 + 27742317777372353535851937790883648493  # order of the prime subgroup (RFC 8032 §5.1)

RFC8032 = vectors.load_json("ed25519/ed25519-rfc8032-7.1.json")["vectors"]
WYCHEPROOF = vectors.load_json("ed25519/wycheproof/ed25519_test.json")
SPECCHECK = vectors.load_json("ed25519/speccheck/ed25519_speccheck_cases.json")["cases"]


# --- RFC 8032 §7.1 -----------------------------------------------------------------------


@pytest.mark.parametrize("case", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_sign_is_byte_exact(case: dict[str, str]) -> None:
    key = PrivateKey(bytes.fromhex(case["secretKey"]))
    message = bytes.fromhex(case["message"])
    assert key.public_key.raw.hex() == case["publicKey"]
    assert key.sign(message).hex() == case["signature"]


@pytest.mark.parametrize("case", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_verify_and_reject_any_changed_bit(case: dict[str, str]) -> None:
    public_key = PublicKey(bytes.fromhex(case["publicKey"]))
    message = bytes.fromhex(case["message"])
    signature = bytes.fromhex(case["signature"])
    public_key.verify(message, signature)
    for bit in (0, 100, 255, 256, 400, 511):  # in R and in S
        changed = bytearray(signature)
        changed[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(VerificationError):
            public_key.verify(message, bytes(changed))
    with pytest.raises(VerificationError):
        public_key.verify(message + b"x", signature)


def test_rfc8032_has_the_five_tests() -> None:
    assert [v["name"] for v in RFC8032] == [
        "TEST 1",
        "TEST 2",
        "TEST 3",
        "TEST 1024",
        "TEST SHA(abc)",
    ]


# --- Wycheproof ---------------------------------------------------------------------------


def _wycheproof_cases() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (group["publicKey"]["pk"], f"tc{test['tcId']}", test)
        for group in WYCHEPROOF["testGroups"]
        for test in group["tests"]
    ]


WYCHEPROOF_CASES = _wycheproof_cases()


def test_wycheproof_counts() -> None:
    """88 valid, 63 invalid, no "acceptable": a new upstream file with other counts is noticed."""
    counts = Counter(test["result"] for _, _, test in WYCHEPROOF_CASES)
    assert WYCHEPROOF["numberOfTests"] == len(WYCHEPROOF_CASES) == 151
    assert counts == {"valid": 88, "invalid": 63}


@pytest.mark.parametrize(
    ("pk", "test"),
    [(pk, test) for pk, _, test in WYCHEPROOF_CASES],
    ids=[tc for _, tc, _ in WYCHEPROOF_CASES],
)
def test_wycheproof(pk: str, test: dict[str, Any]) -> None:
    """valid must verify; invalid must raise; "acceptable" (none today) must be rejected.

    Wycheproof's "acceptable" means a signature either answer is defensible for. Our rule is
    strict verification: anything not clearly valid is rejected, so one key never verifies a
    signature that another strict verifier refuses.
    """
    public_key = PublicKey(bytes.fromhex(pk))
    message, signature = bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"])
    if test["result"] == "valid":
        public_key.verify(message, signature)
        return
    with pytest.raises(VerificationError) as info:
        public_key.verify(message, signature)
    expected = "signature.bad_length" if len(signature) != 64 else "signature.invalid"
    assert info.value.code == expected


# --- speccheck ----------------------------------------------------------------------------

# Our documented choice per case (specs/keys.md), libsodium's strict rules, with the reason.
SPECCHECK_EXPECTED = {
    0: (False, "small-order A and small-order R"),
    1: (False, "small-order A"),
    2: (False, "small-order R"),
    3: (True, "mixed-order A and R, cofactorless equation holds: valid"),
    4: (False, "only the cofactored equation holds; we verify cofactorless"),
    5: (False, "only the cofactored equation holds; we verify cofactorless"),
    6: (False, "S > L (RFC 8032 §5.1.7 requires S < L)"),
    7: (False, "S >> L"),
    8: (False, "non-canonical R (y = p)"),
    9: (False, "non-canonical R (y = p)"),
}


def test_speccheck_has_ten_cases() -> None:
    assert len(SPECCHECK) == 10 == len(SPECCHECK_EXPECTED)


@pytest.mark.parametrize("index", range(10))
def test_speccheck(index: int) -> None:
    case = SPECCHECK[index]
    accept, _reason = SPECCHECK_EXPECTED[index]
    public_key = PublicKey(bytes.fromhex(case["pub_key"]))
    message, signature = bytes.fromhex(case["message"]), bytes.fromhex(case["signature"])
    if accept:
        public_key.verify(message, signature)
    else:
        with pytest.raises(VerificationError) as info:
            public_key.verify(message, signature)
        assert info.value.code == "signature.invalid"


def test_speccheck_cases_are_what_the_table_says() -> None:
    """Check the properties the table relies on that need no curve arithmetic."""
    s_values = [int.from_bytes(bytes.fromhex(c["signature"])[32:], "little") for c in SPECCHECK]
    assert s_values[0] == 0
    assert all(0 < s < L for s in s_values[1:6] + s_values[8:])
    assert L < s_values[6] < 2 * L
    assert s_values[7] > 2**253
    non_canonical_r = bytes.fromhex("ed" + "ff" * 30 + "7f")  # y = p = 2^255 - 19
    assert [bytes.fromhex(c["signature"])[:32] == non_canonical_r for c in SPECCHECK] == [
        i in (8, 9) for i in range(10)
    ]
    # Cases 0 and 1 share one small-order public key; in case 2 that point is R instead.
    assert SPECCHECK[0]["pub_key"] == SPECCHECK[1]["pub_key"]
    assert SPECCHECK[2]["signature"][:64] == SPECCHECK[0]["pub_key"]


# --- the key types themselves ---------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_public_key_length_is_checked(size: int) -> None:
    with pytest.raises(MalformedError) as info:
        PublicKey(bytes(size))
    assert info.value.code == "key.bad_public_key_length"


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_seed_length_is_checked(size: int) -> None:
    with pytest.raises(MalformedError) as info:
        PrivateKey(bytes(size))
    assert info.value.code == "key.bad_seed_length"


def test_private_key_repr_hides_the_seed() -> None:
    seed = bytes(range(32))
    key = PrivateKey(seed)
    assert seed.hex() not in repr(key)
    assert key.public_key.raw.hex() in repr(key)
