"""How a command writes its one output file: never over an existing file unless forced, and
``-`` for standard output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ._input import is_stdio

__all__ = ["refuse_existing", "write_output"]


def refuse_existing(path: Path, *, force: bool) -> None:
    """Refuse ``path`` if it exists and ``force`` is off (checked before any work is done, so
    nothing is signed or logged for an output that would be refused)."""
    from attest.errors import UsageError

    if not force and not is_stdio(path) and (path.exists() or path.is_symlink()):
        raise UsageError("cli.exists", f"{path} exists; use --force to overwrite it")


def write_output(path: Path, data: bytes, *, force: bool, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` (``-``: standard output). Without ``force`` the file is
    created exclusively, so a file that appeared meanwhile is never replaced; with it the file
    is replaced atomically."""
    from attest import _fs
    from attest.errors import UsageError

    if is_stdio(path):
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    if force:
        _fs.write_atomic(path, data, mode=mode)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError("cli.exists", f"{path} exists; use --force to overwrite it") from None
    _fs.write_and_close(fd, data)
