"""The one writer: a task that owns the log and integrates submissions in batches.

Requests put items on a bounded queue and wait on a future per item. The writer takes up to
``batch_size`` items, lingering ``batch_wait`` seconds for a batch to fill, and on its own
thread looks each one up (an item already logged keeps its index) and logs the rest with one
``append_and_checkpoint``. Only when that returns — entries, tiles and the signed checkpoint
all durable — are the futures resolved: an index is never given out before it is durable.
While a batch is written the next one gathers. A repeated item waiting in the queue shares
the first one's future, so it is logged once.

A write that fails stops the writer for good (fail-stop): the log is left as the crash
recovery of :mod:`attest.log` expects, every waiting request gets ``server.unavailable``,
and the process should be restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..digest import Digest
from ..errors import AttestError, LimitExceededError, UsageError
from ..log import Log
from ..log_entry import LogEntry
from .published import PublishedLog

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


class Writer:
    """Owns ``log`` (open for writing): queues items, writes batches, resolves futures."""

    def __init__(
        self,
        log: Log,
        published: PublishedLog,
        *,
        queue_size: int,
        batch_size: int,
        batch_wait: float,
    ) -> None:
        self._log = log
        self._published = published
        self._queue_size = queue_size
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._queue: deque[_Item] = deque()
        self._waiting: dict[Key, asyncio.Future[Logged]] = {}
        self._wake = asyncio.Event()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="attest-log-writer")
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.failure: AttestError | None = None
        self.batches = 0

    @property
    def queued(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="attest-writer")

    async def close(self) -> None:
        """Stop taking items, write what is queued, and stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._thread.shutdown(wait=True)

    def submit(self, entries: Sequence[LogEntry]) -> list[asyncio.Future[Logged]]:
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
                self._queue.append(_Item(key, entry, future))
            futures.append(future)
        self._wake.set()
        return futures

    async def _gather(self) -> list[_Item]:
        """Wait for items, linger up to ``batch_wait`` for a full batch, take one."""
        while not self._queue:
            if self._closing:
                return []
            self._wake.clear()
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
        while True:
            batch = await self._gather()
            if not batch:
                return
            try:
                logged, note = await loop.run_in_executor(self._thread, self._write, batch)
            except Exception as exc:  # fail-stop: nothing more is written by this process
                _log.exception("writing a batch of %d failed; the writer stops", len(batch))
                self._fail(batch, exc)
                return
            self._published.publish(note)
            self.batches += 1
            for item, result in zip(batch, logged, strict=True):
                if self._waiting.get(item.key) is item.future:
                    del self._waiting[item.key]
                if not item.future.done():
                    item.future.set_result(result)

    def _fail(self, batch: list[_Item], exc: Exception) -> None:
        code = exc.code if isinstance(exc, AttestError) else type(exc).__name__
        self.failure = UsageError("server.unavailable", f"the log writer stopped ({code})")
        for item in [*batch, *self._queue]:
            if not item.future.done():
                item.future.set_exception(self.failure)
        self._queue.clear()
        self._waiting.clear()

    # --- on the writer thread ------------------------------------------------------------------

    def _find(self, key: Key) -> Logged | None:
        kind, sha256, size = key
        log = self._log
        for index in log.find(Digest(sha256)):
            data = log.entry(index)
            entry = LogEntry.decode(data)
            if entry.kind == kind and entry.size == size:
                return Logged(index, data, True)
        return None

    def _write(self, batch: list[_Item]) -> tuple[list[Logged], bytes]:
        results: list[Logged | None] = []
        new: list[LogEntry] = []
        slots: list[int] = []
        for item in batch:
            found = self._find(item.key)
            if found is None:
                slots.append(len(results))
                new.append(item.entry)
            results.append(found)
        if new:
            indices, _ = self._log.append_and_checkpoint(new)
            for slot, index, entry in zip(slots, indices, new, strict=True):
                results[slot] = Logged(index, entry.encode(), False)
        done = [r for r in results if r is not None]
        assert len(done) == len(batch)
        return done, self._log.checkpoint_note
