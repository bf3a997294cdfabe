from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from chalicelib.core.models import PersonStatus, Platform
from chalicelib.evaluate.rules.departed_members import departed_members
from chalicelib.evaluate.rules.registry import Violation
from chalicelib.intake.directory import Directory
from tests.factories import (
    days_before,
    make_context,
    make_directory,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
)


def departed(left_on: date | None, name: str = "张三") -> dict[str, object]:
    return {"name": name, "status": PersonStatus.DEPARTED, "left_on": left_on}


def directory_of(*persons: dict[str, object]) -> Directory:
    """Person i uses QQ account `qq<i>`."""
    return make_directory([(fields, {Platform.QQ: [f"qq{i}"]}) for i, fields in enumerate(persons)])


def check(
    directory: Directory, persons: Sequence[int], owner_id: str | None = None
) -> Violation | None:
    """Member i shows as `名片<i>` in the group (account `qq<i>`)."""
    shown = {f"qq{i}": f"名片{i}" for i in persons}
    snapshot = make_snapshot(persons=persons, owner_id=owner_id, notable=shown)
    return departed_members(make_group(snapshot=snapshot), make_context(directory=directory))


def test_flags_member_who_left_exactly_grace_days_ago() -> None:
    # GIVEN a member who left 14 days ago (departed_grace_days = 14)
    directory = directory_of({"name": "李四"}, departed(days_before(14), "王小明"))
    # WHEN checked
    violation = check(directory, [0, 1])
    # THEN the member is listed: name in the group, masked account, masked name, status
    assert violation is not None
    assert violation.message == "群内仍有 1 名已离职离校人员(离开满 14 天或日期不详),应为 0 人。"
    assert violation.evidence == {
        "departed_count": 1,
        "departed_grace_days": 14,
        "members": [
            {"shown": "名片1", "account": "q**", "person": "王*明", "status": "departed",
             "unit": "U01"},
        ],
    }  # fmt: skip
    json.dumps(violation.evidence)


def test_passes_member_who_left_within_grace_days() -> None:
    assert check(directory_of(departed(days_before(13))), [0]) is None


def test_flags_departed_member_without_left_on() -> None:
    assert check(directory_of(departed(None)), [0]) is not None


def test_passes_group_of_active_and_external_members() -> None:
    directory = directory_of({"status": PersonStatus.ACTIVE}, {"status": PersonStatus.EXTERNAL})
    assert check(directory, [0, 1]) is None


def test_never_counts_the_roster_owner() -> None:
    directory = directory_of({"name": "李四"}, departed(None))
    assert check(directory, [0, 1], owner_id="qq1") is None


def test_never_counts_the_filing_owner() -> None:
    # GIVEN no owner in the roster, and the filing names the departed member as owner
    directory = directory_of({"name": "李四"}, departed(None))
    snapshot = make_snapshot(persons=[0, 1])
    group = make_group(filing=make_filing(owner_id="qq1"), snapshot=snapshot)
    # THEN the owner is not counted
    assert departed_members(group, make_context(directory=directory)) is None


def test_excludes_the_owner_by_person_whatever_account_they_use() -> None:
    # GIVEN the departed owner has two accounts on the same platform
    directory = make_directory([(departed(None), {Platform.QQ: ["owner-a", "owner-b"]})])
    # THEN neither account makes them count as a departed member
    assert check(directory, [0], owner_id="owner-b") is None


def test_counts_departed_members_beside_a_departed_owner() -> None:
    directory = directory_of(departed(None), departed(None, "赵六"))
    violation = check(directory, [0, 1], owner_id="qq0")
    assert violation is not None
    assert [m["person"] for m in violation.evidence["members"]] == ["赵*"]


def test_lists_every_departed_member() -> None:
    directory = directory_of(*[departed(None, f"成员{i}号") for i in range(7)])
    violation = check(directory, range(7))
    assert violation is not None
    assert violation.evidence["departed_count"] == 7
    assert [m["shown"] for m in violation.evidence["members"]] == [f"名片{i}" for i in range(7)]


def test_uses_configured_grace_days() -> None:
    directory = directory_of(departed(days_before(3)))
    group = make_group(snapshot=make_snapshot(persons=[0]))
    strict = make_context(directory=directory, settings=make_settings(departed_grace_days=3))
    lenient = make_context(directory=directory, settings=make_settings(departed_grace_days=4))
    assert departed_members(group, strict) is not None
    assert departed_members(group, lenient) is None
