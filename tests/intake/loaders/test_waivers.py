"""waivers/* (豁免清单): approved exceptions, at most `waiver_max_days` ahead."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from chalicelib.core.models import Platform, Waiver
from chalicelib.evaluate.rules import REGISTRY
from tests.intake.loaders import TODAY, load_waivers, write
from tests.intake.readers import limits, lines

HEADER = "平台,群号,规则,理由,审批人,有效期至,上限"
EXPIRES = (TODAY + timedelta(days=90)).isoformat()


def waiver_row(
    rule: str = "超规模",
    expires_on: str = EXPIRES,
    limit: str = "",
    reason: str = "全院教职工群",
    approved_by: str = "党委工作部",
    group_id: str = "123456",
) -> str:
    return f"QQ群,{group_id},{rule},{reason},{approved_by},{expires_on},{limit}"


def test_loads_a_waiver_with_its_limit(tmp_path: Path) -> None:
    write(tmp_path, "waivers/2026.csv", lines(HEADER, waiver_row(limit="500")))
    waivers, errors = load_waivers(tmp_path)
    assert errors == []
    assert waivers == [
        Waiver(
            platform=Platform.QQ,
            group_id="123456",
            rule="oversized",
            reason="全院教职工群",
            approved_by="党委工作部",
            expires_on=TODAY + timedelta(days=90),
            limit=500,
        )
    ]


@pytest.mark.parametrize("rule_id", list(REGISTRY))
def test_names_a_rule_by_its_id_or_chinese_title(tmp_path: Path, rule_id: str) -> None:
    title = REGISTRY[rule_id].meta.title
    write(
        tmp_path,
        "waivers/2026.csv",
        lines(
            HEADER,
            waiver_row(rule=rule_id),
            waiver_row(rule=f" {title} "),
            waiver_row(rule=rule_id.upper()),
        ),
    )
    waivers, errors = load_waivers(tmp_path)
    assert errors == []
    assert [w.rule for w in waivers] == [rule_id] * 3


def test_expiry_may_be_up_to_waiver_max_days_ahead_or_already_past(tmp_path: Path) -> None:
    # GIVEN waivers expiring 365 days ahead, today, and last month
    latest, past = TODAY + timedelta(days=365), TODAY - timedelta(days=30)
    write(
        tmp_path,
        "waivers/2026.csv",
        lines(
            HEADER,
            waiver_row(expires_on=latest.isoformat()),
            waiver_row(expires_on=TODAY.isoformat()),
            waiver_row(expires_on=past.isoformat()),
        ),
    )
    # WHEN loaded THEN all three load (validity is decided when rules run)
    waivers, errors = load_waivers(tmp_path)
    assert errors == []
    assert [w.expires_on for w in waivers] == [latest, TODAY, past]


def test_skips_bad_rows_with_file_row_column_and_reason_while_others_load(tmp_path: Path) -> None:
    too_late = (TODAY + timedelta(days=366)).isoformat()
    write(
        tmp_path,
        "waivers/2026.csv",
        lines(
            HEADER,
            waiver_row(group_id="1"),
            waiver_row(group_id="2", expires_on=too_late),
            waiver_row(group_id="3", rule="太吵"),
            waiver_row(group_id="4", limit="两百"),
            waiver_row(group_id="5", reason=""),
            waiver_row(group_id="6", approved_by=""),
            waiver_row(group_id="7", expires_on=""),
            waiver_row(group_id="8", expires_on="2026-02-29"),
            waiver_row(group_id="9", limit="-1"),
            waiver_row(group_id="10"),
        ),
    )
    waivers, errors = load_waivers(tmp_path)
    assert [w.group_id for w in waivers] == ["1", "10"]
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("waivers/2026.csv", 3, "有效期至"),
        ("waivers/2026.csv", 4, "规则"),
        ("waivers/2026.csv", 5, "上限"),
        ("waivers/2026.csv", 6, "理由"),
        ("waivers/2026.csv", 7, "审批人"),
        ("waivers/2026.csv", 8, "有效期至"),
        ("waivers/2026.csv", 9, "有效期至"),
        ("waivers/2026.csv", 10, "上限"),
    ]
    reasons = [e.reason for e in errors]
    assert (
        reasons[0] == f"有效期至 {too_late} 超过最长期限 365 天(最晚 {TODAY + timedelta(days=365)})"
    )
    assert reasons[1].startswith("无法识别的规则“太吵”")
    assert reasons[2] == "上限“两百”不是正整数"
    assert reasons[3:6] == ["不能为空"] * 3
    assert reasons[6] == "日期“2026-02-29”不存在"
    assert reasons[7] == "上限“-1”不是正整数"


def test_waiver_max_days_is_configurable(tmp_path: Path) -> None:
    write(tmp_path, "waivers/a.csv", lines(HEADER, waiver_row(expires_on=EXPIRES)))
    _, errors = load_waivers(tmp_path, settings=limits(waiver_max_days=30))
    assert len(errors) == 1
    assert "超过最长期限 30 天" in errors[0].reason


def test_today_decides_how_far_ahead_a_waiver_may_expire(tmp_path: Path) -> None:
    write(tmp_path, "waivers/a.csv", lines(HEADER, waiver_row(expires_on="2027-06-30")))
    accepted, _ = load_waivers(tmp_path, today=date(2026, 7, 1))
    rejected, _ = load_waivers(tmp_path, today=date(2026, 6, 29))
    assert (len(accepted), len(rejected)) == (1, 0)


def test_a_limit_column_under_another_name_is_a_warning(tmp_path: Path) -> None:
    # GIVEN a waiver for oversized whose limit is written under 人数上限 (not 上限)
    write(
        tmp_path,
        "waivers/2026.csv",
        lines("平台,群号,规则,理由,审批人,有效期至,人数上限", waiver_row(limit="300")),
    )
    # WHEN loaded
    waivers, errors = load_waivers(tmp_path)
    # THEN the waiver has no limit (it waives the finding), and the user is told the column
    # was not used: the 300 is never dropped in silence (DESIGN.md, Real exports)
    assert [w.limit for w in waivers] == [None]
    assert len(errors) == 1 and errors[0].warning
    assert errors[0].reason.startswith("“人数上限”列看起来是“上限”,但不是可识别的列名")
