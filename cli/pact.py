"""``attest pact``: write a pact template, and show a pact with its digest."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._errors import handle_errors
from ._input import read_input
from ._template import template_command

__all__ = ["pact"]


@click.group()
def pact() -> None:
    """Pacts: what an agent promised, as measurable obligations."""


def _pact_template() -> str:
    from attest.evaluation.pact import TEMPLATE

    return TEMPLATE


template_command(pact, default="pact.toml", what="pact", text=_pact_template)


@pact.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="The pact and its digest as JSON.")
@handle_errors
def show(file: Path, as_json: bool) -> None:
    """Parse a pact (TOML or JSON) and print its obligations and digest."""
    from attest.evaluation.pact import parse_pact

    p = parse_pact(read_input(file, "pact"))
    if as_json:
        click.echo(json.dumps({"digest": str(p.digest), "pact": p.to_json()}, indent=2))
        return
    click.echo(f"{p.id} version {p.version} ({p.subject_kind})")
    click.echo(f"digest: {p.digest}")
    for o in p.obligations:
        click.echo(f"  [{o.dimension}] {o.metric} {o.comparator} {o.threshold} {o.unit}")
