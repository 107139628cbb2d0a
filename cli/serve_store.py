"""``attest serve --store postgresql://… --tiles s3://bucket/prefix``: one replica of a shared log.

Any number of replicas serve one shared log (specs/service.md §9): each takes signed
submissions and sequences them in PostgreSQL, serves the tiles and proofs from the bucket,
and one at a time integrates (the holder of the integrator lock; another takes over within a
checkpoint interval when it dies). S3 credentials come from the standard environment
variables; the log's key from --key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import click

from ._errors import handle_errors
from ._input import read_input
from ._keys import load_signing_key

__all__ = ["register"]

_OPTIONS = [
    click.Option(
        ["--store"],
        metavar="URL",
        help="Serve the shared log whose state is in this PostgreSQL database (with --tiles).",
    ),
    click.Option(["--tiles"], metavar="URL", help="With --store: its bucket, s3://bucket/prefix."),
    click.Option(["--s3-endpoint"], metavar="URL", help="With --tiles: the S3 endpoint URL."),
]


def register(serve: click.Command) -> None:
    """Add ``--store``, ``--tiles`` and ``--s3-endpoint`` to ``attest serve``."""
    original = serve.callback
    assert original is not None
    serve.params.extend(_OPTIONS)

    @handle_errors
    def callback(store: str | None, tiles: str | None, s3_endpoint: str | None, **kw: Any) -> None:
        from attest.errors import UsageError

        if store is None and tiles is None:
            original(**kw)
            return
        if store is None or tiles is None:
            raise UsageError("cli.usage", "give --store and --tiles together")
        for option in ("log_dir", "issuer_key", "status_store"):
            if kw.get(option) is not None:
                flag = "--" + option.replace("_file", "").replace("_dir", "").replace("_", "-")
                raise UsageError(
                    "serve.store_unsupported", f"{flag} is not offered with --store yet"
                )
        _serve_shared(store, tiles, s3_endpoint, **kw)

    serve.callback = callback


def _serve_shared(store: str, tiles: str, endpoint: str | None, **kw: Any) -> None:
    from attest.errors import UsageError

    from .serve import _listen, server_modules

    uvicorn, ServiceConfig, create_app, ConnectionLimits, uvicorn_config = server_modules()
    from attest.files import load_policy
    from attest.store.log import Log
    from attest.store.postgres_s3 import BucketTiles, SharedLog
    from attest.tlog.note import Ed25519Signer
    from attest.tlog.submission import parse_submitters

    config = ServiceConfig(
        queue_size=kw["queue_size"],
        batch_size=kw["batch_size"],
        batch_wait=kw["batch_wait_ms"] / 1000,
        checkpoint_interval=kw["checkpoint_interval_ms"] / 1000,
        add_timeout=kw["add_timeout"],
        max_bundle_bytes=kw["max_bundle_size"],
    )
    limits = ConnectionLimits(
        header_timeout=kw["header_timeout"],
        max_connections=kw["max_connections"],
        max_per_client=kw["max_connections_per_client"],
    )
    submitters: Path | None = kw["submitters"]
    key: Path | None = kw["key"]
    allowed = (
        parse_submitters(read_input(submitters, "submitters")) if submitters is not None else None
    )
    bucket = BucketTiles(tiles, endpoint)
    if allowed is not None:
        if key is None:
            raise UsageError("log.no_key", "give the log's key with --key")
        signer = Ed25519Signer(SharedLog.origin_of(store), load_signing_key(key).private_key)
        shared = SharedLog.open(store, bucket, signer)
    else:
        shared = SharedLog.open(store, bucket)
    try:
        # The service takes any log driver; its annotations still name the directory log.
        policy_file: Path | None = kw["policy_file"]
        app = create_app(
            cast(Log, shared),
            submitters=allowed,
            config=config,
            vcapi=None,
            policy=load_policy(policy_file) if policy_file is not None else None,
            policy_path=policy_file,
        )
        sock = _listen(kw["host"], kw["port"])
    except BaseException:
        shared.close()
        raise
    host = kw["host"]
    shown = f"[{host}]" if ":" in host else host
    offers = ["tiles from " + tiles]
    offers += [f"submissions from {len(allowed)} key(s)"] if allowed is not None else []
    offers += ["verification"] if kw["policy_file"] is not None else []
    click.echo(
        f"serving {shared.origin} at http://{shown}:{sock.getsockname()[1]} "
        f"({', '.join(offers)}; shared state in PostgreSQL)"
    )
    access_log = bool(kw["access_log"])
    server = uvicorn.Server(
        uvicorn_config(
            app, limits, log_level="info" if access_log else "warning", access_log=access_log
        )
    )
    server.run(sockets=[sock])
