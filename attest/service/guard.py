"""Connection-level guards under the HTTP server: what no ASGI application can see.

uvicorn starts no timer before a request's headers are complete, and counts idle
connections against its concurrency limit, so a few thousand connections that never finish
their headers (slowloris) lock every other client out. :func:`guarded_protocol` wraps
uvicorn's HTTP protocol class with

- a **header deadline**: a connection must complete each request's line and headers within
  ``header_timeout`` seconds of connecting (or of sending the first byte of its next
  request), and in at most ``max_header_bytes``; past either it gets 408 or 431 and is closed;
- a **per-client cap**: at most ``max_per_client`` open connections from one address (503);
- a **total cap with eviction**: at ``max_connections``, a new connection evicts the oldest
  connection still waiting for its headers; only when every connection is busy with a request
  is the newcomer refused (503).

Idle keep-alive connections between requests are closed by uvicorn's ``timeout_keep_alive``.
A request body is bounded by the routes (``read_timeout``, body limits). Limits and defaults:
specs/limits.md.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from attest.errors import UsageError

__all__ = ["ConnectionLimits", "guarded_protocol", "uvicorn_config"]


@dataclass(frozen=True)
class ConnectionLimits:
    """Bounds on connections, enforced before any request reaches the application."""

    #: Seconds to complete a request line and headers.
    header_timeout: float = 10.0
    #: Bytes of a request line and headers at most.
    max_header_bytes: int = 64 << 10
    #: Open connections at most (the oldest one still sending headers is evicted past it).
    max_connections: int = 1024
    #: Open connections from one client address at most.
    max_per_client: int = 64
    #: Seconds an idle keep-alive connection stays open between requests.
    keep_alive: int = 5

    def __post_init__(self) -> None:
        for name in ("max_header_bytes", "max_connections", "max_per_client"):
            if getattr(self, name) < 1:
                raise UsageError("service.bad_config", f"{name} must be at least 1")
        for name in ("header_timeout", "keep_alive"):
            if not getattr(self, name) > 0:
                raise UsageError("service.bad_config", f"{name} must be positive")


def _answer(status: bytes, code: str, message: str) -> bytes:
    body = f'{{"error":{{"code":"{code}","message":"{message}"}}}}'.encode()
    head = (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n"
    )
    if status.startswith(b"503"):
        head += b"retry-after: 1\r\n"
    return head + b"\r\n" + body


_BUSY = _answer(b"503 Service Unavailable", "server.busy", "too many connections; retry later")
_CLIENT_BUSY = _answer(
    b"503 Service Unavailable",
    "server.too_many_connections",
    "too many connections from this address",
)
_SLOW = _answer(b"408 Request Timeout", "request.timeout", "the request headers took too long")
_HUGE = _answer(
    b"431 Request Header Fields Too Large", "request.headers_too_large", "headers too large"
)


class _Shared:
    """The counters all connections of one server share (the event loop's thread only)."""

    def __init__(self) -> None:
        self.per_client: dict[str, int] = {}
        self.open = 0
        #: Connections waiting for their headers, oldest first.
        self.waiting: OrderedDict[int, Any] = OrderedDict()


def guarded_protocol(base: type[asyncio.Protocol], limits: ConnectionLimits) -> type[Any]:
    """``base`` (a uvicorn HTTP protocol class) with the guards of this module."""
    shared = _Shared()
    proto: Any = base

    class Guarded(proto):  # type: ignore[misc]
        _timer: asyncio.TimerHandle | None = None
        _peer: str | None = None
        _header_bytes = 0
        _seen: object = None
        _counted = False

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            self._peer = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
            count = shared.per_client.get(self._peer, 0)
            if count >= limits.max_per_client:
                self._refuse(_CLIENT_BUSY)
                return
            if shared.open >= limits.max_connections:
                if shared.waiting:
                    _, oldest = shared.waiting.popitem(last=False)
                    oldest._refuse(_SLOW)
                else:
                    self._refuse(_BUSY)
                    return
            shared.per_client[self._peer] = count + 1
            shared.open += 1
            self._counted = True
            self._await_headers()

        def _refuse(self, answer: bytes) -> None:
            self._stop_waiting()
            if not self.transport.is_closing():
                self.transport.write(answer)
                self.transport.close()

        def _await_headers(self) -> None:
            self._header_bytes = 0
            shared.waiting[id(self)] = self
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(limits.header_timeout, self._refuse, _SLOW)

        def _stop_waiting(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            shared.waiting.pop(id(self), None)

        def data_received(self, data: bytes) -> None:
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if self._timer is None and (cycle is None or cycle.response_complete):
                self._await_headers()  # the first bytes of the next request
            super().data_received(data)
            if self._timer is None:
                return
            if self.cycle is not None and self.cycle is not self._seen:
                self._seen = self.cycle
                self._stop_waiting()  # headers complete: the routes bound the rest
                return
            self._header_bytes += len(data)
            if self._header_bytes > limits.max_header_bytes:
                self._refuse(_HUGE)

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            if self._counted and self._peer is not None:
                self._counted = False
                shared.open -= 1
                left = shared.per_client.get(self._peer, 1) - 1
                if left > 0:
                    shared.per_client[self._peer] = left
                else:
                    shared.per_client.pop(self._peer, None)
            super().connection_lost(exc)

    Guarded.__name__ = Guarded.__qualname__ = "Guarded" + base.__name__
    return Guarded


def uvicorn_config(app: Any, limits: ConnectionLimits | None = None, **options: Any) -> Any:
    """A ``uvicorn.Config`` for ``app`` with the guards of ``limits`` (default limits)."""
    import uvicorn
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    limits = limits or ConnectionLimits()
    return uvicorn.Config(
        app,
        http=guarded_protocol(AutoHTTPProtocol, limits),
        # The guards cap connections; uvicorn's own limit would count idle ones against
        # requests (answering 503 to everyone while idle connections are held).
        limit_concurrency=None,
        timeout_keep_alive=limits.keep_alive,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        server_header=False,
        **options,
    )
