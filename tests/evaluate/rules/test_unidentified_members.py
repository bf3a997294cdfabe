from __future__ import annotations

import json
from dataclasses import replace

from chalicelib.core.models import PersonStatus, Platform
from chalicelib.evaluate.rules.unidentified_members import unidentified_members
from tests.factories import make_context, make_directory, make_group, make_snapshot


def test_passes_group_where_every_member_is_mapped() -> None:
    # GIVEN an active person and an approved external person, both mapped
    directory = make_directory(
        [({}, {Platform.QQ: ["1"]}), ({"status": PersonStatus.EXTERNAL}, {Platform.QQ: ["2"]})]
    )
    group = make_group(snapshot=make_snapshot(persons=[0, 1]))
    # THEN nobody is unidentified
    assert unidentified_members(group, make_context(directory=directory)) is None


def test_flags_group_with_one_unmapped_member() -> None:
    # GIVEN one member whose account is not in the directory
    snapshot = make_snapshot(
        persons=[0, 1], unmapped=["987654321"], notable={"987654321": "路人甲"}
    )
    group = make_group(snapshot=snapshot)
    # WHEN checked
    violation = unidentified_members(group, make_context())
    # THEN the count is reported and the member listed: name in the group, masked account
    assert violation is not None
    assert violation.message == "群内有 1 名成员的账号不在人员名册中,无法确认实名身份,应为 0 人。"
    assert violation.evidence == {
        "unmapped_count": 1,
        "member_count": 3,
        "members": [
            {"shown": "路人甲", "account": "98****21", "person": "", "status": "", "unit": ""}
        ],
    }
    json.dumps(violation.evidence)


def test_lists_every_unmapped_member_by_masked_account() -> None:
    snapshot = replace(
        make_snapshot(), unmapped_count=8, unmapped_ids=tuple(f"1000000{i}" for i in range(8))
    )
    violation = unidentified_members(make_group(snapshot=snapshot), make_context())
    assert violation is not None
    assert violation.evidence["unmapped_count"] == 8
    assert [m["account"] for m in violation.evidence["members"]] == [
        f"10****0{i}" for i in range(8)
    ]
