"""``attest receipt``: check a decision receipt signed by an ``attest serve --receipt-key``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._errors import handle_errors
from ._input import read_input

__all__ = ["receipt"]


@click.group()
def receipt() -> None:
    """Decision receipts: a server's signed proof of why it accepted or rejected."""


@receipt.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--key",
    "key_text",
    required=True,
    metavar="VKEY|DID",
    help="The server's receipt key: its did:key, or its verifier key (name+id+base64).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the signed payload.")
@handle_errors
def verify(file: Path, key_text: str, as_json: bool) -> None:
    """Check that FILE (a receipt, or a POST /verify answer holding one) is signed by KEY.

    Exit status 0 when the signature holds, whatever the decision it records.
    """
    from attest.codec.canonical import parse_json
    from attest.errors import MalformedError
    from attest.keys.did_key import decode_did_key
    from attest.service.receipt import verify_receipt
    from attest.tlog.note import parse_verifier_key

    data = read_input(file, "credential").strip()
    text: object = data.decode("utf-8", "replace")
    if data[:1] == b"{":
        text = parse_json(data).get("receipt")  # type: ignore[union-attr]
    if not isinstance(text, str):
        raise MalformedError("receipt.malformed", f"{file} holds no receipt")
    if key_text.startswith("did:"):
        public = decode_did_key(key_text)
    else:
        public = parse_verifier_key(key_text).public_key
    payload = verify_receipt(text, public)
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    decision = payload.get("decision")
    word = decision.get("decision") if isinstance(decision, dict) else None
    click.echo(
        f"receipt valid: decision {word} at {payload.get('issuedAt')}, signed by "
        f"{payload.get('server')}, over {len(payload.get('bundles') or [])} bundle(s)"
    )
