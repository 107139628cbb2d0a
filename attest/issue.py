"""Issuing: evidence into the log, a signed credential, and the bundle that carries both.

This is the evaluator's whole job in one call (an edge: it reads evidence files and writes
the log). Order matters and is fixed (specs/bundle.md §4): evidence is logged first, so the
credential can cite each item's log position; the credential is signed, then logged itself;
one checkpoint covers them all; every proof in the bundle leads to that checkpoint.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .bundle import Bundle, LoggedEntry
from .canonical import canonicalize
from .credential import (
    COSE_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    EvidenceRef,
    credential_digest,
    sign_cose,
    sign_json,
    unsigned_credential,
)
from .digest import Digest, hash_bytes, hash_file
from .errors import LimitExceededError, UsageError
from .evaluation import Results, evaluate
from .keys import PrivateKey
from .log import Log
from .log_entry import LogEntry
from .pact import Pact

__all__ = ["MAX_EVIDENCE", "EvidenceFile", "issue"]

MAX_EVIDENCE = 1024
#: Embedding evidence bytes in a bundle is for small files; larger ones stay referenced.
MAX_EMBEDDED = 16 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file to log: its path, and optionally its media type and name."""

    path: Path
    media_type: str | None = None
    name: str | None = None


def _media_type(f: EvidenceFile) -> str:
    guessed = f.media_type or mimetypes.guess_type(f.path.name)[0]
    return (guessed or "application/octet-stream").lower()


def _log_evidence(
    log: Log,
    files: Sequence[EvidenceFile],
    now: int,
    progress: Callable[[int], None] | None,
) -> list[tuple[EvidenceRef, int]]:
    """Log each evidence file not logged before; returns its reference and log index."""
    out: list[tuple[EvidenceRef, int]] = []
    new: list[LogEntry] = []
    pending: dict[tuple[Digest, int], int] = {}
    for f in files:
        digest, size = hash_file(f.path, progress=progress)
        name = f.name if f.name is not None else f.path.name
        media = _media_type(f)
        index = pending.get((digest, size))
        if index is None:
            for candidate in log.find(digest):
                entry = LogEntry.decode(log.entry(candidate))
                if entry.kind == "evidence" and entry.size == size:
                    index = candidate
                    break
        if index is None:
            entry = LogEntry("evidence", digest, size, media, now, name=name)
            index = log.size + len(new)
            new.append(entry)
            pending[(digest, size)] = index
        ref = EvidenceRef(digest, size, media, log.origin, index, name=name)
        out.append((ref, index))
    if new:
        log.append_many(new)
    return out


def issue(
    *,
    log: Log,
    issuer: PrivateKey,
    subject: str,
    pact: Pact,
    results: Results,
    evidence: Sequence[EvidenceFile] = (),
    now: datetime,
    valid_for: timedelta | None = timedelta(days=90),
    encoding: Literal["json", "cbor"] = "json",
    embed_evidence: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Bundle:
    """Log the evidence, sign the credential, log it, checkpoint, and return the bundle.

    ``log`` must be open for writing with its signing key. Evidence already in the log (same
    digest and size, kind ``evidence``) is cited where it is rather than logged again.
    """
    if len(evidence) > MAX_EVIDENCE:
        raise LimitExceededError("issue.too_much_evidence", f"at most {MAX_EVIDENCE} items")
    if encoding not in ("json", "cbor"):
        raise UsageError("issue.bad_encoding", "encoding is json or cbor")
    logged_at = int(now.timestamp())
    logged = _log_evidence(log, evidence, logged_at, progress)
    evaluation = evaluate(subject, pact, results)
    refs = [ref for ref, _ in logged]
    unsigned = unsigned_credential(
        evaluation, issuer.public_key, refs, now=now, valid_for=valid_for
    )
    secured: dict[str, Any] | bytes
    if encoding == "json":
        secured = sign_json(unsigned, issuer)
        size = len(canonicalize(secured))
        media = JSON_MEDIA_TYPE
    else:
        secured = sign_cose(unsigned, issuer)
        size = len(secured)
        media = COSE_MEDIA_TYPE
    cred_entry = LogEntry(
        "credential",
        credential_digest(secured),
        size,
        media,
        logged_at,
        name=str(unsigned["id"]),
    )
    (cred_index,) = log.append_many([cred_entry])
    log.checkpoint()

    def logged_entry(role: str, index: int) -> LoggedEntry:
        return LoggedEntry(role, log.entry(index), log.prove(index))

    entries = [logged_entry("credential", cred_index)]
    seen: set[int] = set()
    for _, index in logged:
        if index not in seen:
            entries.append(logged_entry("evidence", index))
            seen.add(index)
    data: dict[str, bytes] = {}
    if embed_evidence:
        for f, (ref, _) in zip(evidence, logged, strict=True):
            if ref.size > MAX_EMBEDDED:
                raise LimitExceededError(
                    "issue.evidence_too_large_to_embed",
                    f"{f.path.name} is over {MAX_EMBEDDED} bytes; reference it instead",
                )
            content = f.path.read_bytes()
            if hash_bytes(content) != ref.digest:
                raise UsageError(
                    "issue.evidence_changed", f"{f.path.name} changed while it was being issued"
                )
            data[str(ref.digest)] = content
    return Bundle(
        credential=secured,
        log_origin=log.origin,
        log_key=log.config.vkey,
        entries=tuple(entries),
        evidence_data=data,
    )
