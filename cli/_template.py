"""``… init`` commands: write a commented template, refusing to overwrite unless asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ._errors import handle_errors
from ._input import is_stdio
from ._output import write_output

__all__ = ["template_command"]


def template_command(
    group: click.Group, *, default: str, what: str, text: Callable[[], str], after: str = ""
) -> None:
    """Add ``init [-o FILE] [--force]`` to ``group``, writing ``text()`` to FILE (``-``:
    standard output)."""

    @group.command(help=f"Write a commented {what} template (TOML) to edit.")
    @click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        default=default,
        show_default=True,
        help="Where to write the template; - writes it to standard output.",
    )
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    @handle_errors
    def init(output: Path, force: bool) -> None:
        write_output(output, text().encode("utf-8"), force=force)
        if not is_stdio(output):
            click.echo(f"wrote {output}{after}")
