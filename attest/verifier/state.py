"""What a verifier remembers between runs: the largest checkpoint it verified per log.

A later bundle whose checkpoint cannot be reconciled with it (same size, another root; or a
consistency proof that fails) is a split view: the log showed this verifier two different
histories. The state is a small JSON file, replaced atomically (specs/verification.md §4).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from attest import _fs
from attest.codec.canonical import parse_json
from attest.errors import MalformedError

__all__ = ["STATE_FORMAT", "Remembered", "VerifierState", "load_state", "save_state"]

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


def load_state(path: str | os.PathLike[str]) -> VerifierState:
    """The state in ``path``; an absent file is an empty state (first run)."""
    try:
        data = _fs.read_regular(path, MAX_STATE_SIZE, code="state", follow=True)
    except FileNotFoundError:
        return VerifierState()
    return VerifierState.from_json(data)


def save_state(path: str | os.PathLike[str], state: VerifierState) -> None:
    """Replace ``path`` atomically and durably with ``state``."""
    _fs.write_atomic(Path(path), state.to_json(), mode=0o600)
