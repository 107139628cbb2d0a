"""The one writer: a task that owns the log and integrates submissions in batches.

Requests put items on a bounded queue and wait on a future per item. The writer takes up to
``batch_size`` items, lingering ``batch_wait`` seconds for a batch to fill, and on its own
thread looks each one up (an item already logged, or journalled and waiting for a checkpoint,
keeps its index) and logs the rest. A future is resolved only once its item is durable:

- items whose requests wait for a checkpoint, with nothing else pending, are logged with one
  ``append_and_checkpoint`` (entries, tiles and the signed checkpoint all durable);
- otherwise the batch is journalled with ``append_many`` (fsynced), its futures resolved, and
  a checkpoint follows as soon as a request waits for one, or ``checkpoint_interval`` after
  the first journalled item, or once ``batch_size`` items are pending.

While a batch is written the next one gathers. A repeated item waiting in the queue shares
the first one's future, so it is logged once.

A write that fails stops the writer for good (fail-stop): the log is left as the crash
recovery of :mod:`attest.store.log` expects, every waiting request gets ``server.unavailable``,
and the process should be restarted.

The log is any :class:`~attest.store.driver.LogDriver`. On a shared log (PostgreSQL + S3,
several replicas) ``append_many`` sequences in the database and ``checkpoint`` integrates only
in the replica holding the integrator lock (the others wait for its checkpoint); a follower
task also runs every ``checkpoint_interval`` on the writer thread: it takes the lock when it
is free (so a dead integrator is replaced within one interval), integrates what any replica
sequenced, and publishes the checkpoint the log has reached (specs/service.md §9).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from attest.codec.digest import Digest
from attest.errors import AttestError, LimitExceededError, UsageError
from attest.service.published import PublishedLog
from attest.store.driver import LogDriver
from attest.store.log import Log
from attest.store.postgres_s3 import SharedLog
from attest.tlog.entry import LogEntry

__all__ = ["Logged", "Writer"]

_log = logging.getLogger("attest.service")

Key = tuple[str, bytes, int]


@dataclass(frozen=True)
class Logged:
    """Where an item is: its index, its entry bytes, and whether it was in the log before."""

    index: int
    entry: bytes
    existing: bool


@dataclass(frozen=True)
class _Item:
    key: Key
    entry: LogEntry
    future: asyncio.Future[Logged]
    wants_checkpoint: bool


@dataclass(frozen=True)
class _Written:
    logged: list[Logged]
    note: bytes | None  # the new checkpoint, when the batch was checkpointed
    size: int  # every acknowledged entry: checkpointed and journalled


class Writer:
    """Owns ``log`` (open for writing): queues items, writes batches, resolves futures."""

    def __init__(
        self,
        log: LogDriver,
        published: PublishedLog,
        *,
        queue_size: int,
        batch_size: int,
        batch_wait: float,
        checkpoint_interval: float,
        witnesses: Sequence[str] = (),
    ) -> None:
        self._log = log
        self._witnesses = tuple(witnesses)
        self._published = published
        self._queue_size = queue_size
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._interval = checkpoint_interval
        self._queue: deque[_Item] = deque()
        self._waiting: dict[Key, asyncio.Future[Logged]] = {}
        self._checkpoint_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._pending = 0  # journalled, not yet checkpointed
        self._pending_since: float | None = None
        self._journalled: dict[Key, Logged] = {}  # writer thread only
        self._wake = asyncio.Event()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="attest-log-writer")
        self._task: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._closing = False
        self.acknowledged = log.size
        self.failure: AttestError | None = None

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def pending(self) -> int:
        """Journalled items a checkpoint does not cover yet."""
        return self._pending

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="attest-writer")
        if isinstance(self._log, SharedLog):
            self._follower = loop.create_task(self._follow(self._log), name="attest-follower")

    async def _follow(self, log: SharedLog) -> None:
        """Integrate as the lock holder (taking a free lock), else follow the holder."""
        loop = asyncio.get_running_loop()
        while not self._closing and self.failure is None:
            try:
                note = await loop.run_in_executor(self._thread, _integrate_or_follow, log)
            except AttestError as exc:  # the database or bucket away: try again later
                _log.warning("following the shared log failed (%s); retrying", exc.code)
            else:
                self._publish(note)
            await asyncio.sleep(self._interval)

    async def close(self) -> None:
        """Stop taking items, write and checkpoint what is queued, and stop."""
        self._closing = True
        self._wake.set()
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._thread.shutdown(wait=True)

    def submit(
        self, entries: Sequence[LogEntry], *, wants_checkpoint: bool
    ) -> list[asyncio.Future[Logged]]:
        """Queue ``entries`` (all or none) and return one future per entry, in order.

        Raises ``server.busy`` (:class:`LimitExceededError`) when the queue cannot take them
        all, and ``server.unavailable`` once the writer stopped.
        """
        if self.failure is not None or self._closing:
            raise UsageError("server.unavailable", "the log is not taking submissions now")
        keys = [(e.kind, e.digest.sha256, e.size) for e in entries]
        fresh = {k for k in keys if k not in self._waiting}
        if len(self._queue) + len(fresh) > self._queue_size:
            raise LimitExceededError("server.busy", "the submission queue is full; retry later")
        loop = asyncio.get_running_loop()
        futures = []
        for key, entry in zip(keys, entries, strict=True):
            future = self._waiting.get(key)
            if future is None:
                future = loop.create_future()
                self._waiting[key] = future
                self._queue.append(_Item(key, entry, future, wants_checkpoint))
            futures.append(future)
        self._wake.set()
        return futures

    async def checkpointed(self, size: int) -> None:
        """Wait until a published checkpoint covers the first ``size`` entries."""
        if self._published.snapshot.size >= size:
            return
        if self.failure is not None:
            raise self.failure
        future = asyncio.get_running_loop().create_future()
        self._checkpoint_waiters.append((size, future))
        self._wake.set()
        await future

    # --- the task ------------------------------------------------------------------------------

    def _checkpoint_due(self, now: float) -> bool:
        if not self._pending:
            return False
        assert self._pending_since is not None
        return (
            self._closing
            or bool(self._checkpoint_waiters)
            or self._pending >= self._batch_size
            or now >= self._pending_since + self._interval
        )

    async def _gather(self) -> list[_Item]:
        """Wait for items (or a due checkpoint), linger for a fuller batch, take one."""
        loop = asyncio.get_running_loop()
        while not self._queue:
            if self._closing or self._checkpoint_due(loop.time()):
                return []
            self._wake.clear()
            timeout = None
            if self._pending_since is not None:
                timeout = max(0.0, self._pending_since + self._interval - loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
        if len(self._queue) < self._batch_size and not self._closing and self._batch_wait > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._batch_wait):
                    while len(self._queue) < self._batch_size and not self._closing:
                        self._wake.clear()
                        await self._wake.wait()
        n = min(len(self._queue), self._batch_size)
        return [self._queue.popleft() for _ in range(n)]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        batch: list[_Item] = []
        try:
            while True:
                batch = await self._gather()
                if batch:
                    # Straight to a checkpoint when every item waits for one and nothing is
                    # journalled; else journal now and checkpoint when it is due.
                    direct = not self._pending and all(i.wants_checkpoint for i in batch)
                    written = await loop.run_in_executor(self._thread, self._write, batch, direct)
                    self._written(batch, written, loop.time())
                    if any(i.wants_checkpoint for i in batch) and self._pending:
                        await self._checkpoint(loop)
                    batch = []
                if self._checkpoint_due(loop.time()):
                    await self._checkpoint(loop)
                if self._closing and not self._queue and not self._pending:
                    return
        except Exception as exc:  # fail-stop: nothing more is written by this process
            _log.exception("writing to the log failed; the writer stops")
            self._fail(batch, exc)

    def _written(self, batch: list[_Item], written: _Written, now: float) -> None:
        if written.note is not None:
            self._publish(written.note)
        else:
            new = written.size - self.acknowledged
            if new and self._pending_since is None:
                self._pending_since = now
            self._pending += new
        self.acknowledged = written.size
        for item, result in zip(batch, written.logged, strict=True):
            if self._waiting.get(item.key) is item.future:
                del self._waiting[item.key]
            if not item.future.done():
                item.future.set_result(result)

    async def _checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        note = await loop.run_in_executor(self._thread, self._checkpoint_now)
        self._pending, self._pending_since = 0, None
        self._publish(note)

    def _publish(self, note: bytes) -> None:
        self._published.publish(note)
        size = self._published.snapshot.size
        waiting = []
        for needed, future in self._checkpoint_waiters:
            if needed <= size:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((needed, future))
        self._checkpoint_waiters = waiting

    def _fail(self, batch: list[_Item], exc: Exception) -> None:
        code = exc.code if isinstance(exc, AttestError) else type(exc).__name__
        self.failure = UsageError("server.unavailable", f"the log writer stopped ({code})")
        for item in [*batch, *self._queue]:
            if not item.future.done():
                item.future.set_exception(self.failure)
        for _, future in self._checkpoint_waiters:
            if not future.done():
                future.set_exception(self.failure)
        self._queue.clear()
        self._waiting.clear()
        self._checkpoint_waiters = []

    # --- on the writer thread ------------------------------------------------------------------

    def _find(self, key: Key, known: dict[Digest, list[int]] | None = None) -> Logged | None:
        journalled = self._journalled.get(key)
        if journalled is not None:
            return Logged(journalled.index, journalled.entry, True)
        kind, sha256, size = key
        log = self._log
        digest = Digest(sha256)
        indices = log.find(digest) if known is None else known.get(digest, [])
        for index in indices:
            data = log.entry(index)
            entry = LogEntry.decode(data)
            if entry.kind == kind and entry.size == size:
                return Logged(index, data, True)
        return None

    def _prefetch(self, batch: list[_Item]) -> dict[Digest, list[int]] | None:
        """One look-up for the whole batch where the driver offers it (a database round trip
        per item would cost more than the write)."""
        find_many = getattr(self._log, "find_many", None)
        if find_many is None:
            return None
        found: dict[Digest, list[int]] = find_many([Digest(i.key[1]) for i in batch])
        return found

    def _write(self, batch: list[_Item], direct: bool) -> _Written:
        results: list[Logged | None] = []
        new: list[_Item] = []
        slots: list[int] = []
        known = self._prefetch(batch)
        for item in batch:
            found = self._find(item.key, known)
            if found is None:
                slots.append(len(results))
                new.append(item)
            results.append(found)
        note = None
        if new:
            entries = [item.entry for item in new]
            if direct:
                indices, note = self._log.append_and_checkpoint(entries)
                note = self._cosigned(note)
            else:
                indices = self._log.append_many(entries)
            for slot, index, item in zip(slots, indices, new, strict=True):
                logged = Logged(index, item.entry.encode(), False)
                results[slot] = logged
                if not direct:
                    self._journalled[item.key] = logged
        done = [r for r in results if r is not None]
        assert len(done) == len(batch)
        return _Written(done, note, self._log.size)

    def _checkpoint_now(self) -> bytes:
        note = self._log.checkpoint()
        self._journalled.clear()
        return self._cosigned(note)

    def _cosigned(self, note: bytes) -> bytes:
        """With ``--witness``: the checkpoint just made, cosigned by the witnesses that agree
        (C2SP tlog-witness, attest.store.cosigned); what is published and proven under. A
        witness that is down or refuses costs its cosignature, never the checkpoint."""
        if not self._witnesses or not isinstance(self._log, Log):
            return note
        from attest.store.cosigned import witness_checkpoint

        try:
            done = witness_checkpoint(self._log, self._witnesses)
        except AttestError as exc:
            _log.warning("witnessing the checkpoint failed (%s)", exc.code)
            return note
        for url, why in sorted(done.errors.items()):
            _log.warning("witness %s did not cosign: %s", url, why)
        return done.note if done.cosignatures else note


def _integrate_or_follow(log: SharedLog) -> bytes:
    if not log.integrate():
        log.refresh()
    return log.checkpoint_note
