"""Data Integrity benchmark: eddsa-rdfc-2022 beside eddsa-jcs-2022 on the same credentials.

For two credentials (the W3C vc-di-eddsa ``unsigned.json`` and attest's own evaluation
credential from ``test_vectors/data-integrity``): proofs created per second and proofs verified
per second with each cryptosuite, and their ratio. Then where an rdfc signature's time goes,
from ``cProfile`` of repeated signing (expansion, RDF conversion, RDFC-1.0 labelling, SHA-256,
Ed25519), and RDF canonicalization by PyLD called directly (its own cache, a loader without
cache tags) beside ``attest.vc.jsonld.canonical_nquads`` (shared resolved contexts, per-call memo
of processed scoped contexts, safe-mode checks).

    python bench/data_integrity.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, table

from attest.keys.ed25519 import PrivateKey
from attest.vc import contexts, jsonld
from attest.vc import data_integrity as di

ROOT = Path(__file__).resolve().parent.parent / "test_vectors"
KEY = PrivateKey(b"\x61" * 32)
CREATED = "2026-01-15T09:30:00Z"
SUITES = (di.EDDSA_JCS_2022, di.EDDSA_RDFC_2022)


def credentials() -> dict[str, dict[str, Any]]:
    w3c = json.loads((ROOT / "vc-di-eddsa" / "unsigned.json").read_text())
    cases = json.loads((ROOT / "data-integrity" / "eddsa-jcs-2022.json").read_text())["cases"]
    own = json.loads(next(c for c in cases if c["id"] == "ok-credential")["document_json"])
    del own["proof"]
    return {"W3C unsigned.json": w3c, "attest evaluation credential": own}


def per_second(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm: contexts resolved once per process
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(10):
            fn()
        n += 10
    return n / elapsed


def throughput(seconds: float) -> list[list[object]]:
    rows: list[list[object]] = []
    options = di.ProofOptions(created=CREATED)
    for name, doc in credentials().items():
        rates: dict[tuple[str, str], float] = {}
        for suite in SUITES:
            signed = di.add_proof(doc, KEY, options, cryptosuite=suite)
            rates["sign", suite] = per_second(
                lambda d=doc, s=suite: di.add_proof(d, KEY, options, cryptosuite=s), seconds
            )
            rates["verify", suite] = per_second(lambda d=signed: di.verify_proof(d), seconds)
        for op in ("sign", "verify"):
            jcs, rdfc = rates[op, di.EDDSA_JCS_2022], rates[op, di.EDDSA_RDFC_2022]
            rows.append([name, op, f"{jcs:,.0f}/s", f"{rdfc:,.0f}/s", f"{jcs / rdfc:.0f}x"])
    return rows


BUCKETS = [  # (label, "file:function" of the calls whose cumulative time is the bucket)
    ("JSON-LD expansion (context processing, safe-mode checks)", ["jsonld.py:expand"]),
    ("expanded form to RDF (node map, quads)", ["jsonld.py:_create_node_map",
                                                "jsonld.py:_graph_to_rdf"]),
    ("RDFC-1.0 labelling and N-Quads (URDNA2015.main)", ["canon.py:main"]),
    ("attest's input checks (strict copy, size, inline contexts)", ["jsonld.py:_prepare"]),
    ("SHA-256 of the two canonical forms", ["data_integrity.py:proof_config_hash",
                                            "data_integrity.py:document_hash"]),
    ("Ed25519 signature", ["keys.py:sign"]),
]  # fmt: skip


def breakdown(doc: dict[str, Any], n: int) -> tuple[list[list[object]], float]:
    options = di.ProofOptions(created=CREATED)
    di.add_proof(doc, KEY, options, cryptosuite=di.EDDSA_RDFC_2022)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        di.add_proof(doc, KEY, options, cryptosuite=di.EDDSA_RDFC_2022)
    profile.disable()
    stats = pstats.Stats(profile)
    cumulative: dict[str, float] = {}
    for (filename, _line, func), row in stats.stats.items():  # type: ignore[attr-defined]
        key = f"{Path(filename).name}:{func}"
        cumulative[key] = max(cumulative.get(key, 0.0), row[3])
    total = cumulative["data_integrity.py:add_proof"]
    rows: list[list[object]] = []
    accounted = 0.0
    for label, names in BUCKETS:
        spent = sum(cumulative.get(name, 0.0) for name in names)
        accounted += spent
        rows.append([label, f"{spent / n * 1e3:.2f} ms", f"{spent / total:.0%}"])
    rest = total - accounted
    rows.append(["the rest (copies, proof object, did:key, base58)", f"{rest / n * 1e3:.2f} ms",
                 f"{rest / total:.0%}"])  # fmt: skip
    return rows, total / n * 1e3


def pyld_direct(doc: dict[str, Any], seconds: float) -> tuple[float, float]:
    """(PyLD's own normalize, attest.vc.jsonld) canonicalizations per second, same document."""
    from pyld import jsonld as pyld

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": contexts.load_context(url)}

    opts = {"documentLoader": loader, "algorithm": "URDNA2015", "format": "application/n-quads"}
    assert pyld.normalize(doc, opts) == jsonld.canonical_nquads(doc)
    return (
        per_second(lambda: pyld.normalize(doc, opts), seconds),
        per_second(lambda: jsonld.canonical_nquads(doc), seconds),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measured figure")
    parser.add_argument("--profile-runs", type=int, default=300)
    args = parser.parse_args()
    print(f"# Data Integrity benchmark\n\n{machine()}\n")
    print(table(["credential", "operation", "eddsa-jcs-2022", "eddsa-rdfc-2022", "jcs/rdfc"],
                throughput(args.seconds)))  # fmt: skip
    for name, doc in credentials().items():
        rows, per_sign = breakdown(doc, args.profile_runs)
        print(f"\n## One eddsa-rdfc-2022 signature, {name}: {per_sign:.2f} ms under cProfile\n")
        print(table(["part", "per signature", "share"], rows))
    print("\n## RDF canonicalization of one document\n")
    rows = []
    for name, doc in credentials().items():
        direct, ours = pyld_direct(doc, args.seconds)
        rows.append([name, f"{direct:,.0f}/s", f"{ours:,.0f}/s", f"{ours / direct:.1f}x"])
    print(
        table(["credential", "PyLD normalize, no cache tags", "attest.vc.jsonld", "speed-up"], rows)
    )


if __name__ == "__main__":
    main()
