"""Bad input found in review: each must be a clear row or file error, never a crash."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib.core.models import FindingStatus
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.intake.config import ScanAborted
from chalicelib.intake.source import LocalSource

TODAY = date(2026, 11, 16)
UNITS = "单位编码,单位名称,核心词\nU1,机电工程学院,机电\n"
DIRECTORY = "工号,姓名,单位,状态,QQ号\n" + "".join(
    f"T{i},张{i},U1,在职,{10000 + i}\n" for i in range(5)
)
ROSTER = "群号,QQ号,身份\n1,10000,群主\n1,10001,成员\n"
ID_CARD = "110101199003071234"  # an 18-digit id card number pasted into a date cell


def data_root(tmp_path: Path, files: dict[str, str]) -> Path:
    defaults = {"config/units.csv": UNITS, "directory/staff.csv": DIRECTORY}
    for path, text in (defaults | files).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path) -> ScanResult:
    return scan(LocalSource(root), TODAY, Settings())


# DESIGN.md, Data root: "a row that cannot be read (bad date, unknown role, empty id) is
# skipped and reported with file, row number, column and reason. A bad file never stops
# the other files or units". dates.py lets ValueError/OSError/OverflowError from
# datetime.fromtimestamp escape for numbers far beyond Unix seconds; only DateFormatError
# is caught, so the whole scan crashes.
@pytest.mark.parametrize(
    ("files", "where"),
    [
        (
            {
                "rosters/qq/r.csv": "群号,QQ号,身份,最后发言时间\n1,10000,群主,2026-11-01\n"
                f"1,10001,成员,{ID_CARD}\n"
            },
            ("rosters/qq/r.csv", 3, "最后发言时间"),
        ),
        (
            {"rosters/qq/r.csv": f"群号,QQ号,导出时间\n1,10000,{'9' * 20}\n"},
            ("rosters/qq/r.csv", 2, "导出时间"),
        ),
        (
            {
                "filings/f.csv": f"平台,群号,单位,备案日期\nqq,1,U1,{ID_CARD}\n",
                "rosters/qq/r.csv": ROSTER,
            },
            ("filings/f.csv", 2, "备案日期"),
        ),
        (
            {"directory/more.csv": f"工号,姓名,状态,离职日期\nX1,王五,离职,{'1' * 400}\n"},
            ("directory/more.csv", 2, "离职日期"),
        ),
    ],
    ids=["roster-last-spoke", "roster-exported", "filing-filed-on", "directory-left-on"],
)
def test_out_of_range_number_in_a_date_cell_is_a_row_error_not_a_crash(
    tmp_path: Path, files: dict[str, str], where: tuple[str, int, str]
) -> None:
    root = data_root(tmp_path, files)

    result = run(root)

    assert where in [(e.file, e.row, e.column) for e in result.errors]


# DESIGN.md, Data root: a bad row "is skipped and reported with file, row number, column and
# reason"; Safety: "never a crash". loaders/filings.py checks the limit with str.isdigit(),
# which accepts "①" and "²", then int() raises ValueError and the scan crashes.
def test_waiver_limit_in_circled_digits_is_a_row_error_not_a_crash(tmp_path: Path) -> None:
    root = data_root(
        tmp_path,
        {
            "rosters/qq/r.csv": ROSTER,
            "waivers/w.csv": "平台,群号,规则,理由,审批人,有效期至,上限\n"
            "qq,1,oversized,全院通知,党委工作部,2026-12-01,①\n",
        },
    )

    result = run(root)

    assert [(e.file, e.row, e.column) for e in result.errors] == [("waivers/w.csv", 2, "上限")]


# DESIGN.md, waivers/*: "platform, group_id | as above | required" -- the filings aliases
# (平台, 类型; 群号, 账号, 群ID). schema.WAIVERS accepts only 平台 and 群号/群ID, so a
# waiver list headed 类型/账号 is rejected whole and its waivers are lost.
def test_waiver_list_accepts_the_filing_aliases_for_platform_and_group_id(
    tmp_path: Path,
) -> None:
    root = data_root(
        tmp_path,
        {
            "rosters/qq/r.csv": ROSTER,
            "waivers/w.csv": "类型,账号,规则,理由,审批人,有效期至\n"
            "qq,1,unfiled,试点群,党委工作部,2026-12-01\n",
        },
    )

    result = run(root)

    assert result.errors == []
    assert {f.rule: f.status for f in result.findings if f.group_id == "1"}[
        "unfiled"
    ] is FindingStatus.WAIVED


# DESIGN.md, Data root: "A file that cannot be read (bad encoding, no required column, not a
# table) is rejected whole with one clear message". When config/units.csv is rejected the
# scan aborts with a fixed "找不到可用的单位名录" text: the rejection reason (here the missing
# 单位编码 column) is collected in a local errors list and then dropped, so the engineer
# never sees why the file present on disk was not usable.
def test_aborted_scan_says_why_the_unit_list_was_rejected(tmp_path: Path) -> None:
    root = data_root(tmp_path, {"config/units.csv": "名称\n机电\n"})

    with pytest.raises(ScanAborted) as aborted:
        run(root)

    assert "单位编码" in str(aborted.value)
