"""Merkle tree benchmark: attest.tlog.merkle beside pymerkle, same machine, same run.

Measures appends/s of the incremental tree (CompactRange: O(log n) memory; MemoryTree: every
level stored, what proof generation reads), and inclusion / consistency proof generation and
verification at 10^5 and 10^6 leaves. Roots are cross-checked between the two libraries
before anything is timed.

    python bench/merkle.py                 # 10^5 and 10^6 leaves
    python bench/merkle.py --sizes 100000  # quicker

pymerkle (GPL) is a bench-only dependency: pip install -r bench/requirements.txt.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, table, time_each

from attest.tlog import merkle

try:
    import pymerkle
except ImportError:  # pragma: no cover - reported in the output
    pymerkle = None

warnings.filterwarnings("ignore", category=DeprecationWarning)

SAMPLES = 2000


def entries(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


def bench_size(n: int, rows: list[list[object]], peer: bool) -> None:
    data = entries(n)
    rng = random.Random(n)
    idx = [rng.randrange(n) for _ in range(SAMPLES)]
    olds = [rng.randrange(1, n) for _ in range(SAMPLES)]

    gc.collect()
    t0 = time.perf_counter()
    cr = merkle.CompactRange()
    for e in data:
        cr.append_entry(e)
    cr_root = cr.root()
    t_cr = time.perf_counter() - t0

    t0 = time.perf_counter()
    tree = merkle.MemoryTree()
    for e in data:
        tree.append(merkle.leaf_hash(e))
    t_mem = time.perf_counter() - t0
    assert tree.root() == cr_root

    proofs = {i: tree.inclusion_proof(i) for i in idx}
    cproofs = {m: tree.consistency_proof(m) for m in olds}
    roots = {m: tree.root(m) for m in olds}
    leaves = {i: tree.subtree_hash(0, i) for i in idx}
    gen_inc = time_each(tree.inclusion_proof, idx)
    ver_inc = time_each(lambda i: merkle.verify_inclusion(i, n, leaves[i], proofs[i], cr_root), idx)
    gen_con = time_each(tree.consistency_proof, olds)
    ver_con = time_each(
        lambda m: merkle.verify_consistency(m, n, roots[m], cr_root, cproofs[m]), olds
    )
    rows += [
        [f"{n:,}", "attest CompactRange", "append (leaf hash + tree)", f"{n / t_cr:,.0f}/s"],
        [f"{n:,}", "attest MemoryTree", "append (leaf hash + tree)", f"{n / t_mem:,.0f}/s"],
        [f"{n:,}", "attest", "inclusion proof, generate", f"{gen_inc[0]:.1f} µs"],
        [f"{n:,}", "attest", "inclusion proof, verify", f"{ver_inc[0]:.1f} µs"],
        [f"{n:,}", "attest", "consistency proof, generate", f"{gen_con[0]:.1f} µs"],
        [f"{n:,}", "attest", "consistency proof, verify", f"{ver_con[0]:.1f} µs"],
    ]
    del tree

    if not peer or pymerkle is None:
        return
    gc.collect()
    t0 = time.perf_counter()
    pt = pymerkle.InmemoryTree()
    for e in data:
        pt.append_entry(e)
    t_pm = time.perf_counter() - t0
    assert pt.get_state(n) == cr_root, "pymerkle and attest disagree on the root"
    p_idx = idx[:200]  # pymerkle is 1-based and slow to prove; fewer samples
    p_proofs = {i: pt.prove_inclusion(i + 1, n) for i in p_idx}
    p_leaves = {i: pt.get_leaf(i + 1) for i in p_idx}
    p_olds = olds[:200]
    p_cproofs = {m: pt.prove_consistency(m, n) for m in p_olds}
    p_roots = {m: pt.get_state(m) for m in p_olds}
    pgen_inc = time_each(lambda i: pt.prove_inclusion(i + 1, n), p_idx)
    pver_inc = time_each(
        lambda i: pymerkle.verify_inclusion(p_leaves[i], cr_root, p_proofs[i]), p_idx
    )
    pgen_con = time_each(lambda m: pt.prove_consistency(m, n), p_olds)
    pver_con = time_each(
        lambda m: pymerkle.verify_consistency(p_roots[m], cr_root, p_cproofs[m]), p_olds
    )

    def ratio(ours: float, theirs: float) -> str:
        return f"{theirs / ours:.1f}x"

    rows += [
        [f"{n:,}", "pymerkle InmemoryTree", "append", f"{n / t_pm:,.0f}/s"],
        [f"{n:,}", "pymerkle", "inclusion proof, generate", f"{pgen_inc[0]:.1f} µs"],
        [f"{n:,}", "pymerkle", "inclusion proof, verify", f"{pver_inc[0]:.1f} µs"],
        [f"{n:,}", "pymerkle", "consistency proof, generate", f"{pgen_con[0]:.1f} µs"],
        [f"{n:,}", "pymerkle", "consistency proof, verify", f"{pver_con[0]:.1f} µs"],
        [
            f"{n:,}",
            "ratio pymerkle/attest",
            "append / inc gen / inc verify / con gen / con verify",
            " / ".join(
                [
                    f"{t_pm / t_cr:.1f}x",
                    ratio(gen_inc[0], pgen_inc[0]),
                    ratio(ver_inc[0], pver_inc[0]),
                    ratio(gen_con[0], pgen_con[0]),
                    ratio(ver_con[0], pver_con[0]),
                ]
            ),
        ],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-peer", action="store_true", help="skip pymerkle")
    args = parser.parse_args()
    rows: list[list[object]] = []
    for n in args.sizes:
        bench_size(n, rows, peer=not args.no_peer)
    print(f"# Merkle benchmark\n\n{machine()}; per-operation figures are medians.\n")
    if pymerkle is None and not args.no_peer:
        print("(pymerkle not installed: pip install -r bench/requirements.txt)\n")
    print(table(["leaves", "implementation", "operation", "result"], rows))


if __name__ == "__main__":
    main()
