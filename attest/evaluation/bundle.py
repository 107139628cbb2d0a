"""The offline bundle: a credential with everything a verifier needs, in one file.

A bundle carries the signed credential; for the credential and for each evidence item it
cites, the log entry and a C2SP tlog-proof to one signed checkpoint; the log's origin and
verifier key (a hint: the verifier's policy decides which logs it trusts); optionally the
evidence bytes themselves and a status list credential. JSON bundles carry a JSON credential,
CBOR bundles a COSE_Sign1 one, with the same structure (specs/bundle.md).

Parsing checks structure only, strictly and within fixed limits: unknown versions and fields
are rejected, never guessed at. Signatures and proofs are the verifier's job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from attest.codec import b64
from attest.codec.canonical import parse_json
from attest.codec.cbor import decode_cbor, encode_deterministic, to_json_value
from attest.codec.digest import Digest
from attest.errors import LimitExceededError, MalformedError
from attest.tlog.checkpoint import Checkpoint, parse_checkpoint
from attest.tlog.entry import LogEntry
from attest.tlog.note import SignedNote
from attest.tlog.note import parse as parse_note
from attest.tlog.proof import TlogProof, parse_tlog_proof

__all__ = [
    "BUNDLE_VERSION",
    "CBOR_MEDIA_TYPE",
    "JSON_MEDIA_TYPE",
    "MAX_BUNDLE_SIZE",
    "MAX_EMBEDDED_SIZE",
    "MAX_ENTRIES",
    "MAX_EVIDENCE_DATA",
    "MAX_JSON_STRING",
    "Bundle",
    "LoggedEntry",
    "parse_bundle",
]

JSON_MEDIA_TYPE = "application/vnd.attest.bundle+json"
CBOR_MEDIA_TYPE = "application/vnd.attest.bundle+cbor"
BUNDLE_VERSION = 1
#: Largest bundle accepted, embedded evidence included.
MAX_BUNDLE_SIZE = 64 * 1024 * 1024
#: Most log entries in one bundle (the credential and the evidence it cites).
MAX_ENTRIES = 1025
#: Most embedded evidence files in one bundle.
MAX_EVIDENCE_DATA = 1024
#: Largest embedded evidence file, in bytes (what ``attest issue`` embeds at most).
MAX_EMBEDDED_SIZE = 16 * 1024 * 1024
#: Longest JSON string in a JSON bundle, in characters: the base64 of the largest embedded
#: evidence file. Checked before the JSON parser builds any string.
MAX_JSON_STRING = 4 * -(-MAX_EMBEDDED_SIZE // 3)
#: Most status list credentials stapled in one bundle (``statusLists``): a credential's
#: revocation and suspension lists, with room for a second issuer's or a rotated list.
MAX_STATUS_LISTS = 4
ROLES = ("credential", "evidence")

_TOP_KEYS = {
    "mediaType",
    "version",
    "credential",
    "log",
    "entries",
    "evidenceData",
    "statusList",
    "statusLists",
}
_REQUIRED = {"mediaType", "version", "credential", "log", "entries"}


@dataclass(frozen=True)
class LoggedEntry:
    """A log entry in the bundle: its role, its bytes, and its tlog-proof."""

    role: str
    entry: bytes
    proof: TlogProof
    decoded: LogEntry = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise MalformedError("bundle.bad_role", f"entry role must be one of {ROLES}")
        object.__setattr__(self, "decoded", LogEntry.decode(self.entry))

    @property
    def index(self) -> int:
        return self.proof.index


@dataclass(frozen=True)
class Bundle:
    """A parsed bundle. ``credential`` is a JSON object (JSON bundles) or COSE bytes (CBOR)."""

    credential: Mapping[str, Any] | bytes
    log_origin: str
    log_key: str
    entries: tuple[LoggedEntry, ...]
    evidence_data: Mapping[str, bytes] = field(default_factory=dict)
    status_list: Mapping[str, Any] | None = None
    #: Stapled status list credentials (``statusLists``); the single ``statusList`` of older
    #: bundles stays readable, and a bundle holds one or the other.
    status_lists: tuple[Mapping[str, Any], ...] = ()
    #: The checkpoint every proof leads to, parsed once (its signatures are not verified).
    note: SignedNote = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.entries or self.entries[0].role != "credential":
            raise MalformedError(
                "bundle.no_credential_entry", "the first entry must be the credential's"
            )
        if any(e.role == "credential" for e in self.entries[1:]):
            raise MalformedError("bundle.bad_role", "only the first entry is the credential's")
        if len(self.entries) > MAX_ENTRIES:
            raise LimitExceededError("bundle.too_many_entries", f"at most {MAX_ENTRIES} entries")
        first = self.entries[0].proof.checkpoint
        if any(e.proof.checkpoint != first for e in self.entries[1:]):
            raise MalformedError(
                "bundle.mixed_checkpoints", "every proof must lead to the same checkpoint"
            )
        indices = [e.index for e in self.entries]
        if len(set(indices)) != len(indices):
            raise MalformedError("bundle.duplicate_entry", "an entry appears twice")
        if self.status_list is not None and self.status_lists:
            raise MalformedError(
                "bundle.bad_field", "a bundle holds statusList or statusLists, not both"
            )
        if len(self.status_lists) > MAX_STATUS_LISTS:
            raise LimitExceededError(
                "bundle.too_many_status_lists", f"at most {MAX_STATUS_LISTS} stapled status lists"
            )
        object.__setattr__(self, "note", parse_note(first))

    @property
    def stapled(self) -> tuple[Mapping[str, Any], ...]:
        """Every status list credential the bundle carries (``statusList`` or ``statusLists``)."""
        return self.status_lists if self.status_list is None else (self.status_list,)

    @property
    def claimed_checkpoint(self) -> Checkpoint:
        """The checkpoint's body as the bundle states it, before any signature is checked
        (for routing and display only; the verifier opens it with the log's key)."""
        return parse_checkpoint(self.note.text)

    @property
    def is_cbor(self) -> bool:
        return isinstance(self.credential, bytes)

    @property
    def checkpoint(self) -> bytes:
        return self.entries[0].proof.checkpoint

    @property
    def credential_entry(self) -> LoggedEntry:
        return self.entries[0]

    @property
    def evidence_entries(self) -> tuple[LoggedEntry, ...]:
        return self.entries[1:]

    def encode(self) -> bytes:
        """JSON for a JSON credential, deterministic CBOR for a COSE one."""
        return self._encode_cbor() if self.is_cbor else self._encode_json()

    def _encode_json(self) -> bytes:
        doc: dict[str, Any] = {
            "mediaType": JSON_MEDIA_TYPE,
            "version": BUNDLE_VERSION,
            "credential": self.credential,
            "log": {"origin": self.log_origin, "verifierKey": self.log_key},
            "entries": [
                {
                    "role": e.role,
                    "entry": _b64(e.entry),
                    "tlogProof": e.proof.encode().decode("utf-8"),
                }
                for e in self.entries
            ],
        }
        if self.evidence_data:
            doc["evidenceData"] = [
                {"digest": d, "data": _b64(data)} for d, data in sorted(self.evidence_data.items())
            ]
        if self.status_list is not None:
            doc["statusList"] = self.status_list
        if self.status_lists:
            doc["statusLists"] = list(self.status_lists)
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def _encode_cbor(self) -> bytes:
        doc: dict[str, Any] = {
            "mediaType": CBOR_MEDIA_TYPE,
            "version": BUNDLE_VERSION,
            "credential": self.credential,
            "log": {"origin": self.log_origin, "verifierKey": self.log_key},
            "entries": [
                {"role": e.role, "entry": e.entry, "tlogProof": e.proof.encode()}
                for e in self.entries
            ],
        }
        if self.evidence_data:
            doc["evidenceData"] = [
                {"digest": d, "data": data} for d, data in sorted(self.evidence_data.items())
            ]
        if self.status_list is not None:
            doc["statusList"] = self.status_list
        if self.status_lists:
            doc["statusLists"] = list(self.status_lists)
        return encode_deterministic(doc)


def _b64(data: bytes) -> str:
    return b64.encode(data)


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedError("bundle.bad_field", f"{what} must be a base64 string")
    return b64.decode(value, code="bundle.bad_base64", what=what)


def _bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise MalformedError("bundle.bad_field", f"{what} must be a byte string")
    return value


def _json_object(item: object, what: str) -> Mapping[str, Any]:
    value = to_json_value(item, code="bundle.bad_field")
    if not isinstance(value, dict):
        raise MalformedError("bundle.bad_field", f"{what} must be a map")
    return value


def parse_bundle(data: bytes) -> Bundle:
    """Parse a JSON or CBOR bundle (told apart by the first byte) and check its structure."""
    if not isinstance(data, bytes):
        raise MalformedError("bundle.bad_input", "a bundle is bytes")
    if len(data) > MAX_BUNDLE_SIZE:
        raise LimitExceededError("bundle.too_large", f"a bundle is at most {MAX_BUNDLE_SIZE} bytes")
    doc: Any
    if data.lstrip()[:1] == b"{":
        doc = parse_json(data, max_size=MAX_BUNDLE_SIZE, max_string=MAX_JSON_STRING)
        cbor = False
    else:
        doc = decode_cbor(data, max_size=MAX_BUNDLE_SIZE, max_items=1 << 16)
        cbor = True
    if not isinstance(doc, Mapping):
        raise MalformedError("bundle.not_an_object", "a bundle is a JSON object or CBOR map")
    if missing := {"mediaType", "version"} - set(doc):
        raise MalformedError("bundle.missing_field", f"the bundle lacks {sorted(missing)}")
    media = doc.get("mediaType")
    expected = CBOR_MEDIA_TYPE if cbor else JSON_MEDIA_TYPE
    if media != expected:
        raise MalformedError(
            "bundle.bad_media_type", f"mediaType must be {expected!r}, not {str(media)[:80]!r}"
        )
    version = doc.get("version")
    if type(version) is not int or version != BUNDLE_VERSION:
        raise MalformedError(
            "bundle.unknown_version",
            f"bundle version {str(version)[:20]!r} is not supported (this reader knows "
            f"version {BUNDLE_VERSION})",
        )
    keys = set(doc)
    if missing := _REQUIRED - keys:
        raise MalformedError("bundle.missing_field", f"the bundle lacks {sorted(missing)}")
    if unknown := keys - _TOP_KEYS:
        shown = sorted(repr(k)[:40] for k in unknown)  # CBOR map keys need not be text
        raise MalformedError("bundle.unknown_field", f"unknown bundle fields {shown}")

    credential: Any = doc["credential"]
    if cbor:
        credential = _bytes(credential, "credential")
    elif not isinstance(credential, Mapping):
        raise MalformedError("bundle.bad_field", "credential must be a JSON object")

    log = doc["log"]
    if not isinstance(log, Mapping) or set(log) != {"origin", "verifierKey"}:
        raise MalformedError("bundle.bad_field", "log must hold exactly origin and verifierKey")
    origin, vkey = log["origin"], log["verifierKey"]
    if not isinstance(origin, str) or not isinstance(vkey, str):
        raise MalformedError("bundle.bad_field", "log origin and verifierKey must be strings")

    raw_entries = doc["entries"]
    if not isinstance(raw_entries, Sequence) or isinstance(raw_entries, str | bytes):
        raise MalformedError("bundle.bad_field", "entries must be a list")
    if len(raw_entries) > MAX_ENTRIES:
        raise LimitExceededError("bundle.too_many_entries", f"at most {MAX_ENTRIES} entries")
    entries = []
    for i, item in enumerate(raw_entries):
        if not isinstance(item, Mapping) or set(item) != {"role", "entry", "tlogProof"}:
            raise MalformedError(
                "bundle.bad_field", f"entry {i} must hold exactly role, entry and tlogProof"
            )
        role = item["role"]
        if not isinstance(role, str):
            raise MalformedError("bundle.bad_role", f"entry {i} role must be a string")
        if cbor:
            entry = _bytes(item["entry"], f"entry {i}")
            proof_bytes = _bytes(item["tlogProof"], f"entry {i} tlogProof")
        else:
            entry = _unb64(item["entry"], f"entry {i}")
            text = item["tlogProof"]
            if not isinstance(text, str):
                raise MalformedError("bundle.bad_field", f"entry {i} tlogProof must be text")
            proof_bytes = text.encode("utf-8")
        entries.append(LoggedEntry(role, entry, parse_tlog_proof(proof_bytes, check_note=False)))

    evidence: dict[str, bytes] = {}
    raw_evidence = doc.get("evidenceData", [])
    if not isinstance(raw_evidence, Sequence) or isinstance(raw_evidence, str | bytes):
        raise MalformedError("bundle.bad_field", "evidenceData must be a list")
    if len(raw_evidence) > MAX_EVIDENCE_DATA:
        raise LimitExceededError(
            "bundle.too_much_evidence", f"at most {MAX_EVIDENCE_DATA} embedded evidence files"
        )
    for i, item in enumerate(raw_evidence):
        if not isinstance(item, Mapping) or set(item) != {"digest", "data"}:
            raise MalformedError("bundle.bad_field", f"evidenceData {i} needs digest and data")
        digest = str(Digest.parse(item["digest"]))
        payload = _bytes(item["data"], "data") if cbor else _unb64(item["data"], "data")
        if len(payload) > MAX_EMBEDDED_SIZE:
            raise LimitExceededError(
                "bundle.evidence_too_large",
                f"evidenceData {i} is over {MAX_EMBEDDED_SIZE} bytes; reference it instead",
            )
        if digest in evidence:
            raise MalformedError("bundle.duplicate_evidence", f"{digest} is embedded twice")
        evidence[digest] = payload

    status = doc.get("statusList")
    if "statusList" in doc and not isinstance(status, Mapping):
        raise MalformedError("bundle.bad_field", "statusList must be an object")
    lists: tuple[Mapping[str, Any], ...] = ()
    if "statusLists" in doc:
        raw_lists = doc["statusLists"]
        if not isinstance(raw_lists, Sequence) or isinstance(raw_lists, str | bytes):
            raise MalformedError("bundle.bad_field", "statusLists must be a list")
        if not raw_lists:
            raise MalformedError("bundle.bad_field", "statusLists must not be empty")
        if len(raw_lists) > MAX_STATUS_LISTS:
            raise LimitExceededError(
                "bundle.too_many_status_lists",
                f"statusLists holds 1 to {MAX_STATUS_LISTS} status list credentials",
            )
        if not all(isinstance(item, Mapping) for item in raw_lists):
            raise MalformedError("bundle.bad_field", "each statusLists item must be an object")
        # CBOR maps become the JSON documents they carry (a list's proof is over JSON)
        lists = tuple(
            _json_object(item, "statusLists item") if cbor else item for item in raw_lists
        )
    return Bundle(credential, origin, vkey, tuple(entries), evidence, status, lists)
