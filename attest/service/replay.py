"""Replay protection for signed requests: each (key, nonce) is accepted once while its time
is inside the window.

A signed request carries its time and a nonce; the server accepts it only within ``window``
seconds of its clock, so a nonce need be remembered only until ``time + window`` has passed.
Memory is bounded: past ``capacity`` remembered nonces new requests are refused as busy
rather than letting an old nonce be forgotten early. Pure: the caller passes the time.
"""

from __future__ import annotations

import hashlib
import heapq

from attest.errors import LimitExceededError, VerificationError

__all__ = ["ReplayGuard"]


class ReplayGuard:
    """Remembers (key, nonce) pairs until their time leaves the acceptance window."""

    def __init__(self, window: int, capacity: int = 1_000_000) -> None:
        self._window = window
        self._capacity = capacity
        self._seen: set[bytes] = set()
        self._expiry: list[tuple[int, bytes]] = []

    def __len__(self) -> int:
        return len(self._seen)

    def _forget_expired(self, now: int) -> None:
        expiry, seen = self._expiry, self._seen
        while expiry and expiry[0][0] < now:
            seen.discard(heapq.heappop(expiry)[1])

    def check(self, key: bytes, nonce: str, time: int, now: int) -> None:
        """Raise ``auth.replayed`` if this nonce was used by this key inside the window."""
        self._forget_expired(now)
        if self._id(key, nonce) in self._seen:
            raise VerificationError("auth.replayed", "this signed request was already received")
        if len(self._seen) >= self._capacity:
            raise LimitExceededError(
                "server.busy", "too many signed requests inside the replay window; retry later"
            )

    def remember(self, key: bytes, nonce: str, time: int) -> None:
        """Record a nonce as used (after :meth:`check` passed and the request was taken)."""
        ident = self._id(key, nonce)
        if ident not in self._seen:
            self._seen.add(ident)
            heapq.heappush(self._expiry, (time + self._window, ident))

    @staticmethod
    def _id(key: bytes, nonce: str) -> bytes:
        return hashlib.sha256(key + nonce.encode("ascii", "replace")).digest()[:16]
