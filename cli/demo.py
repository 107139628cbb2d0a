"""``attest demo``: the main job end to end in a fresh directory, nothing to set up."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ._errors import handle_errors

__all__ = ["demo"]


@click.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def demo(directory: Path | None) -> None:
    """Evaluate, log, issue and inspect an agent credential in DIRECTORY (default: a new
    temporary directory), printing each step and the command that does it."""
    from attest.demo import DemoStep, run

    root = directory or Path(tempfile.mkdtemp(prefix="attest-demo-"))

    def show(step: DemoStep) -> None:
        click.secho(f"\n== {step.title}", bold=True)
        click.echo(f"$ {step.command}")
        for line in step.lines:
            click.echo(f"  {line}")

    run(root, report=show)
    click.echo(f"\nEverything is in {root}")
