"""HTTP plumbing of the service: bounded body reads and the one error shape.

Every error answer is ``{"error": {"code": …, "message": …}}`` with the project's dotted
code; the status follows from the code (:data:`STATUS`), else from the error's class.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from attest.errors import AttestError, LimitExceededError, MalformedError, VerificationError

__all__ = ["STATUS", "error_response", "json_response", "read_body", "status_of"]

#: HTTP status of each code the service itself answers with.
STATUS: dict[str, int] = {
    "auth.missing": 401,
    "auth.bad_header": 401,
    "auth.bad_key": 401,
    "auth.bad_signature": 401,
    "auth.stale": 401,
    "auth.unknown_submitter": 403,
    "auth.replayed": 409,
    "auth.bad_token": 401,
    "auth.issuing_closed": 403,
    "issue.evaluation_type": 403,
    "status.not_issued_here": 403,
    "request.bad_length": 400,
    "request.too_large": 413,
    "request.too_many_elements": 413,
    "request.too_deep": 413,
    "request.timeout": 408,
    "request.unsupported_media_type": 415,
    "request.not_found": 404,
    "request.method_not_allowed": 405,
    "server.read_only": 403,
    "server.no_policy": 404,
    "server.busy": 429,
    "server.timeout": 503,
    "server.unavailable": 503,
    "server.internal": 500,
    # The server's own log directory is damaged: not the client's doing.
    "log.missing_tile": 500,
    "log.not_regular": 500,
    "log.too_large": 500,
    "log.no_such_entry": 404,
    "log.pending": 404,
    "tiles.not_found": 404,
    "tiles.bad_path": 404,
}

_RETRY = {429, 503}


def status_of(exc: AttestError) -> int:
    if exc.code in STATUS:
        return STATUS[exc.code]
    if isinstance(exc, VerificationError):
        return 401 if exc.code.startswith("auth.") else 400
    if isinstance(exc, LimitExceededError) and exc.code.endswith("too_large"):
        return 413
    return 400


def json_response(
    doc: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status, headers=dict(headers or {}), media_type="application/json")


def error_response(exc: AttestError, extra: Mapping[str, Any] | None = None) -> Response:
    """The JSON error answer for ``exc``, with Retry-After or WWW-Authenticate as fitting."""
    status = status_of(exc)
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    if status in _RETRY or exc.code == "log.pending":
        headers["Retry-After"] = "1"
    if exc.code == "auth.bad_token":
        headers["WWW-Authenticate"] = 'Bearer realm="issuer"'
    elif status == 401:
        headers["WWW-Authenticate"] = 'Attest-Ed25519 realm="submissions"'
    doc: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if extra:
        doc.update(extra)
    return json_response(doc, status, headers)


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused early by Content-Length and again while reading past
    ``limit`` bytes (413), or when it takes longer than ``timeout`` seconds (408)."""
    too_large = LimitExceededError(
        "request.too_large", f"the request body is at most {limit} bytes"
    )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit() or len(declared) > 20:
            raise MalformedError("request.bad_length", "Content-Length is not a number")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise LimitExceededError(
            "request.timeout", f"the request body took longer than {timeout:g} s"
        ) from None
    return b"".join(chunks)
