#!/usr/bin/env python3
"""atheris harness: the strict CBOR decoder, log entries and COSE_Sign1 credentials.

The same bytes go to ``decode_cbor`` (default and strict profiles), ``LogEntry.decode``,
``cose.verify`` with the world's issuer key, and the verifier's own COSE credential path
(key from the ``kid``, then the claims); only :class:`AttestError` may escape. See
bench/_fuzz.py for how to run it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _fuzz_world import ISSUER_KEY, seeds_cbor

from attest.codec.cbor import decode_cbor, encode_deterministic, peek_tag
from attest.errors import AttestError
from attest.evaluation.credential import open_credential
from attest.tlog.entry import LogEntry
from attest.vc import cose


def _decode(data: bytes) -> None:
    value = decode_cbor(data, allowed_tags=frozenset({cose.COSE_SIGN1_TAG}), max_depth=32)
    with contextlib.suppress(AttestError):
        encode_deterministic(value)
    decode_cbor(data, require_deterministic=True)


def _entry(data: bytes) -> None:
    LogEntry.decode(data).encode()


_TARGETS: tuple[Callable[[bytes], object], ...] = (
    peek_tag,
    _decode,
    _entry,
    lambda d: cose.verify(d, ISSUER_KEY, allow_untagged=True),
    open_credential,
)


def one_input(data: bytes) -> None:
    for target in _TARGETS:
        with contextlib.suppress(AttestError):
            target(data)


if __name__ == "__main__":
    from _fuzz import main

    main(one_input, seeds_cbor)
