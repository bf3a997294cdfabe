from __future__ import annotations

import json

from chalicelib.core.models import FilingStatus
from chalicelib.evaluate.rules.unfiled import unfiled
from tests.factories import make_context, make_filing, make_group, make_snapshot, make_unit


def test_flags_group_in_rosters_without_filing() -> None:
    # GIVEN a roster of 42 members and no filing for the group
    snapshot = make_snapshot(member_count=42, owner_id="1234567890", group_name="信息学院通知群")
    group = make_group(snapshot=snapshot, unit=make_unit())
    # WHEN checked
    violation = unfiled(group, make_context())
    # THEN it is flagged with the member count and the inferred unit
    assert violation is not None
    assert "42 名成员" in violation.message
    assert violation.message.endswith("。")
    assert violation.evidence == {
        "member_count": 42,
        "group_name": "信息学院通知群",
        "inferred_unit_id": "U01",
        "owner": "12****90",
    }
    json.dumps(violation.evidence)


def test_flags_unfiled_group_without_unit_or_owner() -> None:
    violation = unfiled(make_group(snapshot=make_snapshot(member_count=3)), make_context())
    assert violation is not None
    assert violation.evidence["inferred_unit_id"] is None
    assert violation.evidence["owner"] is None


def test_passes_filed_group() -> None:
    group = make_group(filing=make_filing(), snapshot=make_snapshot(member_count=42))
    assert unfiled(group, make_context()) is None


def test_passes_pending_group() -> None:
    filing = make_filing(status=FilingStatus.PENDING)
    group = make_group(filing=filing, snapshot=make_snapshot(member_count=42))
    assert unfiled(group, make_context()) is None
