"""New-media accounts through the same weekly run and rollup as the groups, in memory: the
unit's digest lists them under their own headings, operators masked; the office's rollup
counts them by platform and its workbook carries them as the 登记表 annex; a fixed
register resolves the finding the next week."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from chalicelib.core.models import Platform, RollupKind
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import LedgerState
from tests.evaluate.test_account_scan import REGISTER, college
from tests.factories import make_settings
from tests.flows.local import LocalAws

DAY = date(2026, 11, 16)
UPLOADED = datetime(2026, 11, 16, 7, 30)
AT_TEN = datetime.combine(DAY, time(2, 0), UTC)
SETTINGS = make_settings()
OFFICES = "部门,邮箱,范围\n党委工作部,dwgzb@example.edu.cn,all\n学生处,xsc@example.edu.cn,class\n"


@pytest.fixture
def world(tmp_path: Path) -> LocalAws:
    root = college(tmp_path / "data")
    (root / "config/offices.csv").write_text(OFFICES, encoding="utf-8")
    local = LocalAws(now=UPLOADED)
    local.upload(root)
    run_weekly(local.weekly(), SETTINGS, DAY)
    local.drain(SETTINGS, AT_TEN)
    return local


def to(world: LocalAws, address: str) -> list[EmailMessage]:
    return [m for m in world.emails() if address in str(m["To"])]


def html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def test_the_unit_digest_lists_its_accounts_under_their_own_heading(world: LocalAws) -> None:
    [digest] = to(world, "xxgc@example.edu.cn")
    assert "个新媒体账号有" in str(digest["Subject"])
    body = html(digest)
    assert "新媒体账号 · 本周新发现" in body
    for title in (
        "新媒体未审批",
        "新媒体未登记",
        "运营者已离职离校",
        "冒用上级名义",
        "新媒体重复建设",
    ):
        assert title in body
    assert "微信公众号 gh_000000000002" in body
    assert "张*" in body and "张三" not in body  # the departed operator, masked
    assert "群和新媒体账号" not in body  # this unit has accounts only


def test_the_rollup_counts_accounts_by_platform_and_annexes_the_register(
    world: LocalAws,
) -> None:
    run_rollup(world.rollup(), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)
    [report] = [m for m in to(world, "dwgzb@example.edu.cn") if "周报" in str(m["Subject"])]
    body = html(report)
    assert "新媒体账号(按平台)" in body and "哔哩哔哩" in body
    key = "reports/2026/W47/群组合规汇总_2026-W47_党委工作部.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(world.bucket.get(key)))
    annex = [list(row) for row in book["新媒体账号"].iter_rows(values_only=True)]
    header = tuple(annex[0])
    assert header[:5] == ("序号", "单位", "平台", "账号名称", "账号ID")
    rows = {row[4]: row for row in annex[1:]}
    assert len(rows) == 11  # 10 registered, 1 seen only posting
    assert rows["dy_xxgc"][6] == "T***"  # the operator's person id T001, masked
    assert rows["信息学院学生会"][9] == "未登记"
    counts = {
        row[0]: row[1:] for row in book["新媒体平台统计"].iter_rows(min_row=2, values_only=True)
    }
    assert counts["微信公众号"] == (5, 4, 4)  # gh_1, 2, 6, 7 open; gh_8 closed, not judged
    # the office of class groups sees no accounts
    [scoped] = [m for m in to(world, "xsc@example.edu.cn") if "周报" in str(m["Subject"])]
    assert "新媒体账号(按平台)" not in html(scoped)


def test_approving_the_account_resolves_its_finding_the_next_week(
    world: LocalAws, tmp_path: Path
) -> None:
    key = (Platform.WECHAT_MP, "gh_000000000002", "account_unapproved")
    assert world.ledger.entries()[key].state is LedgerState.OPEN
    root = tmp_path / "data"
    fixed = REGISTER.replace("学校,李四,未审批", "学校,李四,已审批")
    (root / "accounts/登记表.csv").write_bytes(fixed.encode("gb18030"))
    later = DAY + timedelta(days=7)
    world.upload(root, at=datetime.combine(later, time(7, 0)))
    run_weekly(world.weekly(), SETTINGS, later)
    assert world.ledger.entries()[key].state is LedgerState.RESOLVED
    still = (Platform.DOUYIN, "dy_xxgc", "account_operator_departed")
    assert world.ledger.entries()[still].state is LedgerState.OPEN


def test_a_rejected_register_file_holds_new_account_findings(tmp_path: Path) -> None:
    root = college(tmp_path / "data")
    (root / "config/offices.csv").write_text(OFFICES, encoding="utf-8")
    (root / "accounts/补充登记.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    local = LocalAws(now=UPLOADED)
    local.upload(root)
    summary, _, _ = run_weekly(local.weekly(), SETTINGS, DAY)
    local.drain(SETTINGS, AT_TEN)
    assert not any(key[0].is_account for key in local.ledger.entries())
    assert summary.held >= 9  # every new account finding of the week, none mailed
    [digest] = to(local, "xxgc@example.edu.cn")
    body = html(digest)
    assert "新媒体账号登记表 accounts/补充登记.xlsx 被拒收" in body
    assert "新媒体账号 · 本周新发现" not in body
