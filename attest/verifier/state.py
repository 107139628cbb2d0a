"""What a verifier remembers between runs: the largest checkpoint it verified per log.

A later bundle whose checkpoint cannot be reconciled with it (same size, another root; or a
consistency proof that fails) is a split view: the log showed this verifier two different
histories. The state is a small JSON file, replaced atomically (specs/verification.md §4) by
:func:`attest.files.save_state`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from attest.codec.canonical import parse_json
from attest.errors import AttestError, MalformedError
from attest.tlog.checkpoint import Checkpoint
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.merkle import verify_consistency

__all__ = ["STATE_FORMAT", "Reconciled", "Remembered", "VerifierState"]

STATE_FORMAT = "attest-verifier-state/v1"
MAX_STATE_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Remembered:
    """A log's largest verified checkpoint: its size, root hash and the signed note."""

    size: int
    root_hash: bytes
    note: bytes


@dataclass(frozen=True)
class VerifierState:
    """Remembered checkpoints by log origin (an immutable value; updates return a new one)."""

    logs: Mapping[str, Remembered] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, origin: str) -> Remembered | None:
        return self.logs.get(origin)

    def with_checkpoint(self, origin: str, remembered: Remembered) -> VerifierState:
        logs = dict(self.logs)
        logs[origin] = remembered
        return VerifierState(MappingProxyType(logs))

    def to_json(self) -> bytes:
        doc = {
            "format": STATE_FORMAT,
            "logs": {
                origin: {
                    "size": r.size,
                    "root": base64.b64encode(r.root_hash).decode(),
                    "checkpoint": r.note.decode("utf-8"),
                }
                for origin, r in sorted(self.logs.items())
            },
        }
        return (json.dumps(doc, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> VerifierState:
        doc = parse_json(data, max_size=MAX_STATE_SIZE)
        if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
            raise MalformedError("state.unknown_format", f"not an {STATE_FORMAT} file")
        logs = doc.get("logs")
        if not isinstance(logs, dict):
            raise MalformedError("state.malformed", "state logs must be an object")
        out: dict[str, Remembered] = {}
        for origin, item in logs.items():
            if not isinstance(item, dict) or set(item) != {"size", "root", "checkpoint"}:
                raise MalformedError("state.malformed", f"bad entry for log {origin!r}")
            size, root, note = item["size"], item["root"], item["checkpoint"]
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise MalformedError("state.malformed", f"bad size for log {origin!r}")
            if not isinstance(root, str) or not isinstance(note, str):
                raise MalformedError("state.malformed", f"bad root for log {origin!r}")
            try:
                raw = base64.b64decode(root, validate=True)
            except ValueError as exc:
                raise MalformedError("state.malformed", f"bad root for {origin!r}") from exc
            if len(raw) != 32:
                raise MalformedError("state.malformed", f"bad root for log {origin!r}")
            out[origin] = Remembered(size, raw, note.encode("utf-8"))
        return cls(MappingProxyType(out))

    def reconcile(
        self,
        origin: str,
        checkpoint: Checkpoint,
        note: bytes,
        proofs: Sequence[ConsistencyProof],
    ) -> Reconciled:
        """Compare a verified checkpoint of ``origin`` with the remembered one
        (specs/verification.md §4); the result carries the state to keep."""
        seen = self.get(origin)
        new = Remembered(checkpoint.size, checkpoint.root_hash, note)
        if seen is None:
            remembered = self.with_checkpoint(origin, new)
            return Reconciled(True, f"first checkpoint seen for {origin}: remembered", remembered)
        if seen.size == new.size:
            if seen.root_hash == new.root_hash:
                return Reconciled(True, f"same checkpoint as remembered (size {new.size})", self)
            split = f"split view: {origin} showed two different trees of size {new.size}"
            return Reconciled(False, split, self)
        old, newer = (seen, new) if seen.size < new.size else (new, seen)
        for p in proofs:
            if (p.origin, p.old_size, p.new_size, p.old_root, p.new_root) != (
                origin,
                old.size,
                newer.size,
                old.root_hash,
                newer.root_hash,
            ):
                continue
            try:
                verify_consistency(old.size, newer.size, old.root_hash, newer.root_hash, p.proof)
            except AttestError as exc:
                return Reconciled(False, f"split view: {exc.message}", self)
            kept = self.with_checkpoint(origin, newer) if newer is new else self
            return Reconciled(True, f"consistent with remembered size {seen.size}", kept)
        return Reconciled(
            None,
            f"no consistency proof between remembered size {seen.size} and {new.size}; "
            "not compared (give one with --consistency)",
            self,
        )


@dataclass(frozen=True)
class Reconciled:
    """A checkpoint against the remembered one: ``consistent`` is True (proven or first
    seen), False (a split view), or None (not compared: no proof between the two sizes)."""

    consistent: bool | None
    reason: str
    state: VerifierState
