from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.core.models import Category
from chalicelib.evaluate.rules.expired import expired
from tests.factories import (
    TODAY,
    days_before,
    make_context,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
)


def test_passes_temporary_group_on_last_day_of_grace() -> None:
    # GIVEN a temporary group that ended exactly 7 days ago (the grace period)
    filing = make_filing(category=Category.TEMPORARY, end_on=days_before(7))
    # THEN it is not yet flagged
    assert expired(make_group(filing=filing), make_context()) is None


def test_flags_temporary_group_one_day_after_grace() -> None:
    # GIVEN a temporary group that ended 8 days ago
    filing = make_filing(category=Category.TEMPORARY, end_on=days_before(8))
    # WHEN checked without any roster snapshot
    violation = expired(make_group(filing=filing), make_context())
    # THEN it names the end date, the days past it and the grace period
    assert violation is not None
    assert violation.message == (
        f"备案截止日期为 {days_before(8).isoformat()},已过期 8 天,超过宽限期 7 天仍未解散。"
    )
    assert violation.evidence == {
        "end_on": days_before(8).isoformat(),
        "days_past_end": 8,
        "expired_grace_days": 7,
    }
    json.dumps(violation.evidence)


def test_passes_group_whose_end_is_in_the_future() -> None:
    filing = make_filing(category=Category.TEMPORARY, end_on=TODAY + timedelta(days=3))
    assert expired(make_group(filing=filing), make_context()) is None


def test_applies_to_any_filing_with_an_end_date() -> None:
    filing = make_filing(category=Category.WORK, end_on=days_before(30))
    group = make_group(filing=filing, snapshot=make_snapshot())
    assert expired(group, make_context()) is not None


def test_passes_filing_without_end_date() -> None:
    assert expired(make_group(filing=make_filing()), make_context()) is None


def test_passes_group_without_filing() -> None:
    assert expired(make_group(snapshot=make_snapshot()), make_context()) is None


def test_uses_configured_grace_days() -> None:
    ctx = make_context(settings=make_settings(expired_grace_days=0))
    assert expired(make_group(filing=make_filing(end_on=TODAY)), ctx) is None
    assert expired(make_group(filing=make_filing(end_on=days_before(1))), ctx) is not None
