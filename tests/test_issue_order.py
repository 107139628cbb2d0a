"""Issuing checks everything that can fail before it logs anything, and cites evidence that
is already in the log exactly as it was logged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from attest import issue as issue_module
from attest.errors import AttestError, MalformedError
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.tlog.entry import LogEntry

from .helpers.issuing import ISSUER, NOW, PACT_TOML, RESULTS_TOML, SUBJECT, new_log

PACT = parse_pact(PACT_TOML.encode())
RESULTS = parse_results(RESULTS_TOML.encode())


@pytest.mark.parametrize("case", ["bad validity", "too large to embed", "bad subject"])
def test_nothing_is_logged_when_issuing_fails(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "e.json"
    f.write_text('{"a": 1}\n')
    kwargs: dict[str, object] = {}
    subject = SUBJECT
    if case == "bad validity":
        kwargs["valid_for"] = timedelta(0)
    elif case == "too large to embed":
        monkeypatch.setattr(issue_module, "MAX_EMBEDDED", 3)
        kwargs["embed_evidence"] = True
    else:
        subject = "not a uri"
    with new_log(tmp_path / "log") as log:
        with pytest.raises(AttestError):
            issue(
                log=log,
                issuer=ISSUER,
                subject=subject,
                pact=PACT,
                results=RESULTS,
                evidence=[EvidenceFile(f)],
                now=NOW,
                **kwargs,  # type: ignore[arg-type]
            )
        assert log.size == 0


def test_logged_evidence_is_cited_as_logged(tmp_path: Path) -> None:
    first = tmp_path / "run.jsonl"
    first.write_text('{"step": 1}\n')
    again = tmp_path / "copy-with-another-name.txt"
    again.write_bytes(first.read_bytes())
    with new_log(tmp_path / "log") as log:
        issue(
            log=log,
            issuer=ISSUER,
            subject=SUBJECT,
            pact=PACT,
            results=RESULTS,
            evidence=[EvidenceFile(first, media_type="application/jsonl")],
            now=NOW,
        )
        b = issue(
            log=log,
            issuer=ISSUER,
            subject=SUBJECT,
            pact=PACT,
            results=RESULTS,
            evidence=[EvidenceFile(again), EvidenceFile(again)],
            now=NOW,
        )
        logged = LogEntry.decode(log.entry(0))
    refs = b.credential["evidence"]  # type: ignore[index]
    assert [r["logIndex"] for r in refs] == [0, 0]
    for r in refs:
        assert r["name"] == logged.name == "run.jsonl"
        assert r["mediaType"] == logged.media_type == "application/jsonl"
    assert len(b.evidence_entries) == 1


def test_results_and_pact_spellings_are_not_mixed() -> None:
    both = RESULTS_TOML + '\n[[metrics]]\nname = "x"\nvalue = 1\nunit = "s"\n'
    with pytest.raises(MalformedError) as info:
        parse_results(both.encode())
    assert info.value.code == "results.bad_metric"
    with pytest.raises(MalformedError) as info:
        parse_pact(b'id = "urn:x:y"\nversion = "1"\nsubject_kind = "a"\nobligations = 3\n')
    assert info.value.code == "pact.bad_obligations"
