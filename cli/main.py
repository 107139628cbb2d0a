"""Entry point of the ``attest`` command."""

from __future__ import annotations

import click

from attest import __version__

from .demo import demo
from .issue import inspect, issue
from .key import key
from .log import log
from .pact import pact
from .serve import serve
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
cli.add_command(serve)


def main() -> None:
    """Run the command line; usage errors print one line, ``error: cli.usage: …``, and exit 2
    (specs/verification.md §5), with the command's usage line after it for people."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
        raise SystemExit(0) from None
    except click.exceptions.Abort:
        click.echo("error: cli.aborted: interrupted", err=True)
        raise SystemExit(2) from None
    except click.exceptions.UsageError as exc:
        message = " ".join(exc.format_message().split())
        click.echo(f"error: cli.usage: {message}", err=True)
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        raise SystemExit(2) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        click.echo(f"error: cli.error: {' '.join(exc.format_message().split())}", err=True)
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)
