"""accounts/* (新媒体账号登记表): one account per row, its ids read as every id is."""

from __future__ import annotations

from pathlib import Path

from tests.intake.loaders import load_accounts, write
from tests.intake.readers import lines

HEADER = "平台,账号ID,账号名称,单位,运营者"


def test_an_operator_id_written_as_a_float_is_read_as_the_id(tmp_path: Path) -> None:
    # GIVEN a register saved by pandas: an id column with blanks holds floats (10001.0)
    write(
        tmp_path,
        "accounts/登记表.csv",
        lines(
            HEADER, "微博,7712345678,计算机学院官微,CS,10001.0", "抖音,jsjxy,计算机学院青年,CS,张三"
        ),
    )
    # WHEN loaded
    accounts, errors = load_accounts(tmp_path)
    # THEN the operator is person 10001, as every id is read (DESIGN.md, Real exports),
    # and an operator written by name stays the name
    assert errors == []
    assert [a.operator for a in accounts] == ["10001", "张三"]


def test_never_markers_in_date_columns_are_empty_dates(tmp_path: Path) -> None:
    # GIVEN a register whose 最近发布日期, 审批日期 and 登记日期 say "never" or "unknown" as
    # exports and offices write it (未知, 无, -, 0, 0000-00-00 …)
    header = "平台,账号ID,账号名称,单位,最近发布日期,审批日期,登记日期"
    write(
        tmp_path,
        "accounts/登记表.csv",
        lines(
            header,
            "微博,wb1,计算机学院官微,CS,未知,无,2025-01-01",
            "微博,wb2,计算机学院团委,CS,-,,2025-01-01",
            "微博,wb3,计算机学院学生会,CS,0,,无",
            "微博,wb4,计算机学院青协,CS,0000-00-00 00:00:00,,2025-01-01",
        ),
    )
    # WHEN loaded
    accounts, errors = load_accounts(tmp_path)
    # THEN each marker is an empty date (DESIGN.md, Real exports), never a row error that
    # drops the whole account: no post date (a warning of the scan), not filed
    assert errors == []
    assert [(a.account_id, a.last_post_on, a.approved_on) for a in accounts] == [
        ("wb1", None, None),
        ("wb2", None, None),
        ("wb3", None, None),
        ("wb4", None, None),
    ]
    assert [a.filed_on is None for a in accounts] == [False, False, True, False]
