#!/usr/bin/env python3
"""atheris harness: bundles, JSON and CBOR, through the parser and the whole verifier.

Only :class:`AttestError` may escape ``parse_bundle``; ``verify`` must return a decision for
any bytes; and a decision may accept only a credential the fixed world's issuer signed
(bench/_fuzz_world.py), whatever else the bytes say. See bench/_fuzz.py for how to run it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fuzz_world import ACCEPTABLE, BUNDLES, NOW, POLICY, STATUS_LISTS

from attest.errors import AttestError
from attest.evaluation.bundle import parse_bundle
from attest.evaluation.credential import credential_digest
from attest.evaluation.inspection import describe
from attest.verifier.pipeline import verify


def one_input(data: bytes) -> None:
    try:
        bundle = parse_bundle(data)
        describe(bundle)  # 'attest inspect': an unverified view of any bundle that parses
    except AttestError:
        bundle = None
    decision = verify([data], POLICY, now=NOW, status_lists=STATUS_LISTS)
    decision.to_json()
    if decision.accepted:
        assert bundle is not None, "a bundle that does not parse was accepted"
        digest = str(credential_digest(bundle.credential))
        assert digest in ACCEPTABLE, f"accepted a credential nobody trusted signed: {digest}"


def seeds() -> list[bytes]:
    return list(BUNDLES.values())


if __name__ == "__main__":
    from _fuzz import main

    main(one_input, seeds)
