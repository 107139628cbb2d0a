"""Entry point of the ``attest`` command."""

from __future__ import annotations

import click

from attest import __version__

from .key import key
from .log import log


@click.group()
@click.version_option(__version__, prog_name="attest")
def cli() -> None:
    """attest: sign, log and verify evidence about AI agents."""


cli.add_command(key)
cli.add_command(log)


def main() -> None:
    cli()
