"""base58btc, base64url and multicodec varints: public vectors, strictness, round trips."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attest.codec import multibase
from attest.errors import LimitExceededError, MalformedError
from tests import vectors

BITCOIN = vectors.load_json("did-key/base58/base58_encode_decode.json")


@pytest.mark.parametrize(("hex_", "text"), BITCOIN, ids=[t[:20] or "empty" for _, t in BITCOIN])
def test_bitcoin_core_base58_vectors(hex_: str, text: str) -> None:
    data = bytes.fromhex(hex_)
    assert multibase.b58encode(data) == text
    assert multibase.b58decode(text) == data


def test_w3c_signature_in_base58btc() -> None:
    """The eddsa-jcs-2022 proofValue is 'z' + base58btc of the 64-byte signature."""
    sig = bytes.fromhex(vectors.load_bytes("did-key/vc-di-eddsa/sigHexJCS.txt").decode())
    proof_value = vectors.load_bytes("did-key/vc-di-eddsa/sigBTC58JCS.txt").decode()
    assert multibase.encode(sig) == proof_value
    assert multibase.decode(proof_value) == sig
    assert multibase.decode(proof_value, multibase.BASE58BTC) == sig


@given(st.binary(max_size=200))
def test_base58_round_trip(data: bytes) -> None:
    text = multibase.b58encode(data)
    assert multibase.b58decode(text) == data
    assert set(text) <= set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")


@given(st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
def test_every_base58_string_has_one_spelling(text: str) -> None:
    assert multibase.b58encode(multibase.b58decode(text)) == text


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "+", " ", "z z", "é", "abc\n"])
def test_base58_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(MalformedError) as info:
        multibase.b58decode(bad)
    assert info.value.code == "multibase.bad_base58"


def test_base58_length_is_bounded() -> None:
    multibase.b58decode("2" * multibase.MAX_BASE58_LENGTH)
    with pytest.raises(LimitExceededError) as info:
        multibase.b58decode("2" * (multibase.MAX_BASE58_LENGTH + 1))
    assert info.value.code == "multibase.too_long"


@given(st.binary(max_size=200))
def test_base64url_matches_the_standard_library(data: bytes) -> None:
    text = multibase.b64url_encode(data)
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert multibase.b64url_decode(text) == data


@pytest.mark.parametrize(
    "bad",
    [
        "AA==",  # padding
        "AB",  # non-zero spare bits (canonical is "AA")
        "A",  # impossible length
        "AA+",  # standard alphabet
        "AA/",
        "AA AA",
        "AA\n",
    ],
)
def test_base64url_is_strict(bad: str) -> None:
    with pytest.raises(MalformedError) as info:
        multibase.b64url_decode(bad)
    assert info.value.code == "multibase.bad_base64url"


def test_multibase_prefixes() -> None:
    assert multibase.encode(b"\x00\x01", multibase.BASE64URL) == "uAAE"
    assert multibase.decode("uAAE") == b"\x00\x01"
    assert multibase.encode(b"\x00\x01") == "z12"
    assert multibase.decode("z12") == b"\x00\x01"


@pytest.mark.parametrize(
    ("text", "base", "code"),
    [
        ("", None, "multibase.empty"),
        ("f00", None, "multibase.unsupported_base"),  # base16: not supported here
        ("m" + "AA", None, "multibase.unsupported_base"),  # base64 with padding alphabet
        ("uAAE", "z", "multibase.unsupported_base"),
        ("z12", "u", "multibase.unsupported_base"),
    ],
)
def test_multibase_rejects(text: str, base: multibase.Base | None, code: str) -> None:
    with pytest.raises(MalformedError) as info:
        multibase.decode(text, base)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("code", "encoded"),
    [
        # From the multicodec table as the reference summary gives them.
        (0xED, "ed01"),  # ed25519-pub
        (0x1300, "8026"),  # ed25519-priv
        (0x1200, "8024"),  # p256-pub
        (0xEC, "ec01"),  # x25519-pub
        (0x12, "12"),  # sha2-256
        (0, "00"),
        (127, "7f"),
        (128, "8001"),
        (2**63 - 1, "ffffffffffffffff7f"),
    ],
)
def test_varint(code: int, encoded: str) -> None:
    assert multibase.encode_varint(code).hex() == encoded
    assert multibase.decode_varint(bytes.fromhex(encoded) + b"rest") == (code, len(encoded) // 2)


@pytest.mark.parametrize(
    "bad",
    [
        "",  # nothing
        "ed",  # continuation bit, then nothing
        "ed8100",  # 0xed with a redundant zero group
        "8000",  # zero, not minimal
        "ffffffffffffffffff01",  # ten bytes: more than 63 bits
    ],
)
def test_varint_rejects(bad: str) -> None:
    with pytest.raises(MalformedError) as info:
        multibase.decode_varint(bytes.fromhex(bad))
    assert info.value.code == "multicodec.bad_varint"


@pytest.mark.parametrize("value", [-1, 2**63])
def test_varint_range(value: int) -> None:
    with pytest.raises(MalformedError):
        multibase.encode_varint(value)


@given(st.integers(min_value=0, max_value=2**63 - 1), st.binary(max_size=8))
def test_multicodec_prefix_round_trip(code: int, data: bytes) -> None:
    assert multibase.split_multicodec_prefix(multibase.add_multicodec_prefix(code, data)) == (
        code,
        data,
    )
