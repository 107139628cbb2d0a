"""``attest serve``: a shared log and a verification API over HTTP (specs/service.md)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._errors import handle_errors
from ._input import read_input
from ._keys import load_signing_key

if TYPE_CHECKING:
    from attest.service import VcApi

__all__ = ["serve"]


def server_modules() -> tuple[Any, Any, Any, Any, Any]:
    """uvicorn, ServiceConfig, create_app, ConnectionLimits and uvicorn_config, or a clear
    error naming the extra to install (the server is an optional extra)."""
    from attest.errors import UsageError

    try:
        import uvicorn

        from attest.service import ServiceConfig, create_app
        from attest.service.guard import ConnectionLimits, uvicorn_config
    except ImportError as exc:
        raise UsageError(
            "serve.missing_extra", f"the server needs: pip install 'attest[server]' ({exc.name})"
        ) from None
    return uvicorn, ServiceConfig, create_app, ConnectionLimits, uvicorn_config


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the server starts so that port 0 can be reported."""
    from attest.errors import UsageError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise UsageError("serve.cannot_listen", f"cannot listen on {host}:{port}: {exc}") from None


def _vcapi(
    issuer_key: Path | None,
    status_store: Path | None,
    cryptosuite: str,
    token: str | None,
    open_issuing: bool,
    trusted: tuple[str, ...] = (),
) -> VcApi:
    from attest.errors import UsageError
    from attest.service import VcApi, VcApiConfig
    from attest.store.status import open_store

    if status_store is not None and issuer_key is None:
        raise UsageError("serve.status_needs_key", "--status-store needs --issuer-key")
    if issuer_key is not None and token is None and not open_issuing:
        raise UsageError(
            "serve.needs_token",
            "--issuer-key signs for callers: give --token-file (issuing and status changes "
            "then need 'Authorization: Bearer <token>'), or --open-issuing to let anyone",
        )
    if open_issuing and token is not None:
        raise UsageError("serve.token_and_open", "give --token-file or --open-issuing, not both")
    key = load_signing_key(issuer_key).private_key if issuer_key is not None else None
    store = open_store(status_store, write=True) if status_store is not None else None
    config = VcApiConfig(
        cryptosuite=cryptosuite,
        token=token,
        open_issuing=open_issuing,
        trusted_issuers=frozenset(trusted) if trusted else None,
    )
    return VcApi(key, store, config)


def _read_token(path: Path) -> str:
    """The bearer token in ``path`` (UTF-8, surrounding whitespace dropped)."""
    from attest.errors import UsageError

    try:
        return read_input(path, "token").decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError("token.bad_encoding", f"{path} is not UTF-8 text") from None


@click.command()
@click.option(
    "--log",
    "log_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Serve this log directory ('attest log init' makes one).",
)
@click.option(
    "--issuer-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Offer the VC-API POST /credentials/issue, signing with this key's did:key.",
)
@click.option(
    "--status-store",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Give issued credentials status entries from this store and serve its lists.",
)
@click.option(
    "--cryptosuite",
    type=click.Choice(["eddsa-jcs-2022", "eddsa-rdfc-2022"]),
    default="eddsa-jcs-2022",
    show_default=True,
    help="How issued credentials are signed unless a request asks otherwise.",
)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Issuing and status changes need 'Authorization: Bearer <the token in this file>'.",
)
@click.option(
    "--open-issuing",
    is_flag=True,
    help="Let anyone, with no token, have --issuer-key sign and change status bits (unsafe "
    "beyond a test bench).",
)
@click.option(
    "--trust-issuer",
    "trusted_issuers",
    multiple=True,
    metavar="DID",
    help="The VC-API verify routes check only credentials by this issuer (repeatable; the "
    "server's own --issuer-key is trusted too); others are refused before any proof work.",
)
@click.option(
    "--vc-api/--no-vc-api",
    default=True,
    show_default=True,
    help="Offer the VC-API verification endpoints.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Offer POST /verify, deciding under this policy.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--submitters",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Offer POST /add to the keys in this file (did:key or verifier keys, one a line).",
)
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The log's signing key (default: the one log.json names); needed with --submitters.",
)
@click.option("--queue-size", default=100_000, show_default=True, help="Items waiting at most.")
@click.option("--batch-size", default=10_000, show_default=True, help="Items per checkpoint.")
@click.option("--batch-wait-ms", default=5.0, show_default=True, help="Linger for a fuller batch.")
@click.option(
    "--checkpoint-interval-ms",
    default=100.0,
    show_default=True,
    help="Longest wait of journalled items for a checkpoint.",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="URL",
    help="A witness (C2SP tlog-witness) every new checkpoint is sent to; the cosigned "
    "checkpoint is what the server publishes and proves under (repeatable).",
)
@click.option("--add-timeout", default=10.0, show_default=True, help="Seconds POST /add waits.")
@click.option(
    "--max-bundle-size",
    default=2 << 20,
    show_default=True,
    help="Largest POST /verify body, bytes.",
)
@click.option(
    "--verify-workers",
    default=0,
    show_default=True,
    help="Worker processes for POST /verify (0: one thread in the server).",
)
@click.option(
    "--max-connections", default=1024, show_default=True, help="Open connections at most."
)
@click.option(
    "--max-connections-per-client",
    default=64,
    show_default=True,
    help="Open connections from one address at most.",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    help="Seconds a connection has to send a request's line and headers.",
)
@click.option(
    "--status-source",
    "status_sources",
    multiple=True,
    metavar="DIR|URL",
    help="POST /verify reads status lists from this directory of published lists (re-read "
    "when they change) or fetches them under this https:// URL prefix (repeatable).",
)
@click.option(
    "--status-fetch/--no-status-fetch",
    default=True,
    show_default=True,
    help="Fetch status lists under the --status-source URL prefixes.",
)
@click.option(
    "--status-refresh",
    default=60.0,
    show_default=True,
    help="Seconds before a fetched status list is revalidated (never used past the policy's "
    "status_max_age).",
)
@click.option(
    "--receipt-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Sign every POST /verify decision with this key (a JWS receipt; see attest receipt).",
)
@click.option("--access-log", is_flag=True, help="Log every request.")
@handle_errors
def serve(
    log_dir: Path | None,
    issuer_key: Path | None,
    status_store: Path | None,
    cryptosuite: str,
    token_file: Path | None,
    open_issuing: bool,
    trusted_issuers: tuple[str, ...],
    vc_api: bool,
    policy_file: Path | None,
    host: str,
    port: int,
    submitters: Path | None,
    key: Path | None,
    queue_size: int,
    batch_size: int,
    batch_wait_ms: float,
    checkpoint_interval_ms: float,
    witnesses: tuple[str, ...],
    add_timeout: float,
    max_bundle_size: int,
    verify_workers: int,
    max_connections: int,
    max_connections_per_client: int,
    header_timeout: float,
    status_sources: tuple[str, ...],
    status_fetch: bool,
    status_refresh: float,
    receipt_key: Path | None,
    access_log: bool,
) -> None:
    """Serve the log at --log as C2SP tlog-tiles, and over HTTP take signed submissions
    (with --submitters) and verify bundles (with --policy).

    One process writes the log: it holds the log's lock while it runs. Stop it with
    Ctrl-C or SIGTERM; queued submissions are written before it exits.
    """
    from attest.errors import UsageError

    uvicorn, ServiceConfig, create_app, ConnectionLimits, uvicorn_config = server_modules()
    from attest.files import load_policy
    from attest.service.status_source import check_source
    from attest.store.log import Log, read_config
    from attest.tlog.note import Ed25519Signer
    from attest.tlog.submission import parse_submitters

    config = ServiceConfig(
        queue_size=queue_size,
        batch_size=batch_size,
        batch_wait=batch_wait_ms / 1000,
        checkpoint_interval=checkpoint_interval_ms / 1000,
        witnesses=witnesses,
        add_timeout=add_timeout,
        max_bundle_bytes=max_bundle_size,
        verify_workers=verify_workers,
        status_sources=tuple(check_source(s) for s in status_sources),
        status_fetch=status_fetch,
        status_refresh=status_refresh,
    )
    if (status_sources or receipt_key) and policy_file is None:
        raise UsageError("serve.needs_policy", "--status-source and --receipt-key need --policy")
    receipt_signer = load_signing_key(receipt_key).private_key if receipt_key else None
    limits = ConnectionLimits(
        header_timeout=header_timeout,
        max_connections=max_connections,
        max_per_client=max_connections_per_client,
    )
    if log_dir is None and (policy_file or submitters or key):
        raise UsageError("serve.needs_log", "--policy, --submitters and --key need --log")
    if log_dir is None and not (vc_api or issuer_key):
        raise UsageError("serve.nothing_to_serve", "give --log, --issuer-key or --vc-api")
    token = _read_token(token_file) if token_file is not None else None
    vcapi = (
        _vcapi(issuer_key, status_store, cryptosuite, token, open_issuing, trusted_issuers)
        if vc_api or issuer_key
        else None
    )
    policy = load_policy(policy_file) if policy_file is not None else None
    allowed = (
        parse_submitters(read_input(submitters, "submitters")) if submitters is not None else None
    )
    log = None
    if log_dir is not None and allowed is not None:
        log_config = read_config(log_dir)
        if key is None:
            if log_config.key_file is None:
                raise UsageError("log.no_key", "give the log's key with --key")
            key = log_dir / log_config.key_file
        signer = Ed25519Signer(log_config.origin, load_signing_key(key).private_key)
        log = Log.open(log_dir, signer, write=True)
    elif log_dir is not None:
        log = Log.open(log_dir, write=False)
    try:
        app = create_app(
            log,
            policy=policy,
            submitters=allowed,
            config=config,
            policy_path=policy_file,
            vcapi=vcapi,
            receipt_key=receipt_signer,
        )
        sock = _listen(host, port)
    except BaseException:
        if log is not None:
            log.close()
        raise
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    offers = ["tiles"] if log is not None else []
    offers += [f"submissions from {len(allowed)} key(s)"] if allowed is not None else []
    offers += ["verification"] if policy is not None else []
    offers += [f"status from {len(status_sources)} source(s)"] if status_sources else []
    offers += ["signed receipts"] if receipt_signer is not None else []
    if vcapi is not None:
        offers += [f"VC-API issuing as {vcapi.issuer}"] if vcapi.issuer else ["VC-API"]
    what = log.origin if log is not None else "the VC-API"
    if open_issuing and issuer_key is not None:
        click.echo(
            "WARNING: --open-issuing: ANYONE who reaches this port can have "
            f"{vcapi.issuer if vcapi is not None else 'the issuer key'} sign credentials and "
            "revoke or suspend any credential it issued. Use --token-file beyond a test bench.",
            err=True,
        )
    click.echo(f"serving {what} at http://{shown}:{bound} ({', '.join(offers)})")
    server = uvicorn.Server(
        uvicorn_config(
            app,
            limits,
            log_level="info" if access_log else "warning",
            access_log=access_log,
        )
    )
    server.run(sockets=[sock])


# A replica of a shared log (PostgreSQL + S3): --store, --tiles, --s3-endpoint.
from .serve_store import register as _register_store  # noqa: E402

_register_store(serve)
