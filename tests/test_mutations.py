"""Every single-field mutation of every valid bundle in test_vectors/ is rejected, by the step
that should catch it (tests/helpers/mutations.py says what is mutated and where).

Each seed (a valid JSON or CBOR bundle and the world it is accepted in) yields about 1,000 to
1,500 mutations: every value of every layer replaced, removed, duplicated and reordered,
member names given twice, and every byte of every signature, proof hash, entry digest and
checkpoint flipped. None may be accepted, none may raise, and the first failing step must be
the one named for the site (signature flips: ``credential.signature``; proof hash flips:
``inclusion.*``; checkpoint flips: ``checkpoint.signature``, or ``checkpoint.witnesses`` for
a witness's key id; entry changes: ``inclusion.*`` or ``bundle.format``). bench/mutations.py
draws 10^6 of them with random bits and values.
"""

from __future__ import annotations

import base64
import collections
import json

import pytest

from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic

from .helpers.mutations import Model, Seed, first_failure, load_seeds

SEEDS = load_seeds()
IDS = [s.name for s in SEEDS]


def test_every_seed_is_accepted_and_reencodes_byte_for_byte() -> None:
    assert len(SEEDS) == 9
    assert {s.cbor for s in SEEDS} == {True, False}
    for seed in SEEDS:
        model = Model(seed)
        assert model.encode(model.doc) == seed.data, seed.name
        assert seed.verify(seed.data).accepted, seed.name


def test_at_least_ten_thousand_mutations() -> None:
    assert sum(len(Model(s).sites()) for s in SEEDS) >= 10_000


@pytest.mark.parametrize("seed", SEEDS, ids=IDS)
def test_every_mutation_is_rejected_by_its_step(seed: Seed) -> None:
    sites = Model(seed).sites()
    by_step: collections.Counter[str] = collections.Counter()
    wrong = []
    for site in sites:
        mutant = site.make()
        assert mutant.data != seed.data, (site.where, site.kind)
        decision = seed.verify(mutant.data)  # an exception here fails the test
        assert not decision.accepted, f"accepted: {site.where} {site.kind}"
        step = first_failure(decision)
        assert step is not None
        by_step[step] += 1
        if step not in site.expect:
            wrong.append((site.where, site.kind, step, sorted(site.expect)))
    assert not wrong, wrong[:10]
    # the cryptographic classes are all there
    assert by_step["credential.signature"] > 250
    assert by_step["checkpoint.signature"] > 100
    assert by_step["inclusion.credential"] > 50
    assert by_step["bundle.format"] > 50


def _flip_classes(seed: Seed) -> dict[str, set[str]]:
    out: dict[str, set[str]] = collections.defaultdict(set)
    for site in Model(seed).sites():
        if not site.kind.startswith("flip byte"):
            continue
        if site.where.startswith(".credential"):
            out["credential"] |= site.expect
        elif "tlogProof[hash" in site.where:
            out["proof"] |= site.expect
        elif "tlogProof[checkpoint]" in site.where:
            out["checkpoint"] |= site.expect
        elif site.where.endswith(".sha256"):
            out["entry digest"] |= site.expect
    return out


@pytest.mark.parametrize("seed", [SEEDS[0], SEEDS[2]], ids=[IDS[0], IDS[2]])
def test_flip_classes_name_their_steps(seed: Seed) -> None:
    classes = _flip_classes(seed)
    assert classes["credential"] == {"credential.signature"}
    assert classes["proof"] == {"inclusion.credential", "inclusion.evidence"}
    assert classes["checkpoint"] == {"checkpoint.signature", "checkpoint.witnesses"}
    assert classes["entry digest"] == {"inclusion.credential", "inclusion.evidence"}


# --- what is *not* a mutation: changes a verifier rightly accepts ---------------------------


def _json(seed: Seed) -> dict[str, object]:
    doc = json.loads(seed.data)
    assert isinstance(doc, dict)
    return doc


def _encode(doc: object) -> bytes:
    return json.dumps(doc, indent=2).encode()


JSON_EMBEDDED = next(s for s in SEEDS if s.name == "verify/accept-embedded-json")
CBOR_BASE = next(s for s in SEEDS if s.name == "verify/accept-cbor")


def test_neutral_json_changes_are_accepted() -> None:
    seed = JSON_EMBEDDED
    doc = _json(seed)
    variants = {
        "compact": json.dumps(doc, separators=(",", ":")).encode(),
        "ascii escapes": json.dumps(doc, ensure_ascii=True).encode(),
        "members reversed": json.dumps(dict(reversed(list(doc.items())))).encode(),
        "no embedded evidence": _encode({k: v for k, v in doc.items() if k != "evidenceData"}),
        "embedded evidence reordered": _encode(
            {**doc, "evidenceData": list(reversed(doc["evidenceData"]))}  # type: ignore[call-overload]
        ),
    }
    entries = doc["entries"]
    assert isinstance(entries, list) and len(entries) == 3
    variants["evidence entries reordered"] = _encode(
        {**doc, "entries": [entries[0], entries[2], entries[1]]}
    )
    note = entries[0]["tlogProof"].partition("\n\n")[2]
    head, _, sigs = note.rpartition("\n\n")
    lines = sigs.splitlines()
    for name, new_lines in (
        ("signature line repeated", [*lines, lines[0]]),
        ("signature lines reordered", list(reversed(lines))),
    ):
        new_note = head + "\n\n" + "".join(line + "\n" for line in new_lines)
        variants[name] = _encode(
            {
                **doc,
                "entries": [
                    {**e, "tlogProof": e["tlogProof"].replace(note, new_note)} for e in entries
                ],
            }
        )
    for name, data in variants.items():
        assert data != seed.data
        d = seed.verify(data)
        assert d.accepted, (name, d.reasons)


def test_extra_unprotected_cose_header_is_caught_by_the_log() -> None:
    """Unsigned, but the log recorded the COSE bytes: the credential is no longer the one
    logged (specs/credential.md §4)."""
    seed = CBOR_BASE
    doc = dict(decode_cbor(seed.data, max_size=1 << 26, max_items=1 << 16))  # type: ignore[call-overload]
    tagged = decode_cbor(doc["credential"], allowed_tags=frozenset({18}))
    assert isinstance(tagged, CBORTag)
    protected, _, payload, signature = tagged.value
    doc["credential"] = encode_deterministic(
        CBORTag(18, [protected, {"note": "unprotected"}, payload, signature])
    )
    d = seed.verify(encode_deterministic(doc))
    assert not d.accepted
    assert first_failure(d) == "inclusion.credential"


def test_a_json_proof_replayed_for_another_index_is_caught_by_inclusion() -> None:
    """The mutation engine's 'swap proofs' site, spelled out: entry 1 carries entry 2's proof."""
    seed = JSON_EMBEDDED
    doc = _json(seed)
    entries = doc["entries"]
    assert isinstance(entries, list)
    a, b = entries[1]["tlogProof"], entries[2]["tlogProof"]
    entries[1] = {**entries[1], "tlogProof": b}
    entries[2] = {**entries[2], "tlogProof": a}
    d = seed.verify(_encode(doc))
    assert not d.accepted
    assert first_failure(d) == "inclusion.evidence"
    assert base64.b64decode(entries[1]["entry"])  # the entries themselves are untouched
