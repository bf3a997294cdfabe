"""The rollup job on moto: what each office receives, what is archived, and sending once."""

from __future__ import annotations

import base64
import email
import io
import re
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.core.models import RollupKind
from chalicelib.core.settings import Settings
from chalicelib.flows.rollup import RollupUnavailable, run_rollup
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.ledger.models import LedgerState
from jobs.provision import upload_folder
from jobs.sample import generate_college
from jobs.weekly import run_weekly_job
from tests.aws import embedded_aws, sent_emails

DAY = date(2026, 11, 16)
AT_TEN = datetime.combine(DAY, time(2, 0), UTC)
SETTINGS = Settings()


@pytest.fixture
def aws(aws: Clients, tmp_path: Path) -> Clients:
    """The provisioned moto of conftest, with a college uploaded and its weekly job run."""
    generate_college(tmp_path / "data", today=DAY, groups=60)
    upload_folder(aws.s3, SETTINGS.data_bucket, tmp_path / "data")
    run_weekly_job(aws, SETTINGS, DAY, AT_TEN, False, tmp_path / "unused")
    return aws


def sent() -> list[Any]:
    return [m for m in sent_emails() if "周报" in _subject(m)]


def _subject(message: Any) -> str:
    parsed = email.message_from_string(message.raw_data)
    return str(email.header.make_header(email.header.decode_header(parsed["Subject"])))


def workbook(clients: Clients, key: str) -> openpyxl.Workbook:
    body = clients.s3.get_object(Bucket=SETTINGS.data_bucket, Key=key)["Body"].read()
    return openpyxl.load_workbook(io.BytesIO(body))


def test_each_office_gets_one_rollup_archived_under_the_week(aws: Clients) -> None:
    summary = run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)

    assert summary.sent == {"党委工作部": "sent", "学生处": "sent", "校团委": "sent"}
    listed = aws.s3.list_objects_v2(Bucket=SETTINGS.data_bucket, Prefix="reports/2026/W47/")
    keys = {item["Key"] for item in listed["Contents"]}
    for office in summary.sent:
        assert {f"reports/2026/W47/{office}.html", f"reports/2026/W47/{office}.eml"} <= keys
        assert f"reports/2026/W47/群组合规汇总_2026-W47_{office}.xlsx" in keys
    assert sorted(m.destinations[0] for m in sent()) == [
        "dwgzb@college.example.com",
        "tw@college.example.com",
        "xsc@college.example.com",
    ]


def test_the_workbook_figures_equal_the_ledger(aws: Clients) -> None:
    run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)
    open_entries = [
        e
        for e in DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries().values()
        if e.state in (LedgerState.OPEN, LedgerState.REOPENED)
    ]

    book = workbook(aws, "reports/2026/W47/群组合规汇总_2026-W47_党委工作部.xlsx")

    details = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert len([r for r in details if r[7] == "未整改"]) == len(open_entries)
    summary_rows = list(book["汇总"].iter_rows(values_only=True))
    total_row = next(r for r in summary_rows if r[0] == "合计")
    assert total_row[-1] == len(open_entries)
    assert book["趋势"]._charts
    html = aws.s3.get_object(Bucket=SETTINGS.data_bucket, Key="reports/2026/W47/党委工作部.html")
    assert f"未整改 {len(open_entries)} 项" in html["Body"].read().decode("utf-8")


def test_student_affairs_sees_only_class_groups(aws: Clients) -> None:
    run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)

    book = workbook(aws, "reports/2026/W47/群组合规汇总_2026-W47_学生处.xlsx")

    categories = {row[5] for row in book["登记表"].iter_rows(min_row=2, values_only=True)}
    assert categories == {"班级群"}
    details = {row[4] for row in book["明细"].iter_rows(min_row=2, values_only=True)}
    assert details <= {"班级群"}


def test_a_second_run_of_the_same_rollup_sends_nothing_again(aws: Clients) -> None:
    first = run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)
    again = run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)

    assert set(first.sent.values()) == {"sent"}
    assert set(again.sent.values()) == {"duplicate"}
    assert len(sent()) == 3


def test_monthly_rollup_is_archived_under_the_month(aws: Clients) -> None:
    summary = run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.MONTH, DAY, AT_TEN)

    assert summary.period == "2026-11"
    assert all(f.startswith("reports/2026/M11/") for f in summary.files)
    monthly = [m for m in sent_emails() if "月报" in _subject(m)]
    assert len(monthly) == 3 and sent() == []  # three monthly rollups, no weekly one


def test_dry_run_writes_files_locally_and_sends_nothing(aws: Clients, tmp_path: Path) -> None:
    summary = run_rollup(
        rollup_ports(aws, SETTINGS),
        SETTINGS,
        RollupKind.WEEK,
        DAY,
        AT_TEN,
        dry_run=True,
        out=tmp_path / "r",
    )

    assert set(summary.sent.values()) == {"dry run"}
    assert (tmp_path / "r" / "2026" / "W47" / "党委工作部.html").exists()
    assert sent() == []


def test_the_archived_page_opens_from_disk_with_its_chart_and_the_email_keeps_cid(
    aws: Clients, tmp_path: Path
) -> None:
    run_rollup(
        rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN, out=tmp_path / "r"
    )

    folder = tmp_path / "r" / "2026" / "W47"
    page = (folder / "党委工作部.html").read_text(encoding="utf-8")
    stored = aws.s3.get_object(Bucket=SETTINGS.data_bucket, Key="reports/2026/W47/党委工作部.html")
    assert stored["Body"].read().decode("utf-8") == page
    (chart,) = re.findall(r'<img src="([^"]+)"', page)
    assert chart.startswith("data:image/png;base64,")
    assert base64.b64decode(chart.partition(",")[2]).startswith(b"\x89PNG")
    message = email.message_from_bytes((folder / "党委工作部.eml").read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    assert html is not None and 'src="cid:trend-chart"' in str(html.get_content())


def test_rollup_before_any_weekly_run_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with embedded_aws(monkeypatch) as clients, pytest.raises(RollupUnavailable, match="每周检查"):
        run_rollup(rollup_ports(clients, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, AT_TEN)


def test_rollup_schedules_are_monday_ten_and_the_first_monday_of_the_month() -> None:
    expressions = {
        s.name: s.schedule_expression.to_string()
        for s in app_module.app.event_sources
        if hasattr(s, "schedule_expression")
    }

    assert expressions["weekly_rollup"] == "cron(0 2 ? * MON *)"
    assert expressions["monthly_rollup"] == "cron(0 2 ? * MON#1 *)"


def test_weekly_rollup_handler_runs_through_lambda(
    aws: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "shanghai_today", lambda now: DAY)
    with Client(app_module.app) as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        result = client.lambda_.invoke("weekly_rollup", event).payload

    assert result["period"] == "2026-W47"
    assert set(result["sent"].values()) == {"sent"}
