"""Where commands get a key file passphrase: ``--passphrase-file FILE``, ``--passphrase-fd N``
(as openssl's ``-passin file:``/``fd:``), the environment, or a hidden prompt on a terminal.

Without a terminal and without any of them (or when the prompt is closed), a command stops with
``error: key.passphrase_required`` instead of waiting on a prompt nobody sees.
"""

from __future__ import annotations

import getpass
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

import click

__all__ = ["PASSPHRASE_ENV", "passphrase_options", "read_passphrase"]

PASSPHRASE_ENV: Final = "ATTEST_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
#: Largest passphrase file or descriptor input read.
MAX_PASSPHRASE_SIZE: Final = 4096

_FILE = "attest.passphrase_file"
_FD = "attest.passphrase_fd"
_READ = "attest.passphrase"

F = TypeVar("F", bound=Callable[..., object])


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    if value is not None:
        ctx.meta[_FILE if param.name == "passphrase_file" else _FD] = value


def passphrase_options(command: F) -> F:
    """Add ``--passphrase-file`` and ``--passphrase-fd`` to a command or group; the value is
    kept in the click context for :func:`read_passphrase` (a group's applies to its commands)."""
    command = click.option(
        "--passphrase-fd",
        type=click.IntRange(min=0),
        expose_value=False,
        callback=_remember,
        metavar="N",
        help="Read the key file passphrase from file descriptor N (its first line).",
    )(command)
    return click.option(
        "--passphrase-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        expose_value=False,
        callback=_remember,
        help="Read the key file passphrase from FILE (its first line).",
    )(command)


def _first_line(data: bytes, source: str) -> str:
    from attest.errors import KeyFileError

    if len(data) > MAX_PASSPHRASE_SIZE:
        raise KeyFileError(
            "key.passphrase_too_long", f"{source} is over {MAX_PASSPHRASE_SIZE} bytes"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileError("key.passphrase_encoding", f"{source} is not UTF-8") from None
    return text.splitlines()[0] if text else ""


def _from_options(meta: dict[str, object]) -> str | None:
    from attest.errors import UsageError
    from attest.files import read_file

    path, fd = meta.get(_FILE), meta.get(_FD)
    if path is not None and fd is not None:
        raise UsageError("cli.usage", "--passphrase-file and --passphrase-fd exclude each other")
    if isinstance(path, Path):
        data = read_file(path, MAX_PASSPHRASE_SIZE + 1, what="passphrase", follow=True)
        return _first_line(data, str(path))
    if isinstance(fd, int):
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return _first_line(stream.read(MAX_PASSPHRASE_SIZE + 1), f"descriptor {fd}")
    return None


def read_passphrase(*, confirm: bool) -> str:
    """The passphrase from ``--passphrase-file``/``--passphrase-fd``, else
    ``$ATTEST_PASSPHRASE``, else asked for on the terminal without echo.

    ``confirm`` asks twice, for passphrases that are about to protect a new file. A file or
    descriptor is read once per command (a descriptor cannot be read twice).
    """
    from attest.errors import KeyFileError

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    cached = meta.get(_READ)
    if isinstance(cached, str):
        return cached
    value = _from_options(meta)
    if value is None:
        value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        meta[_READ] = value
        return value
    required = KeyFileError(
        "key.passphrase_required",
        "the key file is encrypted and there is no terminal to ask on: give "
        f"--passphrase-file FILE, --passphrase-fd N or ${PASSPHRASE_ENV}",
    )
    # getpass asks on the controlling terminal even when standard input is a pipe; with no
    # terminal at all it would warn and read standard input instead: refused here.
    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            entered: str = click.prompt(
                "Key file passphrase", hide_input=True, confirmation_prompt=confirm, err=True
            )
        except (click.exceptions.Abort, EOFError, getpass.GetPassWarning):
            raise required from None
    return entered
