from __future__ import annotations

import json

from chalicelib.evaluate.rules.filing_stale import filing_stale
from tests.factories import (
    days_before,
    make_context,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
)


def test_passes_filing_exactly_review_days_old() -> None:
    group = make_group(filing=make_filing(filed_on=days_before(365)))
    assert filing_stale(group, make_context()) is None


def test_flags_filing_one_day_older_than_review_days() -> None:
    # GIVEN a filing made 366 days ago and never reviewed
    group = make_group(filing=make_filing(filed_on=days_before(366)))
    # WHEN checked (filing_review_days = 365)
    violation = filing_stale(group, make_context())
    # THEN the date, the days elapsed and the limit are named
    assert violation is not None
    assert violation.message == (
        f"最近一次备案或复核在 {days_before(366).isoformat()},已 366 天未复核,超过 365 天。"
    )
    assert violation.evidence == {
        "filed_on": days_before(366).isoformat(),
        "reviewed_on": None,
        "days_since_review": 366,
        "filing_review_days": 365,
    }
    json.dumps(violation.evidence)


def test_passes_old_filing_reviewed_recently() -> None:
    filing = make_filing(filed_on=days_before(800), reviewed_on=days_before(365))
    assert filing_stale(make_group(filing=filing), make_context()) is None


def test_flags_old_filing_whose_review_is_also_stale() -> None:
    filing = make_filing(filed_on=days_before(800), reviewed_on=days_before(366))
    violation = filing_stale(make_group(filing=filing, snapshot=make_snapshot()), make_context())
    assert violation is not None
    assert violation.evidence["days_since_review"] == 366


def test_uses_the_later_date_when_review_precedes_filing() -> None:
    filing = make_filing(filed_on=days_before(10), reviewed_on=days_before(800))
    assert filing_stale(make_group(filing=filing), make_context()) is None


def test_passes_unfiled_group() -> None:
    assert filing_stale(make_group(snapshot=make_snapshot()), make_context()) is None


def test_uses_configured_review_days() -> None:
    ctx = make_context(settings=make_settings(filing_review_days=30))
    assert filing_stale(make_group(filing=make_filing(filed_on=days_before(30))), ctx) is None
    assert filing_stale(make_group(filing=make_filing(filed_on=days_before(31))), ctx) is not None
