"""W3C Bitstring Status List v1.0: how a credential is revoked or suspended, and how that is read.

A status list is a bitstring, one bit per issued credential, index 0 the most significant bit
of byte 0 (§2.2, §7.1). It is published GZIP-compressed and multibase base64url-encoded
(``u…``) as the ``encodedList`` of a BitstringStatusListCredential that the issuer signs
(§2.2, §3.3). A credential names its bit with a ``credentialStatus`` entry of type
BitstringStatusListEntry (§2.1). A set bit means revoked (permanent) or suspended
(reversible), per the list's ``statusPurpose``.

Everything here is pure: no I/O, no clock (``now`` is an argument). A status list credential
is hostile input: every field is checked, its proof is verified before anything is
decompressed, and decompression is bounded, so a GZIP bomb costs at most ``max_bytes`` of
memory and the time to inflate them. What is written and accepted, and every error code:
specs/status.md.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, NoReturn

from attest.codec import multibase
from attest.codec.canonical import JsonInput, JsonValue
from attest.codec.dates import format_datetime_stamp, parse_datetime_stamp
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
from attest.vc.contexts import CREDENTIALS_STATUS_V1, CREDENTIALS_V2

__all__ = [
    "CREDENTIAL_TYPE",
    "DEFAULT_SIZE",
    "ENTRY_TYPE",
    "LIST_TYPE",
    "MAX_ENTRIES",
    "MAX_LIST_BYTES",
    "MIN_SIZE",
    "PURPOSES",
    "UNDATED",
    "StatusEntry",
    "StatusResult",
    "check_list_url",
    "check_status",
    "count_set",
    "credential_entries",
    "decode_list",
    "encode_list",
    "get_bit",
    "new_list",
    "status_list_credential",
    "with_bit",
]


ENTRY_TYPE: Final = "BitstringStatusListEntry"
CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
LIST_TYPE: Final = "BitstringStatusList"

PURPOSES: Final = ("revocation", "suspension")
"""The status purposes attest writes and reads (§2.1). ``refresh`` and ``message`` (which
needs ``statusSize`` > 1) are refused by name."""

MIN_SIZE: Final = 131_072
"""Fewest bits a list may have: 16 KiB, the group-privacy minimum of §2.2 and §3.2 step 2."""

DEFAULT_SIZE: Final = MIN_SIZE
"""Bits in a new list (§1.1)."""

MAX_LIST_BYTES: Final = 16 << 20
#: ``StatusResult.list_valid_from`` of a list without ``validFrom``: valid since always.
UNDATED: Final = datetime.min.replace(tzinfo=UTC)
"""Default bound on an expanded list: 16 MiB, 134,217,728 entries. Decompression stops one
byte past it (``status.too_large``), so a GZIP bomb costs no more than this."""

MAX_ENTRIES: Final = 16
"""Most ``credentialStatus`` entries a credential may carry."""

MAX_URL_LENGTH: Final = 2048
_MAX_INDEX_DIGITS: Final = 15
_URL: Final = re.compile(
    r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
    r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?",
    re.ASCII,
)
_INDEX: Final = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_ENTRY_FIELDS: Final = frozenset(
    {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential", "statusSize"}
)
_SUBJECT_FIELDS: Final = frozenset({"id", "type", "statusPurpose", "encodedList", "ttl"})
_GZIP_MAGIC: Final = b"\x1f\x8b\x08"
_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS
_INFLATE_CHUNK: Final = 64 * 1024


# --- the bitstring -------------------------------------------------------------------------------


def new_list(size: int = DEFAULT_SIZE) -> bytes:
    """An all-zero list of ``size`` bits: a multiple of 8, from :data:`MIN_SIZE` up to
    :data:`MAX_LIST_BYTES` bytes (``status.bad_size``)."""
    if isinstance(size, bool) or not isinstance(size, int) or size % 8:
        raise UsageError("status.bad_size", f"a list size is a whole number of bytes, not {size!r}")
    if not MIN_SIZE <= size <= MAX_LIST_BYTES * 8:
        raise UsageError(
            "status.bad_size",
            f"a list holds {MIN_SIZE} to {MAX_LIST_BYTES * 8} bits, not {size}",
        )
    return bytes(size // 8)


def get_bit(bits: bytes, index: int) -> bool:
    """Bit ``index`` of ``bits``: index 0 is the most significant bit of byte 0 (§7.1)."""
    _check_index(bits, index)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    """A copy of ``bits`` with bit ``index`` set to ``value``."""
    _check_index(bits, index)
    out = bytearray(bits)
    mask = 0x80 >> (index & 7)
    if value:
        out[index >> 3] |= mask
    else:
        out[index >> 3] &= ~mask & 0xFF
    return bytes(out)


def count_set(bits: bytes) -> int:
    """How many bits of ``bits`` are 1."""
    return int.from_bytes(bits, "big").bit_count()


def _check_index(bits: bytes, index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int):
        raise UsageError("status.bad_index", "a status list index is an integer")
    if not 0 <= index < len(bits) * 8:
        raise MalformedError(
            "status.index_out_of_range",
            f"index {index} is outside the list's {len(bits) * 8} entries",
        )


# --- encodedList ---------------------------------------------------------------------------------


def encode_list(bits: bytes) -> str:
    """``encodedList``: ``"u"`` + base64url (no padding) of the GZIP of ``bits`` (§2.2, §3.3).

    The GZIP header has modification time 0, so the same bits and zlib give the same text.
    GZIP output is not canonical across implementations; compare decoded bits, not text.
    """
    if not isinstance(bits, bytes | bytearray):
        raise UsageError("status.bad_list", "a status list is bytes")
    if len(bits) * 8 < MIN_SIZE:
        raise UsageError(
            "status.list_too_short",
            f"a list has at least {MIN_SIZE} bits; this one has {len(bits) * 8}",
        )
    if len(bits) > MAX_LIST_BYTES:
        raise UsageError("status.too_large", f"a list is at most {MAX_LIST_BYTES} bytes")
    return multibase.encode(gzip.compress(bytes(bits), compresslevel=9, mtime=0), "u")


def decode_list(encoded: object, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The bitstring of an ``encodedList`` (§3.4), expanding at most ``max_bytes`` bytes.

    Accepts exactly one GZIP member (RFC 1952) inside multibase base64url, CRC and length
    checked, nothing after it, expanding to :data:`MIN_SIZE` bits or more. Raises
    :class:`MalformedError` (``status.bad_encoding``, ``status.not_gzip``,
    ``status.bad_gzip``, ``status.trailing_data``, ``status.list_too_short``) or
    :class:`LimitExceededError` (``status.too_large``) before inflating more than
    ``max_bytes`` + 1 bytes, whatever the input claims.
    """
    if not isinstance(encoded, str):
        raise MalformedError("status.bad_encoding", "encodedList must be a string")
    compressed_bound = max_bytes + (max_bytes >> 10) + 1024  # deflate's worst-case expansion
    if len(encoded) > 1 + (compressed_bound * 4 + 2) // 3:
        raise LimitExceededError(
            "status.too_large",
            f"encodedList of {len(encoded)} characters cannot expand to {max_bytes} bytes or less",
        )
    if not encoded.startswith(multibase.BASE64URL):
        raise MalformedError(
            "status.bad_encoding", "encodedList must be multibase base64url ('u…', §2.2)"
        )
    try:
        compressed = multibase.b64url_decode(encoded[1:])
    except MalformedError as exc:
        raise MalformedError("status.bad_encoding", f"encodedList: {exc.message}") from exc
    if not compressed.startswith(_GZIP_MAGIC):
        raise MalformedError(
            "status.not_gzip", "encodedList does not hold GZIP data (RFC 1952, deflate)"
        )
    bits = _inflate(compressed, max_bytes)
    if len(bits) * 8 < MIN_SIZE:
        raise MalformedError(
            "status.list_too_short",
            f"the list has {len(bits) * 8} entries; at least {MIN_SIZE} are required (§3.2)",
        )
    return bits


def _inflate(member: bytes, max_bytes: int) -> bytes:
    """The content of one GZIP member, inflated in chunks and abandoned as soon as it passes
    ``max_bytes``: output is capped per call (``max_length``), whatever the input claims."""
    inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
    out = bytearray()
    pending = member
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, _INFLATE_CHUNK)
            out += chunk
            if len(out) > max_bytes:
                raise LimitExceededError(
                    "status.too_large", f"the status list expands beyond {max_bytes} bytes"
                )
            tail = inflater.unconsumed_tail
            if not chunk and len(tail) == len(pending):
                raise MalformedError("status.bad_gzip", "encodedList: truncated GZIP data")
            pending = tail
    except zlib.error as exc:
        raise MalformedError("status.bad_gzip", f"encodedList: corrupt GZIP data ({exc})") from exc
    if inflater.unused_data:
        raise MalformedError(
            "status.trailing_data",
            f"encodedList: {len(inflater.unused_data)} bytes after the GZIP member",
        )
    return bytes(out)


# --- credentialStatus entries --------------------------------------------------------------------


def check_list_url(url: object) -> str:
    """``url`` if it is an ``http(s)`` URL without query, fragment or user info
    (``status.bad_url``): the list URL, whose entries are ``<url>#<index>``."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH or not _URL.fullmatch(url):
        shown = str(url)[:100] if isinstance(url, str) else type(url).__name__
        raise MalformedError(
            "status.bad_url",
            f"{shown!r} is not an http(s) status list URL without query or fragment",
        )
    return url


@dataclass(frozen=True)
class StatusEntry:
    """A ``credentialStatus`` entry (§2.1): bit ``index`` of the ``purpose`` list at
    ``list_url``."""

    purpose: str
    index: int
    list_url: str

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise UsageError(
                "status.unsupported_purpose",
                f"status purpose {self.purpose!r} is not one of {', '.join(PURPOSES)}",
            )
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise UsageError("status.bad_index", "a status list index is an integer >= 0")
        if len(str(self.index)) > _MAX_INDEX_DIGITS:
            raise UsageError("status.bad_index", "a status list index has at most 15 digits")
        try:
            check_list_url(self.list_url)
        except MalformedError as exc:
            raise UsageError(exc.code, exc.message) from exc

    @property
    def id(self) -> str:
        """``<list_url>#<index>``: names the entry, never equal to the list URL (§2.1)."""
        return f"{self.list_url}#{self.index}"

    def to_json(self) -> dict[str, str]:
        """The entry as written: ``id``, ``type``, ``statusPurpose``, ``statusListIndex`` (a
        base-10 string) and ``statusListCredential``, in the order of the spec's examples."""
        return {
            "id": self.id,
            "type": ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }

    @classmethod
    def from_json(cls, value: object) -> StatusEntry:
        """Parse an entry strictly: what :meth:`to_json` writes, ``id`` optional, and
        ``statusSize`` only as 1. Raises :class:`MalformedError` ``status.*``."""
        if not isinstance(value, Mapping):
            _bad_entry("a credentialStatus entry is a JSON object")
        unknown = set(value) - _ENTRY_FIELDS
        if unknown:
            shown = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
            raise MalformedError(
                "status.unknown_field",
                f"credentialStatus has members attest does not read: {shown}",
            )
        for name in ("type", "statusPurpose", "statusListIndex", "statusListCredential"):
            if name not in value:
                _bad_entry(f"credentialStatus has no {name!r}")
        if value["type"] != ENTRY_TYPE:
            raise MalformedError(
                "status.unsupported_type",
                f"credentialStatus type {str(value['type'])[:60]!r} is not {ENTRY_TYPE}",
            )
        purpose = value["statusPurpose"]
        if not isinstance(purpose, str):
            _bad_entry("statusPurpose must be a string")
        if purpose not in PURPOSES:
            raise MalformedError(
                "status.unsupported_purpose",
                f"status purpose {purpose[:60]!r} is not one of {', '.join(PURPOSES)}",
            )
        if "statusSize" in value:
            size = value["statusSize"]
            if isinstance(size, bool) or not isinstance(size, int | float) or size != 1:
                raise MalformedError(
                    "status.unsupported_status_size",
                    "only statusSize 1 (one bit per entry) is supported",
                )
        index_text = value["statusListIndex"]
        if not isinstance(index_text, str):
            raise MalformedError(
                "status.bad_index", "statusListIndex must be a string of base-10 digits (§2.1)"
            )
        if len(index_text) > _MAX_INDEX_DIGITS or not _INDEX.fullmatch(index_text):
            raise MalformedError(
                "status.bad_index",
                f"statusListIndex {index_text[:20]!r} is not a base-10 integer >= 0 "
                "without leading zeros",
            )
        url = check_list_url(value["statusListCredential"])
        entry = cls(purpose, int(index_text), url)
        if "id" in value and value["id"] != entry.id:
            raise MalformedError(
                "status.bad_entry_id",
                f"credentialStatus id must be <statusListCredential>#<index>, {entry.id!r}",
            )
        return entry


def credential_entries(credential: Mapping[str, Any]) -> tuple[StatusEntry, ...]:
    """The status entries of a credential's ``credentialStatus`` (one object or a list of up
    to :data:`MAX_ENTRIES`); ``()`` when it has none. One entry per purpose at most."""
    if "credentialStatus" not in credential:
        return ()
    raw = credential["credentialStatus"]
    items: Sequence[object]
    if isinstance(raw, Mapping):
        items = [raw]
    elif isinstance(raw, Sequence) and not isinstance(raw, str | bytes):
        items = raw
    else:
        _bad_entry("credentialStatus must be an object or a list of objects")
    if not items:
        _bad_entry("credentialStatus is an empty list")
    if len(items) > MAX_ENTRIES:
        raise LimitExceededError(
            "status.too_many_entries", f"credentialStatus holds at most {MAX_ENTRIES} entries"
        )
    entries = tuple(StatusEntry.from_json(item) for item in items)
    purposes = [e.purpose for e in entries]
    if len(set(purposes)) != len(purposes):
        raise MalformedError(
            "status.duplicate_purpose", "credentialStatus names one purpose more than once"
        )
    return entries


# --- the status list credential ------------------------------------------------------------------


def status_list_credential(
    key: PrivateKey,
    *,
    url: str,
    purpose: str,
    bits: bytes,
    valid_from: datetime,
    valid_until: datetime | None,
) -> dict[str, JsonValue]:
    """The signed BitstringStatusListCredential (§2.2) of ``bits`` for ``purpose`` at ``url``.

    VC 2.0, issued by ``key``'s did:key, ``id`` = ``url``, subject ``<url>#list``, times to the
    second in UTC, secured with one eddsa-jcs-2022 proof whose ``created`` is ``validFrom``.
    """
    try:
        check_list_url(url)
    except MalformedError as exc:
        raise UsageError(exc.code, exc.message) from exc
    if purpose not in PURPOSES:
        raise UsageError(
            "status.unsupported_purpose", f"purpose must be one of {', '.join(PURPOSES)}"
        )
    start = valid_from.replace(microsecond=0)
    document: dict[str, JsonValue] = {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": did_key.encode_did_key(key.public_key),
        "validFrom": format_datetime_stamp(start),
    }
    if valid_until is not None:
        end = valid_until.replace(microsecond=0)
        if end <= start:
            raise UsageError("status.bad_validity", "validUntil must be after validFrom")
        document["validUntil"] = format_datetime_stamp(end)
    document["credentialSubject"] = {
        "id": url + "#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": encode_list(bits),
    }
    options = data_integrity.ProofOptions(created=str(document["validFrom"]))
    return data_integrity.add_proof(document, key, options)


@dataclass(frozen=True)
class StatusResult:
    """The status bit of one entry in a list that verified, and the list's validity window."""

    purpose: str
    index: int
    set: bool
    #: The list's ``validFrom``; a list without one (BSL does not require it, and Digital
    #: Bazaar's lists have none) is accepted only with no ``max_age``, and then this is
    #: :data:`UNDATED`, the earliest instant, with ``dated`` False.
    list_valid_from: datetime
    list_valid_until: datetime | None
    dated: bool = True

    def require_clear(self) -> None:
        """Raise :class:`VerificationError` ``status.revoked`` or ``status.suspended`` if the
        bit is set; a set bit is an answer, not a malformed list, so this is the caller's call."""
        if self.set:
            code = "status.revoked" if self.purpose == "revocation" else "status.suspended"
            raise VerificationError(
                code, f"the credential is {code[7:]} (status index {self.index})"
            )


def check_status(
    entry: StatusEntry,
    status_credential: JsonInput,
    *,
    issuer: str,
    now: datetime,
    max_age: timedelta | None,
    clock_skew: timedelta = timedelta(minutes=5),
    max_bytes: int = MAX_LIST_BYTES,
) -> StatusResult:
    """Read ``entry``'s bit from ``status_credential`` after checking the list (§3.2).

    In order: its one eddsa-jcs-2022 or eddsa-rdfc-2022 proof (``di.*``, ``signature.*``,
    ``did_key.*`` codes, as data_integrity raises them; under rdfc, the JSON must also say
    what the signed RDF says, ``vc.aliased_term``), before anything else is read; the list's
    shape (``status.bad_list_credential``); that ``issuer`` (the credential's
    issuer DID) issued the list and signed it; that it is the list ``entry`` names and holds
    its purpose; ``validFrom``, if any, <= ``now`` + ``clock_skew``; ``validUntil``, if any, >
    ``now`` - ``clock_skew``; with ``max_age``, ``now`` - ``validFrom`` <= ``max_age``, and a
    list with no ``validFrom`` cannot show that (``status.stale``); then the bitstring.
    A set bit is returned, not raised: see :meth:`StatusResult.require_clear`.
    """
    if not isinstance(entry, StatusEntry):
        raise UsageError("status.bad_entry", "check_status takes a StatusEntry")
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("status.naive_time", "now must be an aware datetime")
    if (max_age is not None and max_age < timedelta(0)) or clock_skew < timedelta(0):
        raise UsageError("status.bad_window", "max_age and clock_skew must not be negative")
    if not isinstance(status_credential, Mapping):
        _bad_list("a status list credential is a JSON object")
    try:
        proof = data_integrity.verify_proof(status_credential, now=now)
    except AttestError as exc:
        raise type(exc)(exc.code, f"status list credential: {exc.message}") from exc
    if proof.cryptosuite != data_integrity.CRYPTOSUITE:
        # rdfc signs the RDF, not the JSON read below: they must agree (specs/status.md §4).
        from attest.vc import jsonld, model

        try:
            model.check_agreement(status_credential, jsonld.expand_safe(status_credential))
        except AttestError as exc:
            raise type(exc)(exc.code, f"status list credential: {exc.message}") from exc
    doc = _list_document(status_credential)

    list_issuer = _issuer_id(doc)
    if list_issuer != issuer:
        raise VerificationError(
            "status.issuer_mismatch",
            f"the status list is issued by {list_issuer[:100]!r}, not the credential's issuer",
        )
    if proof.controller != list_issuer:
        raise VerificationError(
            "status.signer_mismatch", "the status list is not signed by its issuer's key"
        )
    if doc["id"] != entry.list_url:
        raise VerificationError(
            "status.wrong_list",
            f"this is the list {str(doc['id'])[:100]!r}, not {entry.list_url!r}",
        )
    subject = _subject(doc)
    purposes = subject["statusPurpose"]
    listed = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(listed, Sequence) or entry.purpose not in listed:
        raise VerificationError(
            "status.purpose_mismatch", f"the status list is not a {entry.purpose} list"
        )

    valid_from = _time(doc, "validFrom") if "validFrom" in doc else None
    valid_until = _time(doc, "validUntil") if "validUntil" in doc else None
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        _bad_list("validUntil is before validFrom")
    if valid_from is not None and valid_from > now + clock_skew:
        raise VerificationError(
            "status.not_yet_valid", f"the status list is valid only from {doc['validFrom']}"
        )
    if valid_until is not None and valid_until <= now - clock_skew:
        raise VerificationError("status.expired", f"the status list expired at {doc['validUntil']}")
    if max_age is not None and valid_from is None:
        raise VerificationError(
            "status.stale",
            f"the status list has no validFrom, so it cannot show it is newer than the "
            f"{max_age} allowed",
        )
    if max_age is not None and valid_from is not None and now - valid_from > max_age:
        raise VerificationError(
            "status.stale",
            f"the status list is from {doc['validFrom']}, older than the {max_age} allowed",
        )

    bits = decode_list(subject["encodedList"], max_bytes=max_bytes)
    return StatusResult(
        purpose=entry.purpose,
        index=entry.index,
        set=get_bit(bits, entry.index),
        list_valid_from=UNDATED if valid_from is None else valid_from,
        list_valid_until=valid_until,
        dated=valid_from is not None,
    )


def _list_document(value: JsonInput) -> Mapping[str, JsonInput]:
    """The checked shape of a status list credential: every member :func:`check_status` reads."""
    if not isinstance(value, Mapping):
        _bad_list("a status list credential is a JSON object")
    context = value.get("@context")
    if (
        not isinstance(context, Sequence)
        or isinstance(context, str)
        or not context
        or context[0] != CREDENTIALS_V2
        or any(c != CREDENTIALS_STATUS_V1 for c in context[1:])
        or len(context) > 2
    ):
        _bad_list(
            f"@context must be [{CREDENTIALS_V2!r}] (optionally with {CREDENTIALS_STATUS_V1!r})"
        )
    types = value.get("type")
    if (
        not isinstance(types, Sequence)
        or isinstance(types, str)
        or len(types) > 8
        or not all(isinstance(t, str) for t in types)
        or "VerifiableCredential" not in types
        or CREDENTIAL_TYPE not in types
    ):
        _bad_list(f"type must list VerifiableCredential and {CREDENTIAL_TYPE}")
    if not isinstance(value.get("id"), str):
        _bad_list("the status list credential has no string 'id'")
    _issuer_id(value)
    if "validFrom" in value and not isinstance(value["validFrom"], str):
        _bad_list("validFrom must be a dateTimeStamp string")
    if "validUntil" in value and not isinstance(value["validUntil"], str):
        _bad_list("validUntil must be a dateTimeStamp string")
    _subject(value)
    return value


def _issuer_id(doc: Mapping[str, JsonInput]) -> str:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str):
        _bad_list("issuer must be a DID string or an object with a string 'id'")
    return issuer


def _subject(doc: Mapping[str, JsonInput]) -> Mapping[str, JsonInput]:
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        _bad_list("credentialSubject must be one object")
    unknown = set(subject) - _SUBJECT_FIELDS
    if unknown:
        shown = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
        _bad_list(f"credentialSubject has members attest does not read: {shown}")
    if subject.get("type") != LIST_TYPE:
        _bad_list(f"credentialSubject.type must be {LIST_TYPE}")
    if "id" in subject and not isinstance(subject["id"], str):
        _bad_list("credentialSubject.id must be a string")
    purposes = subject.get("statusPurpose")
    if not (
        isinstance(purposes, str)
        or (
            isinstance(purposes, Sequence)
            and 0 < len(purposes) <= 8
            and all(isinstance(p, str) for p in purposes)
        )
    ):
        _bad_list("credentialSubject.statusPurpose must be one or more strings")
    if not isinstance(subject.get("encodedList"), str):
        _bad_list("credentialSubject.encodedList must be a string")
    if "ttl" in subject:
        ttl = subject["ttl"]
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
            _bad_list("credentialSubject.ttl must be a whole number of milliseconds")
    return subject


def _time(doc: Mapping[str, JsonInput], name: str) -> datetime:
    value = doc[name]
    if not isinstance(value, str):  # never str() it: that would read a non-string as text
        _bad_list(f"{name} must be an XML Schema dateTimeStamp string")
    try:
        return parse_datetime_stamp(value)
    except MalformedError as exc:
        _bad_list(f"{name}: {exc.message}")


def _bad_list(message: str) -> NoReturn:
    raise MalformedError("status.bad_list_credential", message)


def _bad_entry(message: str) -> NoReturn:
    raise MalformedError("status.bad_entry", message)
