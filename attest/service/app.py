"""The ASGI application: the log's tlog-tiles read paths, signed submissions, verification.

Routes (specs/service.md): ``GET /checkpoint``, ``GET /tile/…``, ``GET /proof/{index}``,
``POST /add``, ``POST /verify``, ``GET /healthz``, ``GET /openapi.json``. Every error is
``{"error": {"code", "message"}}`` with the project's code. Nothing is written without a
verified signature by a registered submitter.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from attest.codec.canonical import canonicalize, parse_json
from attest.errors import AttestError, MalformedError, UsageError, VerificationError
from attest.evaluation.bundle import CBOR_MEDIA_TYPE, JSON_MEDIA_TYPE
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.service.bounds import check_json_shape
from attest.service.config import ServiceConfig
from attest.service.http import error_response, json_response, read_body
from attest.service.openapi import openapi_document, vcapi_document, with_vcapi
from attest.service.receipt import sign_receipt
from attest.service.replay import ReplayGuard
from attest.service.shared import published_view
from attest.service.vcapi import VcApi
from attest.service.verifier import VerifyPool
from attest.service.writer import Logged, Writer
from attest.store.log import Log
from attest.tlog.submission import KEY_HEADER, SIGNATURE_HEADER, Submitter, authenticate
from attest.tlog.tiles import parse_tile_path
from attest.verifier.policy import Policy

__all__ = ["CHECKPOINT_CACHE", "FULL_TILE_CACHE", "PARTIAL_TILE_CACHE", "create_app"]

_log = logging.getLogger("attest.service")

CHECKPOINT_CACHE = "public, max-age=5"
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"
TEXT = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"

_JSON_TYPES = {"application/json", JSON_MEDIA_TYPE}
_CBOR_TYPES = {"application/cbor", CBOR_MEDIA_TYPE}
_SNIFF_TYPES = {"", "application/octet-stream"}


def _prefers_async(request: Request) -> bool:
    """RFC 7240 ``Prefer: respond-async``: answer once durable, before the checkpoint."""
    prefs = request.headers.get("prefer", "")
    return any(p.split(";", 1)[0].strip().lower() == "respond-async" for p in prefs.split(","))


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class _Service:
    """The state the routes share: the published view, the writer, the verifier."""

    def __init__(
        self,
        log: Log,
        policy: Policy | None,
        submitters: Mapping[bytes, Submitter] | None,
        config: ServiceConfig,
        policy_path: Path | None,
        receipt_key: PrivateKey | None = None,
    ) -> None:
        self.log = log
        self.receipt_key = receipt_key
        self.config = config
        self.origin = log.origin
        if submitters is not None and log.size > log.checkpoint_size:
            log.checkpoint()  # integrate a journal left by an earlier writer first
        self.published = published_view(log)
        self.submitters = submitters
        self.writer = (
            Writer(
                log,
                self.published,
                queue_size=config.queue_size,
                batch_size=config.batch_size,
                batch_wait=config.batch_wait,
                checkpoint_interval=config.checkpoint_interval,
                witnesses=config.witnesses,
            )
            if submitters is not None
            else None
        )
        self.replay = ReplayGuard(config.max_skew, config.replay_capacity)
        self.verifier = (
            VerifyPool(
                policy,
                origin=self.origin,
                root=log.root if isinstance(log, Log) else log.tree_hash,
                workers=config.verify_workers,
                policy_path=policy_path,
                limit=config.verify_queue,
                config=config,
            )
            if policy is not None
            else None
        )
        self.openapi = openapi_document(config, origin=self.origin)

    def follow(self) -> None:
        """Without a writer in this process, serve what another writer published."""
        if self.writer is None:
            self.published.refresh()

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.writer is not None:
            self.writer.start()
        try:
            yield
        finally:
            if self.writer is not None:
                await self.writer.close()
            if self.verifier is not None:
                self.verifier.close()
            self.log.close()

    # --- tlog-tiles ----------------------------------------------------------------------

    async def checkpoint(self, request: Request) -> Response:
        self.follow()
        headers = {"Cache-Control": CHECKPOINT_CACHE}
        return Response(self.published.snapshot.note, headers=headers, media_type=TEXT)

    async def tile(self, request: Request) -> Response:
        try:
            ref = parse_tile_path("tile/" + request.path_params["tile"])
        except MalformedError as exc:
            raise UsageError("tiles.bad_path", exc.message) from None
        self.follow()
        try:
            data = self.published.read_tile(ref)
        except FileNotFoundError:
            raise UsageError(
                "tiles.not_found", f"{ref.path} is not in the tree of the latest checkpoint"
            ) from None
        cache = FULL_TILE_CACHE if ref.full else PARTIAL_TILE_CACHE
        return Response(data, headers={"Cache-Control": cache}, media_type=OCTETS)

    async def proof(self, request: Request) -> Response:
        self.follow()
        index = int(request.path_params["index"])
        if (
            self.writer is not None
            and self.published.snapshot.size <= index < self.writer.acknowledged
        ):
            raise UsageError("log.pending", f"entry {index} is logged; its checkpoint comes next")
        data = self.published.prove(index).encode()
        return Response(data, headers={"Cache-Control": "no-cache"}, media_type=TEXT)

    # --- submissions -----------------------------------------------------------------------

    async def add(self, request: Request) -> Response:
        if self.writer is None or self.submitters is None:
            raise UsageError("server.read_only", "this server takes no submissions")
        if (
            KEY_HEADER.lower() not in request.headers
            or SIGNATURE_HEADER.lower() not in request.headers
        ):
            raise VerificationError(
                "auth.missing", f"sign the submission: send {KEY_HEADER} and {SIGNATURE_HEADER}"
            )
        if _media_type(request) not in {"", "application/json"}:
            raise UsageError(
                "request.unsupported_media_type", "send the submission as application/json"
            )
        self._registered(request.headers[KEY_HEADER.lower()])
        limit = self.config.max_submission_bytes
        body = await read_body(request, limit, self.config.read_timeout)
        check_json_shape(body)
        now = int(time.time())
        auth = authenticate(
            body,
            request.headers,
            self.submitters,
            origin=self.origin,
            now=now,
            max_skew=self.config.max_skew,
            max_size=limit,
        )
        submission, key = auth.submission, auth.submitter.public_key.raw
        respond_async = _prefers_async(request)
        self.replay.check(key, submission.nonce, submission.time, now)
        futures = self.writer.submit(
            [e.log_entry(now) for e in submission.entries], wants_checkpoint=not respond_async
        )
        self.replay.remember(key, submission.nonce, submission.time)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.add_timeout
        _, waiting = await asyncio.wait(set(futures), timeout=self.config.add_timeout)
        if waiting:
            raise UsageError(
                "server.timeout",
                "not yet logged; the items stay queued: send the same items again "
                "(a new signed request) to learn their indices",
            )
        logged = [f.result() for f in futures]
        if not respond_async:
            needed = max(r.index for r in logged) + 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self.writer.checkpointed(needed)
        snapshot = self.published.snapshot
        if snapshot.size <= max(r.index for r in logged):
            # Durable in the journal; the proofs follow the next checkpoint.
            headers = {"Preference-Applied": "respond-async"} if respond_async else {}
            doc = self._logged(logged, None, snapshot.size)
            return json_response(doc, 202, {**headers, "Cache-Control": "no-store"})
        proofs = self.published.proof_texts([r.index for r in logged], snapshot)
        return json_response(self._logged(logged, proofs, snapshot.size))

    def _registered(self, key_text: str) -> None:
        """Refuse a key that is not registered before its body is read or parsed: a stranger
        learns ``403 auth.unknown_submitter`` whatever it sends (authenticate checks again)."""
        assert self.submitters is not None
        try:
            key = did_key.decode_did_key(key_text[:256])
        except MalformedError as exc:
            raise VerificationError(
                "auth.bad_key", f"{KEY_HEADER} is not an Ed25519 did:key: {exc.message}"
            ) from None
        if key.raw not in self.submitters:
            raise VerificationError(
                "auth.unknown_submitter", f"{key_text[:80]} is not registered with this log"
            )

    def _logged(self, logged: list[Logged], proofs: list[str] | None, size: int) -> dict[str, Any]:
        entries = []
        for i, r in enumerate(logged):
            item: dict[str, Any] = {
                "index": r.index,
                "existing": r.existing,
                "entry": base64.b64encode(r.entry).decode("ascii"),
            }
            if proofs is not None:
                item["proof"] = proofs[i]
            item["proofUrl"] = f"/proof/{r.index}"
            entries.append(item)
        return {"origin": self.origin, "checkpointSize": size, "entries": entries}

    # --- verification ----------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        if self.verifier is None:
            raise UsageError("server.no_policy", "this server has no policy to verify against")
        media = _media_type(request)
        if media not in _JSON_TYPES | _CBOR_TYPES | _SNIFF_TYPES:
            raise UsageError(
                "request.unsupported_media_type",
                f"send a bundle as {JSON_MEDIA_TYPE} or +cbor",
            )
        async with self.verifier.slot():  # before the body: at most verify_queue are held
            body = await read_body(request, self.config.max_bundle_bytes, self.config.read_timeout)
            first = body.lstrip()[:1]
            is_json = first in (b"{", b"[")
            if (media in _JSON_TYPES and not is_json) or (media in _CBOR_TYPES and is_json):
                raise MalformedError(
                    "request.content_mismatch", f"the body is not what Content-Type {media} says"
                )
            if is_json:
                check_json_shape(body)
            bundles: bytes | list[bytes] = _bundle_array(body) if first == b"[" else body
            self.follow()
            now = datetime.now(UTC)
            outcome = await self.verifier.run(
                bundles,
                now,
                self.published.snapshot.size,
                self.config.verify_timeout,
            )
        if outcome.malformed is not None:
            code, message = outcome.malformed
            return error_response(MalformedError(code, message), {"decision": outcome.decision})
        if self.receipt_key is not None:
            shown = [bundles] if isinstance(bundles, bytes) else bundles
            receipt = sign_receipt(self.receipt_key, outcome.decision, shown, now)
            return json_response({**outcome.decision, "receipt": receipt})
        return json_response(outcome.decision)

    # --- the rest --------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        failing = self.writer is not None and self.writer.failure is not None
        doc: dict[str, Any] = {
            "status": "failing" if failing else "ok",
            "origin": self.origin,
            "checkpointSize": self.published.snapshot.size,
            "submissions": self.writer is not None,
            "verification": self.verifier is not None,
            "queued": self.writer.queued if self.writer is not None else 0,
            "pending": self.writer.pending if self.writer is not None else 0,
        }
        return json_response(doc, 503 if failing else 200, {"Cache-Control": "no-store"})

    async def openapi_json(self, request: Request) -> Response:
        return json_response(self.openapi)


#: Bundles one ``POST /verify`` decides on together at most.
MAX_BUNDLES_PER_REQUEST = 16


def _bundle_array(body: bytes) -> list[bytes]:
    """The bundles of a JSON array body (k-of-n), each as the JSON bytes of one bundle."""
    doc = parse_json(body, max_size=len(body) + 1)
    if not isinstance(doc, list) or not 1 <= len(doc) <= MAX_BUNDLES_PER_REQUEST:
        raise MalformedError(
            "request.bad_bundles",
            f"a JSON array body holds 1 to {MAX_BUNDLES_PER_REQUEST} bundles",
        )
    if not all(isinstance(b, dict) for b in doc):
        raise MalformedError("request.bad_bundles", "each item of the array is a JSON bundle")
    return [canonicalize(b) for b in doc]


async def _attest_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AttestError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        response = error_response(
            UsageError("request.method_not_allowed", f"{request.method} is not allowed here")
        )
        response.headers.update(exc.headers or {})
        return response
    return error_response(
        UsageError("request.not_found", f"no resource at {request.url.path[:200]}")
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    _log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(UsageError("server.internal", "an internal error; it was logged"))


def create_app(
    log: Log | None,
    *,
    policy: Policy | None = None,
    submitters: Mapping[bytes, Submitter] | None = None,
    config: ServiceConfig | None = None,
    policy_path: Path | None = None,
    vcapi: VcApi | None = None,
    receipt_key: PrivateKey | None = None,
) -> Starlette:
    """The service for ``log``, which it owns from now on (closed when the app shuts down).

    With ``submitters`` the log must be open for writing with its key, and ``POST /add``
    takes submissions signed by those keys; without, the server is read-only and follows
    the log's ``checkpoint`` file. With ``policy``, ``POST /verify`` decides under it
    (``policy_path`` is needed for worker processes, which load it themselves). With
    ``vcapi``, the VC-API routes are served too; without a log, only they are. With
    ``receipt_key``, each ``POST /verify`` answer carries a ``receipt``: the decision signed
    (:mod:`attest.service.receipt`).
    """
    handlers = {AttestError: _attest_error, HTTPException: _http_error, Exception: _internal_error}
    extra = vcapi.routes() if vcapi is not None else []
    if log is None:
        if vcapi is None:
            raise UsageError("server.nothing_to_serve", "give a log, a VC-API, or both")
        document = vcapi_document(vcapi)

        async def openapi_json(request: Request) -> Response:
            return json_response(document)

        routes = [
            *extra,
            Route("/healthz", _vcapi_health, methods=["GET"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
        ]
        return Starlette(routes=routes, exception_handlers=handlers)
    svc = _Service(log, policy, submitters, config or ServiceConfig(), policy_path, receipt_key)
    if vcapi is not None:
        svc.openapi = with_vcapi(svc.openapi, vcapi)
    routes = [
        Route("/checkpoint", svc.checkpoint, methods=["GET"]),
        Route("/tile/{tile:path}", svc.tile, methods=["GET"]),
        Route("/proof/{index:int}", svc.proof, methods=["GET"]),
        Route("/add", svc.add, methods=["POST"]),
        Route("/verify", svc.verify, methods=["POST"]),
        Route("/healthz", svc.healthz, methods=["GET"]),
        Route("/openapi.json", svc.openapi_json, methods=["GET"]),
        *extra,
    ]
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=svc.lifespan)
    app.state.service = svc
    return app


async def _vcapi_health(request: Request) -> Response:
    return json_response({"status": "ok"}, 200, {"Cache-Control": "no-store"})
