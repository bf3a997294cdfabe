from __future__ import annotations

import json

from chalicelib.evaluate.rules.naming import naming
from tests.factories import make_context, make_filing, make_group, make_snapshot, make_unit

UNIT = make_unit(keywords=("信息工程学院", "信息学院"))


def test_passes_name_containing_a_unit_keyword() -> None:
    group = make_group(filing=make_filing(group_name="2024级信息学院通知群"), unit=UNIT)
    assert naming(group, make_context()) is None


def test_flags_name_without_any_unit_keyword() -> None:
    # GIVEN a filed group named without its unit's keywords, and no roster
    group = make_group(filing=make_filing(group_name="周末羽毛球"), unit=UNIT)
    # WHEN checked
    violation = naming(group, make_context())
    # THEN the name and the keywords are named
    assert violation is not None
    assert (
        violation.message
        == "群名“周末羽毛球”不含本单位核心词(信息工程学院、信息学院),群名须包含其中至少一个。"
    )
    assert violation.evidence == {
        "group_name": "周末羽毛球",
        "unit_id": "U01",
        "keywords": ["信息工程学院", "信息学院"],
    }
    json.dumps(violation.evidence)


def test_flags_group_without_a_name() -> None:
    group = make_group(filing=make_filing(group_name=None), unit=UNIT)
    violation = naming(group, make_context())
    assert violation is not None
    assert violation.message.startswith("群名为空")


def test_roster_name_takes_precedence_over_filed_name() -> None:
    filing = make_filing(group_name="信息学院工作群")
    group = make_group(filing=filing, snapshot=make_snapshot(group_name="吃瓜群"), unit=UNIT)
    violation = naming(group, make_context())
    assert violation is not None
    assert violation.evidence["group_name"] == "吃瓜群"


def test_passes_group_without_unit() -> None:
    assert naming(make_group(snapshot=make_snapshot(group_name="吃瓜群")), make_context()) is None


def test_falls_back_to_unit_name_when_keywords_are_blank() -> None:
    unit = make_unit(name="财务处", keywords=("", " "))
    assert (
        naming(make_group(filing=make_filing(group_name="财务处报账群"), unit=unit), make_context())
        is None
    )
    assert (
        naming(make_group(filing=make_filing(group_name="报账群"), unit=unit), make_context())
        is not None
    )


def test_matches_latin_keywords_ignoring_case() -> None:
    unit = make_unit(name="信息中心", keywords=("ITC",))
    group = make_group(filing=make_filing(group_name="itc 运维群"), unit=unit)
    assert naming(group, make_context()) is None
