"""``attest witness``: a C2SP tlog-witness that cosigns the checkpoints of the logs it watches
only when they are consistent with what it cosigned before (specs/witness.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ._errors import handle_errors

__all__ = ["witness"]


@click.group()
def witness() -> None:
    """Run a witness: cosign the logs' checkpoints, never two histories of one log."""


@witness.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
@click.option("--key", "key_file", required=True, help="The witness's key file (attest key).")
@click.option("--state", "state_dir", required=True, help="Directory of the witness's state.")
@click.option(
    "--log", "logs", multiple=True, metavar="VKEY", help="A log's note verifier key; repeat."
)
def init(config: Path, key_file: str, state_dir: str, logs: tuple[str, ...]) -> None:
    """Write CONFIG, the witness's TOML: its key, state directory and the logs it watches."""
    from attest.errors import UsageError
    from attest.tlog.note import parse_verifier_key

    if config.exists():
        raise UsageError("cli.exists", f"{config} exists")
    lines = [f"key = {json.dumps(key_file)}", f"state = {json.dumps(state_dir)}", ""]
    for vkey in logs:
        v = parse_verifier_key(vkey)
        lines += ["[[log]]", f"origin = {json.dumps(v.name)}", f"key = {json.dumps(vkey)}", ""]
    config.write_text("\n".join(lines))
    click.echo(f"wrote {config}")


@witness.command()
@click.argument("config", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--listen", default="127.0.0.1:7380", show_default=True, help="HOST:PORT.")
@handle_errors
def serve(config: Path, listen: str) -> None:
    """Serve POST /add-checkpoint until interrupted."""
    import tomllib

    from attest.errors import MalformedError
    from attest.service.witness import Witness, make_server
    from attest.store.witness import WitnessStore
    from attest.tlog.checkpoint import parse_verifier_key

    from ._keys import load_signing_key

    try:
        doc = tomllib.loads(config.read_text("utf-8"))
        base = config.parent
        key = load_signing_key(base / doc["key"])
        logs = {}
        for item in doc.get("log", []):
            logs[item["origin"]] = parse_verifier_key(item["key"])
        state = base / doc["state"]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise MalformedError("witness.bad_config", f"{config}: {exc}") from None
    host, _, port = listen.rpartition(":")
    w = Witness(key.name, key.private_key, logs, WitnessStore(state))
    server = make_server(w, host or "127.0.0.1", int(port))
    h, p = server.server_address[:2]
    click.echo(f"witness {key.name} listening on http://{h!s}:{p}/")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        w.store.close()
