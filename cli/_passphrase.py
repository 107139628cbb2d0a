"""Where commands get a key file passphrase: the environment, or a hidden prompt."""

from __future__ import annotations

import os
from typing import Final

import click

__all__ = ["PASSPHRASE_ENV", "read_passphrase"]

PASSPHRASE_ENV: Final = "ATTEST_PASSPHRASE"  # noqa: S105 - a variable name, not a secret


def read_passphrase(*, confirm: bool) -> str:
    """``$ATTEST_PASSPHRASE`` if set, else asked for on the terminal without echo.

    ``confirm`` asks twice, for passphrases that are about to protect a new file.
    """
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        return value
    entered: str = click.prompt(
        "Key file passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    return entered
