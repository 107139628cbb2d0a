"""The service's limits and timings, in one place (specs/service.md §5 lists the defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from attest.errors import UsageError
from attest.tlog.submission import MAX_SKEW

__all__ = ["ServiceConfig"]


@dataclass(frozen=True)
class ServiceConfig:
    """Every bound the service enforces. All sizes in bytes, all times in seconds."""

    #: Submitted items waiting for the writer, beyond the batch being written (429 past it).
    queue_size: int = 100_000
    #: Most items the writer logs under one checkpoint.
    batch_size: int = 10_000
    #: How long the writer lingers for more items before writing a batch that is not full.
    batch_wait: float = 0.005
    #: Longest time journalled items wait for a checkpoint.
    checkpoint_interval: float = 0.1
    #: How long ``POST /add`` waits for its items to be logged (503 past it) and then for the
    #: checkpoint covering them (202 past it).
    add_timeout: float = 10.0
    #: Largest ``POST /add`` body.
    max_submission_bytes: int = 1 << 20
    #: Largest ``POST /verify`` body (a bundle citing 1,024 evidence files is 1.3 MB; one
    #: embedding evidence bytes needs more: raise it with ``--max-bundle-size``).
    max_bundle_bytes: int = 2 << 20
    #: How long reading a request body may take (408 past it).
    read_timeout: float = 30.0
    #: How long one verification may take (503 past it).
    verify_timeout: float = 30.0
    #: Verifications running, waiting, or reading their body at once (429 past it); each
    #: holds at most about 32 MiB (specs/limits.md), so 32 of them about 1 GiB.
    verify_queue: int = 32
    #: Worker processes for verification; 0 verifies on one thread of the server process.
    verify_workers: int = 0
    #: Accepted difference between a submission's time and the server's clock.
    max_skew: int = MAX_SKEW
    #: Nonces remembered inside the replay window (429 past it).
    replay_capacity: int = 1_000_000
    #: Where ``POST /verify`` finds status lists: directories and URL prefixes
    #: (:mod:`attest.service.status_source`).
    status_sources: tuple[str, ...] = ()
    #: Whether URL prefixes are fetched at all (off: only directories and stapled lists).
    status_fetch: bool = True
    #: Age of a fetched list's copy at which it is revalidated (conditional GET).
    status_refresh: float = 60.0
    #: Witnesses (C2SP tlog-witness URLs) every new checkpoint is sent to; the cosigned
    #: checkpoint is what the server publishes and proves under.
    witnesses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "queue_size",
            "batch_size",
            "max_submission_bytes",
            "max_bundle_bytes",
            "verify_queue",
            "max_skew",
            "replay_capacity",
        ):
            if getattr(self, name) < 1:
                raise UsageError("service.bad_config", f"{name} must be at least 1")
        for name in ("batch_wait", "verify_workers", "status_refresh"):
            if getattr(self, name) < 0:
                raise UsageError("service.bad_config", f"{name} must not be negative")
        for name in ("checkpoint_interval", "add_timeout", "read_timeout", "verify_timeout"):
            if not getattr(self, name) > 0:
                raise UsageError("service.bad_config", f"{name} must be positive")
