"""``POST /verify`` off the event loop: one bundle, the server's policy, the clock, a decision.

Verification is CPU work, so it runs on one worker thread, or on worker processes when the
server is given some (``verify_workers``); either way the event loop only waits. The server
knows its own log: for a bundle whose checkpoint is from that log, at a size the log has
published, the verifier is told the log's own tree hash at that size as the remembered
checkpoint, so a bundle whose checkpoint disagrees with the log the server serves is a split
view (``consistency.split_view``); at a size it has not published, the checkpoint is no
prefix of its log, and is a split view too. For other logs each request is judged on its
own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from attest.errors import AttestError, LimitExceededError, UsageError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.evaluation.inspection import credential_document
from attest.files import load_policy
from attest.service.config import ServiceConfig
from attest.service.published import tile_reader
from attest.service.status_source import StatusSources
from attest.tlog.merkle import range_hash
from attest.tlog.tiles import TileCache
from attest.vc.status_list import credential_entries
from attest.verifier.pipeline import verify
from attest.verifier.policy import Policy
from attest.verifier.state import Remembered, VerifierState

__all__ = ["BUNDLE_NAME", "Outcome", "VerifyPool"]

#: The name a served verification gives its one bundle in the decision (of several: "bundle
#: 2", … in the order sent).
BUNDLE_NAME = "bundle 1"


@dataclass(frozen=True)
class Outcome:
    """A decision as JSON, and the first malformed-input failure if there was one."""

    decision: dict[str, Any]
    accepted: bool
    malformed: tuple[str, str] | None


class _Judge:
    """Verifies bundles under one policy; knows the server's own log by origin and root."""

    def __init__(
        self,
        policy: Policy,
        origin: str,
        root: Path | Callable[[int], bytes],
        config: ServiceConfig | None = None,
    ) -> None:
        self.policy = policy
        self.origin = origin
        #: The log's own tree: its directory (tiles read here), or the driver's tree_hash.
        self.root = root
        self.cache = TileCache(256)
        config = config or ServiceConfig()
        max_age = policy.freshness.status_max_age
        self.sources = StatusSources(
            config.status_sources,
            fetch=config.status_fetch,
            refresh=config.status_refresh,
            max_age=max_age.total_seconds() if max_age is not None else None,
        )

    def _own_tree(self, bundle: Bundle, published: int) -> Remembered | None:
        """The log's own tree at the bundle's checkpoint size, if the bundle is from it.

        A checkpoint of this log at a size it has not published is no tree of this log (the
        server signs and publishes every checkpoint of its log): it is remembered with a
        root no tree has, so the verifier finds the split view."""
        try:
            cp = bundle.claimed_checkpoint
        except AttestError:
            return None  # the verifier reports it
        if cp.origin != self.origin or cp.size <= 0:
            return None
        if cp.size > published:
            return Remembered(cp.size, _unpublished_root(self.origin, cp.size), b"")
        try:
            if isinstance(self.root, Path):
                root = range_hash(tile_reader(self.root, published, self.cache), 0, cp.size)
            else:
                root = self.root(cp.size)
        except (AttestError, OSError):
            return None
        return Remembered(cp.size, root, b"")

    def run(self, data: bytes | Sequence[bytes], now: datetime, published: int) -> Outcome:
        """Decide on one bundle, or on several together (k-of-n, as ``attest verify`` does
        with several files). Of the bundles from this server's own log, the one at the
        largest size is checked against the log."""
        datas = [data] if isinstance(data, bytes) else list(data)
        items: dict[str, bytes | Bundle] = {}
        own: Remembered | None = None
        urls: list[str] = []
        for i, raw in enumerate(datas):
            name = BUNDLE_NAME if len(datas) == 1 else f"bundle {i + 1}"
            items[name] = raw
            try:
                bundle = parse_bundle(raw)
            except AttestError:
                continue  # verify() reports it as the bundle.format step
            items[name] = bundle
            if self.sources:
                with contextlib.suppress(AttestError):  # the verifier reports it
                    urls += [e.list_url for e in credential_entries(credential_document(bundle))]
            tree = self._own_tree(bundle, published)
            if tree is not None and (own is None or tree.size > own.size):
                own = tree
        state = VerifierState()
        if own is not None:
            state = state.with_checkpoint(self.origin, own)
        lists = self.sources.lists_for(urls) if self.sources else []
        decision = verify(items, self.policy, now=now, state=state, status_lists=lists)
        first = None
        if decision.malformed:
            check = decision.malformed[0][1]
            first = (check.code or "bundle.malformed", check.reason)
        return Outcome(decision.to_json(), decision.accepted, first)


def _unpublished_root(origin: str, size: int) -> bytes:
    """A root no tree has (a SHA-256 preimage would be needed): what the server remembers of
    its own log at a size it never published."""
    label = f"attest service: {origin} has published no tree of size {size}"
    return hashlib.sha256(label.encode()).digest()


_worker: _Judge | None = None


def _init_worker(policy_path: str, origin: str, root: str, config: ServiceConfig) -> None:
    global _worker
    _worker = _Judge(load_policy(policy_path), origin, Path(root), config)


def _ready() -> int:
    assert _worker is not None
    return os.getpid()


def _run_in_worker(data: bytes | Sequence[bytes], now: datetime, published: int) -> Outcome:
    assert _worker is not None
    return _worker.run(data, now, published)


class VerifyPool:
    """Runs verifications on a thread or on worker processes, a bounded number at a time."""

    def __init__(
        self,
        policy: Policy,
        *,
        origin: str,
        root: Path | Callable[[int], bytes],
        workers: int = 0,
        policy_path: Path | None = None,
        limit: int = 256,
        config: ServiceConfig | None = None,
    ) -> None:
        self._limit = limit
        self._running = 0
        self._executor: Executor
        self._call: Callable[[bytes | Sequence[bytes], datetime, int], Outcome]
        if workers > 0:
            if not isinstance(root, Path):
                raise UsageError("service.bad_config", "verification workers need a directory log")
            if policy_path is None:
                raise UsageError(
                    "service.bad_config", "worker processes load the policy from its file"
                )
            self._executor = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(
                    os.fspath(policy_path),
                    origin,
                    os.fspath(root),
                    config or ServiceConfig(),
                ),
            )
            self._call = _run_in_worker
            # Start every worker now (each loads the policy), not on the first requests.
            pending = [self._executor.submit(_ready) for _ in range(workers)]
            for job in pending:
                job.result(timeout=120)
        else:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="attest-verify")
            self._call = _Judge(policy, origin, root, config).run

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the bounded verification places, taken before the request body is read
        (so at most ``limit`` bodies are held at once); ``server.busy`` when none is free."""
        if self._running >= self._limit:
            raise LimitExceededError("server.busy", "too many verifications under way; retry later")
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1

    async def run(
        self, data: bytes | Sequence[bytes], now: datetime, published: int, timeout: float
    ) -> Outcome:
        """Verify one bundle inside a :meth:`slot`; ``server.timeout`` when it takes longer
        than ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._executor, self._call, data, now, published)
        try:
            async with asyncio.timeout(timeout):
                return await job
        except TimeoutError:
            raise LimitExceededError(
                "server.timeout", f"the verification took longer than {timeout:g} s"
            ) from None
        except BrokenProcessPool:
            raise UsageError(
                "server.unavailable", "a verification worker died; restart the server"
            ) from None

    async def verify(self, data: bytes, now: datetime, published: int, timeout: float) -> Outcome:
        """:meth:`run` in a :meth:`slot` of its own."""
        async with self.slot():
            return await self.run(data, now, published, timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
