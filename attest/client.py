"""A client of the attest service (specs/service.md), on the standard library alone.

``ServiceClient.add`` signs a submission with the submitter's key, retries a bounded number
of times on ``429``/``503`` (each retry a new signed request: new time, new nonce), and
checks every answer: the returned entry records what was submitted and its tlog-proof
verifies — under the log's key when the caller gives it, else against the proof's own
checkpoint. ``ServiceClient.verify`` posts one bundle and returns the server's decision.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from attest.errors import AttestError, MalformedError, RemoteError, UsageError, VerificationError
from attest.evaluation.bundle import CBOR_MEDIA_TYPE, JSON_MEDIA_TYPE
from attest.keys.ed25519 import PrivateKey
from attest.tlog import checkpoint as _checkpoint
from attest.tlog import note as _note
from attest.tlog.entry import LogEntry
from attest.tlog.merkle import leaf_hash, verify_inclusion
from attest.tlog.proof import TlogProof, parse_tlog_proof, verify_tlog_proof
from attest.tlog.submission import Submission, SubmittedEntry, new_nonce, sign_submission

__all__ = ["Receipt", "RemoteDecision", "ServiceClient"]

#: An error code as the project writes them (``server.busy``, ``auth.unknown_submitter``).
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}(?:\.[A-Za-z0-9_-]{1,48}){1,3}")

_MAX_ANSWER = 64 << 20
_USER_AGENT = "attest-client"


@dataclass(frozen=True)
class Receipt:
    """A logged item: its index, the entry the log holds and its tlog-proof (``None`` when
    the server answered before the checkpoint: fetch it later with :meth:`ServiceClient.proof`)."""

    index: int
    existing: bool
    entry: LogEntry
    entry_bytes: bytes
    proof: TlogProof | None


@dataclass(frozen=True)
class RemoteDecision:
    """The server's decision (``attest verify --json``), and its error when the bundle was
    malformed."""

    decision: Mapping[str, Any]
    error: RemoteError | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None and self.decision.get("decision") == "accept"


class ServiceClient:
    """Talks to one attest server at ``url``; every call is bounded by ``timeout`` seconds."""

    def __init__(self, url: str, *, timeout: float = 30.0, retries: int = 3) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError("client.bad_url", f"the server URL must be http(s)://…, not {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries

    # --- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        # The scheme is checked to be http(s) when the client is made.
        req = urllib.request.Request(  # noqa: S310
            self.url + path,
            data=body,
            method=method,
            headers={"User-Agent": _USER_AGENT, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                return resp.status, dict(resp.headers), resp.read(_MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers), exc.read(_MAX_ANSWER)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UsageError("client.unreachable", f"{self.url}: {reason}") from None

    @staticmethod
    def _json(status: int, data: bytes) -> Any:
        try:
            return json.loads(data)
        except ValueError:
            raise RemoteError(
                "client.bad_response", f"the server answered {status} with no JSON", status=status
            ) from None

    def _error(self, status: int, data: bytes) -> RemoteError:
        doc = self._json(status, data)
        err = doc.get("error") if isinstance(doc, dict) else None
        if not isinstance(err, dict) or not isinstance(err.get("code"), str):
            return RemoteError(
                "client.bad_response", f"the server answered {status}", status=status
            )
        code, message = err["code"], str(err.get("message", ""))
        if not _CODE.fullmatch(code):
            # A code is shown and matched on as it is: only the project's dotted form.
            shown = ascii(code[:100])
            return RemoteError(
                "client.bad_response",
                f"the server answered {status} with the code {shown}: {message}",
                status=status,
            )
        return RemoteError(code, message, status=status)

    def _get_text(self, path: str) -> bytes:
        status, _, data = self._request("GET", path)
        if status != 200:
            raise self._error(status, data)
        return data

    # --- reading ---------------------------------------------------------------------------

    def checkpoint(self) -> bytes:
        """The latest signed checkpoint, unverified (open it with the log's key)."""
        return self._get_text("/checkpoint")

    def origin(self) -> str:
        """The log's origin: the first line of its checkpoint."""
        return self.checkpoint().split(b"\n", 1)[0].decode("utf-8", "replace")

    def proof(self, index: int) -> TlogProof:
        """The tlog-proof of entry ``index`` under the latest checkpoint."""
        return parse_tlog_proof(self._get_text(f"/proof/{int(index)}"))

    def health(self) -> Mapping[str, Any]:
        status, _, data = self._request("GET", "/healthz")
        doc = self._json(status, data)
        if not isinstance(doc, dict):
            raise RemoteError("client.bad_response", "healthz is not an object", status=status)
        return doc

    # --- submitting ------------------------------------------------------------------------

    def add(
        self,
        entries: Sequence[SubmittedEntry],
        key: PrivateKey,
        *,
        log_key: str | None = None,
        origin: str | None = None,
        wait: bool = True,
    ) -> list[Receipt]:
        """Log ``entries`` signed by ``key``; returns a checked receipt per entry, in order.

        ``log_key`` (the log's C2SP verifier key) makes each proof's checkpoint signature
        checked too; ``origin`` saves asking the server for it. With ``wait=False`` the server
        answers once the items are durable in its journal, before the checkpoint, and the
        receipts carry no proofs.
        """
        origin = origin or (
            _note.parse_verifier_key(log_key).name if log_key is not None else self.origin()
        )
        verifier = _checkpoint.parse_verifier_key(log_key) if log_key is not None else None
        for attempt in range(self.retries + 1):
            submission = Submission(origin, int(time.time()), new_nonce(), tuple(entries))
            body, headers = sign_submission(submission, key)
            headers["Content-Type"] = "application/json"
            if not wait:
                headers["Prefer"] = "respond-async"
            status, answer_headers, data = self._request("POST", "/add", body, headers)
            if status in (200, 202):
                doc = self._json(status, data)
                return [
                    _receipt(item, want, verifier)
                    for item, want in zip(_items(doc, len(entries)), entries, strict=True)
                ]
            if status not in (429, 503) or attempt == self.retries:
                raise self._error(status, data)
            time.sleep(min(_retry_after(answer_headers), 5.0))
        raise AssertionError("unreachable")

    # --- verifying -------------------------------------------------------------------------

    def verify(self, bundle: bytes | Sequence[bytes]) -> RemoteDecision:
        """Post one bundle, or several JSON bundles to be decided together (k-of-n, as a JSON
        array); the server's decision, or its error with the decision when a bundle is
        malformed. Other errors raise :class:`RemoteError`."""
        if not isinstance(bundle, bytes):
            bundles = list(bundle)
            if len(bundles) == 1:
                bundle = bundles[0]
            else:
                if any(b.lstrip()[:1] != b"{" for b in bundles):
                    raise UsageError(
                        "client.cbor_bundles",
                        "several bundles go to a server as one JSON array: give JSON bundles",
                    )
                bundle = b"[" + b",".join(bundles) + b"]"
        media = JSON_MEDIA_TYPE if bundle.lstrip()[:1] in (b"{", b"[") else CBOR_MEDIA_TYPE
        status, _, data = self._request("POST", "/verify", bundle, {"Content-Type": media})
        doc = self._json(status, data)
        if status == 200 and isinstance(doc, dict):
            return RemoteDecision(doc)
        error = self._error(status, data)
        if status == 400 and isinstance(doc, dict) and isinstance(doc.get("decision"), dict):
            return RemoteDecision(doc["decision"], error)
        raise error


def _retry_after(headers: Mapping[str, str]) -> float:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "1")
    return float(value) if value.isdigit() else 1.0


def _items(doc: Any, count: int) -> list[Mapping[str, Any]]:
    items = doc.get("entries") if isinstance(doc, dict) else None
    if not isinstance(items, list) or len(items) != count:
        raise RemoteError("client.bad_response", f"expected {count} entries in the answer")
    return items


def _receipt(item: Any, want: SubmittedEntry, log: _note.Verifier | None) -> Receipt:
    """Check one answered item against what was submitted, and its proof."""
    try:
        index, existing = item["index"], bool(item["existing"])
        entry_bytes = base64.b64decode(item["entry"], validate=True)
        text = item.get("proof")
        proof = parse_tlog_proof(str(text).encode("utf-8")) if text is not None else None
    except (KeyError, TypeError, binascii.Error, ValueError) as exc:
        raise RemoteError("client.bad_response", f"an answered entry is malformed: {exc}") from None
    except MalformedError as exc:
        raise RemoteError(exc.code, f"the server's proof: {exc.message}") from None
    entry = LogEntry.decode(entry_bytes)
    if (entry.kind, entry.digest, entry.size) != (want.kind, want.digest, want.size):
        raise VerificationError(
            "client.wrong_entry", f"the server logged something else at index {index}"
        )
    if proof is None:
        return Receipt(index, existing, entry, entry_bytes, None)
    if proof.index != index:
        raise VerificationError("client.wrong_proof", f"the proof is for index {proof.index}")
    try:
        if log is not None:
            verify_tlog_proof(proof, leaf_hash(entry_bytes), log)
        else:
            cp = _checkpoint.parse_checkpoint(_note.parse(proof.checkpoint).text)
            verify_inclusion(index, cp.size, leaf_hash(entry_bytes), proof.hashes, cp.root_hash)
    except AttestError as exc:
        raise VerificationError(exc.code, f"entry {index}: {exc.message}") from None
    return Receipt(index, existing, entry, entry_bytes, proof)
