"""What a verifier remembers between runs: the largest checkpoint it verified per log, and the
evidence of every split view it saw.

A later bundle whose checkpoint cannot be reconciled with it (same size, another root; or a
consistency proof that fails or shows another tree at one of the sizes) is a split view: the
log showed this verifier two different histories. Both signed checkpoints (and the proof, when
one showed it) are kept as an :class:`Equivocation`, which anyone can check with the log's key;
from then on every checkpoint of that log under that key is refused. The state is a small JSON
file, replaced atomically (specs/verification.md §4) by :func:`attest.files.save_state`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from attest.codec.canonical import parse_json
from attest.errors import AttestError, MalformedError
from attest.tlog.checkpoint import Checkpoint
from attest.tlog.consistency import ConsistencyProof
from attest.tlog.merkle import verify_consistency

__all__ = [
    "NOT_RULED_OUT",
    "STATE_FORMAT",
    "Equivocation",
    "Reconciled",
    "Remembered",
    "VerifierState",
]

STATE_FORMAT = "attest-verifier-state/v2"
#: Earlier formats still read (v1: no equivocations).
_OLD_FORMATS = ("attest-verifier-state/v1",)
MAX_STATE_SIZE = 4 * 1024 * 1024
#: At most this many equivocations are kept (the first ones: the oldest evidence stays).
MAX_EQUIVOCATIONS = 64
#: Words every reason carries when nothing compared this checkpoint with another view of the
#: log (first seen, or sizes without a proof): the decision repeats them plainly.
NOT_RULED_OUT = "split views not ruled out"


@dataclass(frozen=True)
class Remembered:
    """A log's largest verified checkpoint: its size, root hash and the signed note."""

    size: int
    root_hash: bytes
    note: bytes


@dataclass(frozen=True)
class Equivocation:
    """Evidence that a log showed two histories: two checkpoint notes it signed (``notes``, the
    one remembered or seen first, then the other) and, when a proof showed it, that proof.
    ``log_key`` is the verifier key the policy trusted for the log when it was seen."""

    origin: str
    log_key: str
    notes: tuple[bytes, bytes]
    proof: ConsistencyProof | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "logKey": self.log_key,
            "checkpoints": [n.decode("utf-8") for n in self.notes],
            "proof": json.loads(self.proof.to_json()) if self.proof is not None else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, item: object) -> Equivocation:
        members = {"origin", "logKey", "checkpoints", "proof", "reason"}
        if not isinstance(item, dict) or set(item) != members:
            raise _bad("an equivocation has exactly " + ", ".join(sorted(members)))
        origin, key, notes, reason = (
            item["origin"],
            item["logKey"],
            item["checkpoints"],
            item["reason"],
        )
        if not all(isinstance(v, str) for v in (origin, key, reason)):
            raise _bad("equivocation origin, logKey and reason are strings")
        if (
            not isinstance(notes, list)
            or len(notes) != 2
            or not all(isinstance(n, str) for n in notes)
        ):
            raise _bad("equivocation checkpoints are two notes")
        raw = item["proof"]
        proof = None if raw is None else ConsistencyProof.from_json(json.dumps(raw).encode())
        return cls(origin, key, (notes[0].encode(), notes[1].encode()), proof, reason)


@dataclass(frozen=True)
class VerifierState:
    """Remembered checkpoints by log origin and the equivocations seen (an immutable value;
    updates return a new one)."""

    logs: Mapping[str, Remembered] = field(default_factory=lambda: MappingProxyType({}))
    equivocations: tuple[Equivocation, ...] = ()

    def get(self, origin: str) -> Remembered | None:
        return self.logs.get(origin)

    def equivocation(self, origin: str, log_key: str) -> Equivocation | None:
        """The first equivocation seen of ``origin`` under ``log_key``, if any."""
        return next(
            (e for e in self.equivocations if (e.origin, e.log_key) == (origin, log_key)), None
        )

    def with_checkpoint(self, origin: str, remembered: Remembered) -> VerifierState:
        logs = dict(self.logs)
        logs[origin] = remembered
        return VerifierState(MappingProxyType(logs), self.equivocations)

    def with_equivocation(self, e: Equivocation) -> VerifierState:
        same = {n for x in self.equivocations if x.origin == e.origin for n in x.notes}
        if set(e.notes) <= same or len(self.equivocations) >= MAX_EQUIVOCATIONS:
            return self
        return VerifierState(self.logs, (*self.equivocations, e))

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
            "equivocations": [e.to_json() for e in self.equivocations],
        }
        return (json.dumps(doc, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> VerifierState:
        doc = parse_json(data, max_size=MAX_STATE_SIZE)
        if not isinstance(doc, dict) or doc.get("format") not in (STATE_FORMAT, *_OLD_FORMATS):
            raise MalformedError("state.unknown_format", f"not an {STATE_FORMAT} file")
        expected = {"format", "logs"} | (
            {"equivocations"} if doc["format"] == STATE_FORMAT else set()
        )
        if set(doc) != expected:
            raise _bad(f"a state file has exactly the members {', '.join(sorted(expected))}")
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
        items = doc.get("equivocations", [])
        if not isinstance(items, list) or len(items) > MAX_EQUIVOCATIONS:
            raise _bad(f"equivocations is a list of at most {MAX_EQUIVOCATIONS}")
        return cls(MappingProxyType(out), tuple(Equivocation.from_json(e) for e in items))

    def reconcile(
        self,
        origin: str,
        checkpoint: Checkpoint,
        note: bytes,
        proofs: Sequence[ConsistencyProof],
        *,
        log_key: str = "",
        remember: bool = True,
    ) -> Reconciled:
        """Compare a verified checkpoint of ``origin`` (signed by ``log_key``) with the
        remembered one (specs/verification.md §4); the result carries the state to keep.

        ``remember`` False (the checkpoint lacks the witnesses the policy requires): it is
        compared, and a split view is still evidence, but it never replaces what is kept.
        """
        seen_before = self.equivocation(origin, log_key)
        if seen_before is not None:
            return Reconciled(
                False,
                f"{origin} was seen equivocating ({seen_before.reason}); everything it signs "
                "with this key is rejected until the policy trusts another key for it",
                self,
            )
        seen = self.get(origin)
        new = Remembered(checkpoint.size, checkpoint.root_hash, note)
        if seen is None:
            return self._first_seen(origin, new, remember)
        if seen.size == new.size:
            if seen.root_hash == new.root_hash:
                return Reconciled(True, f"same checkpoint as remembered (size {new.size})", self)
            reason = f"{origin} showed two different trees of size {new.size}"
            return self._split(origin, log_key, (seen.note, note), reason, None)
        return self._by_proof(origin, log_key, seen, new, proofs, remember)

    def _first_seen(self, origin: str, new: Remembered, remember: bool) -> Reconciled:
        if not remember:
            reason = (
                f"first checkpoint seen for {origin}; not remembered: it lacks the witnesses "
                f"the policy requires ({NOT_RULED_OUT})"
            )
            return Reconciled(True, reason, self, compared=False)
        reason = (
            f"first checkpoint seen for {origin}: remembered (nothing to compare it with: "
            f"{NOT_RULED_OUT})"
        )
        return Reconciled(True, reason, self.with_checkpoint(origin, new), compared=False)

    def _split(
        self,
        origin: str,
        log_key: str,
        notes: tuple[bytes, bytes],
        reason: str,
        proof: ConsistencyProof | None,
    ) -> Reconciled:
        e = Equivocation(origin, log_key, notes, proof, reason)
        return Reconciled(False, f"split view: {reason}", self.with_equivocation(e), e)

    def _by_proof(
        self,
        origin: str,
        log_key: str,
        seen: Remembered,
        new: Remembered,
        proofs: Sequence[ConsistencyProof],
        remember: bool,
    ) -> Reconciled:
        """Different sizes: a proof between exactly these two sizes decides. One whose roots
        are not the two checkpoints' shows the log's tree at that size is another: split."""
        old, newer = (seen, new) if seen.size < new.size else (new, seen)
        other: list[str] = []
        for p in proofs:
            if p.origin != origin:
                continue
            if (p.old_size, p.new_size) != (old.size, newer.size):
                other.append(f"{p.old_size} to {p.new_size}")
                continue
            try:
                verify_consistency(old.size, newer.size, old.root_hash, newer.root_hash, p.proof)
            except AttestError as exc:
                reason = exc.message
                if (p.old_root, p.new_root) != (old.root_hash, newer.root_hash):
                    size = p.old_size if p.old_root != old.root_hash else p.new_size
                    reason = (
                        f"the log's tree of size {size} has another root than the signed "
                        f"checkpoint of that size ({exc.message})"
                    )
                return self._split(origin, log_key, (seen.note, new.note), reason, p)
            kept = self.with_checkpoint(origin, newer) if newer is new and remember else self
            return Reconciled(True, f"consistent with remembered size {seen.size}", kept)
        unused = f"; the proof(s) given for sizes {', '.join(other)} do not apply" if other else ""
        return Reconciled(
            None,
            f"no consistency proof between remembered size {seen.size} and {new.size}{unused}: "
            f"{NOT_RULED_OUT} (give the log's tiles with --log-tiles, or --consistency)",
            self,
        )


def _bad(message: str) -> MalformedError:
    return MalformedError("state.malformed", message)


@dataclass(frozen=True)
class Reconciled:
    """A checkpoint against the remembered one: ``consistent`` is True (proven, or first seen:
    ``compared`` False), False (a split view: ``evidence`` when newly seen), or None (not
    compared: no proof between the two sizes)."""

    consistent: bool | None
    reason: str
    state: VerifierState
    evidence: Equivocation | None = None
    compared: bool = True
