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
