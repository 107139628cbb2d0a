"""``… init`` commands: write a commented template, refusing to overwrite unless asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ._errors import handle_errors

__all__ = ["template_command"]


def template_command(
    group: click.Group, *, default: str, what: str, text: Callable[[], str], after: str = ""
) -> None:
    """Add ``init [-o FILE] [--force]`` to ``group``, writing ``text()`` to FILE."""

    @group.command(help=f"Write a commented {what} template (TOML) to edit.")
    @click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        default=default,
        show_default=True,
    )
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    @handle_errors
    def init(output: Path, force: bool) -> None:
        from attest.errors import UsageError

        if output.exists() and not force:
            raise UsageError("cli.exists", f"{output} exists; use --force to overwrite it")
        output.write_text(text(), encoding="utf-8")
        click.echo(f"wrote {output}{after}")
