"""The rollup job on the in-memory ports: what each office receives, what is archived,
and sending once. The scheduled handler runs on moto (the last test)."""

from __future__ import annotations

import base64
import email
import io
import re
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import openpyxl
import pytest
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients
from chalicelib.core.models import RollupKind
from chalicelib.core.settings import Settings
from chalicelib.flows.rollup import RollupSummary, RollupUnavailable, run_rollup
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import LedgerState
from jobs.provision import upload_folder
from jobs.sample import generate_college
from jobs.weekly import run_weekly_job
from tests.flows.local import LocalAws

DAY = date(2026, 11, 16)
UPLOADED = datetime(2026, 11, 16, 7, 30)  # Shanghai time, before the weekly run
AT_TEN = datetime.combine(DAY, time(2, 0), UTC)
SETTINGS = Settings()


@pytest.fixture
def local(tmp_path: Path) -> LocalAws:
    """A college uploaded and its weekly job run, in memory."""
    world = LocalAws(now=UPLOADED)
    generate_college(tmp_path / "data", today=DAY, groups=60)
    world.upload(tmp_path / "data")
    run_weekly(world.weekly(), SETTINGS, DAY)
    world.drain(SETTINGS, AT_TEN)
    return world


def rollup(
    local: LocalAws,
    kind: RollupKind = RollupKind.WEEK,
    *,
    dry_run: bool = False,
    out: Path | None = None,
) -> RollupSummary:
    return run_rollup(local.rollup(), SETTINGS, kind, DAY, AT_TEN, dry_run=dry_run, out=out)


def sent(local: LocalAws, word: str = "周报") -> list[EmailMessage]:
    return [m for m in local.emails() if word in str(m["Subject"])]


def workbook(local: LocalAws, key: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(local.bucket.get(key)))


def test_each_office_gets_one_rollup_archived_under_the_week(local: LocalAws) -> None:
    summary = rollup(local)

    assert summary.sent == {"党委工作部": "sent", "学生处": "sent", "校团委": "sent"}
    keys = set(local.bucket.keys("reports/2026/W47/"))
    for office in summary.sent:
        assert {f"reports/2026/W47/{office}.html", f"reports/2026/W47/{office}.eml"} <= keys
        assert f"reports/2026/W47/群组合规汇总_2026-W47_{office}.xlsx" in keys
    assert sorted(str(m["To"]) for m in sent(local)) == [
        "dwgzb@college.example.com",
        "tw@college.example.com",
        "xsc@college.example.com",
    ]


def test_the_workbook_figures_equal_the_ledger(local: LocalAws) -> None:
    rollup(local)
    open_entries = [
        e
        for e in local.ledger.entries().values()
        if e.state in (LedgerState.OPEN, LedgerState.REOPENED)
    ]

    book = workbook(local, "reports/2026/W47/群组合规汇总_2026-W47_党委工作部.xlsx")

    details = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert len([r for r in details if r[7] == "未整改"]) == len(open_entries)
    summary_rows = list(book["汇总"].iter_rows(values_only=True))
    total_row = next(r for r in summary_rows if r[0] == "合计")
    assert total_row[-1] == len(open_entries)
    assert book["趋势"]._charts
    html = local.bucket.get("reports/2026/W47/党委工作部.html").decode("utf-8")
    assert f"未整改 {len(open_entries)} 项" in html


def test_student_affairs_sees_only_class_groups(local: LocalAws) -> None:
    rollup(local)

    book = workbook(local, "reports/2026/W47/群组合规汇总_2026-W47_学生处.xlsx")

    categories = {row[5] for row in book["登记表"].iter_rows(min_row=2, values_only=True)}
    assert categories == {"班级群"}
    details = {row[4] for row in book["明细"].iter_rows(min_row=2, values_only=True)}
    assert details <= {"班级群"}


def test_a_second_run_of_the_same_rollup_sends_nothing_again(local: LocalAws) -> None:
    first = rollup(local)
    again = rollup(local)

    assert set(first.sent.values()) == {"sent"}
    assert set(again.sent.values()) == {"duplicate"}
    assert len(sent(local)) == 3


def test_monthly_rollup_is_archived_under_the_month(local: LocalAws) -> None:
    summary = rollup(local, RollupKind.MONTH)

    assert summary.period == "2026-11"
    assert all(f.startswith("reports/2026/M11/") for f in summary.files)
    assert (
        len(sent(local, "月报")) == 3 and sent(local) == []
    )  # three monthly rollups, no weekly one


def test_dry_run_writes_files_locally_and_sends_nothing(local: LocalAws, tmp_path: Path) -> None:
    summary = rollup(local, dry_run=True, out=tmp_path / "r")

    assert set(summary.sent.values()) == {"dry run"}
    assert (tmp_path / "r" / "2026" / "W47" / "党委工作部.html").exists()
    assert sent(local) == []


def test_the_archived_page_opens_from_disk_with_its_chart_and_the_email_keeps_cid(
    local: LocalAws, tmp_path: Path
) -> None:
    rollup(local, out=tmp_path / "r")

    folder = tmp_path / "r" / "2026" / "W47"
    page = (folder / "党委工作部.html").read_text(encoding="utf-8")
    assert local.bucket.get("reports/2026/W47/党委工作部.html").decode("utf-8") == page
    (chart,) = re.findall(r'<img src="([^"]+)"', page)
    assert chart.startswith("data:image/png;base64,")
    assert base64.b64decode(chart.partition(",")[2]).startswith(b"\x89PNG")
    message = email.message_from_bytes((folder / "党委工作部.eml").read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    assert html is not None and 'src="cid:trend-chart"' in str(html.get_content())


def test_rollup_before_any_weekly_run_says_so() -> None:
    with pytest.raises(RollupUnavailable, match="每周检查"):
        rollup(LocalAws(now=UPLOADED))


def test_rollup_schedules_are_monday_ten_and_the_first_monday_of_the_month() -> None:
    expressions = {
        s.name: s.schedule_expression.to_string()
        for s in app_module.app.event_sources
        if hasattr(s, "schedule_expression")
    }

    assert expressions["weekly_rollup"] == "cron(0 2 ? * MON *)"
    assert expressions["monthly_rollup"] == "cron(0 2 ? * MON#1 *)"


def test_weekly_rollup_handler_runs_through_lambda(
    aws: Clients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_college(tmp_path / "data", today=DAY, groups=60)
    upload_folder(aws.s3, SETTINGS.data_bucket, tmp_path / "data")
    run_weekly_job(aws, SETTINGS, DAY, AT_TEN, False, tmp_path / "unused")
    monkeypatch.setattr(app_module, "shanghai_today", lambda now: DAY)
    with Client(app_module.app) as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        result = client.lambda_.invoke("weekly_rollup", event).payload

    assert result["period"] == "2026-W47"
    assert set(result["sent"].values()) == {"sent"}
