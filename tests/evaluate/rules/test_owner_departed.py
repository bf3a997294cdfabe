from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.core.models import PersonStatus, Platform
from chalicelib.evaluate.rules.owner_departed import owner_departed
from chalicelib.intake.directory import Directory
from tests.factories import (
    TODAY,
    PersonEntry,
    days_before,
    make_context,
    make_directory,
    make_filing,
    make_group,
    make_snapshot,
)

DEPARTED = "1111111111"
ACTIVE = "2222222222"
EXTERNAL = "3333333333"


def directory() -> Directory:
    return make_directory(
        [
            (
                {"name": "王小明", "status": PersonStatus.DEPARTED, "left_on": days_before(3)},
                {Platform.QQ: [DEPARTED]},
            ),
            ({"name": "李四"}, {Platform.QQ: [ACTIVE]}),
            ({"name": "赵六", "status": PersonStatus.EXTERNAL}, {Platform.QQ: [EXTERNAL]}),
        ]
    )


def test_flags_roster_owner_who_departed() -> None:
    # GIVEN a roster whose owner maps to a departed person
    group = make_group(snapshot=make_snapshot(owner_id=DEPARTED))
    # WHEN checked
    violation = owner_departed(group, make_context(directory=directory()))
    # THEN the owner is named masked, with the date they left
    assert violation is not None
    assert "王*明" in violation.message
    assert "王小明" not in violation.message
    assert days_before(3).isoformat() in violation.message
    assert violation.evidence == {
        "owner": "11****11",
        "owner_name": "王*明",
        "left_on": days_before(3).isoformat(),
        "owner_from": "roster",
        "members": [
            {"shown": "", "account": "11****11", "person": "王*明", "status": "departed",
             "unit": "U01"},
        ],
    }  # fmt: skip
    json.dumps(violation.evidence)


def test_flags_filing_owner_who_departed_when_no_roster() -> None:
    group = make_group(filing=make_filing(owner_id=DEPARTED))
    violation = owner_departed(group, make_context(directory=directory()))
    assert violation is not None
    assert violation.evidence["owner_from"] == "filing"


def test_roster_owner_takes_precedence_over_filing_owner() -> None:
    # GIVEN the filing names a departed owner but the roster shows an active one
    group = make_group(
        filing=make_filing(owner_id=DEPARTED), snapshot=make_snapshot(owner_id=ACTIVE)
    )
    # THEN the actual owner counts
    assert owner_departed(group, make_context(directory=directory())) is None


def test_flags_departed_owner_whatever_the_left_on() -> None:
    entries: list[PersonEntry] = [
        (
            {"status": PersonStatus.DEPARTED, "left_on": TODAY + timedelta(days=10)},
            {Platform.QQ: ["9"]},
        ),
        ({"status": PersonStatus.DEPARTED}, {Platform.QQ: ["8"]}),
    ]
    ctx = make_context(directory=make_directory(entries))
    assert owner_departed(make_group(snapshot=make_snapshot(owner_id="9")), ctx) is not None
    violation = owner_departed(make_group(snapshot=make_snapshot(owner_id="8")), ctx)
    assert violation is not None
    assert "离开日期不详" in violation.message


def test_passes_active_owner() -> None:
    group = make_group(snapshot=make_snapshot(owner_id=ACTIVE))
    assert owner_departed(group, make_context(directory=directory())) is None


def test_passes_external_owner() -> None:
    group = make_group(snapshot=make_snapshot(owner_id=EXTERNAL))
    assert owner_departed(group, make_context(directory=directory())) is None


def test_passes_unmapped_owner() -> None:
    group = make_group(snapshot=make_snapshot(owner_id="5555555555"))
    assert owner_departed(group, make_context(directory=directory())) is None


def test_passes_group_without_owner() -> None:
    group = make_group(filing=make_filing(), snapshot=make_snapshot())
    assert owner_departed(group, make_context(directory=directory())) is None


def test_maps_the_owner_on_the_group_platform_only() -> None:
    snapshot = make_snapshot(platform=Platform.WECHAT, owner_id=DEPARTED)
    assert (
        owner_departed(make_group(snapshot=snapshot), make_context(directory=directory())) is None
    )
