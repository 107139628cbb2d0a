"""Bitstring Status List: the W3C example, bit order, encoding checked with plain gzip/base64,
hostile encodedLists (a GZIP bomb among them), strict entries, and every check_status failure."""

from __future__ import annotations

import base64
import copy
import gzip
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from attest.errors import (
    AttestError,
    LimitExceededError,
    MalformedError,
    UsageError,
    VerificationError,
)
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity
from attest.vc import status_list as sl
from attest.vc.contexts import CREDENTIALS_V2
from attest.vc.status_list import StatusEntry
from tests import vectors

W3C = vectors.load_json("status-list/w3c-examples.json")
ISSUER = PrivateKey(b"\x51" * 32)
OTHER = PrivateKey(b"\x52" * 32)
ISSUER_DID = did_key.encode_did_key(ISSUER.public_key)
BASE = "https://issuer.example/status/7"
URL = {p: f"{BASE}/{p}" for p in sl.PURPOSES}
T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _gzip_u(data: bytes) -> str:
    return "u" + _b64url(gzip.compress(data, mtime=0))


def _raises(
    fn: Callable[[], object], code: str, kind: type[AttestError] = MalformedError
) -> AttestError:
    with pytest.raises(AttestError) as info:
        fn()
    assert info.value.code == code, info.value
    assert isinstance(info.value, kind), type(info.value)
    return info.value


# --- the W3C examples ----------------------------------------------------------------------------


def test_w3c_example_list_decodes_to_131072_zero_bits() -> None:
    example = W3C["encodedList"]
    bits = sl.decode_list(example["value"])
    assert len(bits) == example["bytes"] == 16_384
    assert len(bits) * 8 == example["bits"] == sl.MIN_SIZE
    assert sl.count_set(bits) == example["setBits"] == 0
    assert bits == bytes(16_384)
    # Independently of attest: plain base64url and gzip agree.
    assert gzip.decompress(_unb64url(example["value"][1:])) == bits


def test_our_encoding_of_zero_bits_differs_from_the_example_only_in_the_gzip_header() -> None:
    ours = _unb64url(sl.encode_list(bytes(16_384))[1:])
    theirs = _unb64url(W3C["encodedList"]["value"][1:])
    assert ours[:8] == theirs[:8]  # magic, method, flags, mtime 0
    assert gzip.decompress(ours) == gzip.decompress(theirs)


def test_w3c_entries_parse_and_write_back_unchanged() -> None:
    raw = W3C["entries"]["value"]
    entries = [StatusEntry.from_json(e) for e in raw]
    assert entries == [
        StatusEntry("revocation", 94567, "https://example.com/credentials/status/3"),
        StatusEntry("suspension", 23452, "https://example.com/credentials/status/4"),
    ]
    assert [e.to_json() for e in entries] == raw
    assert sl.credential_entries({"credentialStatus": raw}) == tuple(entries)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("statusListCredentialEddsaRdfc", "did_key.missing_fragment"),  # a DID, not a key URL
        ("statusListCredential", "di.missing_proof"),
    ],
)
def test_w3c_list_credentials_are_refused_by_name(name: str, code: str) -> None:
    entry = StatusEntry("revocation", 94567, "https://example.com/credentials/status/3")
    doc = W3C[name]["document"]
    _raises(
        lambda: sl.check_status(
            entry, doc, issuer="did:example:12345", now=T0, max_age=timedelta(days=36500)
        ),
        code,
    )


# --- bits ----------------------------------------------------------------------------------------


def test_bit_order_is_most_significant_bit_first() -> None:
    bits = sl.new_list()
    for index in (0, 7, 9, sl.MIN_SIZE - 1):
        bits = sl.with_bit(bits, index, True)
    assert bits[0] == 0b1000_0001
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert bits[2:-1] == bytes(len(bits) - 3)
    assert [i for i in range(16) if sl.get_bit(bits, i)] == [0, 7, 9]
    assert sl.get_bit(bits, sl.MIN_SIZE - 1)
    assert sl.count_set(bits) == 4
    cleared = sl.with_bit(bits, 7, False)
    assert cleared[0] == 0b1000_0000
    assert sl.with_bit(cleared, 7, False) == cleared


def test_bit_order_against_a_hand_built_list() -> None:
    hand = bytearray(16_384)
    hand[0] = 0x80  # index 0
    hand[12] = 0x01  # index 12 * 8 + 7 = 103
    hand[16_383] = 0x02  # index 16,383 * 8 + 6 = 131,070
    bits = sl.decode_list(_gzip_u(bytes(hand)))
    assert [i for i in (0, 1, 102, 103, 104, 131_070, 131_071) if sl.get_bit(bits, i)] == [
        0,
        103,
        131_070,
    ]


@pytest.mark.parametrize("index", [-1, sl.MIN_SIZE, 2**64])
def test_index_outside_the_list(index: int) -> None:
    _raises(lambda: sl.get_bit(sl.new_list(), index), "status.index_out_of_range")
    _raises(lambda: sl.with_bit(sl.new_list(), index, True), "status.index_out_of_range")


def test_index_must_be_an_int() -> None:
    _raises(lambda: sl.get_bit(sl.new_list(), True), "status.bad_index", UsageError)


@pytest.mark.parametrize(
    "size", [0, 8, sl.MIN_SIZE - 8, sl.MIN_SIZE + 1, sl.MAX_LIST_BYTES * 8 + 8, True]
)
def test_list_sizes_refused(size: int) -> None:
    _raises(lambda: sl.new_list(size), "status.bad_size", UsageError)


def test_list_sizes_accepted() -> None:
    assert len(sl.new_list()) == 16_384
    assert len(sl.new_list(sl.MIN_SIZE + 8)) == 16_385


# --- encodedList ---------------------------------------------------------------------------------


def test_encoding_round_trips_and_plain_gzip_base64_read_it() -> None:
    bits = sl.new_list(2 * sl.MIN_SIZE)
    for index in (0, 1, 4242, 99_999, 2 * sl.MIN_SIZE - 1):
        bits = sl.with_bit(bits, index, True)
    encoded = sl.encode_list(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert set(encoded[1:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    raw = _unb64url(encoded[1:])
    assert raw[:4] == b"\x1f\x8b\x08\x00"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime 0: no clock in the output
    assert gzip.decompress(raw) == bits
    assert sl.decode_list(encoded) == bits
    assert sl.encode_list(bits) == encoded  # deterministic


def test_encoding_refuses_short_lists() -> None:
    _raises(lambda: sl.encode_list(bytes(16_383)), "status.list_too_short", UsageError)


def _member(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


ZEROS = bytes(16_384)
GOOD = _member(ZEROS)
DECODE_CASES: list[tuple[str, object, str, type[AttestError]]] = [
    ("not-a-string", b"uH4sI", "status.bad_encoding", MalformedError),
    ("empty", "", "status.bad_encoding", MalformedError),
    ("base58btc", "z" + _b64url(GOOD), "status.bad_encoding", MalformedError),
    (
        "base64-standard-prefix",
        "m" + base64.b64encode(GOOD).decode(),
        "status.bad_encoding",
        MalformedError,
    ),
    ("no-prefix", _b64url(GOOD), "status.bad_encoding", MalformedError),
    ("bad-characters", "u" + _b64url(GOOD)[:-4] + "+/==", "status.bad_encoding", MalformedError),
    (
        "padding",
        "u" + base64.urlsafe_b64encode(GOOD + b"\x00").decode(),
        "status.bad_encoding",
        MalformedError,
    ),
    (
        "whitespace",
        "u" + _b64url(GOOD)[:10] + " " + _b64url(GOOD)[10:],
        "status.bad_encoding",
        MalformedError,
    ),
    ("spare-bits", "u" + _b64url(GOOD + b"\x00")[:-1] + "B", "status.bad_encoding", MalformedError),
    ("u-alone", "u", "status.not_gzip", MalformedError),
    ("raw-bits", "u" + _b64url(ZEROS), "status.not_gzip", MalformedError),
    ("zlib-not-gzip", "u" + _b64url(zlib.compress(ZEROS)), "status.not_gzip", MalformedError),
    (
        "raw-deflate",
        "u" + _b64url(zlib.compressobj(9, zlib.DEFLATED, -15).compress(ZEROS)),
        "status.not_gzip",
        MalformedError,
    ),
    (
        "bad-crc",
        "u" + _b64url(GOOD[:-8] + bytes([GOOD[-8] ^ 1]) + GOOD[-7:]),
        "status.bad_gzip",
        MalformedError,
    ),
    (
        "bad-length",
        "u" + _b64url(GOOD[:-4] + (1).to_bytes(4, "little")),
        "status.bad_gzip",
        MalformedError,
    ),
    (
        "corrupt-deflate",
        "u" + _b64url(GOOD[:10] + b"\xff" * 8 + GOOD[18:]),
        "status.bad_gzip",
        MalformedError,
    ),
    (
        "reserved-flag",
        "u" + _b64url(GOOD[:3] + b"\xe0" + GOOD[4:]),
        "status.bad_gzip",
        MalformedError,
    ),
    ("truncated", "u" + _b64url(GOOD[:-3]), "status.bad_gzip", MalformedError),
    ("header-only", "u" + _b64url(GOOD[:10]), "status.bad_gzip", MalformedError),
    ("trailing-garbage", "u" + _b64url(GOOD + b"\x00"), "status.trailing_data", MalformedError),
    ("two-members", "u" + _b64url(GOOD + _member(b"\x01")), "status.trailing_data", MalformedError),
    ("too-short", _gzip_u(bytes(16_383)), "status.list_too_short", MalformedError),
    ("empty-list", _gzip_u(b""), "status.list_too_short", MalformedError),
]


@pytest.mark.parametrize(
    ("encoded", "code", "kind"),
    [c[1:] for c in DECODE_CASES],
    ids=[c[0] for c in DECODE_CASES],
)
def test_decode_refuses(encoded: object, code: str, kind: type[AttestError]) -> None:
    _raises(lambda: sl.decode_list(encoded), code, kind)


def test_decode_size_bound_is_exact() -> None:
    assert len(sl.decode_list(_gzip_u(bytes(16_384)), max_bytes=16_384)) == 16_384
    _raises(
        lambda: sl.decode_list(_gzip_u(bytes(16_385)), max_bytes=16_384),
        "status.too_large",
        LimitExceededError,
    )


def test_decode_refuses_text_too_long_to_be_a_list_before_decoding_it() -> None:
    text = "u" + "A" * 40_000  # could not be base64url of a 16 KiB-bounded GZIP member
    _raises(lambda: sl.decode_list(text, max_bytes=16_384), "status.too_large", LimitExceededError)


def _gzip_bomb(chunks: int) -> bytes:
    """A valid GZIP member of ``chunks`` MiB of zeros, built without compressing them all:
    one full-flushed deflate chunk (no back-references across it) repeated, then an empty
    final block, the CRC and the length."""
    mib = bytes(1 << 20)
    chunk = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = chunk.compress(mib) + chunk.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(chunks):
        crc = zlib.crc32(mib, crc)
    size = (chunks << 20) & 0xFFFFFFFF
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + body * chunks
        + b"\x03\x00"  # final, fixed-Huffman, empty block
        + crc.to_bytes(4, "little")
        + size.to_bytes(4, "little")
    )


def test_gzip_bomb_helper_is_a_valid_member() -> None:
    assert gzip.decompress(_gzip_bomb(3)) == bytes(3 << 20)


def test_gzip_bomb_is_refused_within_bounded_memory() -> None:
    bomb = _gzip_bomb(1024)  # 1 GiB of zeros
    assert len(bomb) < 1_100_000
    encoded = "u" + _b64url(bomb)
    tracemalloc.start()
    try:
        _raises(lambda: sl.decode_list(encoded), "status.too_large", LimitExceededError)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The encoded text's decoding (~1 MiB) plus at most MAX_LIST_BYTES + 1 of output.
    assert peak < sl.MAX_LIST_BYTES + (8 << 20), peak
    _raises(
        lambda: sl.decode_list(encoded, max_bytes=sl.MIN_SIZE // 8),
        "status.too_large",
        LimitExceededError,
    )


# --- entries -------------------------------------------------------------------------------------

ENTRY = StatusEntry("revocation", 1234, URL["revocation"])
ENTRY_JSON = {
    "id": f"{URL['revocation']}#1234",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "1234",
    "statusListCredential": URL["revocation"],
}


def test_entry_to_json() -> None:
    assert ENTRY.to_json() == ENTRY_JSON
    assert list(ENTRY.to_json()) == list(ENTRY_JSON)
    assert ENTRY.id == f"{URL['revocation']}#1234"
    assert StatusEntry.from_json(ENTRY_JSON) == ENTRY


def test_entry_accepts_no_id_and_status_size_1() -> None:
    bare = {k: v for k, v in ENTRY_JSON.items() if k != "id"}
    assert StatusEntry.from_json(bare) == ENTRY
    assert StatusEntry.from_json({**ENTRY_JSON, "statusSize": 1}) == ENTRY


def _without(name: str) -> dict[str, Any]:
    return {k: v for k, v in ENTRY_JSON.items() if k != name}


ENTRY_CASES: list[tuple[str, object, str]] = [
    ("not-an-object", ["revocation"], "status.bad_entry"),
    ("unknown-member", {**ENTRY_JSON, "statusMessage": []}, "status.unknown_field"),
    (
        "status-reference",
        {**ENTRY_JSON, "statusReference": "https://x.example"},
        "status.unknown_field",
    ),
    ("no-type", _without("type"), "status.bad_entry"),
    ("no-purpose", _without("statusPurpose"), "status.bad_entry"),
    ("no-index", _without("statusListIndex"), "status.bad_entry"),
    ("no-list", _without("statusListCredential"), "status.bad_entry"),
    ("other-type", {**ENTRY_JSON, "type": "StatusList2021Entry"}, "status.unsupported_type"),
    ("type-list", {**ENTRY_JSON, "type": ["BitstringStatusListEntry"]}, "status.unsupported_type"),
    ("purpose-refresh", {**ENTRY_JSON, "statusPurpose": "refresh"}, "status.unsupported_purpose"),
    ("purpose-message", {**ENTRY_JSON, "statusPurpose": "message"}, "status.unsupported_purpose"),
    ("purpose-case", {**ENTRY_JSON, "statusPurpose": "Revocation"}, "status.unsupported_purpose"),
    ("purpose-list", {**ENTRY_JSON, "statusPurpose": ["revocation"]}, "status.bad_entry"),
    ("status-size-2", {**ENTRY_JSON, "statusSize": 2}, "status.unsupported_status_size"),
    ("status-size-text", {**ENTRY_JSON, "statusSize": "1"}, "status.unsupported_status_size"),
    ("status-size-bool", {**ENTRY_JSON, "statusSize": True}, "status.unsupported_status_size"),
    ("index-number", {**ENTRY_JSON, "statusListIndex": 1234}, "status.bad_index"),
    ("index-negative", {**ENTRY_JSON, "statusListIndex": "-1"}, "status.bad_index"),
    ("index-leading-zero", {**ENTRY_JSON, "statusListIndex": "01234"}, "status.bad_index"),
    ("index-exponent", {**ENTRY_JSON, "statusListIndex": "1e3"}, "status.bad_index"),
    ("index-space", {**ENTRY_JSON, "statusListIndex": " 1234"}, "status.bad_index"),
    ("index-plus", {**ENTRY_JSON, "statusListIndex": "+1234"}, "status.bad_index"),
    ("index-empty", {**ENTRY_JSON, "statusListIndex": ""}, "status.bad_index"),
    ("index-unicode-digits", {**ENTRY_JSON, "statusListIndex": "١٢"}, "status.bad_index"),
    ("index-huge", {**ENTRY_JSON, "statusListIndex": "9" * 5000}, "status.bad_index"),
    ("url-number", {**ENTRY_JSON, "statusListCredential": 7}, "status.bad_url"),
    (
        "url-fragment",
        {**ENTRY_JSON, "statusListCredential": URL["revocation"] + "#x"},
        "status.bad_url",
    ),
    (
        "url-query",
        {**ENTRY_JSON, "statusListCredential": URL["revocation"] + "?t=1"},
        "status.bad_url",
    ),
    ("url-file", {**ENTRY_JSON, "statusListCredential": "file:///etc/passwd"}, "status.bad_url"),
    ("url-data", {**ENTRY_JSON, "statusListCredential": "data:,x"}, "status.bad_url"),
    (
        "url-userinfo",
        {**ENTRY_JSON, "statusListCredential": "https://u:p@x.example/s"},
        "status.bad_url",
    ),
    (
        "url-space",
        {**ENTRY_JSON, "statusListCredential": "https://x.example/a b"},
        "status.bad_url",
    ),
    (
        "url-relative",
        {**ENTRY_JSON, "statusListCredential": "/status/revocation"},
        "status.bad_url",
    ),
    (
        "url-too-long",
        {**ENTRY_JSON, "statusListCredential": "https://x.example/" + "a" * 3000},
        "status.bad_url",
    ),
    ("id-other-index", {**ENTRY_JSON, "id": f"{URL['revocation']}#1"}, "status.bad_entry_id"),
    ("id-is-list-url", {**ENTRY_JSON, "id": URL["revocation"]}, "status.bad_entry_id"),
    ("id-number", {**ENTRY_JSON, "id": 1}, "status.bad_entry_id"),
]


@pytest.mark.parametrize(
    ("value", "code"), [c[1:] for c in ENTRY_CASES], ids=[c[0] for c in ENTRY_CASES]
)
def test_entry_from_json_refuses(value: object, code: str) -> None:
    _raises(lambda: StatusEntry.from_json(value), code)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("refresh", 1, URL["revocation"]), "status.unsupported_purpose"),
        (("revocation", -1, URL["revocation"]), "status.bad_index"),
        (("revocation", True, URL["revocation"]), "status.bad_index"),
        (("revocation", 10**15, URL["revocation"]), "status.bad_index"),
        (("revocation", 1, "ftp://x.example/s"), "status.bad_url"),
    ],
)
def test_entry_constructor_refuses(args: tuple[Any, ...], code: str) -> None:
    _raises(lambda: StatusEntry(*args), code, UsageError)


def test_credential_entries() -> None:
    suspension = StatusEntry("suspension", 1234, URL["suspension"])
    assert sl.credential_entries({}) == ()
    assert sl.credential_entries({"credentialStatus": ENTRY_JSON}) == (ENTRY,)
    both = {"credentialStatus": [ENTRY_JSON, suspension.to_json()]}
    assert sl.credential_entries(both) == (ENTRY, suspension)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("https://x.example/s", "status.bad_entry", MalformedError),
        (None, "status.bad_entry", MalformedError),
        ([], "status.bad_entry", MalformedError),
        ([ENTRY_JSON] * 17, "status.too_many_entries", LimitExceededError),
        ([ENTRY_JSON, ENTRY_JSON], "status.duplicate_purpose", MalformedError),
        ([ENTRY_JSON, 3], "status.bad_entry", MalformedError),
    ],
)
def test_credential_entries_refuses(status: object, code: str, kind: type[AttestError]) -> None:
    _raises(lambda: sl.credential_entries({"credentialStatus": status}), code, kind)


# --- the status list credential ------------------------------------------------------------------


def _list(
    purpose: str = "revocation",
    bits: bytes | None = None,
    *,
    key: PrivateKey = ISSUER,
    valid_from: datetime = T0,
    valid_until: datetime | None = T0 + DAY,
) -> dict[str, Any]:
    return sl.status_list_credential(
        key,
        url=URL[purpose],
        purpose=purpose,
        bits=sl.new_list() if bits is None else bits,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def test_status_list_credential_document() -> None:
    bits = sl.with_bit(sl.new_list(), 1234, True)
    doc = _list(bits=bits, valid_from=T0.replace(microsecond=654_321))
    proof = doc.pop("proof")
    assert doc == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": URL["revocation"],
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-11-26T12:00:00Z",
        "validUntil": "2026-11-27T12:00:00Z",
        "credentialSubject": {
            "id": URL["revocation"] + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": doc["credentialSubject"]["encodedList"],
        },
    }
    assert gzip.decompress(_unb64url(doc["credentialSubject"]["encodedList"][1:])) == bits
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["created"] == "2026-11-26T12:00:00Z"
    assert proof["verificationMethod"] == did_key.verification_method_id(ISSUER.public_key)
    assert proof["@context"] == doc["@context"]
    verified = data_integrity.verify_proof({**doc, "proof": proof})
    assert verified.controller == ISSUER_DID


def test_status_list_credential_without_valid_until() -> None:
    doc = _list(valid_until=None)
    assert "validUntil" not in doc
    result = sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=T0 + DAY, max_age=2 * DAY)
    assert result.list_valid_until is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"valid_until": T0}, "status.bad_validity"),
        ({"valid_until": T0 - DAY}, "status.bad_validity"),
        ({"purpose": "message"}, "status.unsupported_purpose"),
        ({"url": "https://x.example/s#frag"}, "status.bad_url"),
        ({"bits": bytes(100)}, "status.list_too_short"),
    ],
)
def test_status_list_credential_refuses(kwargs: dict[str, Any], code: str) -> None:
    args: dict[str, Any] = {
        "url": URL["revocation"],
        "purpose": "revocation",
        "bits": sl.new_list(),
        "valid_from": T0,
        "valid_until": T0 + DAY,
        **kwargs,
    }
    _raises(lambda: sl.status_list_credential(ISSUER, **args), code, UsageError)


# --- check_status --------------------------------------------------------------------------------


def test_check_status_reads_the_bit() -> None:
    bits = sl.with_bit(sl.new_list(), 1234, True)
    revoked = sl.check_status(ENTRY, _list(bits=bits), issuer=ISSUER_DID, now=T0, max_age=DAY)
    assert revoked == sl.StatusResult("revocation", 1234, True, T0, T0 + DAY)
    _raises(revoked.require_clear, "status.revoked", VerificationError)
    other = StatusEntry("revocation", 1235, URL["revocation"])
    clear = sl.check_status(other, _list(bits=bits), issuer=ISSUER_DID, now=T0, max_age=DAY)
    assert not clear.set
    clear.require_clear()
    suspended = StatusEntry("suspension", 1234, URL["suspension"])
    result = sl.check_status(
        suspended, _list("suspension", bits), issuer=ISSUER_DID, now=T0, max_age=DAY
    )
    assert result.set
    _raises(result.require_clear, "status.suspended", VerificationError)


def _resign(
    mutate: Callable[[dict[str, Any]], None], key: PrivateKey = ISSUER, **kw: Any
) -> dict[str, Any]:
    """A list changed by ``mutate`` and then properly signed: reaches the checks after the proof."""
    doc = _list(**kw)
    del doc["proof"]
    mutate(doc)
    options = data_integrity.ProofOptions(created="2026-11-26T12:00:00Z")
    return data_integrity.add_proof(doc, key, options)


def _tamper(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A signed list changed after signing."""
    doc = copy.deepcopy(_list())
    mutate(doc)
    return doc


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = doc
        for p in parents:
            target = target[p]
        del target[last]

    return mutate


def _second_proof(doc: dict[str, Any]) -> None:
    doc["proof"] = [doc["proof"], doc["proof"]]


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    kind: type[AttestError]
    document: Callable[[], object]
    entry: StatusEntry = ENTRY
    now: datetime = T0 + timedelta(hours=1)
    kwargs: dict[str, Any] = field(default_factory=dict)


SKEW = timedelta(minutes=5)
TOO_SHORT = _gzip_u(bytes(16_383))
CASES = [
    # the proof, first
    Case("not-an-object", "status.bad_list_credential", MalformedError, lambda: [1]),
    Case("unsigned", "di.missing_proof", MalformedError, lambda: _tamper(_delete("proof"))),
    Case("proof-set", "di.unexpected_proof_set", MalformedError, lambda: _tamper(_second_proof)),
    Case("bit-flipped-after-signing", "signature.invalid", VerificationError,
         lambda: _tamper(_set("credentialSubject.encodedList",
                              sl.encode_list(sl.with_bit(sl.new_list(), 1234, True))))),
    Case("valid-until-extended", "signature.invalid", VerificationError,
         lambda: _tamper(_set("validUntil", "2036-11-27T12:00:00Z"))),
    Case("purpose-changed", "signature.invalid", VerificationError,
         lambda: _tamper(_set("credentialSubject.statusPurpose", "suspension"))),
    Case("wrong-proof-purpose", "di.proof_purpose_mismatch", VerificationError,
         lambda: _tamper(_set("proof.proofPurpose", "authentication"))),
    # shape, after the proof
    Case("extra-context", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("@context", [CREDENTIALS_V2, "https://evil.example/ctx"]))),
    Case("context-string", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("@context", CREDENTIALS_V2))),
    Case("type-missing-list-type", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("type", ["VerifiableCredential"]))),
    Case("type-string", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("type", "BitstringStatusListCredential"))),
    Case("no-id", "status.bad_list_credential", MalformedError, lambda: _resign(_delete("id"))),
    Case("issuer-number", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("issuer", 7))),
    # a list with no date cannot show it is fresh when the verifier bounds the age
    Case("no-valid-from", "status.stale", VerificationError,
         lambda: _resign(_delete("validFrom"))),
    Case("valid-from-number", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("validFrom", 1764158400))),
    Case("valid-from-no-zone", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("validFrom", "2026-11-26T12:00:00"))),
    Case("valid-until-number", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("validUntil", 1))),
    Case("valid-until-before-from", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("validUntil", "2026-11-25T12:00:00Z"))),
    Case("subject-list", "status.bad_list_credential", MalformedError,
         lambda: _resign(lambda d: d.update(credentialSubject=[d["credentialSubject"]]))),
    Case("subject-status-size", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("credentialSubject.statusSize", 2))),
    Case("subject-type", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("credentialSubject.type", "StatusList2021"))),
    Case("subject-no-encoded-list", "status.bad_list_credential", MalformedError,
         lambda: _resign(_delete("credentialSubject.encodedList"))),
    Case("subject-purpose-number", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("credentialSubject.statusPurpose", 1))),
    Case("subject-purpose-empty-list", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("credentialSubject.statusPurpose", []))),
    Case("subject-ttl-negative", "status.bad_list_credential", MalformedError,
         lambda: _resign(_set("credentialSubject.ttl", -1))),
    # who issued and signed it, and which list it is
    Case("issuer-mismatch", "status.issuer_mismatch", VerificationError,
         lambda: _list(key=OTHER)),
    Case("signer-mismatch", "status.signer_mismatch", VerificationError,
         lambda: _resign(lambda d: None, key=OTHER)),
    Case("wrong-list", "status.wrong_list", VerificationError,
         lambda: _resign(_set("id", BASE + "/revocation-old"))),
    Case("purpose-mismatch", "status.purpose_mismatch", VerificationError, lambda: _list(),
         entry=StatusEntry("suspension", 1234, URL["revocation"])),
    Case("purpose-refresh-list", "status.purpose_mismatch", VerificationError,
         lambda: _resign(_set("credentialSubject.statusPurpose", ["refresh"]))),
    # freshness
    Case("not-yet-valid", "status.not_yet_valid", VerificationError, lambda: _list(),
         now=T0 - SKEW - timedelta(seconds=1)),
    Case("expired", "status.expired", VerificationError, lambda: _list(), now=T0 + DAY + SKEW),
    Case("stale", "status.stale", VerificationError, lambda: _list(valid_until=None),
         now=T0 + DAY + timedelta(seconds=1), kwargs={"max_age": DAY}),
    Case("stale-within-validity", "status.stale", VerificationError,
         lambda: _list(valid_until=T0 + 30 * DAY), now=T0 + 2 * DAY),
    # the bitstring
    Case("index-out-of-range", "status.index_out_of_range", MalformedError, lambda: _list(),
         entry=StatusEntry("revocation", sl.MIN_SIZE, URL["revocation"])),
    Case("list-too-short", "status.list_too_short", MalformedError,
         lambda: _resign(_set("credentialSubject.encodedList", TOO_SHORT))),
    Case("list-not-gzip", "status.not_gzip", MalformedError,
         lambda: _resign(_set("credentialSubject.encodedList", "u" + _b64url(ZEROS)))),
    Case("list-base58", "status.bad_encoding", MalformedError,
         lambda: _resign(_set("credentialSubject.encodedList", "z111"))),
    Case("list-larger-than-allowed", "status.too_large", LimitExceededError,
         lambda: _list(bits=sl.new_list(2 * sl.MIN_SIZE)), kwargs={"max_bytes": 16_384}),
    Case("list-bomb", "status.too_large", LimitExceededError,
         lambda: _resign(_set("credentialSubject.encodedList", "u" + _b64url(_gzip_bomb(32))))),
    # the caller's arguments
    Case("naive-now", "status.naive_time", UsageError, lambda: _list(), now=datetime(2026, 11, 26)),
    Case("negative-max-age", "status.bad_window", UsageError, lambda: _list(),
         kwargs={"max_age": -DAY}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_status_refuses(case: Case) -> None:
    args: dict[str, Any] = {"issuer": ISSUER_DID, "now": case.now, "max_age": DAY, **case.kwargs}
    document: Any = case.document()
    _raises(lambda: sl.check_status(case.entry, document, **args), case.code, case.kind)


def test_check_status_every_code_is_in_the_table() -> None:
    codes = {c.code for c in CASES if c.code.startswith("status.")}
    assert codes >= {
        "status.bad_list_credential",
        "status.issuer_mismatch",
        "status.signer_mismatch",
        "status.wrong_list",
        "status.purpose_mismatch",
        "status.not_yet_valid",
        "status.expired",
        "status.stale",
        "status.index_out_of_range",
        "status.list_too_short",
        "status.too_large",
        "status.bad_encoding",
        "status.not_gzip",
    }


def test_check_status_accepts_the_edges_of_the_window() -> None:
    doc = _list(valid_until=T0 + DAY)

    def check(now: datetime, max_age: timedelta = 2 * DAY) -> None:
        sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=now, max_age=max_age)

    check(T0 - SKEW)  # validFrom at most the skew ahead of our clock
    check(T0 + DAY + SKEW - timedelta(seconds=1))  # validUntil at most the skew behind it
    check(T0 + DAY, max_age=DAY)  # exactly max_age old


def test_check_status_accepts_age_exactly_max_age_and_issuer_object() -> None:
    sl.check_status(ENTRY, _list(valid_until=None), issuer=ISSUER_DID, now=T0 + DAY, max_age=DAY)
    doc = _resign(_set("issuer", {"id": ISSUER_DID, "name": "Issuer"}))
    sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=T0, max_age=DAY)


def test_check_status_accepts_a_list_with_both_purposes() -> None:
    bits = sl.with_bit(sl.new_list(), 1234, True)
    doc = _resign(_set("credentialSubject.statusPurpose", ["suspension", "revocation"]), bits=bits)
    assert sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=T0, max_age=DAY).set
