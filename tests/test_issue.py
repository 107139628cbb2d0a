"""Issuing end to end through the library (specs/bundle.md §4, specs/credential.md §4): what
goes into the log, and that every proof in the bundle checks out against the log's key."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
import rfc8785

from attest.codec.digest import hash_bytes
from attest.errors import MalformedError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.store.log import Log
from attest.tlog import merkle
from attest.tlog import proof as tlog_proof
from attest.tlog.checkpoint import parse_verifier_key
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from tests.helpers.issuing import (
    EVIDENCE,
    ISSUER,
    LOG_KEY,
    NOW,
    ORIGIN,
    PACT_TOML,
    RESULTS_TOML,
    SUBJECT,
    new_log,
    sha256_hex,
    write_evidence,
)

PACT = parse_pact(PACT_TOML.encode())
RESULTS = parse_results(RESULTS_TOML.encode())


def _issue(log: Log, files: list[EvidenceFile], **options: Any) -> Bundle:
    return issue(
        log=log,
        issuer=ISSUER,
        subject=options.pop("subject", SUBJECT),
        pact=options.pop("pact", PACT),
        results=options.pop("results", RESULTS),
        evidence=files,
        now=options.pop("now", NOW),
        **options,
    )


def _check_proofs(bundle: Bundle, log: Log) -> None:
    """Every entry's tlog-proof verifies with the log's own key and leads to its checkpoint."""
    verifier = parse_verifier_key(log.config.vkey)
    assert bundle.log_key == log.config.vkey
    assert bundle.log_origin == log.origin == ORIGIN
    for e in bundle.entries:
        assert e.entry == log.entry(e.index)
        signed = tlog_proof.verify_tlog_proof(e.proof, merkle.leaf_hash(e.entry), verifier)
        assert signed.checkpoint.size == log.checkpoint_size
        assert signed.checkpoint.root_hash == log.root_hash
        assert e.proof.checkpoint == log.checkpoint_note


def _entry(data: bytes) -> dict[str, Any]:
    """A log entry decoded with cbor2, not with attest."""
    decoded = cbor2.loads(data)
    assert isinstance(decoded, dict)
    return decoded


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_issue_logs_evidence_then_the_credential(tmp_path: Path, encoding: str) -> None:
    files = write_evidence(tmp_path / "ev")
    with new_log(tmp_path / "log") as log:
        bundle = _issue(log, files, encoding=encoding)
        assert log.checkpoint_size == 3
        _check_proofs(bundle, log)
    assert [e.role for e in bundle.entries] == ["credential", "evidence", "evidence"]
    assert [e.index for e in bundle.entries] == [2, 0, 1]
    # evidence entries record the files' SHA-256 and size, computed here from the bytes
    for e, (name, data) in zip(bundle.evidence_entries, EVIDENCE.items(), strict=True):
        raw = _entry(e.entry)
        assert raw["v"] == 1
        assert raw["kind"] == "evidence"
        assert raw["sha256"] == hashlib.sha256(data).digest()
        assert raw["size"] == len(data)
        assert raw["name"] == name
        assert raw["time"] == int(NOW.timestamp())
    # the credential entry (specs/credential.md §4)
    raw = _entry(bundle.credential_entry.entry)
    assert raw["kind"] == "credential"
    assert raw["time"] == int(NOW.timestamp())
    if encoding == "json":
        assert isinstance(bundle.credential, dict)
        secured = rfc8785.dumps(bundle.credential)
        assert raw["type"] == "application/vc"
        doc = bundle.credential
    else:
        assert isinstance(bundle.credential, bytes)
        secured = bundle.credential
        assert raw["type"] == "application/vc+cose"
        doc = cbor2.loads(cbor2.loads(secured).value[2])
    assert raw["sha256"] == hashlib.sha256(secured).digest()
    assert raw["size"] == len(secured)
    assert raw["name"] == doc["id"]
    # the credential cites each evidence entry where it is
    cited = [(i["digest"], i["size"], i["logOrigin"], i["logIndex"]) for i in doc["evidence"]]
    assert cited == [
        ("sha256:" + sha256_hex(data), len(data), ORIGIN, index)
        for (data, index) in zip(EVIDENCE.values(), (0, 1), strict=True)
    ]


def test_evidence_already_in_the_log_is_cited(tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "ev")
    transcripts = EVIDENCE["transcripts.jsonl"]
    with new_log(tmp_path / "log") as log:
        # something else first, then the transcripts logged on their own, then something else
        other = LogEntry("evidence", hash_bytes(b"other"), 5, "text/plain", 1)
        earlier = LogEntry("evidence", hash_bytes(transcripts), len(transcripts), "x/y", 1)
        log.append_and_checkpoint([other, earlier, other])
        bundle = _issue(log, files)
        # only the metrics file and the credential are new
        assert log.checkpoint_size == 5
        _check_proofs(bundle, log)
    assert [e.index for e in bundle.entries] == [4, 1, 3]
    assert isinstance(bundle.credential, dict)
    assert [i["logIndex"] for i in bundle.credential["evidence"]] == [1, 3]


def test_same_digest_other_kind_or_size_is_not_cited(tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "ev")
    transcripts = EVIDENCE["transcripts.jsonl"]
    with new_log(tmp_path / "log") as log:
        log.append_and_checkpoint(
            [
                LogEntry("credential", hash_bytes(transcripts), len(transcripts), "x/y", 1),
                LogEntry("evidence", hash_bytes(transcripts), len(transcripts) + 1, "x/y", 1),
            ]
        )
        bundle = _issue(log, files)
        assert log.checkpoint_size == 5
    assert [e.index for e in bundle.entries] == [4, 2, 3]


def test_the_same_file_twice_is_logged_once(tmp_path: Path) -> None:
    (f,) = write_evidence(tmp_path / "ev", {"a.txt": b"same"})
    copy = tmp_path / "ev" / "b.txt"
    copy.write_bytes(b"same")
    with new_log(tmp_path / "log") as log:
        bundle = _issue(log, [f, EvidenceFile(copy)])
        assert log.checkpoint_size == 2
    assert [e.index for e in bundle.entries] == [1, 0]
    assert isinstance(bundle.credential, dict)
    assert [i["logIndex"] for i in bundle.credential["evidence"]] == [0, 0]


def test_a_second_issuance_cites_the_first_ones_evidence(tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "ev")
    with new_log(tmp_path / "log") as log:
        first = _issue(log, files)
        second = _issue(log, files, encoding="cbor")
        assert log.checkpoint_size == 4
        _check_proofs(second, log)
    assert [e.index for e in first.entries] == [2, 0, 1]
    assert [e.index for e in second.entries] == [3, 0, 1]
    assert first.checkpoint != second.checkpoint


@pytest.mark.parametrize("encoding", ["json", "cbor"])
def test_embedded_evidence_is_the_files_bytes(tmp_path: Path, encoding: str) -> None:
    files = write_evidence(tmp_path / "ev")
    with new_log(tmp_path / "log") as log:
        bundle = _issue(log, files, encoding=encoding, embed_evidence=True)
    assert dict(bundle.evidence_data) == {
        "sha256:" + sha256_hex(f.path.read_bytes()): f.path.read_bytes() for f in files
    }
    assert parse_bundle(bundle.encode()).evidence_data == bundle.evidence_data


def test_no_evidence(tmp_path: Path) -> None:
    with new_log(tmp_path / "log") as log:
        bundle = _issue(log, [])
        _check_proofs(bundle, log)
    assert [e.index for e in bundle.entries] == [0]
    assert isinstance(bundle.credential, dict)
    assert "evidence" not in bundle.credential


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"subject": "support-bot"}, "evaluation.bad_subject"),
        (
            {"results": parse_results(RESULTS_TOML.replace('unit = "s"', 'unit = "ms"').encode())},
            "evaluation.unit_mismatch",
        ),
    ],
    ids=["bad subject", "unit mismatch"],
)
def test_a_refused_issuance_leaves_the_log_alone(
    tmp_path: Path, options: dict[str, Any], code: str
) -> None:
    files = write_evidence(tmp_path / "ev")
    with new_log(tmp_path / "log") as log:
        with pytest.raises(MalformedError) as info:
            _issue(log, files, **options)
        assert info.value.code == code
        assert log.size == 0
    # nothing was journaled either: reopened, the log is still empty
    with Log.open(tmp_path / "log", Ed25519Signer(ORIGIN, LOG_KEY), write=True) as log:
        assert log.size == 0


def test_validity_is_the_requested_one(tmp_path: Path) -> None:
    with new_log(tmp_path / "log") as log:
        bundle = _issue(log, [], valid_for=timedelta(hours=12))
    assert isinstance(bundle.credential, dict)
    assert bundle.credential["validUntil"] == "2026-11-27T00:00:00Z"
