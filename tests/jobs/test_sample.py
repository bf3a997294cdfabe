"""The sample college generator: deterministic, in the promised formats, with a plan that
is exactly what a scan finds, and fast enough at scale."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.models import FindingStatus
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.intake.source import LocalSource
from jobs.sample import SamplePlan, generate_college
from jobs.sample.accounts import REGISTER, REGISTER_CSV
from jobs.sample.posts import POSTS_CSV, WEIBO_FILE
from jobs.sample.rosters import BROKEN_WORKBOOK

TODAY = date(2026, 11, 16)


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """Every file's content hash and modification time, by relative path."""
    return {
        path.relative_to(root).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            int(path.stat().st_mtime),
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def college(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SamplePlan]:
    root = tmp_path_factory.mktemp("sample") / "data"
    return root, generate_college(root, today=TODAY)


@pytest.fixture(scope="module")
def scanned(college: tuple[Path, SamplePlan]) -> ScanResult:
    root, _ = college
    return scan(LocalSource(root), TODAY, Settings())


def account_rows_in_error(result: ScanResult) -> set[tuple[str, str | None]]:
    """(file, column) of the rows of accounts/ and posts/ that could not be read."""
    return {
        (e.file, e.column)
        for e in result.errors
        if e.file.startswith(("accounts/", "posts/")) and not e.warning
    }


def test_same_seed_and_day_give_identical_files_and_times(
    college: tuple[Path, SamplePlan], tmp_path: Path
) -> None:
    root, plan = college
    again = generate_college(tmp_path / "again", today=TODAY)
    assert again == plan
    assert fingerprint(tmp_path / "again") == fingerprint(root)


def test_another_seed_gives_other_files(college: tuple[Path, SamplePlan], tmp_path: Path) -> None:
    root, plan = college
    other = generate_college(tmp_path / "other", today=TODAY, seed=8)
    assert other.planted != plan.planted
    ours, theirs = fingerprint(root), fingerprint(tmp_path / "other")
    common = ours.keys() & theirs.keys()
    assert "directory/教职工名册.csv" in common
    assert all(ours[path][0] != theirs[path][0] for path in common - {"config/offices.csv"})


def test_every_rule_is_planted_and_the_plan_counts_what_was_written(
    college: tuple[Path, SamplePlan],
) -> None:
    root, plan = college
    assert set(plan.planted) == set(REGISTRY)
    assert all(plan.planted.values())
    assert {rule for _, _, rule in plan.waived} == {"oversized", "outsider_members"}
    assert 110 <= plan.groups <= 130 and plan.people == 3000
    assert plan.files == sum(1 for p in root.rglob("*") if p.is_file())
    assert plan.rows > plan.groups * 20


def test_a_scan_finds_exactly_the_planted_problems(
    college: tuple[Path, SamplePlan], scanned: ScanResult
) -> None:
    _, plan = college
    result = scanned
    found_open = {
        (f.rule, f.platform.value, f.group_id)
        for f in result.findings
        if f.status is FindingStatus.OPEN
    }
    found_waived = {
        (f.platform.value, f.group_id, f.rule)
        for f in result.findings
        if f.status is FindingStatus.WAIVED
    }
    planted = {(rule, p, g) for rule, groups in plan.planted.items() for p, g in groups}
    assert found_open == planted
    assert found_waived == set(plan.waived)
    problems = {(e.file, e.column) for e in result.errors}
    assert (BROKEN_WORKBOOK, None) in problems
    assert ("directory/教职工名册.csv", "状态") in problems
    assert any(column == "备案日期" for _, column in problems)
    assert any(column in ("QQ号", "成员账号") for _, column in problems)
    assert plan.accounts.bad_rows == [(f"{REGISTER}#登记表", "平台")]  # a 微信小程序
    assert account_rows_in_error(result) == set(plan.accounts.bad_rows)


def test_each_planted_account_fires_only_its_rule_and_the_near_misses_none(
    college: tuple[Path, SamplePlan], scanned: ScanResult
) -> None:
    _, plan = college
    account_rules = {rule for rule in REGISTRY if rule.startswith("account_")}
    fired: dict[tuple[str, str], set[str]] = {}
    for f in scanned.findings:
        if f.platform.is_account:
            fired.setdefault((f.platform.value, f.group_id), set()).add(f.rule)
    planted: dict[tuple[str, str], set[str]] = {}
    for rule in account_rules:
        for key in plan.accounts.planted[rule]:
            planted.setdefault(key, set()).add(rule)
    assert fired == planted
    assert len(plan.accounts.planted["account_duplicate"]) == 2  # each of the pair
    seen = {(a.platform.value, a.account_id) for a in scanned.accounts}
    assert set(plan.accounts.spared) <= seen and not set(plan.accounts.spared) & fired.keys()
    assert len(plan.accounts.spared) == 2
    assert scanned.account_rows == plan.accounts.registered
    assert len(seen) == plan.accounts.registered + 1  # one account seen only in posts/


def test_an_account_without_posts_is_a_warning_not_a_finding(
    college: tuple[Path, SamplePlan], scanned: ScanResult
) -> None:
    _, plan = college
    [(_, account_id)] = plan.accounts.unposted
    [name] = [view.name for view in scanned.accounts if view.account_id == account_id]
    warned = [e for e in scanned.errors if e.warning and f"账号“{name}”没有发布记录" in e.reason]
    assert len(warned) == 1 and warned[0].file.startswith(REGISTER)
    assert not [f for f in scanned.findings if f.group_id == account_id]


def test_files_come_in_the_promised_encodings(college: tuple[Path, SamplePlan]) -> None:
    root, _ = college
    staff = (root / "directory/教职工名册.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        staff.decode("utf-8")
    assert staff.decode("gb18030").startswith("工号,姓名,部门,状态")
    exports = sorted((root / "rosters/qq").rglob("*.txt"))
    lines = exports[0].read_bytes().decode("gb18030").splitlines()
    assert lines[0].startswith("群名称:")
    assert lines[1] == f"群号:{exports[0].stem}"
    assert "\t" in lines[3]
    wechat = sorted((root / "rosters/wechat").rglob("*.tsv"))
    assert wechat and all(p.read_bytes().startswith(b"\xff\xfe") for p in wechat)
    assert (root / "filings/league_club_wecom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for workbook in (
        "directory/学生名册.xlsx",
        "filings/2026年群组审备登记表.xlsx",
        "rosters/qq/班级群导出.xlsx",
    ):
        assert zipfile.is_zipfile(root / workbook)
    with zipfile.ZipFile(root / "rosters/qq/班级群导出.xlsx") as book:
        assert sum(name.startswith("xl/worksheets/") for name in book.namelist()) > 1
    assert not zipfile.is_zipfile(root / BROKEN_WORKBOOK)


def test_accounts_come_as_an_office_and_the_platforms_make_them(
    college: tuple[Path, SamplePlan],
) -> None:
    root, _ = college
    with zipfile.ZipFile(root / REGISTER) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet.index("新媒体账号登记表") < sheet.index("序号") < sheet.index("登记日期")
    weibo = (root / WEIBO_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        weibo.decode("utf-8")
    assert weibo.decode("gb18030").startswith("账号名称,UID,微博正文,发布时间")
    mp = sorted(p.stem for p in (root / "posts/微信公众号").glob("*.xlsx"))
    assert len(mp) >= 5 and all(name in sheet for name in mp)  # named by the account
    douyin = sorted((root / "posts/抖音").glob("*.xlsx"))
    assert douyin
    with zipfile.ZipFile(douyin[0]) as book:
        assert "账号:" in book.read("xl/worksheets/sheet1.xml").decode("utf-8")


def export_day(path: Path) -> date:
    """The day of a QQ TXT export's `导出时间:` line."""
    line = path.read_bytes().decode("gb18030").splitlines()[2]
    assert line.startswith("导出时间:")
    return date.fromisoformat(line.removeprefix("导出时间:")[:10])


def test_exports_are_recent_except_the_planted_stale_ones(
    college: tuple[Path, SamplePlan],
) -> None:
    root, plan = college
    stale = sorted(root.glob("rosters/qq/*/旧导出/*.txt"))
    fresh = [p for p in root.glob("rosters/qq/*/*.txt")]
    assert len(stale) == 2 and fresh
    assert all(export_day(p) < TODAY - timedelta(days=14) for p in stale)
    assert all(TODAY - timedelta(days=13) <= export_day(p) < TODAY for p in fresh)
    stale_only = [p for p in stale if not (p.parent.parent / p.name).exists()]
    assert len(stale_only) == 1  # the other stale group also has a fresh export, which wins
    assert ("qq", stale_only[0].stem) in plan.planted["roster_missing"]
    for tsv in root.glob("rosters/wechat/*/*.tsv"):  # no export column: the file time counts
        modified = datetime.fromtimestamp(os.stat(tsv).st_mtime, SHANGHAI).date()
        assert TODAY - timedelta(days=13) <= modified < TODAY


def test_csv_mode_is_plain_utf8_and_scales(tmp_path: Path) -> None:
    started = time.perf_counter()
    plan = generate_college(tmp_path / "csv", today=TODAY, groups=300, formats="csv", plant=False)
    elapsed = time.perf_counter() - started
    assert plan.rows > 10_000 and plan.planted == {} and plan.waived == []
    assert elapsed < 5
    files = [p for p in (tmp_path / "csv").rglob("*") if p.is_file()]
    assert all(p.suffix == ".csv" for p in files)
    for path in files:
        path.read_bytes().decode("utf-8")
    assert any(p.parent.name in ("qq", "wechat", "wecom") for p in files)  # one file per unit
    assert any(p.parent.name.startswith("U") for p in files)  # one file per group


def test_csv_mode_plants_the_same_accounts_in_plain_files(tmp_path: Path) -> None:
    root = tmp_path / "csv"
    plan = generate_college(root, today=TODAY, groups=12, formats="csv")
    result = scan(LocalSource(root), TODAY, Settings())
    found = {
        (f.rule, f.platform.value, f.group_id)
        for f in result.findings
        if f.platform.is_account and f.status is FindingStatus.OPEN
    }
    planted = {(rule, p, a) for rule, keys in plan.accounts.planted.items() for p, a in keys}
    assert found == planted and len(planted) == 9
    assert not account_rows_in_error(result) and plan.accounts.bad_rows == []
    assert (root / REGISTER_CSV).is_file() and (root / POSTS_CSV).is_file()


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "left-over.csv").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_college(tmp_path, today=TODAY)


def test_planting_needs_enough_people(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_college(tmp_path / "tiny", today=TODAY, people=300)
