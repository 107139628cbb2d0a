"""c2sp.org/tlog-proof@v1 against proofs generated with Go's x/mod from fixed seeds."""

from __future__ import annotations

from typing import Any

import pytest

from attest.errors import AttestError, MalformedError
from attest.keys.ed25519 import PrivateKey
from attest.tlog import checkpoint, cosignature, merkle, note
from attest.tlog import proof as tlog_proof

from . import vectors

DATA = vectors.load_json("tlog/generated/tlog-proofs.json")


def _signer(spec: dict[str, Any]) -> note.Signer:
    key = PrivateKey(bytes.fromhex(spec["seed_hex"]))
    if spec.get("type") == "cosignature":
        return cosignature.CosignatureSigner(spec["name"], key, timestamp=spec["timestamp"])
    return note.Ed25519Signer(spec["name"], key)


@pytest.mark.parametrize(
    "case", DATA["proofs"], ids=lambda c: f"{c['inputs']['index']}of{c['size']}"
)
def test_generate_byte_for_byte(case: dict[str, Any]) -> None:
    inputs = case["inputs"]
    n = inputs["gen_leaves"]
    tree = merkle.MemoryTree.from_entries(str(i).encode() for i in range(n))
    cp = checkpoint.Checkpoint(inputs["origin"], n, tree.root())
    signers = [_signer(s) for s in inputs["signers"]]
    signed = checkpoint.sign_checkpoint(cp, signers[0], signers[1:])
    extra = bytes.fromhex(inputs["extra_hex"]) if "extra_hex" in inputs else None
    proof = tlog_proof.TlogProof(
        inputs["index"], tuple(tree.inclusion_proof(inputs["index"])), signed, extra
    )
    assert proof.encode().decode() == case["proof_text"]
    assert tlog_proof.parse_tlog_proof(proof.encode()) == proof


@pytest.mark.parametrize("case", DATA["verify"], ids=lambda c: c["name"])
def test_verify(case: dict[str, Any]) -> None:
    proof = tlog_proof.parse_tlog_proof(case["proof_text"].encode())
    leaf = merkle.leaf_hash(vectors.b64(case["leaf"]))
    verifiers = [checkpoint.parse_verifier_key(k) for k in case["vkeys"]]
    logs = [v for v in verifiers if isinstance(v, note.Ed25519Verifier)]
    witnesses = [v for v in verifiers if v not in logs]
    if not logs:
        # The vector's note layer accepts cosignatures alone; a checkpoint must carry a valid
        # signature by the log key the verifier trusts, so trusting another key fails here.
        assert "policy must reject" in case["name"]
        other_log = note.Ed25519Signer(case["origin"], PrivateKey(b"\x09" * 32)).verifier()
        with pytest.raises(AttestError) as info:
            tlog_proof.verify_tlog_proof(proof, leaf, other_log, witnesses=witnesses)
        assert info.value.code == "checkpoint.log_signature_missing"
        return
    args = (proof, leaf, logs[0])
    if case["expect_valid"]:
        signed = tlog_proof.verify_tlog_proof(*args, witnesses=witnesses, origin=case["origin"])
        assert signed.checkpoint.size > proof.index
    else:
        with pytest.raises(AttestError):
            tlog_proof.verify_tlog_proof(*args, witnesses=witnesses, origin=case["origin"])


def test_spec_example_head_parses() -> None:
    """The spec's example elides its signature lines, so only its proof lines can be read."""
    text = vectors.load_json("tlog/c2sp-spec-examples.json")["tlog_proof_example_format_only"]
    data = text["text"].encode()
    with pytest.raises(MalformedError) as info:
        tlog_proof.parse_tlog_proof(data)
    assert info.value.code.startswith("note.")  # the checkpoint has no signature lines
    head = data.split(b"\n\n", 1)[0].split(b"\n")
    assert head[0] == tlog_proof.HEADER.encode()
    assert head[2] == b"index 73894"
    assert len(head[3:]) == 5


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda t: t.replace("tlog-proof@v1", "tlog-proof@v2"), "unknown_version"),
        (lambda t: t.replace("index 3\n", "index 03\n"), "bad_index"),
        (lambda t: t.replace("index 3\n", "index -3\n"), "bad_index"),
        (lambda t: t.replace("index 3\n", ""), "bad_index"),
        (lambda t: t.replace("=\n\n", "\n\n", 1), "bad_hash"),
        (lambda t: t.replace("\n\n", "\nextra AA==\n\n", 1), "bad_hash"),
    ],
)
def test_malformed(mutate: Any, code: str) -> None:
    text = DATA["proofs"][0]["proof_text"]
    bad = mutate(text)
    assert bad != text
    with pytest.raises(MalformedError) as info:
        tlog_proof.parse_tlog_proof(bad.encode())
    assert info.value.code == f"tlog_proof.{code}"


def test_size_limit_checked_first() -> None:
    with pytest.raises(MalformedError) as info:
        tlog_proof.parse_tlog_proof(b"x" * (tlog_proof.MAX_PROOF_SIZE + 1))
    assert info.value.code == "tlog_proof.too_large"
