"""The log's cosigned checkpoint: its witnesses, and the cosignatures they gave, beside the log.

An edge module. ``<log>/cosigned.json`` remembers the witnesses a log asks to cosign
(``attest log witness LOG --witness URL…``), the size each of them last cosigned (the
``old`` of the next C2SP tlog-witness request) and, for the log's current checkpoint, the
cosignature line each witness answered. A bundle or tlog-proof then carries the checkpoint
note with those lines appended (:func:`cosigned_note`); the verifier counts them against its
policy's witness quorum. The file is replaced atomically and holds nothing secret; it is not
served (``attest log publish`` writes only the checkpoint and tiles).

A witness that does not answer, or answers anything but a well-formed signature line, is
recorded in ``errors`` and left out: the checkpoint is still the log's, and a verifier whose
quorum it misses says so.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attest import _fs
from attest.errors import AttestError, MalformedError, RemoteError, UsageError
from attest.store.log import Log
from attest.tlog import note as _note
from attest.tlog.witness import MAX_REQUEST, encode_add_checkpoint

__all__ = [
    "SIDECAR",
    "Cosigned",
    "Post",
    "cosigned_note",
    "read",
    "witness_checkpoint",
]

SIDECAR = "cosigned.json"
TIMEOUT = 10.0
#: A 409 names the witness's size; the request is retried with it at most this many times.
MAX_RETRIES = 2

#: ``post(url, body) -> (status, body)``: one HTTP POST (tests may give their own).
Post = Callable[[str, bytes], tuple[int, bytes]]


@dataclass(frozen=True)
class Cosigned:
    """What the sidecar holds: witnesses (URL → size it last cosigned), the log checkpoint
    the ``cosignatures`` (URL → signature line) are for, and the last error per witness."""

    witnesses: Mapping[str, int] = field(default_factory=dict)
    checkpoint: bytes = b""
    cosignatures: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def note(self) -> bytes:
        """The checkpoint with every cosignature line appended."""
        return self.checkpoint + "".join(self.cosignatures.values()).encode("utf-8")

    def encode(self) -> bytes:
        doc = {
            "witnesses": dict(self.witnesses),
            "checkpoint": self.checkpoint.decode("utf-8"),
            "cosignatures": dict(self.cosignatures),
            "errors": dict(self.errors),
        }
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> Cosigned:
        try:
            doc = json.loads(data)
            witnesses = {str(k): int(v) for k, v in doc["witnesses"].items()}
            sigs = {str(k): str(v) for k, v in doc["cosignatures"].items()}
            errors = {str(k): str(v) for k, v in doc.get("errors", {}).items()}
            checkpoint = str(doc["checkpoint"]).encode("utf-8")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedError("cosigned.bad_file", f"unreadable {SIDECAR}: {exc}") from None
        return cls(witnesses, checkpoint, sigs, errors)


def read(root: Path) -> Cosigned | None:
    """The sidecar of the log in ``root``, or None when it has none."""
    try:
        data = _fs.read_regular(Path(root) / SIDECAR, 1 << 20, code="cosigned")
    except FileNotFoundError:
        return None
    return Cosigned.decode(data)


def _write(root: Path, cosigned: Cosigned) -> None:
    _fs.write_atomic(Path(root) / SIDECAR, cosigned.encode(), mode=0o644)


def cosigned_note(root: Path, note: bytes) -> bytes | None:
    """``note`` with the cosignatures the sidecar holds for it, or None when it holds none."""
    try:
        side = read(root)
    except AttestError:
        return None
    if side is None or side.checkpoint != note or not side.cosignatures:
        return None
    return side.note


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    target = url.rstrip("/") + "/add-checkpoint"
    if not target.startswith(("http://", "https://")):
        raise UsageError("cosigned.bad_url", f"a witness URL is http(s)://…, not {url!r}")
    request = urllib.request.Request(  # noqa: S310
        target,
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain", "User-Agent": "attest-log"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return int(response.status), bytes(response.read(MAX_REQUEST))
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read(MAX_REQUEST))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RemoteError("cosigned.unreachable", f"{target}: {exc}") from None


def _ask(log: Log, url: str, old: int, post: Post) -> tuple[int, str]:
    """Ask one witness to cosign the log's checkpoint: (the size it now has, its line)."""
    note, size = log.checkpoint_note, log.checkpoint_size
    for _ in range(MAX_RETRIES + 1):
        if old > size:
            raise RemoteError(
                "cosigned.witness_ahead",
                f"{url} has cosigned size {old} of this log, larger than its checkpoint {size}",
            )
        proof = log.consistency_proof(old, size) if 0 < old < size else []
        status, body = post(url, encode_add_checkpoint(old, proof, note))
        if status == 200:
            try:
                line = body.decode("utf-8")
                parsed = _note.parse(note + body)
            except (UnicodeDecodeError, AttestError):
                raise RemoteError(
                    "cosigned.bad_answer", f"{url} answered no signature line"
                ) from None
            if len(parsed.signatures) != len(_note.parse(note).signatures) + 1:
                raise RemoteError("cosigned.bad_answer", f"{url} answered no one signature line")
            return size, line
        if status == 409:
            text = body.decode("ascii", "replace").strip()
            if not text.isdigit():
                raise RemoteError("cosigned.bad_answer", f"{url} answered 409 without a size")
            old = int(text)
            continue
        reason = body.decode("utf-8", "replace").strip()[:200]
        raise RemoteError("cosigned.refused", f"{url} refused the checkpoint: {status} {reason}")
    raise RemoteError("cosigned.refused", f"{url} kept answering 409 (its size changes)")


def witness_checkpoint(log: Log, urls: Sequence[str] = (), *, post: Post | None = None) -> Cosigned:
    """Ask ``urls`` (added to the witnesses the sidecar remembers) to cosign the log's current
    checkpoint, and store what they answered in the sidecar; returns it. Cosignatures already
    held for this checkpoint are kept and not asked for again."""
    side = read(log.root) or Cosigned()
    witnesses = dict(side.witnesses)
    for url in urls:
        witnesses.setdefault(url, 0)
    if not witnesses:
        raise UsageError("cosigned.no_witnesses", "give the witnesses with --witness URL")
    note = log.checkpoint_note
    sigs = dict(side.cosignatures) if side.checkpoint == note else {}
    errors: dict[str, str] = {}
    for url, old in witnesses.items():
        if url in sigs:
            continue
        try:
            witnesses[url], sigs[url] = _ask(log, url, old, post or _post)
        except AttestError as exc:
            errors[url] = f"{exc.code}: {exc.message}"
    result = Cosigned(witnesses, note, sigs, errors)
    _write(log.root, result)
    return result


def after_checkpoint(log: Log) -> bytes | None:
    """For a log whose sidecar names witnesses: have them cosign the checkpoint just made and
    return it cosigned (None when no witness is remembered or none cosigned)."""
    try:
        side = read(log.root)
    except AttestError:
        return None
    if side is None or not side.witnesses:
        return None
    done = witness_checkpoint(log)
    return done.note if done.cosignatures else None
