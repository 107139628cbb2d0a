"""``attest log`` on a shared log: PostgreSQL for sequencing, an S3 bucket for the tiles.

- ``attest log init DIR --origin O --key K --store postgresql://… --tiles s3://bucket/prefix
  [--s3-endpoint URL]`` applies the schema migrations, records the log in the database,
  publishes its size-0 checkpoint to the bucket and writes ``DIR/store.json`` (where the log
  is, never a password) for the commands below;
- ``attest log migrate DIR --store … --tiles …`` copies the directory log at DIR there and
  proves the copy: the same checkpoint root (the same signed note, byte for byte) and an audit
  of the bucket that passes;
- ``attest log audit-store DIR`` audits the bucket of the shared log DIR/store.json names.

S3 credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN,
AWS_REGION); the database password from the URL or PGPASSWORD / ~/.pgpass.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import click

from ._errors import handle_errors
from ._keys import load_signing_key

if TYPE_CHECKING:
    from attest.store.postgres_s3 import SharedLog

__all__ = ["STORE_FILE", "open_shared", "register"]

STORE_FILE = "store.json"
STORE_FORMAT = "attest-shared-log/v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _without_password(dsn: str) -> str:
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _check_dsn(dsn: str) -> str:
    from attest.errors import UsageError

    if urlsplit(dsn).scheme not in {"postgresql", "postgres"}:
        raise UsageError("store.bad_url", "give the store as postgresql://user@host:port/db")
    return dsn


def write_store_file(
    directory: Path, log: SharedLog, dsn: str, tiles: str, endpoint: str | None, key: str | None
) -> None:
    from attest import _fs

    doc: dict[str, Any] = {
        "format": STORE_FORMAT,
        "origin": log.origin,
        "vkey": log.vkey,
        "store": _without_password(dsn),
        "tiles": tiles,
    }
    if endpoint:
        doc["s3_endpoint"] = endpoint
    if key:
        doc["key_file"] = key
    directory.mkdir(parents=True, exist_ok=True)
    _fs.write_atomic(directory / STORE_FILE, (json.dumps(doc, indent=2) + "\n").encode())


def read_store_file(directory: Path) -> dict[str, str]:
    from attest import _fs
    from attest.errors import MalformedError, UsageError

    try:
        data = _fs.read_regular(directory / STORE_FILE, 64 * 1024, code="log")
    except FileNotFoundError:
        raise UsageError("log.not_found", f"{directory} has no {STORE_FILE}") from None
    try:
        doc = json.loads(data)
    except ValueError:
        raise MalformedError("log.bad_config", f"{STORE_FILE} is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != STORE_FORMAT:
        raise MalformedError("log.unknown_format", f"{STORE_FILE} is not a {STORE_FORMAT} file")
    if not all(isinstance(doc.get(k), str) for k in ("origin", "vkey", "store", "tiles")):
        raise MalformedError("log.bad_config", f"{STORE_FILE} needs origin, vkey, store, tiles")
    return {k: v for k, v in doc.items() if isinstance(v, str)}


def open_shared(
    dsn: str, tiles: str, endpoint: str | None, signer: Any = None, **kw: Any
) -> SharedLog:
    """Open the shared log (``signer``: an Ed25519Signer for writing, or None)."""
    from attest.store.postgres_s3 import BucketTiles, SharedLog

    return SharedLog.open(_check_dsn(dsn), BucketTiles(tiles, endpoint), signer, **kw)


_STORE_OPTIONS = [
    click.Option(
        ["--store"],
        metavar="URL",
        help="Keep the log's state in this PostgreSQL database (postgresql://…); needs --tiles.",
    ),
    click.Option(
        ["--tiles"],
        metavar="URL",
        help="With --store: the bucket for the tiles, s3://bucket/prefix.",
    ),
    click.Option(
        ["--s3-endpoint"],
        metavar="URL",
        help="With --tiles: the S3 endpoint (default: AWS_ENDPOINT_URL, else AWS).",
    ),
]


def _init_shared(
    directory: Path, origin: str, key_path: Path, store: str, tiles: str, endpoint: str | None
) -> None:
    from attest.store.postgres_s3 import BucketTiles, SharedLog
    from attest.tlog.note import Ed25519Signer

    named = load_signing_key(key_path)
    signer = Ed25519Signer(origin, named.private_key)
    directory.mkdir(parents=True, exist_ok=True)
    with SharedLog.create(_check_dsn(store), BucketTiles(tiles, endpoint), signer) as lg:
        key_hint = os.path.relpath(key_path.resolve(), directory.resolve())
        write_store_file(directory, lg, store, tiles, endpoint, key_hint)
        click.echo(f"created shared log {lg.origin}: state in {_without_password(store)}")
        click.echo(f"tiles in {tiles}; {STORE_FILE} written to {directory}")
        click.echo(f"verifier key: {lg.vkey}")


def register(log: click.Group) -> None:
    """Add the shared-log commands to ``attest log`` and ``--store``/``--tiles`` to its init."""
    init = log.commands["init"]
    original = init.callback
    assert original is not None
    init.params.extend(_STORE_OPTIONS)
    init.help = (init.help or "") + (
        "\n\nWith --store and --tiles, the log is shared: PostgreSQL holds its state (the schema "
        "is created or migrated), the bucket its tiles, and DIRECTORY only store.json."
    )

    @handle_errors
    def init_callback(
        store: str | None, tiles: str | None, s3_endpoint: str | None, **kw: Any
    ) -> None:
        from attest.errors import UsageError

        if store is None and tiles is None:
            original(**kw)
            return
        if store is None or tiles is None:
            raise UsageError("cli.usage", "give --store and --tiles together")
        _init_shared(kw["directory"], kw["origin"], kw["key_path"], store, tiles, s3_endpoint)

    init.callback = init_callback
    log.add_command(migrate)
    log.add_command(audit_store)


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--store", required=True, metavar="URL", help="The PostgreSQL database (empty).")
@click.option("--tiles", required=True, metavar="URL", help="The bucket, s3://bucket/prefix.")
@click.option("--s3-endpoint", metavar="URL", help="The S3 endpoint (default: AWS_ENDPOINT_URL).")
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The log's signing key (default: the one log.json names).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def migrate(
    directory: Path,
    store: str,
    tiles: str,
    s3_endpoint: str | None,
    key: Path | None,
    as_json: bool,
) -> None:
    """Copy the directory log DIRECTORY to a shared log and prove the copy.

    Every checkpointed entry is sequenced in PostgreSQL in its index order and integrated into
    tiles in the bucket. The copy must reproduce the directory log's root and signed
    checkpoint and pass an audit of the bucket, or the command fails (exit 1). DIRECTORY is
    not changed, except for a store.json beside its log.json naming the copy.
    """
    from attest.errors import VerificationError
    from attest.store.log import Log
    from attest.store.postgres_s3 import BucketTiles, SharedLog
    from attest.tlog.entry import LogEntry

    from .log import log_signer

    signer, key = log_signer(directory, key)
    with Log.open(directory, signer, write=False) as source:
        size, root, note = source.checkpoint_size, source.root_hash, source.checkpoint_note
        with SharedLog.create(
            _check_dsn(store), BucketTiles(tiles, s3_endpoint), signer, max_integrate=1 << 20
        ) as target:
            batch: list[LogEntry] = []
            for _, encoded in source.entries():
                batch.append(LogEntry.decode(encoded))
                if len(batch) == 10_000:
                    target.append_many(batch)
                    batch = []
            target.append_many(batch)
            target.checkpoint()
            if target.checkpoint_size != size or target.root_hash != root:
                raise VerificationError(
                    "log.migrate_mismatch",
                    f"the copy has size {target.checkpoint_size} and another root than the "
                    f"directory log ({size})",
                )
            report = target.audit()
            same_note = target.checkpoint_note == note
            write_store_file(
                directory, target, store, tiles, s3_endpoint, os.path.relpath(key, directory)
            )
    data = {
        "ok": True,
        "size": size,
        "root": _b64(root),
        "same_checkpoint": same_note,
        "tiles": report.tiles,
        "bundles": report.bundles,
    }
    text = (
        f"ok: copied {size} entries to {tiles}; root {data['root']} matches"
        f"{' (the same signed checkpoint)' if same_note else ''}; the audit of the bucket "
        f"passed ({report.tiles} tiles, {report.bundles} entry bundles)"
    )
    click.echo(json.dumps(data, indent=2) if as_json else text)


@click.command("audit-store")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def audit_store(directory: Path, as_json: bool) -> None:
    """Audit the bucket of the shared log DIRECTORY/store.json names: every tile and the root
    recomputed from the entry bundles under the bucket's checkpoint (no database needed)."""
    from attest.errors import UsageError
    from attest.store.postgres_s3 import CHECKPOINT_OBJECT, BucketTiles, audit_tiles, read_tile_from
    from attest.tlog import checkpoint as _checkpoint
    from attest.tlog import note as _note

    doc = read_store_file(directory)
    bucket = BucketTiles(doc["tiles"], doc.get("s3_endpoint"))
    try:
        verifier = _note.parse_verifier_key(doc["vkey"])
        try:
            note = bucket.get(CHECKPOINT_OBJECT)
        except FileNotFoundError:
            raise UsageError("log.no_checkpoint", f"{doc['tiles']} has no checkpoint") from None
        cp = _checkpoint.open_checkpoint(note, verifier).checkpoint
        report = audit_tiles(
            cp.size,
            cp.root_hash,
            lambda lv, i, w: read_tile_from(bucket.get, cp.size, lv, i, w),
        )
    finally:
        bucket.close()
    from .log import emit_audit

    emit_audit(report, as_json, f" in {doc['tiles']}")
