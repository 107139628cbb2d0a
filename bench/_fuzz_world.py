"""The fixed world the fuzz harnesses and the mutation benchmark verify in.

It is the world of test_vectors/verify/ (keys from fixed seeds, a fixed clock, the base
policy, fresh status lists): a bundle from there is accepted, so a fuzzed or mutated bundle
that is accepted must carry one of the credentials that world issued. ``ACCEPTABLE`` holds
their digests; an accepted decision for anything else is a forgery.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from attest.codec.canonical import parse_json
from attest.codec.dates import parse_datetime_stamp
from attest.evaluation.bundle import parse_bundle
from attest.evaluation.credential import credential_digest
from attest.tlog import checkpoint
from attest.vc import cose
from attest.verifier.policy import parse_policy

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test_vectors" / "verify"
CASES: dict[str, Any] = json.loads((VECTORS / "cases.json").read_text("utf-8"))
_BASE = next(c for c in CASES["cases"] if c["id"] == "accept-json")

POLICY = parse_policy((VECTORS / _BASE["policy"]).read_bytes())
NOW = parse_datetime_stamp(_BASE["now"])
STATUS_LISTS: list[Any] = [parse_json((VECTORS / s).read_bytes()) for s in _BASE["statusLists"]]

LOG = POLICY.logs[0].verifier
WITNESSES = [w.verifier for w in POLICY.witnesses]
ORIGIN = POLICY.logs[0].origin
ISSUER_KEY = POLICY.issuers[0].public_key

#: Every bundle of the world, valid or not: the seed corpus of the bundle harness.
BUNDLES = {p.name: p.read_bytes() for p in sorted((VECTORS / "bundles").iterdir())}


def _acceptable() -> frozenset[str]:
    out = set()
    for data in BUNDLES.values():
        try:
            out.add(str(credential_digest(parse_bundle(data).credential)))
        except Exception:  # the world's invalid bundles
            continue
    return frozenset(out)


#: Digests of the credentials the world's issuers signed.
ACCEPTABLE = _acceptable()


def seeds_note() -> list[bytes]:
    """Checkpoints, notes and tlog-proofs of the world and of test_vectors/note."""
    out: list[bytes] = []
    for data in BUNDLES.values():
        try:
            b = parse_bundle(data)
        except Exception:
            continue
        out.append(b.checkpoint)
        out.extend(e.proof.encode() for e in b.entries[:2])
    notes = json.loads((ROOT / "test_vectors" / "note" / "notes.json").read_text("utf-8"))
    out.extend(c["note"].encode() for c in notes["cases"] if "note" in c)
    return out


def seeds_cbor() -> list[bytes]:
    """COSE credentials, log entries, CBOR bundles and the COSE vectors."""
    out: list[bytes] = []
    for name, data in BUNDLES.items():
        if not name.endswith(".cbor"):
            continue
        out.append(data)
        try:
            b = parse_bundle(data)
        except Exception:
            continue
        assert isinstance(b.credential, bytes)
        out.append(b.credential)
        out.extend(e.entry for e in b.entries)
    sign1 = json.loads((ROOT / "test_vectors" / "cose" / "attest" / "sign1.json").read_text())
    out.extend(bytes.fromhex(c["message_hex"]) for c in sign1["valid"])
    return out


__all__ = [
    "ACCEPTABLE",
    "BUNDLES",
    "ISSUER_KEY",
    "LOG",
    "NOW",
    "ORIGIN",
    "POLICY",
    "STATUS_LISTS",
    "WITNESSES",
    "checkpoint",
    "cose",
    "seeds_cbor",
    "seeds_note",
]
