"""How every command reads an input file: one bounded read, regular files only.

A file named on the command line may be anything: a FIFO (a read would block forever), a
device (it never ends), a directory, a sparse terabyte. :func:`read_input` takes the file's
type and size from ``fstat`` before reading a byte, and refuses what is not a regular file
(``<what>.not_regular``), what is over the bound for its kind (``<what>.too_large``) and
what cannot be opened (``<what>.unreadable``): one error line and exit status 2.

``-`` names standard input, as it does for cat, openssl and cosign: it is read under the same
bound (one byte past it is refused as ``<what>.too_large``), so a pipe that never ends is
refused as soon as it has sent too much. A file really named ``-`` is ``./-``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["STDIO", "is_stdio", "max_size", "read_input"]

#: The file name that means standard input (to read) or standard output (to write).
STDIO = "-"

#: Largest token file for ``attest serve --token-file``.
MAX_TOKEN_SIZE = 4096
#: Largest submitters allow-list (the bound :func:`attest.tlog.submission.parse_submitters`
#: checks again).
MAX_SUBMITTERS_SIZE = 1 << 20


def max_size(what: str) -> int:
    """The size bound of an input file of kind ``what`` (the bound of its parser)."""
    from attest.codec.canonical import MAX_SIZE
    from attest.evaluation.bundle import MAX_BUNDLE_SIZE
    from attest.evaluation.pact import MAX_PACT_SIZE
    from attest.evaluation.results import MAX_RESULTS_SIZE
    from attest.tlog.consistency import MAX_CONSISTENCY_SIZE

    sizes = {
        "bundle": MAX_BUNDLE_SIZE,
        "credential": MAX_SIZE,
        "status": MAX_SIZE,
        "consistency": MAX_CONSISTENCY_SIZE,
        "pact": MAX_PACT_SIZE,
        "results": MAX_RESULTS_SIZE,
        "submitters": MAX_SUBMITTERS_SIZE,
        "token": MAX_TOKEN_SIZE,
    }
    return sizes[what]


def read_input(path: Path, what: str) -> bytes:
    """The bytes of the input file ``path`` of kind ``what`` (``bundle``, ``status``, …),
    refused by type and size before it is read (see the module docstring)."""
    from attest.files import read_file

    if is_stdio(path):
        return _read_stdin(max_size(what), what)
    return read_file(path, max_size(what), what=what, follow=True)


def is_stdio(path: str | Path | None) -> bool:
    """Whether ``path`` is ``-``: standard input where read, standard output where written."""
    return path is not None and str(path) == STDIO


def _read_stdin(limit: int, what: str) -> bytes:
    import sys

    from attest.errors import LimitExceededError

    stream = sys.stdin.buffer
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 16, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise LimitExceededError(f"{what}.too_large", f"standard input is over {limit} bytes")
    return b"".join(chunks)
