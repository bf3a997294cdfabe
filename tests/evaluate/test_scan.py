"""The scan over a whole data root: waivers, unit inference, closed filings, bad files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib.core.models import Finding, FindingStatus
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.intake.config import ScanAborted
from chalicelib.intake.source import LocalSource

TODAY = date(2026, 11, 16)
UNITS = "单位编码,单位名称,核心词\nU1,机电工程学院,机电\nU2,机电信息学院,机电信息\nU3,经济管理学院,经管;机电\n"
DIRECTORY = "工号,姓名,单位,状态,QQ号\n" + "".join(
    f"T{i},张{i},U{1 + i % 2},在职,{10000 + i}\n" for i in range(200)
)
FILINGS_HEADER = "平台,群号,群名称,单位,类别,群主账号,备案日期,状态\n"


def members(group: str, count: int, *, first: int = 0, owner: int | None = None) -> str:
    owner = first if owner is None else owner
    rows = [
        f"{group},{10000 + i},{'群主' if i == owner else '成员'}"
        for i in range(first, first + count)
    ]
    return "\n".join(rows) + "\n"


def data_root(tmp_path: Path, files: dict[str, str]) -> Path:
    defaults = {"config/units.csv": UNITS, "directory/staff.csv": DIRECTORY}
    for path, text in (defaults | files).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, **settings: object) -> ScanResult:
    return scan(LocalSource(root), TODAY, Settings(**settings))  # type: ignore[arg-type]


def found(result: ScanResult, group_id: str) -> dict[str, Finding]:
    return {f.rule: f for f in result.findings if f.group_id == group_id}


def roster(text: str) -> str:
    return "群号,QQ号,身份\n" + text


def test_valid_waiver_turns_a_finding_into_waived_and_an_expired_one_does_not(
    tmp_path: Path,
) -> None:
    root = data_root(
        tmp_path,
        {
            "rosters/qq/r.csv": roster(members("1", 3) + members("2", 3)),
            "waivers/w.csv": "平台,群号,规则,理由,审批人,有效期至\n"
            "qq,1,未审备,试点群,党委工作部,2026-11-16\nqq,2,unfiled,试点群,党委工作部,2026-11-15\n",
        },
    )

    result = run(root)

    assert found(result, "1")["unfiled"].status is FindingStatus.WAIVED
    assert found(result, "2")["unfiled"].status is FindingStatus.OPEN


@pytest.mark.parametrize(
    ("count", "limit", "expected"),
    [(160, 180, None), (181, 180, "open"), (120, 100, "open"), (151, None, "waived")],
)
def test_oversized_waiver_limit_replaces_max_members(
    tmp_path: Path, count: int, limit: int | None, expected: str | None
) -> None:
    root = data_root(
        tmp_path,
        {
            "filings/f.csv": FILINGS_HEADER + "qq,1,机电工作群,U1,工作群,10000,2026-10-01,已备案\n",
            "rosters/qq/r.csv": roster(members("1", count)),
            "waivers/w.csv": "平台,群号,规则,理由,审批人,有效期至,上限\n"
            f"QQ群,1,oversized,全院通知,党委工作部,2027-01-01,{limit or ''}\n",
        },
    )

    result = run(root, max_members=150)

    finding = found(result, "1").get("oversized")
    assert (finding.status.value if finding else None) == expected


def test_waiver_expiring_more_than_a_year_ahead_is_a_row_error_and_ignored(tmp_path: Path) -> None:
    root = data_root(
        tmp_path,
        {
            "rosters/qq/r.csv": roster(members("1", 3)),
            "waivers/w.csv": "平台,群号,规则,理由,审批人,有效期至\nqq,1,unfiled,长期,党委工作部,2027-11-17\n",
        },
    )

    result = run(root)

    assert found(result, "1")["unfiled"].status is FindingStatus.OPEN
    assert [(e.file, e.row, e.column) for e in result.errors] == [("waivers/w.csv", 2, "有效期至")]


@pytest.mark.parametrize(
    ("name", "unit"),
    [("机电信息2班", "U2"), ("机电1班", "U1"), ("无名群", "U2"), ("经管机电", "U1")],
)
def test_unfiled_group_unit_is_the_longest_keyword_then_the_owners_unit(
    tmp_path: Path, name: str, unit: str
) -> None:
    # owner 10001 is T1 of U2; 机电 ties between U1 and U3: the first listed wins
    root = data_root(
        tmp_path, {"rosters/qq/r.csv": "群号,群名称,QQ号,身份\n" + f"1,{name},10001,群主\n"}
    )

    result = run(root)

    assert found(result, "1")["unfiled"].unit_id == unit


def test_unfiled_group_with_no_unit_is_unroutable_and_skips_unit_rules(tmp_path: Path) -> None:
    root = data_root(tmp_path, {"rosters/qq/r.csv": "群号,群名称,QQ号,身份\n1,杂谈,99999,群主\n"})

    result = run(root)

    assert set(found(result, "1")) == {"unfiled", "unidentified_members"}
    assert {f.unit_id for f in result.findings} == {None}


def test_closed_filing_counts_as_no_filing(tmp_path: Path) -> None:
    root = data_root(
        tmp_path,
        {
            "filings/f.csv": FILINGS_HEADER
            + "qq,1,机电工作群,U1,工作群,10000,2026-10-01,已注销\nqq,2,机电工作群,U1,工作群,10000,2026-10-01,已注销\n",
            "rosters/qq/r.csv": roster(members("1", 3)),
        },
    )

    result = run(root)

    assert "unfiled" in found(result, "1")
    assert [g.group_id for g in result.groups] == ["1"]  # closed and gone: not a group


def test_a_broken_file_loses_nothing_of_the_other_files(tmp_path: Path) -> None:
    root = data_root(
        tmp_path,
        {
            "directory/broken.xlsx": "not a workbook",
            "filings/f.csv": FILINGS_HEADER + "qq,1,机电工作群,U1,工作群,10000,2026-10-01,\n",
            "filings/bad.csv": "\x00\x01\x02",
            "rosters/qq/r.csv": roster(members("1", 3, first=0) + members("2", 3)),
        },
    )

    result = run(root)

    assert "unfiled" not in found(result, "1") and "unfiled" in found(result, "2")
    assert len(result.directory) == 200
    assert sorted(e.file for e in result.errors) == ["directory/broken.xlsx", "filings/bad.csv"]


def test_scan_cannot_run_without_a_unit_list(tmp_path: Path) -> None:
    root = data_root(tmp_path, {"config/units.csv": "名称\n机电\n"})

    with pytest.raises(ScanAborted, match="单位名录"):
        run(root)


def test_a_group_whose_latest_filing_row_is_closed_has_no_filing(tmp_path: Path) -> None:
    root = data_root(
        tmp_path,
        {
            "filings/f.csv": FILINGS_HEADER
            + "qq,1,机电工作群,U1,工作群,10000,2025-10-01,已备案\n"
            + "qq,1,机电工作群,U1,工作群,10000,2026-10-01,已注销\n"
            + "qq,2,机电工作群,U1,工作群,10000,2025-10-01,已注销\n"
            + "qq,2,机电工作群,U1,工作群,10000,2026-10-01,已备案\n",
        },
    )

    result = run(root)

    assert [g.group_id for g in result.groups] == ["2"]
    assert found(result, "2") == {"roster_missing": found(result, "2")["roster_missing"]}


def test_platform_folder_names_ignore_case(tmp_path: Path) -> None:
    root = data_root(tmp_path, {"rosters/QQ/100001.csv": "QQ号,身份\n10001,群主\n"})

    result = run(root)

    assert [(g.platform.value, g.group_id) for g in result.groups] == [("qq", "100001")]


def test_an_outsider_in_the_group_by_a_second_account_is_listed_by_that_account(
    tmp_path: Path,
) -> None:
    # GIVEN a person of U2 with two QQ accounts, in a work group of U1 by the second one
    directory = DIRECTORY + "T900,李四,U2,在职,777000111;777000222\n"
    filing = FILINGS_HEADER + "qq,5001,机电工作群,U1,work,10000,2026-01-05,已备案\n"
    root = data_root(
        tmp_path,
        {
            "directory/staff.csv": directory,
            "filings/f.csv": filing,
            "rosters/qq/r.csv": roster("5001,10000,群主\n5001,10002,成员\n5001,777000222,成员\n"),
        },
    )

    # WHEN scanned
    outsider = found(run(root), "5001")["outsider_members"]

    # THEN the member is listed by the account that is in the group
    (member,) = outsider.evidence["members"]
    assert (member["account"], member["person"]) == ("77****22", "李*")
