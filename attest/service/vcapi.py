"""The W3C CCG VC-API endpoints: issue, verify credentials, verify presentations, status lists.

``POST /credentials/issue`` signs the caller's credential with the server's issuer key
(:func:`attest.vc.issuer.issue_credential`), optionally with Bitstring Status List entries
from the server's status store, whose lists the server publishes at their URLs.
``POST /credentials/verify`` and ``POST /presentations/verify`` answer with
:class:`attest.vc.verifier.VerificationResult` bodies: 200 only when verified, 422 when a check
failed, 400 when the request or document is malformed. ``POST /credentials/status`` sets or
clears a credential's status bit. Every error body names a code. Shapes: specs/vc-api.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from attest.codec.canonical import parse_json
from attest.errors import (
    AttestError,
    LimitExceededError,
    MalformedError,
    UsageError,
    VerificationError,
)
from attest.evaluation.credential import ATTEST_CONTEXT, CREDENTIAL_TYPE
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.service.bounds import check_json_shape
from attest.service.http import json_response, read_body
from attest.store.status import StatusStore
from attest.vc import contexts, data_integrity, jsonld, status_list
from attest.vc import issuer as vc_issuer
from attest.vc import verifier as vc_verifier

__all__ = ["VcApi", "VcApiConfig"]

_JSON: Final = {"application/json", "application/ld+json", ""}
_LIST_TTL: Final = timedelta(minutes=5)
_ATTEST_NS: Final = "https://w3id.org/attest#"


@dataclass(frozen=True)
class VcApiConfig:
    """The VC-API's bounds and choices."""

    #: Largest request body, bytes.
    max_request_bytes: int = 1 << 20
    #: How long reading a request body may take, seconds.
    read_timeout: float = 30.0
    #: The cryptosuite issued credentials are signed with unless a request names one.
    cryptosuite: str = "eddsa-jcs-2022"
    #: How long a served status list credential is valid.
    list_validity: timedelta = _LIST_TTL
    #: Issuing and status changes need ``Authorization: Bearer <token>``; without a token
    #: they are closed (403 ``auth.issuing_closed``) unless :attr:`open_issuing` is set.
    token: str | None = field(default=None, repr=False)
    #: Let anyone issue and change status bits, with no token (``attest serve --open-issuing``).
    open_issuing: bool = False
    #: When set, the verify routes check only credentials by these issuers (this server's
    #: own always among them): anyone else's is refused (422 ``vc.untrusted_issuer``) before
    #: any JSON-LD expansion, canonicalization or signature check.
    trusted_issuers: frozenset[str] | None = None
    #: Verifications under way at once on the VC-API routes (429 ``server.busy`` past it).
    max_verifications: int = 8

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < 16:
            raise UsageError("server.weak_token", "an API token has at least 16 characters")
        if self.token is not None and self.open_issuing:
            raise UsageError(
                "server.token_and_open", "issuing is either guarded by a token or open, not both"
            )


class VcApi:
    """The VC-API routes over an optional issuer key and status store."""

    def __init__(
        self,
        issuer_key: PrivateKey | None,
        status_store: StatusStore | None = None,
        config: VcApiConfig | None = None,
    ) -> None:
        self.key = issuer_key
        self.store = status_store
        self.config = config or VcApiConfig()
        vc_issuer.IssueRequest(cryptosuite=self.config.cryptosuite)  # refuse a bad default now
        self.issuer = did_key.encode_did_key(issuer_key.public_key) if issuer_key else None
        if status_store is not None:
            if issuer_key is None:
                raise UsageError("server.status_needs_key", "a status store needs an issuer key")
            if status_store.issuer not in (None, self.issuer):
                raise UsageError(
                    "status_store.wrong_key",
                    f"the status store's lists are signed by {status_store.issuer}",
                )
        self._store_lock = threading.Lock()
        self._verifying = 0
        trusted = self.config.trusted_issuers
        self.trusted = (
            None if trusted is None else trusted | ({self.issuer} if self.issuer else set())
        )
        self._list_paths = (
            {urlsplit(status_store.list_url(p)).path: p for p in status_list.PURPOSES}
            if status_store is not None
            else {}
        )

    def routes(self) -> list[Route]:
        routes = [
            Route("/credentials/issue", self.issue, methods=["POST"]),
            Route("/credentials/verify", self.verify_credential, methods=["POST"]),
            Route("/presentations/verify", self.verify_presentation, methods=["POST"]),
            Route("/credentials/status", self.update_status, methods=["POST"]),
        ]
        routes += [Route(path, self.status_list, methods=["GET"]) for path in self._list_paths]
        return routes

    # --- issuing ------------------------------------------------------------------------------

    async def issue(self, request: Request) -> Response:
        if self.key is None:
            raise UsageError("server.no_issuer", "this server has no issuer key")
        self._authorize(request)
        body = await self._body(request)
        credential = _member(body, "credential", required=True)
        self._refuse_own_entries(credential)
        options = _options(body)
        await asyncio.to_thread(_refuse_evaluation_types, credential)
        issue_request = vc_issuer.IssueRequest(
            cryptosuite=_cryptosuite(options, self.config.cryptosuite),
            status_purposes=_status_purposes(options),
        )
        signed = await asyncio.to_thread(
            vc_issuer.issue_credential,
            credential,
            self.key,
            now=datetime.now(UTC),
            request=issue_request,
            allocate_status=self._allocate,
        )
        return json_response({"verifiableCredential": signed}, 201)

    def _refuse_own_entries(self, credential: Mapping[str, Any]) -> None:
        """Only this server writes entries on its own lists: a caller's credential naming one
        (copied from someone else's credential) would let its holder change that bit."""
        if self.store is None:
            return
        raw = credential.get("credentialStatus")
        for item in raw if isinstance(raw, list) else [raw]:
            url = item.get("statusListCredential") if isinstance(item, Mapping) else None
            if isinstance(url, str) and url.startswith(self.store.url_base + "/"):
                raise MalformedError(
                    "issue.status_conflict",
                    "credentialStatus names this server's own status list; only the server "
                    "allocates entries there (ask with options.credentialStatus)",
                )

    def _allocate(self, purposes: Sequence[str]) -> Sequence[status_list.StatusEntry]:
        if self.store is None:
            raise UsageError("issue.no_status_list", "this server keeps no status list")
        with self._store_lock:
            allocation = self.store.allocate()
        return [e for e in allocation.entries if e.purpose in purposes]

    # --- verifying ----------------------------------------------------------------------------

    async def verify_credential(self, request: Request) -> Response:
        body = await self._body(request)
        credential = _member(body, "verifiableCredential", required=True)
        _options(body)
        refused = self._untrusted([credential])
        if refused is not None:
            return refused
        with self._verification():
            result = await asyncio.to_thread(
                vc_verifier.verify_credential,
                credential,
                now=datetime.now(UTC),
                status_lists=self._own_list,
                trusted_issuers=self.trusted,
            )
        return _result_response(result)

    async def verify_presentation(self, request: Request) -> Response:
        body = await self._body(request)
        presentation = _member(body, "verifiablePresentation", required=True)
        options = _options(body)
        challenge = _optional_text(options, "challenge")
        domain = _optional_text(options, "domain")
        held = presentation.get("verifiableCredential", [])
        refused = self._untrusted(held if isinstance(held, list) else [held])
        if refused is not None:
            return refused
        with self._verification():
            result = await asyncio.to_thread(
                vc_verifier.verify_presentation,
                presentation,
                now=datetime.now(UTC),
                challenge=challenge,
                domain=domain,
                status_lists=self._own_list,
                trusted_issuers=self.trusted,
            )
        return _result_response(result)

    def _untrusted(self, credentials: Sequence[Any]) -> Response | None:
        """The refusal of a credential whose issuer is not trusted, found by reading the
        ``issuer`` member alone: a stranger's proof costs no canonicalization."""
        if self.trusted is None:
            return None
        for i, credential in enumerate(credentials):
            issuer = credential.get("issuer") if isinstance(credential, Mapping) else None
            if isinstance(issuer, Mapping):
                issuer = issuer.get("id")
            if isinstance(issuer, str) and issuer in self.trusted:
                continue
            shown = repr(issuer[:100]) if isinstance(issuer, str) else "not a string"
            where = f"credential {i}: " if len(credentials) > 1 else ""
            problem = vc_verifier.Problem(
                "vc.untrusted_issuer", f"{where}the issuer {shown} is not one this server trusts"
            )
            return _result_response(vc_verifier.VerificationResult(False, (), (problem,)))
        return None

    @contextlib.contextmanager
    def _verification(self) -> Iterator[None]:
        if self._verifying >= self.config.max_verifications:
            raise LimitExceededError("server.busy", "too many verifications under way; retry later")
        self._verifying += 1
        try:
            yield
        finally:
            self._verifying -= 1

    # --- status lists -------------------------------------------------------------------------

    def _own_list(self, url: str) -> Mapping[str, Any] | None:
        """The list credential this server publishes at ``url``; ``None`` for any other URL
        (the verifier fetches nothing)."""
        if self.store is None or self.key is None:
            return None
        for purpose in status_list.PURPOSES:
            if self.store.list_url(purpose) == url:
                return self._list_credential(purpose)
        return None

    def _list_credential(self, purpose: str) -> dict[str, Any]:
        assert self.store is not None
        assert self.key is not None
        now = datetime.now(UTC)
        with self._store_lock:
            bits = self.store.bits(purpose)
        return status_list.status_list_credential(
            self.key,
            url=self.store.list_url(purpose),
            purpose=purpose,
            bits=bits,
            valid_from=now,
            valid_until=now + self.config.list_validity,
        )

    async def status_list(self, request: Request) -> Response:
        purpose = self._list_paths[request.url.path]
        credential = await asyncio.to_thread(self._list_credential, purpose)
        return json_response(credential, headers={"Cache-Control": "no-store"})

    async def update_status(self, request: Request) -> Response:
        if self.store is None:
            raise UsageError("server.no_status_list", "this server keeps no status list")
        self._authorize(request)
        body = await self._body(request)
        credential = _member(body, "credential", required=True)
        await asyncio.to_thread(self._require_own, credential)
        entries = status_list.credential_entries(credential)
        if "credentialStatus" not in body:
            raise MalformedError("request.missing", "the request has no 'credentialStatus'")
        changes = _status_changes(body["credentialStatus"])
        own = {e.purpose: e for e in entries if e.list_url == self.store.list_url(e.purpose)}
        for purpose, value in changes:
            entry = own.get(purpose)
            if entry is None:
                raise MalformedError(
                    "status.no_entry",
                    f"the credential has no {purpose} entry in this server's lists",
                )
            await asyncio.to_thread(self._set_bit, entry.index, purpose, value)
        return json_response({"updated": True})

    def _require_own(self, credential: Mapping[str, Any]) -> None:
        """The credential must carry a valid proof by this server's key: its status entries
        are then ones this server wrote, not indices a caller chose."""
        try:
            proofs = data_integrity.verify_proof_set(credential)
        except AttestError as exc:
            raise VerificationError(
                "status.not_issued_here", f"the credential's proof does not verify: {exc.code}"
            ) from None
        if not any(p.controller == self.issuer for p in proofs):
            raise VerificationError(
                "status.not_issued_here", "the credential was not issued by this server"
            )

    def _authorize(self, request: Request) -> None:
        """The issuing and status routes need ``Authorization: Bearer <token>`` (compared in
        constant time); with no token configured they are closed unless explicitly open."""
        if self.config.token is None:
            if self.config.open_issuing:
                return
            raise VerificationError(
                "auth.issuing_closed",
                "this server issues and changes status only with a token (attest serve "
                "--token-file); it was started without one",
            )
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        expected = self.config.token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            raise VerificationError("auth.bad_token", "this route needs the issuer's bearer token")

    def _set_bit(self, index: int, purpose: str, value: bool) -> None:
        assert self.store is not None
        with self._store_lock:
            self.store.set(index, purpose, value)

    # --- plumbing -----------------------------------------------------------------------------

    async def _body(self, request: Request) -> Mapping[str, Any]:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media not in _JSON:
            raise UsageError(
                "request.unsupported_media_type", "send the request as application/json"
            )
        data = await read_body(request, self.config.max_request_bytes, self.config.read_timeout)
        check_json_shape(data)
        body = parse_json(data)
        if not isinstance(body, dict):
            raise MalformedError("request.not_an_object", "the request body is a JSON object")
        return body


@functools.cache
def _attest_terms() -> frozenset[str]:
    """The terms attest's own context defines (``id`` and ``type`` aside)."""
    context = contexts.load_context(ATTEST_CONTEXT)["@context"]
    assert isinstance(context, dict)
    return frozenset(k for k in context if not k.startswith("@")) - {"id", "type"}


def _refuse_evaluation_types(credential: Mapping[str, Any]) -> None:
    """Attest's evaluation credentials are computed from a pact and results by ``attest
    issue``, never typed in by a caller: the issuer refuses a credential that uses attest's
    context, names one of its classes as a type, or uses any term of its vocabulary (found
    in the expanded document, so an inline alias does not hide it)."""
    terms = _attest_terms()
    refused = MalformedError(
        "issue.evaluation_type",
        "this issuer never signs attest's evaluation credentials or vocabulary: "
        "evaluations are issued from a pact and results with 'attest issue'",
    )
    contexts = credential.get("@context")
    if (isinstance(contexts, list) and ATTEST_CONTEXT in contexts) or contexts == ATTEST_CONTEXT:
        raise refused
    types = credential.get("type")
    if any(t in terms or t == CREDENTIAL_TYPE for t in _strings(types)):
        raise refused
    try:
        expanded = jsonld.expand_safe(credential)
    except AttestError:
        return  # the issuer refuses it by name
    if _mentions(expanded, _ATTEST_NS):
        raise refused


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str)]


def _mentions(value: Any, namespace: str) -> bool:
    """Whether an expanded JSON-LD value uses an IRI of ``namespace`` as a property, type or
    identifier."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.startswith(namespace):
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, member in item.items():
                if key.startswith(namespace):
                    return True
                if (
                    key in ("@type", "@id")
                    or not key.startswith("@")
                    or key in ("@graph", "@list", "@set", "@included", "@reverse")
                ):
                    stack.append(member)
    return False


def _result_response(result: vc_verifier.VerificationResult) -> Response:
    if result.verified:
        return json_response(result.to_json())
    return json_response(result.to_json(), 400 if result.malformed else 422)


def _member(body: Mapping[str, Any], name: str, *, required: bool) -> Any:
    if name not in body:
        if required:
            raise MalformedError("request.missing", f"the request has no {name!r}")
        return None
    value = body[name]
    if not isinstance(value, dict):
        raise MalformedError("request.bad_member", f"{name!r} must be a JSON object")
    return value


def _options(body: Mapping[str, Any]) -> Mapping[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise MalformedError("request.bad_options", "'options' must be a JSON object")
    return options


def _optional_text(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedError("request.bad_options", f"options.{name} must be a string")
    return value


def _cryptosuite(options: Mapping[str, Any], default: str) -> str:
    value = options.get("cryptosuite", default)
    if not isinstance(value, str):
        raise MalformedError("request.bad_options", "options.cryptosuite must be a string")
    return value


def _status_purposes(options: Mapping[str, Any]) -> tuple[str, ...]:
    """``options.credentialStatus``: ``{"type": "BitstringStatusListEntry", "statusPurpose":
    …}`` or a list of them; the purpose defaults to revocation."""
    if "credentialStatus" not in options:
        return ()
    raw = options["credentialStatus"]
    items = raw if isinstance(raw, list) else [raw]
    purposes: list[str] = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != status_list.ENTRY_TYPE:
            raise MalformedError(
                "request.bad_options",
                f"options.credentialStatus must ask for a {status_list.ENTRY_TYPE}",
            )
        purpose = item.get("statusPurpose", "revocation")
        if not isinstance(purpose, str):
            raise MalformedError("request.bad_options", "statusPurpose must be a string")
        purposes.append(purpose)
    return tuple(purposes)


def _status_changes(value: Any) -> list[tuple[str, bool]]:
    items = value if isinstance(value, list) else [value]
    changes: list[tuple[str, bool]] = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedError("request.bad_member", "credentialStatus holds objects")
        purpose, status = item.get("statusPurpose"), item.get("status")
        if not isinstance(purpose, str) or not isinstance(status, bool):
            raise MalformedError(
                "request.bad_member",
                "each credentialStatus update has a statusPurpose and a boolean status",
            )
        changes.append((purpose, status))
    return changes
