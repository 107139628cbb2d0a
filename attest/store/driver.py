"""The log's storage driver interface: what a backend must do for the writer and the readers.

Two drivers implement it (specs/log.md §8):

- :class:`attest.store.log.Log`, the directory log (the embedded default; it satisfies the
  protocol as it is, nothing on disk changed);
- :class:`attest.store.postgres_s3.SharedLog`, PostgreSQL for sequencing state and an
  S3-compatible bucket for the C2SP tlog-tiles resources.

The interface is a :class:`typing.Protocol`, checked structurally (``isinstance`` works at run
time through :func:`typing.runtime_checkable`). The operations, in the order a write goes:

1. **sequence a batch** (:meth:`LogDriver.append_many`): give each entry the next index,
   durably; once it returns, the entries are acknowledged and will be in the next checkpoint
   (``Prefer: respond-async`` answers here);
2. **integrate** (:meth:`LogDriver.checkpoint`): write the tiles and entry bundles for every
   sequenced entry, then sign and publish a checkpoint covering them, the checkpoint last;
   :meth:`LogDriver.append_and_checkpoint` does both for one batch;
3. **read**: the current checkpoint (:attr:`LogDriver.checkpoint_note`), a tile or bundle as
   that checkpoint has it (:meth:`LogDriver.read_tile`), an entry (:meth:`LogDriver.entry`),
   a digest's indices (:meth:`LogDriver.find`) and proofs (:meth:`LogDriver.prove`);
4. **audit** (:meth:`LogDriver.audit`): recompute every tile and the root from the entries.

A driver is used by one thread at a time. Several processes may hold drivers on one shared
log (the PostgreSQL + S3 driver); then each one sequences, and ``checkpoint`` integrates only
while the driver holds the log's integrator lease, otherwise it waits for the holder's
checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from attest.codec.digest import Digest
from attest.tlog import note as _note
from attest.tlog.entry import LogEntry
from attest.tlog.proof import TlogProof

__all__ = ["AuditResult", "LogDriver"]


class AuditResult(Protocol):
    """What an audit checked (:class:`attest.store.log.AuditReport` is one)."""

    @property
    def size(self) -> int: ...

    @property
    def root_hash(self) -> bytes: ...

    @property
    def tiles(self) -> int: ...

    @property
    def bundles(self) -> int: ...


@runtime_checkable
class LogDriver(Protocol):
    """A log backend: sequencing, tile writing, checkpoint publishing and reads."""

    @property
    def origin(self) -> str:
        """The log's origin (its key's name)."""
        ...

    @property
    def verifier(self) -> _note.Verifier:
        """The log's checkpoint verifier key."""
        ...

    @property
    def checkpoint_note(self) -> bytes:
        """The latest published signed checkpoint, byte for byte what ``checkpoint`` serves."""
        ...

    @property
    def checkpoint_size(self) -> int:
        """The size of :attr:`checkpoint_note`."""
        ...

    @property
    def size(self) -> int:
        """Every acknowledged (sequenced) entry: checkpointed or waiting for integration."""
        ...

    def append_many(self, entries: Sequence[LogEntry]) -> list[int]:
        """Sequence a batch durably; returns their indices, in order, never given twice."""
        ...

    def checkpoint(self) -> bytes:
        """Integrate what is sequenced (tiles and bundles first, the checkpoint last) and
        return the signed checkpoint note that covers it."""
        ...

    def append_and_checkpoint(self, entries: Sequence[LogEntry]) -> tuple[list[int], bytes]:
        """Sequence a batch and publish a checkpoint covering it."""
        ...

    def find(self, digest: Digest) -> list[int]:
        """Indices of checkpointed entries that record content ``digest``, ascending."""
        ...

    def entry(self, index: int) -> bytes:
        """The bytes of checkpointed entry ``index``."""
        ...

    def read_tile(self, level: int, index: int, width: int) -> bytes:
        """The first ``width`` hashes (or entries, level -1) of tile ``level/index`` as the
        latest checkpoint has it."""
        ...

    def prove(self, index: int) -> TlogProof:
        """A C2SP tlog-proof of entry ``index`` under the latest checkpoint."""
        ...

    def entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """Every checkpointed entry from ``start`` on, with its index."""
        ...

    def audit(self) -> AuditResult:
        """Recompute every tile and the root from the entries; raise ``log.audit_failed``."""
        ...

    def close(self) -> None:
        """Release connections, locks and leases."""
        ...
