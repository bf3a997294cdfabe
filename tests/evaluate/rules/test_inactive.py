from __future__ import annotations

import json
from datetime import date

from chalicelib.evaluate.rules.context import GroupView
from chalicelib.evaluate.rules.inactive import inactive
from tests.factories import (
    days_before,
    make_context,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
)

OLD = days_before(400)


def group_with(
    last_spoke_on: date | None,
    first_joined_on: date | None = OLD,
    filed_on: date | None = None,
    has_activity: bool = True,
) -> GroupView:
    snapshot = make_snapshot(
        has_activity=has_activity, last_spoke_on=last_spoke_on, first_joined_on=first_joined_on
    )
    filing = make_filing(filed_on=filed_on) if filed_on is not None else None
    return make_group(filing=filing, snapshot=snapshot)


def test_passes_group_that_spoke_exactly_inactive_days_ago() -> None:
    assert inactive(group_with(days_before(90)), make_context()) is None


def test_flags_group_silent_one_day_over_inactive_days() -> None:
    # GIVEN an old group whose last message is 91 days old
    # WHEN checked with inactive_days = 90
    violation = inactive(group_with(days_before(91)), make_context())
    # THEN the message names the date, the silent days and the limit
    assert violation is not None
    assert violation.message == (
        f"最后一次发言在 {days_before(91).isoformat()},已 91 天无人发言,超过 90 天。"
    )
    assert violation.evidence["days_silent"] == 91
    assert violation.evidence["inactive_days"] == 90
    json.dumps(violation.evidence)


def test_passes_group_without_activity_data() -> None:
    group = group_with(last_spoke_on=None, has_activity=False)
    assert inactive(group, make_context()) is None


def test_flags_old_group_where_nobody_ever_spoke() -> None:
    violation = inactive(group_with(last_spoke_on=None), make_context())
    assert violation is not None
    assert violation.message.startswith("群内从未有人发言")
    assert "超过 90 天" in violation.message
    assert violation.evidence["last_spoke_on"] is None


def test_passes_silent_group_exactly_inactive_days_old() -> None:
    group = group_with(last_spoke_on=None, first_joined_on=days_before(90))
    assert inactive(group, make_context()) is None


def test_flags_silent_group_one_day_older_than_inactive_days() -> None:
    group = group_with(last_spoke_on=None, first_joined_on=days_before(91))
    violation = inactive(group, make_context())
    assert violation is not None
    assert violation.evidence["age_start"] == days_before(91).isoformat()


def test_age_runs_from_the_earlier_of_joined_and_filed() -> None:
    # GIVEN members who joined recently but a filing 91 days old
    group = group_with(
        last_spoke_on=None, first_joined_on=days_before(10), filed_on=days_before(91)
    )
    # THEN the group counts as old
    assert inactive(group, make_context()) is not None


def test_passes_young_group_by_filing_date_when_join_dates_unknown() -> None:
    group = group_with(last_spoke_on=None, first_joined_on=None, filed_on=days_before(90))
    assert inactive(group, make_context()) is None


def test_flags_group_of_unknown_age_as_old() -> None:
    violation = inactive(group_with(last_spoke_on=None, first_joined_on=None), make_context())
    assert violation is not None
    assert violation.evidence["age_start"] is None
    assert "建群时间不详" in violation.message


def test_uses_configured_inactive_days() -> None:
    ctx = make_context(settings=make_settings(inactive_days=30))
    assert inactive(group_with(days_before(30)), ctx) is None
    assert inactive(group_with(days_before(31)), ctx) is not None
