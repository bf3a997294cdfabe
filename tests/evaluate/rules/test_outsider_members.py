from __future__ import annotations

import json
from typing import Any

from chalicelib.core.models import Category, PersonStatus, Platform
from chalicelib.evaluate.rules.context import GroupView
from chalicelib.evaluate.rules.outsider_members import outsider_members
from chalicelib.intake.directory import Directory
from tests.factories import (
    make_context,
    make_directory,
    make_filing,
    make_group,
    make_snapshot,
    make_unit,
)

OWN, OTHER, NO_UNIT, OTHER_DEPARTED, OTHER_EXTERNAL = range(5)


def directory() -> Directory:
    rows: list[dict[str, Any]] = [
        {"name": "李四", "unit_id": "U01"},
        {"name": "王小明", "unit_id": "U02"},
        {"name": "赵六", "unit_id": None},
        {"name": "钱七", "unit_id": "U03", "status": PersonStatus.DEPARTED},
        {"name": "孙八", "unit_id": "U03", "status": PersonStatus.EXTERNAL},
    ]
    return make_directory([(row, {Platform.QQ: [f"qq{i}"]}) for i, row in enumerate(rows)])


def work_group(*persons: int, category: Category | None = Category.WORK) -> GroupView:
    return make_group(
        filing=make_filing(category=category),
        snapshot=make_snapshot(persons=persons),
        unit=make_unit("U01"),
    )


def test_flags_work_group_with_active_member_of_another_unit() -> None:
    # GIVEN a work group of unit U01 with an active member of U02
    group = work_group(OWN, OTHER)
    # WHEN checked
    violation = outsider_members(group, make_context(directory=directory()))
    # THEN the outsider is listed: account, masked name, status and unit
    assert violation is not None
    assert violation.message == "工作群内有 1 名其他单位的在职在校人员(来自 U02),应为 0 人。"
    assert violation.evidence == {
        "outsider_count": 1,
        "units": ["U02"],
        "members": [
            {"shown": "", "account": "q**", "person": "王*明", "status": "active", "unit": "U02"}
        ],
    }
    json.dumps(violation.evidence)


def test_passes_work_group_of_own_unit_members() -> None:
    assert outsider_members(work_group(OWN), make_context(directory=directory())) is None


def test_ignores_members_without_a_unit_departed_or_external() -> None:
    group = work_group(OWN, NO_UNIT, OTHER_DEPARTED, OTHER_EXTERNAL)
    assert outsider_members(group, make_context(directory=directory())) is None


def test_applies_to_work_groups_only() -> None:
    for category in (Category.PARTY, Category.CLASS, Category.CLUB, None):
        group = work_group(OWN, OTHER, category=category)
        assert outsider_members(group, make_context(directory=directory())) is None


def test_passes_group_without_unit() -> None:
    group = make_group(filing=make_filing(), snapshot=make_snapshot(persons=[OTHER]))
    assert outsider_members(group, make_context(directory=directory())) is None
