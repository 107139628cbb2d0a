"""How every command reads an input file: one bounded read, regular files only.

A file named on the command line may be anything: a FIFO (a read would block forever), a
device (it never ends), a directory, a sparse terabyte. :func:`read_input` takes the file's
type and size from ``fstat`` before reading a byte, and refuses what is not a regular file
(``<what>.not_regular``), what is over the bound for its kind (``<what>.too_large``) and
what cannot be opened (``<what>.unreadable``): one error line and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["max_size", "read_input"]

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

    return read_file(path, max_size(what), what=what, follow=True)
