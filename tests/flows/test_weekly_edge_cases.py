"""Edge cases found in review: sends never lost, rollup figures equal the ledger, missing data resolves nothing."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import Office, Platform, RollupKind
from chalicelib.core.settings import Settings
from chalicelib.flows.delivery import ports as delivery_ports
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import LedgerState
from chalicelib.notify.digests.models import Unroutable
from chalicelib.notify.rollups.build import build_rollup
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.rollups.render import render_rollup
from chalicelib.notify.rollups.workbook import build_workbook
from chalicelib.notify.sending import SendFailed
from jobs.provision import upload_folder
from jobs.sample import generate_college
from jobs.template import MAX_RECEIVES
from tests.aws import REGION, sent_emails

DAY = date(2026, 11, 16)  # a Monday
SETTINGS = Settings()


def at(day: date, hour_utc: int = 0, minutes: int = 5) -> datetime:
    return datetime.combine(day, time(hour_utc, minutes), UTC)


def upload(clients: Clients, root: Path, day: date) -> None:
    generate_college(root, today=day, groups=40)
    upload_folder(clients.s3, SETTINGS.data_bucket, root)


def sent_count() -> int:
    return len(sent_emails())


def receive_all(clients: Clients, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := clients.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", []):
        out.extend(batch)
    return out


def record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "body": message["Body"],
        "receiptHandle": message["ReceiptHandle"],
        "attributes": message.get("Attributes", {}),
    }


def headline(book: openpyxl.Workbook, label: str) -> Any:
    sheet = book["汇总"]
    for col in range(1, sheet.max_column + 1):
        if sheet.cell(2, col).value == label:
            return sheet.cell(3, col).value
    raise AssertionError(f"no headline {label}")


# --- sending ----------------------------------------------------------------------------


def test_a_claim_left_by_a_worker_that_died_before_ses_is_not_acknowledged_as_a_duplicate(
    aws: Clients, tmp_path: Path
) -> None:
    # Checks DESIGN.md: "a failed send is retried, never silently lost."
    # GIVEN a digest whose first worker claimed the send and then died (Lambda timeout)
    # before SES was called: the claim stays `sending`, nothing was sent
    upload(aws, tmp_path / "data", DAY)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    message = summary.messages[0]
    DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).claim(message, at(DAY))
    url = aws.sqs.get_queue_url(QueueName=SETTINGS.digest_queue)["QueueUrl"]
    (first,) = [m for m in receive_all(aws, url) if m["Body"] == message.to_json()]

    # WHEN SQS redelivers it after the queue's 60 s visibility timeout
    raised = False
    outcome: str
    try:
        outcome = send_digest_record(
            record(first), delivery_ports(aws, SETTINGS), SETTINGS, at(DAY) + timedelta(minutes=2)
        )
    except Exception:
        raised = True  # SQS would deliver it again: not lost
        outcome = "raised"

    # THEN the message is either sent or left for SQS to retry, never acknowledged unsent
    # (today the worker returns "duplicate", the Lambda returns normally, SQS deletes the
    # message, and the digest is never sent; the log says `sending` for ever)
    assert raised or sent_count() == 1, f"outcome {outcome!r} with nothing sent"


def test_a_dead_lettered_digest_is_counted_once_among_failed_digests_in_the_rollup(
    aws: Clients, tmp_path: Path
) -> None:
    # Checks issue 4: "figures in the HTML and XLSX equal what the ledger holds" and the
    # headline "digests that failed to send".
    # GIVEN one week's digests that SES refused on all five receives (now in the DLQ)
    upload(aws, tmp_path / "data", DAY)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    worker = aws_clients(REGION)

    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "x"}}, "SendRawEmail")

    worker.ses.meta.events.register("before-call.ses.SendRawEmail", throttle)
    url = aws.sqs.get_queue_url(QueueName=SETTINGS.digest_queue)["QueueUrl"]
    for _ in range(MAX_RECEIVES + 1):
        received = receive_all(aws, url)
        for message in received:
            with pytest.raises(SendFailed):
                send_digest_record(
                    record(message), delivery_ports(worker, SETTINGS), SETTINGS, at(DAY)
                )
        for message in received:
            aws.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    failed = summary.digests
    assert failed > 0

    # WHEN the weekly rollup is built for the office that sees everything
    run_rollup(
        rollup_ports(aws, SETTINGS),
        SETTINGS,
        RollupKind.WEEK,
        DAY,
        at(DAY, 2, 0),
        dry_run=True,
        out=tmp_path / "r",
    )
    (path,) = (tmp_path / "r").rglob("*党委工作部.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))

    # THEN each failed digest is counted once (today: once as `failed` in the send log
    # and once more as a message in the dead-letter queue)
    assert headline(book, "发送失败的提醒") == failed


# --- rollups ----------------------------------------------------------------------------


def test_this_weeks_trend_point_equals_the_ledgers_open_findings_when_rosters_are_missing(
    aws: Clients, tmp_path: Path
) -> None:
    # Checks issue 4: "figures in the HTML and XLSX equal what the ledger holds", with
    # DESIGN/issue 3: "A unit whose rosters are missing resolves nothing."
    # GIVEN week 1 complete, and week 2 with every roster export missing (not yet uploaded)
    root = tmp_path / "data"
    upload(aws, root, DAY)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    week2 = DAY + timedelta(days=7)
    root = tmp_path / "data2"
    generate_college(root, today=week2, groups=40)
    shutil.rmtree(root / "rosters")
    upload_folder(aws.s3, SETTINGS.data_bucket, root)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, week2)
    entries = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries().values()
    ledger_open = sum(1 for e in entries if e.active)

    # WHEN the rollup is built
    run_rollup(
        rollup_ports(aws, SETTINGS),
        SETTINGS,
        RollupKind.WEEK,
        week2,
        at(week2, 2, 0),
        dry_run=True,
        out=tmp_path / "r",
    )
    (path,) = (tmp_path / "r").rglob("*党委工作部.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    trend = [row for row in book["趋势"].iter_rows(min_row=2, values_only=True) if row[0]]

    # THEN the open findings the ledger holds this week are the trend's last point (today
    # the trend counts only this scan's findings: the roster findings the ledger keeps
    # open, because nothing could be seen, vanish from the chart)
    assert trend[-1][0] == "2026-W48"
    assert trend[-1][4] == ledger_open


def test_unroutable_findings_are_listed_in_the_rollup_not_only_counted() -> None:
    # Checks DESIGN.md: "A finding with no reachable recipient is listed as unroutable in
    # the rollup, never dropped."
    # GIVEN a week whose inventory holds one unroutable finding
    lost = Unroutable(
        platform=Platform.QQ,
        group_id="777000111",
        group_name="无人负责的群",
        unit_id=None,
        rule="unfiled",
        reason="群未备案且无法判断所属单位",
    )
    inventory = GroupInventory(
        period="2026-W47", units=(("U01", "信息工程学院"),), rows=(), unroutable=(lost,)
    )
    office = Office(office="党委工作部", email="dwgzb@example.edu.cn", scope=None)

    # WHEN the rollup for the office that sees everything is built and rendered
    rollup = build_rollup(RollupKind.WEEK, DAY, office, [], [], inventory, 0)
    html = render_rollup(rollup).html
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(rollup)))
    cells = {
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    }

    # THEN the finding is listed (group id and why it cannot be routed), not only counted
    assert rollup.unroutable == 1
    assert "777000111" in html or "777000111" in cells
    assert lost.reason in html or lost.reason in cells


# --- ledger -----------------------------------------------------------------------------


def test_an_unreadable_filings_file_resolves_no_finding(aws: Clients, tmp_path: Path) -> None:
    # Checks issue 3: "A unit whose rosters are missing resolves nothing." and DESIGN.md:
    # "resolved (not seen in a complete scan of its unit)" — a scan that could not read
    # the filings is not complete.
    # GIVEN week 1 complete, and week 2 whose filings workbook is unreadable
    root = tmp_path / "data"
    upload(aws, root, DAY)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    week2 = DAY + timedelta(days=7)
    root = tmp_path / "data2"
    generate_college(root, today=week2, groups=40)
    for path in (root / "filings").iterdir():
        path.write_bytes(b"PK\x03\x04 not really a workbook")
    upload_folder(aws.s3, SETTINGS.data_bucket, root)

    # WHEN week 2 runs
    summary, plan, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, week2)

    # THEN nothing is resolved for want of data (today every filing-based finding is
    # "fixed" and its recipient is told so)
    entries = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries().values()
    resolved = sorted(e.rule for e in entries if e.state is LedgerState.RESOLVED)
    assert summary.data_errors > 0
    assert resolved == []
    assert not any(d.fixed for d in plan.digests)
