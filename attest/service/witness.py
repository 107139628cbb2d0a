"""The witness's HTTP service (C2SP tlog-witness ``POST /add-checkpoint``), on the standard
library's threading HTTP server. Requests are decided one at a time by
:func:`attest.tlog.witness.add_checkpoint`; an accepted checkpoint is stored durably
(:class:`attest.store.witness.WitnessStore`) before the cosignature is made and sent."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from attest.errors import AttestError
from attest.keys.ed25519 import PrivateKey
from attest.store.witness import WitnessStore
from attest.tlog import note as _note
from attest.tlog.cosignature import CosignatureSigner
from attest.tlog.witness import MAX_REQUEST, add_checkpoint, cosign, parse_add_checkpoint

__all__ = ["Witness", "make_server"]


@dataclass
class Witness:
    """A witness: its cosigner name and key, the logs it watches and its store."""

    name: str
    private_key: PrivateKey
    logs: Mapping[str, _note.Verifier]
    store: WitnessStore
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: bytes, now: int) -> tuple[int, bytes]:
        """One add-checkpoint request: (HTTP status, body)."""
        try:
            request = parse_add_checkpoint(body)
        except AttestError as exc:
            return 400, f"{exc.code}: {exc.message}\n".encode()
        with self.lock:
            origin = request.note.split(b"\n", 1)[0].decode("utf-8", "replace")
            have = self.store.get(origin) if origin in self.logs else None
            answer = add_checkpoint(self.logs, {origin: have} if have else {}, request)
            if answer.store is None:
                return answer.status, answer.body
            if have is None or answer.store != have:
                self.store.put(answer.origin, answer.store)  # durably, before answering
            return 200, cosign(request.note, CosignatureSigner(self.name, self.private_key, now))


def _now() -> int:
    return int(time.time())


def make_server(
    witness: Witness, host: str, port: int, *, clock: Callable[[], int] = _now
) -> http.server.ThreadingHTTPServer:
    """The witness on ``host:port`` (0: any free port); ``clock`` gives the cosignatures'
    timestamps (Unix seconds)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "attest-witness"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                self._send(404, b"not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._send(411, b"Content-Length required\n")
                return
            if not 0 <= length <= MAX_REQUEST:
                self._send(413, b"request too large\n")
                return
            status, body = witness.handle(self.rfile.read(length), clock())
            self._send(status, body)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            kind = "text/x.tlog.size" if status == 409 else "text/plain; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return http.server.ThreadingHTTPServer((host, port), Handler)
