"""Entry point of the ``attest`` command."""

from __future__ import annotations

import click

from attest import __version__

from .demo import demo
from .issue import inspect, issue
from .key import key
from .log import log
from .pact import pact
from .status import status
from .verify import policy, verify


@click.group()
@click.version_option(__version__, prog_name="attest")
def cli() -> None:
    """attest: sign, log and verify evidence about AI agents."""


cli.add_command(key)
cli.add_command(log)
cli.add_command(pact)
cli.add_command(issue)
cli.add_command(inspect)
cli.add_command(demo)
cli.add_command(status)
cli.add_command(verify)
cli.add_command(policy)


def main() -> None:
    cli()
