"""Cosigning end to end: witness keys from the CLI, a log that asks witnesses to cosign its
checkpoint, bundles and tlog-proofs that carry the cosignatures, and the counterparty's
commands on public data only."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from attest.tlog.cosignature import CosignatureSigner, parse_verifier_key
from attest_cli.main import cli

ENV = {"ATTEST_PASSPHRASE": None}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=ENV)  # type: ignore[arg-type]


def test_generate_a_cosignature_key(tmp_path: Path) -> None:
    out = tmp_path / "w.key"
    r = run(
        "key",
        "generate",
        "witness.example/w1",
        "-o",
        str(out),
        "--no-passphrase",
        "--type",
        "cosignature",
        "--json",
    )
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    exported = run("key", "export", str(out), "--format", "cosignature-vkey")
    assert exported.exit_code == 0, exported.output
    assert info["cosignature_vkey"] == exported.stdout.strip()
    verifier = parse_verifier_key(info["cosignature_vkey"])
    assert verifier.name == "witness.example/w1"
    # it checks a cosignature made with the key in the file, and not the note key's type
    from attest.files import read_key_file

    key = read_key_file(out).unlock(None)
    signer = CosignatureSigner(key.name, key.private_key, 1700000000)
    assert signer.key_id == verifier.key_id
    assert info["cosignature_vkey"] != info["note_verifier_key"]
    text = run(
        "key",
        "generate",
        "witness.example/w2",
        "-o",
        str(tmp_path / "w2.key"),
        "--no-passphrase",
        "--type",
        "cosignature",
    )
    assert "cosign key:" in text.stdout and "note key:" not in text.stdout
    plain = run(
        "key", "generate", "log.example/l", "-o", str(tmp_path / "l.key"), "--no-passphrase"
    )
    assert "note key:" in plain.stdout and "cosign key:" not in plain.stdout
