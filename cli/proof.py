"""``attest proof verify``: check a C2SP tlog-proof with only public data (the log's key)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._errors import handle_errors

__all__ = ["proof"]


@click.group()
def proof() -> None:
    """Check proofs a log gave, with its public key only."""


@proof.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--log-key", required=True, metavar="VKEY", help="The log's note verifier key.")
@click.option(
    "--witness", "witnesses", multiple=True, metavar="VKEY",
    help="A witness's cosignature key (attest key export --format cosignature-vkey); repeat.",
)  # fmt: skip
@click.option("--quorum", type=int, default=0, show_default=True, help="Cosignatures needed.")
@click.option(
    "--entry",
    "entry_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The log entry as logged (its bytes in the log's entry bundle).",
)
@click.option(
    "--tiles", metavar="URL|DIR", help="The log's published tiles, to read the entry from."
)
@click.option("--digest", help="The content digest the entry must record (sha256:<hex>).")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def verify(
    file: Path,
    log_key: str,
    witnesses: tuple[str, ...],
    quorum: int,
    entry_file: Path | None,
    tiles: str | None,
    digest: str | None,
    as_json: bool,
) -> None:
    """Check tlog-proof FILE: the checkpoint's signature by --log-key (and --quorum of the
    --witness keys), and that the entry is included at the proof's index.

    The entry is --entry FILE (its logged bytes), or read from the published --tiles at the
    proof's index; --digest also checks the content digest it records. Exits 0 when the
    proof holds, 1 when it does not, 2 for malformed input.
    """
    from attest.codec.digest import Digest
    from attest.errors import UsageError, VerificationError
    from attest.files import read_file
    from attest.tiles_client import TileSource, entry_at
    from attest.tlog import merkle
    from attest.tlog.checkpoint import parse_checkpoint, parse_verifier_key
    from attest.tlog.cosignature import parse_verifier_key as parse_witness_key
    from attest.tlog.entry import LogEntry
    from attest.tlog.note import parse
    from attest.tlog.proof import parse_tlog_proof, verify_tlog_proof

    if (entry_file is None) == (tiles is None):
        raise UsageError("cli.usage", "give the entry with exactly one of --entry and --tiles")
    tp = parse_tlog_proof(read_file(file, 1 << 20, what="proof"))
    log = parse_verifier_key(log_key)
    if entry_file is not None:
        entry = read_file(entry_file, 1 << 17, what="log entry")
    else:
        assert tiles is not None
        size = parse_checkpoint(parse(tp.checkpoint).text).size
        entry = entry_at(TileSource(tiles), size, tp.index)
    signed = verify_tlog_proof(
        tp,
        merkle.leaf_hash(entry),
        log,
        witnesses=[parse_witness_key(w) for w in witnesses],
        origin=log.name,
    )
    if len(signed.cosignatures) < quorum:
        raise VerificationError(
            "proof.quorum",
            f"{len(signed.cosignatures)} of the --witness keys cosigned; {quorum} needed",
        )
    logged = LogEntry.decode(entry)
    if digest is not None and logged.digest != Digest.parse(digest):
        raise VerificationError("proof.other_digest", f"the entry records {logged.digest}")
    cp = signed.checkpoint
    data = {
        "ok": True,
        "origin": cp.origin,
        "index": tp.index,
        "size": cp.size,
        "digest": str(logged.digest),
        "kind": logged.kind,
        "name": logged.name,
        "cosignatures": [c.name for c in signed.cosignatures],
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(
            f"ok: entry {tp.index} ({logged.kind} {logged.digest}) is in {cp.origin} at size "
            f"{cp.size}, cosigned by {len(signed.cosignatures)} of the given witnesses"
        )
