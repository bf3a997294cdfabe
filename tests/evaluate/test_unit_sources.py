"""A group's unit is read from a source too: its filing, else (an unfiled group) its name or
its owner's directory entry. The rules that need a unit are judged on where it came from,
so that a rejected file of that source resolves none of their findings (DESIGN.md,
"Guards" and "Resolving": one missing upload never resolves anything)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from chalicelib.evaluate.scan import scan
from chalicelib.intake.source import LocalSource
from chalicelib.ledger.models import EntryKey, LedgerEntry
from chalicelib.ledger.week import judge_week
from tests.factories import make_settings

TODAY = date(2026, 11, 16)
UNITS = "单位编码,单位名称,核心词\nU1,机电工程学院,机电\n"
DIRECTORY = "工号,姓名,单位,状态,QQ号\n" + "".join(
    f"T{i},张{i},U1,在职,{10000 + i}\n" for i in range(12)
)
REJECTED_DIRECTORY = "姓名,备注\n张三,没有工号列\n"
REJECTED_FILINGS = "姓名,备注\n张三,没有群号列\n"


def write(root: Path, files: dict[str, str]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def two_weeks(root: Path, week1: dict[str, str], week2: dict[str, str]) -> dict[str, str]:
    """(group_id/rule) -> what week 2 did to each finding week 1 opened."""
    settings = make_settings()
    write(root, week1)
    first = judge_week(scan(LocalSource(root), TODAY, settings), [], {}, [], settings, _none)
    ledger: dict[EntryKey, LedgerEntry] = {
        (e.platform, e.group_id, e.rule): e for e in first.entries
    }
    write(root, week2)
    later = scan(LocalSource(root), TODAY + timedelta(days=7), settings)
    second = judge_week(later, [], ledger, [], settings, _none)
    return {f"{c.entry.group_id}/{c.entry.rule}": c.kind.value for c in second.changes}


def _none(path: str) -> str | None:
    return None


def test_a_rejected_filings_file_resolves_no_duplicate_of_filed_groups(tmp_path: Path) -> None:
    # GIVEN week 1: two groups filed under U1, named without its keyword, the same 12 persons
    filings = (
        "平台,群号,群名称,单位,类别,备案日期\n"
        "qq,1,羽毛球甲,U1,工作群,2026-10-01\nqq,2,羽毛球乙,U1,工作群,2026-10-01\n"
    )
    roster = "群号,群名称,QQ号,身份\n" + "".join(
        f"{group},{name},{10000 + i},成员\n"
        for group, name in (("1", "羽毛球甲"), ("2", "羽毛球乙"))
        for i in range(12)
    )
    week1 = {
        "config/units.csv": UNITS,
        "directory/staff.csv": DIRECTORY,
        "filings/f.csv": filings,
        "rosters/qq/r.csv": roster,
    }
    # WHEN the filings file is rejected in week 2 (the groups' unit is then unknown)
    changes = two_weeks(tmp_path / "data", week1, {**week1, "filings/f.csv": REJECTED_FILINGS})
    # THEN their duplicate findings stay as they were: not resolved, not mailed as fixed
    assert changes["1/duplicate"] == "unseen"
    assert changes["2/duplicate"] == "unseen"


def test_a_rejected_directory_resolves_no_naming_of_a_group_in_its_owners_unit(
    tmp_path: Path,
) -> None:
    # GIVEN week 1: an unfiled group named without any keyword, whose owner is of U1
    roster = "群号,群名称,QQ号,身份\n" + "".join(
        f"5,羽毛球,{10000 + i},{'群主' if i == 0 else '成员'}\n" for i in range(3)
    )
    week1 = {
        "config/units.csv": UNITS,
        "directory/staff.csv": DIRECTORY,
        "rosters/qq/r.csv": roster,
    }
    # WHEN the directory is rejected in week 2 (the owner, and so the unit, is then unknown)
    changes = two_weeks(
        tmp_path / "data", week1, {**week1, "directory/staff.csv": REJECTED_DIRECTORY}
    )
    # THEN its naming finding stays as it was: not resolved, not mailed as fixed
    assert changes["5/naming"] == "unseen"
