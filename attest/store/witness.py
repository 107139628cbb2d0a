"""A witness's durable state: the latest checkpoint it cosigned for each log origin.

One JSON file per origin under ``<dir>/logs/`` (named by the SHA-256 of the origin), each
replaced with write-then-fsync-then-rename (:func:`attest._fs.write_atomic`), and a ``lock``
file so that one process serves a state directory. A witness stores a checkpoint here before
it answers with a cosignature, so after a crash (kill -9 at any moment) the file holds either
the old or the new checkpoint, whole, and never one the witness did not agree to.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from attest import _fs
from attest.tlog.witness import MAX_REQUEST, Latest

__all__ = ["WitnessStore"]


class WitnessStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self._lock = _fs.lock_exclusive(
            self.root / "lock", code="witness.locked", what=str(self.root)
        )
        _fs.remove_stale_tmp(self.root / "logs")

    def close(self) -> None:
        os.close(self._lock)

    def _path(self, origin: str) -> Path:
        return self.root / "logs" / (hashlib.sha256(origin.encode()).hexdigest() + ".json")

    def get(self, origin: str) -> Latest | None:
        try:
            data = _fs.read_regular(self._path(origin), 2 * MAX_REQUEST, code="witness")
        except FileNotFoundError:
            return None
        return Latest.from_json(data)

    def put(self, origin: str, latest: Latest) -> None:
        """Replace the origin's latest checkpoint durably (returns once it is on disk)."""
        _fs.write_atomic(self._path(origin), latest.to_json(), mode=0o600)
