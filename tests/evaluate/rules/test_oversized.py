from __future__ import annotations

import json

from chalicelib.evaluate.rules.context import GroupView
from chalicelib.evaluate.rules.oversized import oversized
from tests.factories import (
    TODAY,
    days_before,
    make_context,
    make_group,
    make_settings,
    make_snapshot,
    make_waiver,
)


def group_of(members: int) -> GroupView:
    return make_group(snapshot=make_snapshot(member_count=members))


def test_passes_group_at_limit() -> None:
    # GIVEN a group of exactly 150 members WHEN checked THEN nothing is found
    assert oversized(group_of(150), make_context()) is None


def test_flags_group_one_member_over_limit() -> None:
    # GIVEN a group of 151 members
    # WHEN checked with the default max_members
    violation = oversized(group_of(151), make_context())
    # THEN it names the count and the limit
    assert violation is not None
    assert violation.message == "群成员 151 人,超过上限 150 人。"
    assert violation.evidence == {"member_count": 151, "limit": 150}
    json.dumps(violation.evidence)


def test_flags_group_over_configured_max_members() -> None:
    ctx = make_context(settings=make_settings(max_members=20))
    assert oversized(group_of(20), ctx) is None
    assert oversized(group_of(21), ctx) is not None


def test_waiver_limit_raises_the_threshold() -> None:
    # GIVEN a valid waiver that approves up to 200 members
    ctx = make_context(waivers=[make_waiver("oversized", limit=200)])
    # THEN 200 members pass and 201 are flagged against 200
    assert oversized(group_of(200), ctx) is None
    violation = oversized(group_of(201), ctx)
    assert violation is not None
    assert violation.evidence["limit"] == 200


def test_waiver_limit_lower_than_max_members_applies() -> None:
    ctx = make_context(waivers=[make_waiver("oversized", limit=100)])
    assert oversized(group_of(100), ctx) is None
    violation = oversized(group_of(101), ctx)
    assert violation is not None
    assert "超过上限 100 人" in violation.message


def test_waiver_valid_on_its_last_day_still_sets_the_limit() -> None:
    ctx = make_context(waivers=[make_waiver("oversized", limit=200, expires_on=TODAY)])
    assert oversized(group_of(180), ctx) is None


def test_expired_waiver_limit_is_ignored() -> None:
    ctx = make_context(waivers=[make_waiver("oversized", limit=200, expires_on=days_before(1))])
    assert oversized(group_of(151), ctx) is not None


def test_limit_on_a_waiver_for_another_rule_is_ignored() -> None:
    ctx = make_context(waivers=[make_waiver("inactive", limit=200)])
    assert oversized(group_of(151), ctx) is not None


def test_waiver_for_another_group_is_ignored() -> None:
    ctx = make_context(waivers=[make_waiver("oversized", group_id="999999", limit=200)])
    assert oversized(group_of(151), ctx) is not None


def test_waiver_without_limit_keeps_max_members() -> None:
    # the engine turns such a finding into `waived`; the rule itself still fires
    ctx = make_context(waivers=[make_waiver("oversized")])
    violation = oversized(group_of(151), ctx)
    assert violation is not None
    assert violation.evidence["limit"] == 150
