"""Entry point of the ``attest`` command."""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Iterator

import click

from attest import __version__
from attest.errors import AttestError

from ._errors import DEBUG, printable
from ._passphrase import passphrase_options

#: Exit status of an internal error: a bug, never a verdict on the input.
EXIT_INTERNAL = 3


def versions() -> list[str]:
    """This version and those of the libraries that sign, hash and parse underneath."""
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"attest {__version__}"]
    for dist, note in (
        ("pynacl", " (Ed25519 and Argon2id; libsodium bundled with it)"),
        ("cryptography", " (PEM keys; OpenSSL)"),
        ("cbor2", ""),
        ("pyld", " (JSON-LD, RDF canonicalization)"),
    ):
        try:
            lines.append(f"{dist} {version(dist)}{note}")
        except PackageNotFoundError:
            lines.append(f"{dist} not installed")
    return lines


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for line in versions():
        click.echo(line)
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the version of attest and of the crypto libraries underneath, and exit.",
)
@click.option("--debug", is_flag=True, help="On any error, print its traceback too.")
@passphrase_options
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """attest: sign, log and verify evidence about AI agents."""
    ctx.meta[DEBUG] = _debug[0] = debug


#: Each subcommand by name: the module that defines it and its name there. A module is
#: imported the first time its command is looked up, so ``attest verify`` does not pay for
#: the service, the log store or the status lists (specs: start-up within ~40 ms of click).
_COMMANDS: dict[str, tuple[str, str]] = {
    "key": ("key", "key"),
    "log": ("log", "log"),
    "pact": ("pact", "pact"),
    "results": ("results", "results"),
    "issue": ("issue", "issue"),
    "inspect": ("issue", "inspect"),
    "demo": ("demo", "demo"),
    "status": ("status", "status"),
    "verify": ("verify", "verify"),
    "policy": ("verify", "policy"),
    "serve": ("serve", "serve"),
    "witness": ("witness", "witness"),
    "proof": ("proof", "proof"),
    "receipt": ("receipt", "receipt"),
}


class _Commands(dict[str, click.Command]):
    """The root group's subcommands, each imported on first lookup (see ``_COMMANDS``)."""

    def __missing__(self, name: str) -> click.Command:
        if name not in _COMMANDS:
            raise KeyError(name)
        module, attr = _COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
        self[name] = command
        return command

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in _COMMANDS

    def get(self, name: str, default: click.Command | None = None) -> click.Command | None:  # type: ignore[override]
        if name in self:
            return self[name]
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*dict.keys(self), *_COMMANDS}))

    def __len__(self) -> int:
        return len({*dict.keys(self), *_COMMANDS})


cli.commands = _Commands(cli.commands)


_debug = [False]  # set from --debug before any command runs


def _debugging() -> bool:
    return _debug[0]


def main() -> None:
    """Run the command line; usage errors print one line, ``error: cli.usage: …``, and exit 2
    (specs/verification.md §5), with the command's usage line after it for people.

    A library error prints ``error: <code>: <message>`` and exits with its class's status; any
    other exception is a bug: ``error: internal: …`` and exit 3, never a traceback unless
    ``--debug`` is given (then the traceback of any error, library or not, is printed too).
    """
    try:
        return _main()
    except AttestError as exc:  # commands report their own; this catches any that escape
        if _debugging():
            traceback.print_exc()
        click.echo(f"error: {exc.code}: {printable(' '.join(exc.message.split()))}", err=True)
        raise SystemExit(exc.exit_code) from None
    except OSError as exc:
        if _debugging():
            traceback.print_exc()
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: cli.io: {exc.strerror or exc}{where}", err=True)
        raise SystemExit(2) from None
    except Exception as exc:
        if _debugging():
            traceback.print_exc()
        message = printable(" ".join(str(exc).split())[:500])
        click.echo(
            f"error: internal: {type(exc).__name__}: {message} (run with --debug for details)",
            err=True,
        )
        raise SystemExit(EXIT_INTERNAL) from None


def _main() -> None:
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
