"""`attest demo` publishes its status lists dated at the time it runs, never ahead: a list
dated in the future is refused by every verifier until that time (status.not_yet_valid)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from attest import demo
from attest.codec.dates import parse_datetime_stamp
from attest.keys import did_key
from attest.vc import status_list as sl


def _lists(root: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((root / "published").iterdir())]


def test_published_lists_are_dated_now_and_verify_at_once(tmp_path: Path) -> None:
    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    steps = demo.run(tmp_path / "demo", now=now)
    assert "reject" in " ".join(steps[-1].lines).lower()  # the revocation still shows
    lists = _lists(tmp_path / "demo")
    assert len(lists) == 2
    for doc in lists:
        assert parse_datetime_stamp(str(doc["validFrom"])) <= now
        # An independent reader at the very time of the demo, with no clock skew, accepts it.
        subject = doc["credentialSubject"]
        assert isinstance(subject, dict)
        entry = sl.StatusEntry(str(subject["statusPurpose"]), 0, str(doc["id"]))
        result = sl.check_status(
            entry,
            doc,  # type: ignore[arg-type]
            issuer=str(doc["issuer"]),
            now=now,
            max_age=timedelta(days=1),
            clock_skew=timedelta(0),
        )
        assert result.list_valid_from <= now
        assert str(doc["issuer"]).startswith(did_key.DID_KEY_PREFIX)


def test_demo_on_the_real_clock(tmp_path: Path) -> None:
    demo.run(tmp_path / "demo")
    after = datetime.now(UTC)
    for doc in _lists(tmp_path / "demo"):
        assert parse_datetime_stamp(str(doc["validFrom"])) <= after
