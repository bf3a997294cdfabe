"""filings/* (群组审备登记表): one filing per row, bad rows reported with their cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib.core.models import Category, Filing, FilingStatus, Platform
from tests.intake.loaders import load_filings, write
from tests.intake.readers import lines, xlsx_bytes

HEADER = "平台,群号,群名称,单位,类别,群主账号,群主,责任人,责任人邮箱,备案日期,复核日期,截止日期,用途,状态"


def filing_row(
    platform: str = "QQ群",
    group_id: str = "123456",
    unit: str = "计算机学院",
    category: str = "班级群",
    filed_on: str = "2024-03-05",
    end_on: str = "",
    status: str = "",
) -> str:
    return (
        f"{platform},{group_id},计科2101班级群,{unit},{category},10001,张三,李老师,"
        f"li@x.edu,{filed_on},,{end_on},班级通知,{status}"
    )


def load_one(tmp_path: Path, row: str) -> Filing:
    write(tmp_path, "filings/2026.csv", lines(HEADER, row))
    filings, errors = load_filings(tmp_path)
    assert errors == []
    (filing,) = filings
    return filing


def test_loads_every_filing_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        "filings/2026.csv",
        lines(
            HEADER,
            "QQ群,123456,计科2101班级群,CS,班级群,10001,张三,李老师,li@x.edu,2024/3/5,2025年3月1日,,班级通知,已备案",
        ),
    )
    filings, errors = load_filings(tmp_path)
    assert errors == []
    assert filings == [
        Filing(
            platform=Platform.QQ,
            group_id="123456",
            group_name="计科2101班级群",
            unit_id="CS",
            category=Category.CLASS,
            owner_id="10001",
            owner_name="张三",
            responsible_name="李老师",
            responsible_email="li@x.edu",
            filed_on=date(2024, 3, 5),
            reviewed_on=date(2025, 3, 1),
            end_on=None,
            purpose="班级通知",
            status=FilingStatus.FILED,
        )
    ]


@pytest.mark.parametrize(
    ("word", "platform"),
    [
        ("QQ群", Platform.QQ),
        ("qq", Platform.QQ),
        ("QQ", Platform.QQ),
        ("微信群", Platform.WECHAT),
        ("wechat", Platform.WECHAT),
        ("WeChat", Platform.WECHAT),
        ("企业微信群", Platform.WECOM),
        ("wecom", Platform.WECOM),
        ("钉钉群", Platform.DINGTALK),
        ("dingtalk", Platform.DINGTALK),
    ],
)
def test_reads_platform_words(tmp_path: Path, word: str, platform: Platform) -> None:
    assert load_one(tmp_path, filing_row(platform=word)).platform is platform


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("工作群", Category.WORK),
        ("work", Category.WORK),
        ("党组织群", Category.PARTY),
        ("Party", Category.PARTY),
        ("班级群", Category.CLASS),
        ("团组织群", Category.LEAGUE),
        ("league", Category.LEAGUE),
        ("社团群", Category.CLUB),
        ("club", Category.CLUB),
        ("", None),
    ],
)
def test_reads_category_words(tmp_path: Path, word: str, category: Category | None) -> None:
    assert load_one(tmp_path, filing_row(category=word)).category is category


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("", FilingStatus.FILED),
        ("已备案", FilingStatus.FILED),
        ("filed", FilingStatus.FILED),
        ("待审", FilingStatus.PENDING),
        ("Pending", FilingStatus.PENDING),
        ("已注销", FilingStatus.CLOSED),
        ("closed", FilingStatus.CLOSED),
    ],
)
def test_reads_status_words_defaulting_to_filed(
    tmp_path: Path, word: str, status: FilingStatus
) -> None:
    assert load_one(tmp_path, filing_row(status=word)).status is status


def test_temporary_group_with_end_date_loads(tmp_path: Path) -> None:
    filing = load_one(tmp_path, filing_row(category="临时群", end_on="2026年12月31日"))
    assert (filing.category, filing.end_on) == (Category.TEMPORARY, date(2026, 12, 31))


def test_unit_may_be_named_by_id(tmp_path: Path) -> None:
    assert load_one(tmp_path, filing_row(unit="FL")).unit_id == "FL"


def test_skips_bad_rows_with_file_row_column_and_reason_while_others_load(tmp_path: Path) -> None:
    # GIVEN a filing list with a preamble line, good rows and one bad row of each kind
    write(
        tmp_path,
        "filings/2026.csv",
        lines(
            "计算机学院群组审备登记表",
            HEADER,
            filing_row(group_id="1"),
            filing_row(group_id="2", filed_on="2024-13-45"),
            filing_row(group_id="3", platform="飞书群"),
            filing_row(group_id="4", unit="数学学院"),
            filing_row(group_id=""),
            filing_row(group_id="6", category="临时群"),
            filing_row(group_id="7", status="已审批"),
            filing_row(group_id="8", filed_on=""),
            filing_row(group_id="9", category="兴趣群"),
            filing_row(group_id="10"),
        ),
    )
    # WHEN loaded
    filings, errors = load_filings(tmp_path)
    # THEN the good rows load and each bad row is reported at its cell
    assert [f.group_id for f in filings] == ["1", "10"]
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("filings/2026.csv", 4, "备案日期"),
        ("filings/2026.csv", 5, "平台"),
        ("filings/2026.csv", 6, "单位"),
        ("filings/2026.csv", 7, "群号"),
        ("filings/2026.csv", 8, "截止日期"),
        ("filings/2026.csv", 9, "状态"),
        ("filings/2026.csv", 10, "备案日期"),
        ("filings/2026.csv", 11, "类别"),
    ]
    reasons = [e.reason for e in errors]
    assert reasons[0] == "日期“2024-13-45”不存在"
    assert "无法识别的取值“飞书群”" in reasons[1]
    assert reasons[2] == "单位“数学学院”不在单位名录中"
    assert reasons[3] == "不能为空"
    assert reasons[4] == "临时群必须填写截止日期"
    assert "无法识别的取值“已审批”" in reasons[5]
    assert reasons[6] == "不能为空"
    assert "无法识别的取值“兴趣群”" in reasons[7]


def test_group_ids_from_number_cells_stay_exact(tmp_path: Path) -> None:
    header = HEADER.split(",")
    row = ["微信群", 9876543210, "群", "CS", "工作群", 12345, "", "", "", 45356, "", "", "", ""]
    write(tmp_path, "filings/2026.xlsx", xlsx_bytes({"登记表": [header, row]}))
    filings, errors = load_filings(tmp_path)
    assert errors == []
    assert (filings[0].group_id, filings[0].owner_id, filings[0].filed_on) == (
        "9876543210",
        "12345",
        date(2024, 3, 5),
    )


def test_rows_of_other_files_load_when_one_file_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "filings/a.csv", lines("平台,群号", "qq,1"))  # no 单位 or 备案日期 column
    write(tmp_path, "filings/b.csv", lines(HEADER, filing_row(group_id="2")))
    filings, errors = load_filings(tmp_path)
    assert [f.group_id for f in filings] == ["2"]
    assert len(errors) == 1
    assert errors[0].file == "filings/a.csv"
    assert (errors[0].row, errors[0].column) == (None, None)
    assert "群组审备登记表" in errors[0].reason


def test_a_column_that_looks_like_one_of_ours_is_a_warning_never_ignored_in_silence(
    tmp_path: Path,
) -> None:
    # GIVEN a filing list whose status, category, owner account, review and end columns
    # are written under names qungov does not accept (a closed temporary group)
    write(
        tmp_path,
        "filings/2026.csv",
        lines(
            "平台,群号,单位,备案日期,备案状态,群类别,群主QQ,年审日期,到期时间",
            "QQ群,123456,CS,2024-03-05,已注销,临时群,10001,2026-01-01,2026-06-30",
        ),
    )
    # WHEN loaded
    filings, errors = load_filings(tmp_path)
    # THEN the filing is read without them, and each is named in a warning (DESIGN.md,
    # Real exports): nobody takes the group for filed, without category or owner, unseen
    assert [f.status for f in filings] == [FilingStatus.FILED]
    assert all(e.warning and e.file == "filings/2026.csv" for e in errors)
    assert [e.reason.partition("但")[0] for e in errors] == [
        "“备案状态”列看起来是“状态”,",
        "“群类别”列看起来是“类别”,",
        "“群主QQ”列看起来是“群主账号”,",
        "“年审日期”列看起来是“复核日期”,",
        "“到期时间”列看起来是“截止日期”,",
    ]


def test_a_temporary_group_without_an_end_date_column_names_the_column_in_chinese(
    tmp_path: Path,
) -> None:
    # GIVEN a filing list without a 截止日期 column, holding a temporary group
    write(
        tmp_path,
        "filings/2026.csv",
        lines("平台,群号,单位,类别,备案日期", "qq,1,CS,临时群,2024-03-05"),
    )
    # WHEN loaded
    filings, errors = load_filings(tmp_path)
    # THEN the row error names the column as users know it, never the field's English name
    assert filings == []
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "截止日期", "临时群必须填写截止日期")
    ]
