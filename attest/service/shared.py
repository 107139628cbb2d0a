"""The published view of a shared log (PostgreSQL + S3): what one replica's read paths serve.

:class:`SharedPublished` is a :class:`~attest.service.published.PublishedLog` whose tiles come
from the bucket (through the driver's cache of immutable tile objects) instead of a directory.
A replica with a writer learns each checkpoint from its writer; one without follows the
checkpoint recorded in PostgreSQL, at most twice a second.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from attest.errors import AttestError, UsageError, VerificationError
from attest.service.published import PublishedLog, Snapshot, inclusion_paths
from attest.store.log import Log
from attest.store.postgres_s3 import SharedLog, read_tile_from
from attest.tlog.merkle import EMPTY_ROOT, range_hash
from attest.tlog.proof import TlogProof
from attest.tlog.tiles import TileHashReader, TileRef

__all__ = ["SharedPublished", "published_view"]

_FOLLOW_EVERY = 0.5


class SharedPublished(PublishedLog):
    """Tiles, proofs and tree hashes of a shared log under its latest published checkpoint."""

    def __init__(self, log: SharedLog) -> None:
        self._shared = log
        self._followed = 0.0
        # No directory: every method that would read one is overridden below.
        super().__init__(Path(), log.verifier, log.checkpoint_note)

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self._followed < _FOLLOW_EVERY:
            return
        self._followed = now
        try:
            self.publish(self._shared.refresh())
        except AttestError:
            return  # the database is away: keep serving what was verified

    def _fetch(self, size: int) -> TileHashReader:
        def fetch(level: int, index: int, width: int) -> bytes:
            try:
                return read_tile_from(self._shared.get_object, size, level, index, width)
            except FileNotFoundError:
                path = TileRef(level, index, width).path
                raise VerificationError("log.missing_tile", f"tile {path} is missing") from None

        return TileHashReader(size, fetch, self._cache)

    def read_tile(self, ref: TileRef, size: int | None = None) -> bytes:
        size = self.snapshot.size if size is None else size
        return read_tile_from(self._shared.get_object, size, ref.level, ref.index, ref.width)

    def prove_many(
        self, indices: Sequence[int], snapshot: Snapshot | None = None
    ) -> list[TlogProof]:
        snap = self.snapshot if snapshot is None else snapshot
        for index in indices:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < snap.size:
                raise UsageError(
                    "log.no_such_entry",
                    f"no entry {index} under the checkpoint of size {snap.size}",
                )
        paths = inclusion_paths(indices, snap.size, self._fetch(snap.size))
        return [TlogProof(i, tuple(p), snap.note) for i, p in zip(indices, paths, strict=True)]

    def tree_hash(self, size: int) -> bytes:
        if not 0 <= size <= self.snapshot.size:
            raise UsageError("log.beyond_checkpoint", f"size {size} is not published")
        return EMPTY_ROOT if size == 0 else range_hash(self._fetch(self.snapshot.size), 0, size)


def published_view(log: Log | SharedLog) -> PublishedLog:
    """The read paths' view of ``log``, whichever driver holds it."""
    if isinstance(log, SharedLog):
        return SharedPublished(log)
    return PublishedLog(log.root, log.verifier, log.checkpoint_note)
