"""``attest pact``: write a pact template, and show a pact with its digest."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._errors import handle_errors

__all__ = ["pact"]


@click.group()
def pact() -> None:
    """Pacts: what an agent promised, as measurable obligations."""


@pact.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default="pact.toml",
    show_default=True,
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def init(output: Path, force: bool) -> None:
    """Write a commented pact template (TOML) to edit."""
    from attest.errors import UsageError
    from attest.pact import TEMPLATE

    if output.exists() and not force:
        raise UsageError("cli.exists", f"{output} exists; use --force to overwrite it")
    output.write_text(TEMPLATE, encoding="utf-8")
    click.echo(f"wrote {output}")


@pact.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def show(file: Path, as_json: bool) -> None:
    """Parse a pact (TOML or JSON) and print its obligations and digest."""
    from attest.pact import parse_pact

    p = parse_pact(file.read_bytes())
    if as_json:
        click.echo(json.dumps({"digest": str(p.digest), "pact": p.to_json()}, indent=2))
        return
    click.echo(f"{p.id} version {p.version} ({p.subject_kind})")
    click.echo(f"digest: {p.digest}")
    for o in p.obligations:
        click.echo(f"  [{o.dimension}] {o.metric} {o.comparator} {o.threshold} {o.unit}")
