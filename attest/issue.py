"""Issuing: evidence into the log, a signed credential, and the bundle that carries both.

This is the evaluator's whole job in one call (an edge: it reads evidence files and writes
the log). Order matters and is fixed (specs/bundle.md §4): evidence is logged first, so the
credential can cite each item's log position; the credential is signed, then logged itself;
one checkpoint covers them all; every proof in the bundle leads to that checkpoint.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from attest.codec.canonical import canonicalize
from attest.codec.digest import Digest, hash_bytes
from attest.errors import LimitExceededError, UsageError
from attest.evaluation.bundle import Bundle, LoggedEntry
from attest.evaluation.credential import (
    COSE_MEDIA_TYPE,
    DEFAULT_COSE_ALG,
    JSON_MEDIA_TYPE,
    EvidenceRef,
    SupersededRef,
    check_period,
    sign_cose,
    sign_json,
    unsigned_credential,
)
from attest.evaluation.pact import Pact
from attest.evaluation.results import Results, evaluate
from attest.files import hash_file, read_file
from attest.keys.ed25519 import PrivateKey
from attest.store.cosigned import after_checkpoint
from attest.store.log import Log
from attest.tlog.entry import LogEntry
from attest.vc import cose

__all__ = ["MAX_EVIDENCE", "EvidenceFile", "IssueRequest", "issue", "issue_many"]

MAX_EVIDENCE = 1024
#: Embedding evidence bytes in a bundle is for small files; larger ones stay referenced.
MAX_EMBEDDED = 16 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file to log: its path, and optionally its media type and name."""

    path: Path
    media_type: str | None = None
    name: str | None = None


# Only Python's built-in table, never the machine's MIME files: the same inputs must issue
# the same credential on every machine.
_MIME = mimetypes.MimeTypes()


def _media_type(f: EvidenceFile) -> str:
    guessed = f.media_type or _MIME.guess_type(f.path.name)[0]
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
    known: dict[tuple[Digest, int], tuple[int, LogEntry]] = {}
    for f in files:
        digest, size = hash_file(f.path, progress=progress)
        found = known.get((digest, size))
        if found is None:
            for candidate in log.find(digest):
                entry = LogEntry.decode(log.entry(candidate))
                if entry.kind == "evidence" and entry.size == size:
                    found = (candidate, entry)
                    break
        if found is None:
            name = f.name if f.name is not None else f.path.name
            entry = LogEntry("evidence", digest, size, _media_type(f), now, name=name)
            found = (log.size + len(new), entry)
            new.append(entry)
        known[(digest, size)] = found
        # Cite evidence as it was logged, so the reference matches its entry.
        index, entry = found
        ref = EvidenceRef(digest, size, entry.media_type, log.origin, index, name=entry.name)
        out.append((ref, index))
    if new:
        log.append_many(new)
    return out


@dataclass(frozen=True)
class IssueRequest:
    """One credential to issue: who was evaluated, against what, what was measured, and the
    evidence files behind it."""

    subject: str
    pact: Pact
    results: Results
    evidence: Sequence[EvidenceFile] = ()
    status: Sequence[Mapping[str, Any]] | None = None
    #: The credential this one replaces (recertification), named in the new credential.
    supersedes: SupersededRef | None = None


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
    status: Sequence[Mapping[str, Any]] | None = None,
    progress: Callable[[int], None] | None = None,
    cose_alg: int | str = DEFAULT_COSE_ALG,
    supersedes: SupersededRef | None = None,
) -> Bundle:
    """Log the evidence, sign the credential, log it, checkpoint, and return the bundle.

    ``log`` must be open for writing with its signing key. Evidence already in the log (same
    digest and size, kind ``evidence``) is cited where it is rather than logged again.
    ``status`` holds the ``credentialStatus`` entries to embed (Bitstring Status List).
    ``cose_alg`` is the COSE alg of a CBOR credential: ``"EdDSA"`` (-8, the default) or
    ``"Ed25519"`` (-19).
    """
    request = IssueRequest(subject, pact, results, evidence, status, supersedes)
    (bundle,) = issue_many(
        log=log,
        issuer=issuer,
        requests=[request],
        now=now,
        valid_for=valid_for,
        encoding=encoding,
        embed_evidence=embed_evidence,
        progress=progress,
        cose_alg=cose_alg,
    )
    return bundle


def issue_many(
    *,
    log: Log,
    issuer: PrivateKey,
    requests: Sequence[IssueRequest],
    now: datetime,
    valid_for: timedelta | None = timedelta(days=90),
    encoding: Literal["json", "cbor"] = "json",
    embed_evidence: bool = False,
    progress: Callable[[int], None] | None = None,
    cose_alg: int | str = DEFAULT_COSE_ALG,
) -> list[Bundle]:
    """Issue a batch: every credential signed and logged, one checkpoint over them all."""
    if encoding not in ("json", "cbor"):
        raise UsageError("issue.bad_encoding", "encoding is json or cbor")
    cose.alg_from_name(cose_alg)  # a bad alg is refused before anything is logged
    for r in requests:
        if len(r.evidence) > MAX_EVIDENCE:
            raise LimitExceededError("issue.too_much_evidence", f"at most {MAX_EVIDENCE} items")
    # Check everything that can fail before anything is logged: a bad subject, a unit
    # mismatch, a validity window or evidence too large to embed must not leave orphan
    # entries in the log.
    evaluations = [evaluate(r.subject, r.pact, r.results) for r in requests]
    for evaluation in evaluations:
        check_period(evaluation, now.replace(microsecond=0))
    if valid_for is not None and valid_for <= timedelta(0):
        raise UsageError("credential.bad_validity", "a credential must be valid for > 0s")
    if embed_evidence:
        for f in (f for r in requests for f in r.evidence):
            if f.path.stat().st_size > MAX_EMBEDDED:
                raise LimitExceededError(
                    "issue.evidence_too_large_to_embed",
                    f"{f.path.name} is over {MAX_EMBEDDED} bytes; reference it instead",
                )
    logged_at = int(now.timestamp())
    all_files = [f for r in requests for f in r.evidence]
    all_logged = _log_evidence(log, all_files, logged_at, progress)
    per_request: list[list[tuple[EvidenceRef, int]]] = []
    pos = 0
    for r in requests:
        per_request.append(all_logged[pos : pos + len(r.evidence)])
        pos += len(r.evidence)

    credentials: list[dict[str, Any] | bytes] = []
    entries: list[LogEntry] = []
    for r, evaluation, logged in zip(requests, evaluations, per_request, strict=True):
        unsigned = unsigned_credential(
            evaluation,
            issuer.public_key,
            [ref for ref, _ in logged],
            now=now,
            valid_for=valid_for,
            status=r.status,
            supersedes=r.supersedes,
        )
        secured: dict[str, Any] | bytes
        if encoding == "json":
            secured = sign_json(unsigned, issuer)
            canonical = canonicalize(secured)
            digest, size, media = hash_bytes(canonical), len(canonical), JSON_MEDIA_TYPE
        else:
            secured = sign_cose(unsigned, issuer, alg=cose_alg)
            digest, size, media = hash_bytes(secured), len(secured), COSE_MEDIA_TYPE
        credentials.append(secured)
        entries.append(
            LogEntry("credential", digest, size, media, logged_at, name=str(unsigned["id"]))
        )
    cred_indices = log.append_many(entries)
    log.checkpoint()
    # The log's witnesses (attest log witness) cosign the new checkpoint; bundles carry it.
    cosigned = after_checkpoint(log)

    def logged_entry(role: str, index: int) -> LoggedEntry:
        proof = log.prove(index)
        if cosigned is not None:
            proof = replace(proof, checkpoint=cosigned)
        return LoggedEntry(role, log.entry(index), proof)

    bundles = []
    for r, secured, cred_index, logged in zip(
        requests, credentials, cred_indices, per_request, strict=True
    ):
        items = [logged_entry("credential", cred_index)]
        seen: set[int] = set()
        for _, index in logged:
            if index not in seen:
                items.append(logged_entry("evidence", index))
                seen.add(index)
        data = _embedded(r.evidence, logged) if embed_evidence else {}
        bundles.append(
            Bundle(
                credential=secured,
                log_origin=log.origin,
                log_key=log.config.vkey,
                entries=tuple(items),
                evidence_data=data,
            )
        )
    return bundles


def _embedded(
    files: Sequence[EvidenceFile], logged: Sequence[tuple[EvidenceRef, int]]
) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for f, (ref, _) in zip(files, logged, strict=True):
        if ref.size > MAX_EMBEDDED:
            raise LimitExceededError(
                "issue.evidence_too_large_to_embed",
                f"{f.path.name} is over {MAX_EMBEDDED} bytes; reference it instead",
            )
        content = read_file(f.path, MAX_EMBEDDED, what="evidence")
        if hash_bytes(content) != ref.digest:
            raise UsageError(
                "issue.evidence_changed", f"{f.path.name} changed while it was being issued"
            )
        data[str(ref.digest)] = content
    return data
