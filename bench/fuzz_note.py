#!/usr/bin/env python3
"""atheris harness: signed notes, checkpoints, tlog-proofs and verifier keys.

Every parser and opener of the note family runs on the same bytes; only
:class:`AttestError` may escape. Opening uses the fixed world's log and witness keys
(bench/_fuzz_world.py), so a mutated checkpoint of that log reaches signature checking. See
bench/_fuzz.py for how to run it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _fuzz_world import LOG, ORIGIN, WITNESSES, seeds_note

from attest.errors import AttestError
from attest.tlog import checkpoint, cosignature, note
from attest.tlog import proof as tlog_proof
from attest.tlog.merkle import leaf_hash

_KNOWN = [LOG, *WITNESSES]


def _proof(data: bytes) -> None:
    proof = tlog_proof.parse_tlog_proof(data)
    proof.encode()
    tlog_proof.verify_tlog_proof(proof, leaf_hash(b""), LOG, witnesses=WITNESSES, origin=ORIGIN)


def _opened(data: bytes) -> None:
    signed = checkpoint.open_checkpoint(data, LOG, witnesses=WITNESSES, origin=ORIGIN)
    signed.checkpoint.text()


def _keys(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for parse in (note.parse_verifier_key, checkpoint.parse_verifier_key, note.parse_private_key):
        with contextlib.suppress(AttestError):
            parse(text)
    cosignature.parse_verifier_key(text)


_TARGETS: tuple[Callable[[bytes], object], ...] = (
    note.parse,
    lambda d: note.open(d, _KNOWN),
    checkpoint.parse_checkpoint,
    _opened,
    _proof,
    _keys,
)


def one_input(data: bytes) -> None:
    for target in _TARGETS:
        with contextlib.suppress(AttestError):
            target(data)


if __name__ == "__main__":
    from _fuzz import main

    main(one_input, seeds_note)
