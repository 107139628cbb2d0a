"""``attest log``: create an evidence log, append to it, checkpoint, prove and audit it."""

from __future__ import annotations

import base64
import json
import mimetypes
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._errors import handle_errors
from ._keys import load_signing_key

if TYPE_CHECKING:
    from attest.store.log import Log
    from attest.tiles_client import TileSource
    from attest.tlog.audit import AuditReport
    from attest.tlog.consistency import ConsistencyProof
    from attest.tlog.entry import LogEntry
    from attest.tlog.note import Ed25519Signer, Verifier
    from attest.tlog.proof import TlogProof

__all__ = ["log"]

#: Show a progress bar when hashing more than this many bytes or files.
_PROGRESS_BYTES = 64 << 20
_PROGRESS_FILES = 20


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _open(directory: Path, key: Path | None, *, write: bool, sign: bool) -> Log:
    """Open the log, loading its signing key (``--key`` or the one log.json names)."""
    from attest.store.log import Log

    return Log.open(directory, log_signer(directory, key)[0] if sign else None, write=write)


def log_signer(directory: Path, key: Path | None) -> tuple[Ed25519Signer, Path]:
    """The log's signer and its key file: ``key``, or the key file its log.json names."""
    from attest.errors import UsageError
    from attest.store.log import read_config
    from attest.tlog.note import Ed25519Signer

    config = read_config(directory)
    if key is None:
        if config.key_file is None:
            raise UsageError("log.no_key", "give the log's key with --key")
        key = directory / config.key_file
    return Ed25519Signer(config.origin, load_signing_key(key).private_key), key


def _public_options(f: Any) -> Any:
    f = click.option(
        "--log-key",
        metavar="VKEY",
        help="The log's note verifier key: read DIRECTORY|URL as published tiles.",
    )(f)
    return click.option(
        "--origin", help="With --log-key: the origin expected (default: the key's name)."
    )(f)


def _public(
    location: str, origin: str | None, log_key: str | None
) -> tuple[TileSource, str, Verifier] | None:
    """The published log at ``location`` when read by its public key, else None (a log
    directory of this machine)."""
    from attest.errors import UsageError

    if log_key is None:
        if origin is not None:
            raise UsageError("cli.usage", "--origin goes with --log-key")
        if location.startswith(("http://", "https://")):
            raise UsageError("cli.usage", "a URL of published tiles needs --log-key")
        return None
    from attest.tiles_client import TileSource
    from attest.tlog.checkpoint import parse_verifier_key

    verifier = parse_verifier_key(log_key)
    return TileSource(location), origin or verifier.name, verifier


def _emit(data: dict[str, Any] | list[Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


def emit_audit(report: AuditReport, as_json: bool, where: str = "") -> None:
    """An audit that passed, for people or as JSON (the directory, the bucket, published tiles)."""
    data = {
        "ok": True,
        "size": report.size,
        "root": _b64(report.root_hash),
        "tiles": report.tiles,
        "bundles": report.bundles,
    }
    text = (
        f"ok: {report.size} entries, {report.tiles} tiles and {report.bundles} entry bundles"
        f"{where} reproduce root {data['root']}"
    )
    _emit(data, as_json, text)


@click.group()
def log() -> None:
    """An append-only Merkle log of evidence, served as C2SP tlog-tiles."""


@log.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--origin", required=True, help="The log's origin line, e.g. example.com/evals.")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The log's signing key file (attest key or Ed25519 PEM).",
)
@handle_errors
def init(directory: Path, origin: str, key_path: Path) -> None:
    """Create an empty log in DIRECTORY and sign its first checkpoint.

    The key file's location is remembered in log.json so later commands find it; its
    passphrase comes from ATTEST_PASSPHRASE or a prompt.
    """
    import os

    from attest.store.log import Log
    from attest.tlog.note import Ed25519Signer

    named = load_signing_key(key_path)
    directory.mkdir(parents=True, exist_ok=True)
    key_hint = os.path.relpath(key_path.resolve(), directory.resolve())
    with Log.create(directory, Ed25519Signer(origin, named.private_key), key_file=key_hint) as lg:
        click.echo(f"created log {lg.origin} in {directory}")
        click.echo(f"verifier key: {lg.config.vkey}")


@log.command()
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    metavar="[DIRECTORY] FILES...",
    type=click.Path(path_type=Path, exists=True),
)
@click.option("--kind", default="evidence", show_default=True, help="Entry kind.")
@click.option("--type", "media_type", help="Media type for every file (default: guessed).")
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The log's key; with --server, your registered submitter key.",
)
@click.option("--no-checkpoint", is_flag=True, help="Journal only; checkpoint later.")
@click.option(
    "--server",
    metavar="URL",
    help="Submit to an attest server instead of a log directory (no DIRECTORY then).",
)
@click.option(
    "--log-key",
    metavar="VKEY",
    help="With --server: the log's verifier key, to check each proof's checkpoint signature.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --server: answer once journalled, before the checkpoint (no proofs printed).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def append(
    paths: tuple[Path, ...],
    kind: str,
    media_type: str | None,
    key: Path | None,
    no_checkpoint: bool,
    server: str | None,
    log_key: str | None,
    no_wait: bool,
    as_json: bool,
) -> None:
    """Hash FILES (streaming, any size), log one entry each, and checkpoint.

    Prints each entry's index and digest. Every entry is durably journalled before this
    prints anything; without --no-checkpoint a new signed checkpoint covers them too. With
    --server URL the digests are submitted to a shared log, signed with --key, and each
    index is printed once the server's checkpoint covers it, its tlog-proof checked.
    """
    from attest.errors import UsageError
    from attest.files import hash_file
    from attest.tlog.entry import LogEntry

    if server is None:
        directory, files = paths[0], paths[1:]
        if not directory.is_dir():
            raise UsageError("cli.usage", f"{directory} is not a log directory")
        if not files:
            raise UsageError("cli.usage", "give the files to log after the directory")
    else:
        files = paths
        if no_checkpoint:
            raise UsageError("cli.usage", "--no-checkpoint is for a log directory")
    if directory_like := [f for f in files if f.is_dir()]:
        raise UsageError("cli.usage", f"{directory_like[0]} is a directory, not a file")

    total = sum(f.stat().st_size for f in files)
    show = not as_json and (total > _PROGRESS_BYTES or len(files) > _PROGRESS_FILES)
    bar = click.progressbar(length=total, label="hashing", file=None) if show else nullcontext()
    entries = []
    now = int(time.time())
    with bar as progress:
        for f in files:
            digest, size = hash_file(f, progress=progress.update if progress else None)
            guessed = media_type or mimetypes.guess_type(f.name)[0] or "application/octet-stream"
            entries.append(LogEntry(kind, digest, size, guessed.lower(), now, name=f.name))
    if no_wait and server is None:
        raise UsageError("cli.usage", "--no-wait is for --server")
    if server is not None:
        _append_remote(server, entries, key, log_key, not no_wait, as_json)
        return
    with _open(directory, key, write=True, sign=not no_checkpoint) as lg:
        indices = lg.append_many(entries)
        if not no_checkpoint:
            lg.checkpoint()
        rows = [
            {"index": i, "digest": str(e.digest), "size": e.size, "name": e.name}
            for i, e in zip(indices, entries, strict=True)
        ]
        text = "\n".join(f"{r['index']}\t{r['digest']}\t{r['name']}" for r in rows)
        _emit({"entries": rows, "checkpoint_size": lg.checkpoint_size}, as_json, text)


def _append_remote(
    server: str,
    entries: list[LogEntry],
    key: Path | None,
    log_key: str | None,
    wait: bool,
    as_json: bool,
) -> None:
    """Submit the entries' digests to the server, signed with the submitter key."""
    from attest.client import ServiceClient
    from attest.errors import UsageError
    from attest.tlog.submission import MAX_ENTRIES, SubmittedEntry

    if key is None:
        raise UsageError("cli.usage", "--server needs your submitter key with --key")
    signer = load_signing_key(key).private_key
    client = ServiceClient(server)
    items = [SubmittedEntry(e.kind, e.digest, e.size, e.media_type, e.name) for e in entries]
    receipts = []
    for start in range(0, len(items), MAX_ENTRIES):
        batch = items[start : start + MAX_ENTRIES]
        receipts += client.add(batch, signer, log_key=log_key, wait=wait)
    rows = [
        {
            "index": r.index,
            "digest": str(r.entry.digest),
            "size": r.entry.size,
            "name": item.name,
            "existing": r.existing,
            "proof": r.proof.encode().decode("utf-8") if r.proof is not None else None,
        }
        for r, item in zip(receipts, items, strict=True)
    ]
    text = "\n".join(f"{r['index']}\t{r['digest']}\t{r['name']}" for r in rows)
    _emit({"entries": rows, "server": server}, as_json, text)


@log.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@handle_errors
def checkpoint(directory: Path, key: Path | None) -> None:
    """Integrate journalled entries and print the new signed checkpoint."""
    with _open(directory, key, write=True, sign=True) as lg:
        click.echo(lg.checkpoint().decode(), nl=False)


@log.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--index", type=int, help="The entry's index.")
@click.option("--digest", help="The content digest it records (sha256:<hex>).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False))
@handle_errors
def prove(directory: Path, index: int | None, digest: str | None, output: Path | None) -> None:
    """Print a C2SP tlog-proof (c2sp.org/tlog-proof@v1) of one entry."""
    from attest.codec.digest import Digest
    from attest.errors import UsageError

    if (index is None) == (digest is None):
        raise UsageError("cli.usage", "give exactly one of --index and --digest")
    with _open(directory, None, write=False, sign=False) as lg:
        if digest is not None:
            found = lg.find(Digest.parse(digest))
            if not found:
                raise UsageError("log.digest_not_found", f"no checkpointed entry records {digest}")
            index = found[0]
        assert index is not None
        proof = _cosigned(lg, lg.prove(index))
        _check_proof(proof, lg.entry(index), lg.config.vkey, index)
        data = proof.encode()
    if output is not None:
        output.write_bytes(data)
        click.echo(f"wrote proof of entry {index} to {output}")
    else:
        click.echo(data.decode(), nl=False)


def _cosigned(lg: Log, proof: TlogProof) -> TlogProof:
    """The proof with the cosigned checkpoint when the witnesses cosigned the current one."""
    from dataclasses import replace

    from attest.store.cosigned import cosigned_note

    note = cosigned_note(lg.root, proof.checkpoint)
    return proof if note is None else replace(proof, checkpoint=note)


def _check_proof(proof: TlogProof, entry: bytes, vkey: str, index: int) -> None:
    """Check a proof as its reader will, against the log's signed checkpoint, before printing
    it: a damaged tile must not yield a proof that only `attest log audit` would notice."""
    from attest.errors import AttestError, VerificationError
    from attest.tlog import merkle
    from attest.tlog import proof as tlog_proof
    from attest.tlog.checkpoint import parse_verifier_key

    try:
        tlog_proof.verify_tlog_proof(proof, merkle.leaf_hash(entry), parse_verifier_key(vkey))
    except AttestError as exc:
        raise VerificationError(
            "log.bad_proof",
            f"the log's tiles do not prove entry {index} under its signed checkpoint "
            f"({exc.code}); run 'attest log audit'",
        ) from exc


@log.command()
@click.argument("directory", metavar="DIRECTORY|URL")
@click.option("--old", "old_size", type=int, required=True, help="The older tree size.")
@click.option("--new", "new_size", type=int, help="The newer size (default: the checkpoint's).")
@_public_options
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def consistency(
    directory: str,
    old_size: int,
    new_size: int | None,
    origin: str | None,
    log_key: str | None,
    as_json: bool,
) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes.

    With --json, the form 'attest verify --consistency' reads (attest.tlog.consistency).
    With --log-key, DIRECTORY|URL is a log's published tiles (attest log publish).
    """

    public = _public(directory, origin, log_key)
    if public is not None:
        source, name, verifier = public
        published = source.checkpoint(verifier, name).checkpoint.size
        new = published if new_size is None else new_size
        if not 0 <= old_size <= new <= published or new == 0:
            from attest.errors import UsageError

            raise UsageError("log.bad_size", f"sizes must be 0 <= old <= new <= {published}")
        proof = source.proof(name, old_size, new, published)
    else:
        proof = _local_consistency(Path(directory), old_size, new_size)
    new = proof.new_size
    if as_json:
        click.echo(proof.to_json().decode("utf-8"))
        return
    old_root = _b64(proof.old_root) if old_size else None
    lines = [
        f"old {old_size} {old_root}",
        f"new {new} {_b64(proof.new_root)}",
        *(_b64(h) for h in proof.proof),
    ]
    click.echo("\n".join(lines))


def _local_consistency(directory: Path, old_size: int, new_size: int | None) -> ConsistencyProof:
    from attest.tlog.consistency import ConsistencyProof

    with _open(directory, None, write=False, sign=False) as lg:
        new = lg.checkpoint_size if new_size is None else new_size
        hashes = tuple(lg.consistency_proof(old_size, new))  # checks the sizes first
        proof = ConsistencyProof(
            origin=lg.origin,
            old_size=old_size,
            old_root=lg.tree_hash(old_size),
            new_size=new,
            new_root=lg.tree_hash(new),
            proof=hashes,
        )
    return proof


@log.command()
@click.argument("directory", metavar="DIRECTORY|URL")
@_public_options
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def audit(directory: str, origin: str | None, log_key: str | None, as_json: bool) -> None:
    """Recompute every tile and the root from the entries; exit 1 naming the first mismatch.

    With --log-key, DIRECTORY|URL is a log's published tiles: the root is recomputed from
    every published entry and from the hash tiles, and checked against the signed checkpoint.
    """
    public = _public(directory, origin, log_key)
    if public is not None:
        from attest.tiles_client import audit_tiles

        source, name, verifier = public
        emit_audit(audit_tiles(source, verifier, name), as_json, " published, signed by the key,")
        return
    with _open(Path(directory), None, write=False, sign=False) as lg:
        report = lg.audit()
    emit_audit(report, as_json)


@log.command()
@click.argument("directory", metavar="DIRECTORY|URL")
@_public_options
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def show(directory: str, origin: str | None, log_key: str | None, as_json: bool) -> None:
    """Print the log's origin, key, size, root and latest checkpoint.

    With --log-key, DIRECTORY|URL is a log's published tiles (no log.json needed); the
    checkpoint is checked against that key.
    """
    public = _public(directory, origin, log_key)
    if public is not None:
        source, name, verifier = public
        signed = source.checkpoint(verifier, name)
        data = {
            "origin": name,
            "verifier_key": log_key,
            "size": signed.checkpoint.size,
            "root": _b64(signed.checkpoint.root_hash),
            "checkpoint": (source.read("checkpoint", 1 << 16) or b"").decode(),
        }
        _emit(data, as_json, _show_text(data))
        return
    with _open(Path(directory), None, write=False, sign=False) as lg:
        data = {
            "origin": lg.origin,
            "verifier_key": lg.config.vkey,
            "size": lg.checkpoint_size,
            "root": _b64(lg.root_hash),
            "checkpoint": lg.checkpoint_note.decode(),
        }
    _emit(data, as_json, _show_text(data))


def _show_text(data: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"origin:       {data['origin']}",
            f"verifier key: {data['verifier_key']}",
            f"size:         {data['size']}",
            f"root:         {data['root']}",
        ]
    )


@log.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("dest", metavar="DIR", type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def publish(directory: Path, dest: Path) -> None:
    """Write the log's public files into DIR for any static server: checkpoint (cosigned when
    the witnesses cosigned it), tile/… and tile/entries/…, and nothing else (not log.json,
    index.sqlite, lock, pending or the key's path). Tiles first, the checkpoint last."""
    from attest.store.publish import publish as write_public

    with _open(directory, None, write=False, sign=False) as lg:
        written, kept = write_public(lg, dest)
        size = lg.checkpoint_size
    click.echo(f"published size {size} to {dest}: {written} tiles written, {kept} unchanged")


@log.command("witness")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--witness",
    "urls",
    multiple=True,
    metavar="URL",
    help="A witness (C2SP tlog-witness) to ask; repeat. Remembered with the log: later "
    "runs, and 'attest issue' on this log, ask it again without this option.",
)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def witness_(directory: Path, urls: tuple[str, ...], as_json: bool) -> None:
    """Have the witnesses cosign the log's current checkpoint.

    Sends each witness the checkpoint with the consistency proof from the size it last
    cosigned (retrying with the size a 409 names), and keeps the cosignatures beside the log
    (cosigned.json), so that 'attest log prove' and 'attest issue' give the cosigned
    checkpoint. Exits 1 when a witness did not cosign.
    """
    from attest.errors import VerificationError
    from attest.store.cosigned import witness_checkpoint

    with _open(directory, None, write=False, sign=False) as lg:
        done = witness_checkpoint(lg, urls)
        size = lg.checkpoint_size
    data = {
        "size": size,
        "cosigned_by": sorted(done.cosignatures),
        "errors": dict(done.errors),
        "checkpoint": done.note.decode("utf-8"),
    }
    lines = [f"cosigned size {size} by {url}" for url in sorted(done.cosignatures)]
    lines += [f"not cosigned by {url}: {why}" for url, why in sorted(done.errors.items())]
    _emit(data, as_json, "\n".join(lines))
    if done.errors:
        first = sorted(done.errors)[0]
        raise VerificationError("log.not_cosigned", f"{first}: {done.errors[first]}")


# The shared log (PostgreSQL + S3): init --store/--tiles, migrate, audit-store.
from .log_store import register as _register_store  # noqa: E402

_register_store(log)
