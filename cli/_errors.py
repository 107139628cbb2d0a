"""How every command reports a library error: one line on stderr and the error's exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from attest.errors import AttestError

__all__ = ["DEBUG", "handle_errors", "printable"]

#: Key in the click context's ``meta`` that ``attest --debug`` sets (cli/main.py).
DEBUG = "attest.debug"

P = ParamSpec("P")
R = TypeVar("R")


def printable(text: str) -> str:
    """``text`` with every character that is not printable (controls, escape sequences,
    bidirectional overrides, line breaks) written as a Python escape: output from input that
    a stranger wrote can never drive the terminal it is shown on."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an :class:`AttestError` into ``error: <code>: <message>`` and its exit code.

    Apply it below the click decorators, so it wraps the command's own function. Anything
    else is a bug and is left to surface as one (cli/main.py reports it). With ``--debug``
    the error is re-raised for cli/main.py to print with its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except AttestError as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.meta.get(DEBUG):
                raise
            message = printable(" ".join(exc.message.split()))  # always exactly one line
            click.echo(f"error: {exc.code}: {message}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None

    return wrapper
