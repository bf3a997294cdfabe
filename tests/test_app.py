"""The Chalice handlers, invoked as Lambda would (chalice.test.Client) against moto."""

from __future__ import annotations

import email
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.app import ScheduledEventConfig
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.parameters import forget_cached
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import iso_period
from chalicelib.core.settings import Settings
from chalicelib.flows import observability
from chalicelib.ledger.watch import WeeklyRunMissing
from jobs.provision import upload_folder
from jobs.sample import generate_college
from tests.aws import sent_emails
from tests.channels.smtp_server import PASSWORD, USER, smtp_server

TODAY = date(2026, 11, 16)  # a Monday; scheduled handlers take the day from the event
MONDAY_8 = "2026-11-16T00:00:00Z"  # when the weekly schedule fires (08:00 in Shanghai)


@pytest.fixture(scope="module")
def college(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("college")
    generate_college(root, today=TODAY, groups=60)
    return root


def queued(clients: Clients, queue: str) -> list[dict[str, Any]]:
    url = clients.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    messages: list[dict[str, Any]] = []
    while batch := clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        messages.extend(batch)
        for message in batch:
            clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def schedule_event(client: Client, time: str = MONDAY_8) -> dict[str, Any]:
    event: dict[str, Any] = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    event["time"] = time
    return event


def deliver(client: Client, bodies: list[str]) -> None:
    for body in bodies:
        event = client.events.generate_sqs_event(message_bodies=[body], queue_name="qungov-digests")
        client.lambda_.invoke("send_digest", event)


def test_weekly_scan_runs_on_mondays_at_eight_in_shanghai() -> None:
    schedules = [
        s
        for s in app_module.app.event_sources
        if isinstance(s, ScheduledEventConfig) and s.name == "weekly_scan"
    ]

    expressions = [s.schedule_expression for s in schedules]
    assert [e if isinstance(e, str) else e.to_string() for e in expressions] == [
        "cron(0 0 ? * MON *)"
    ]


def test_weekly_scan_enqueues_one_message_per_digest_and_each_is_sent_once(
    aws: Clients, college: Path
) -> None:
    upload_folder(aws.s3, Settings().data_bucket, college)
    with Client(app_module.app) as client:
        result = client.lambda_.invoke("weekly_scan", schedule_event(client)).payload
        bodies = [m["Body"] for m in queued(aws, "qungov-digests")]
        deliver(client, bodies)

    assert result["digests"] == len(bodies) > 0
    assert len(sent_emails()) == len(bodies)
    records = DynamoSendLog(aws.dynamodb, Settings().ledger_table).records(iso_period(TODAY))
    assert {r.status for r in records} == {"sent"} and all(r.message_id for r in records)
    assert {r.kind for r in records} == {"digest"}


def test_a_replayed_schedule_event_and_a_duplicated_message_send_no_second_copy(
    aws: Clients, college: Path
) -> None:
    upload_folder(aws.s3, Settings().data_bucket, college)
    with Client(app_module.app) as client:
        event = schedule_event(client)
        first = client.lambda_.invoke("weekly_scan", event).payload
        replay = client.lambda_.invoke("weekly_scan", event).payload
        bodies = [m["Body"] for m in queued(aws, "qungov-digests")]
        deliver(client, bodies + bodies + bodies[:1])  # every message twice, one 3 times
        # AND the same schedule replayed on Wednesday of that week, after the sends
        wednesday = client.lambda_.invoke(
            "weekly_scan", schedule_event(client, "2026-11-18T03:00:00Z")
        ).payload
        later = [m["Body"] for m in queued(aws, "qungov-digests")]

    assert len(bodies) == first["digests"]  # the replay queued nothing ...
    assert (replay["changes"], replay["enqueued"]) == ({}, 0)  # ... nor changed the ledger
    assert len(sent_emails()) == first["digests"]  # a duplicated message sends nothing
    assert wednesday["today"] == "2026-11-18"  # the event's day, not the clock's
    assert (wednesday["enqueued"], later, len(sent_emails())) == (0, [], first["digests"])


def test_throttled_send_is_retried_and_sent_exactly_once(
    aws: Clients, college: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_folder(aws.s3, Settings().data_bucket, college)
    throttled = {"left": 2}

    def throttle(**_: Any) -> None:
        if throttled["left"]:
            throttled["left"] -= 1
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendRawEmail"
            )

    def clients_with_throttling(region: str | None = None) -> Clients:
        made = aws_clients(region)
        made.ses.meta.events.register("before-call.ses.SendRawEmail", throttle)
        return made

    monkeypatch.setattr(app_module, "aws_clients", clients_with_throttling)
    with Client(app_module.app) as client:
        client.lambda_.invoke("weekly_scan", schedule_event(client))
        url = aws.sqs.get_queue_url(QueueName="qungov-digests")["QueueUrl"]
        message = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
        event = client.events.generate_sqs_event([message["Body"]], queue_name="qungov-digests")
        event["Records"][0]["receiptHandle"] = message["ReceiptHandle"]
        outcomes = []
        for _ in range(3):  # SQS delivers again until the send succeeds
            try:
                client.lambda_.invoke("send_digest", event)
                outcomes.append("ok")
            except Exception as error:  # the handler raises so that SQS retries
                outcomes.append(type(error).__name__)

    assert outcomes == ["SendFailed", "SendFailed", "ok"]
    assert len(sent_emails()) == 1
    (record,) = [
        r for r in DynamoSendLog(aws.dynamodb, Settings().ledger_table).records(iso_period(TODAY))
    ]
    assert (record.status, record.attempts) == ("sent", 3)


def test_a_hostile_group_name_is_escaped_in_the_email(
    aws: Clients, college: Path, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    generate_college(root, today=TODAY, groups=60)
    hostile = "群号,群名称,QQ号,身份,导出时间\n" + "".join(
        f"777000111,<script>alert(1)</script>机电,{8800000 + i},{'群主' if i == 0 else '成员'},{TODAY} 08:00\n"
        for i in range(3)
    )
    (root / "rosters" / "qq" / "hostile.csv").write_text(hostile, encoding="utf-8")
    upload_folder(aws.s3, Settings().data_bucket, root)
    with Client(app_module.app) as client:
        client.lambda_.invoke("weekly_scan", schedule_event(client))
        deliver(client, [m["Body"] for m in queued(aws, "qungov-digests")])

    html = [
        bytes(part.get_payload(decode=True)).decode("utf-8")
        for message in sent_emails()
        for part in email.message_from_string(message.raw_data).walk()
        if part.get_content_type() == "text/html"
    ]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in h for h in html)
    assert not any("<script>" in h for h in html)


def test_validate_upload_writes_a_receipt_for_an_s3_notification(aws: Clients) -> None:
    bucket = Settings().data_bucket
    aws.s3.put_object(
        Bucket=bucket, Key="rosters/qq/123456.csv", Body="QQ号,身份\n10001,群主\n,成员\n".encode()
    )
    (notification,) = [
        m["Body"] for m in queued(aws, "qungov-uploads") if "ObjectCreated" in m["Body"]
    ]
    with Client(app_module.app) as client:
        event = client.events.generate_sqs_event(
            message_bodies=[notification], queue_name="qungov-uploads"
        )
        client.lambda_.invoke("validate_upload", event)

    receipt = json.loads(
        aws.s3.get_object(Bucket=bucket, Key="receipts/rosters/qq/123456.csv.json")["Body"].read()
    )
    assert receipt["rows_read"] == 2
    assert [(e["row"], e["column"]) for e in receipt["row_errors"]] == [(3, "QQ号")]


def test_the_weekly_run_logs_one_json_summary_line_and_its_metrics(
    aws: Clients, college: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the logger's handler took the stdout of when it was made: give it this test's
    monkeypatch.setattr(observability.logger.registered_handler, "stream", sys.stdout)
    upload_folder(aws.s3, Settings().data_bucket, college)
    with Client(app_module.app) as client:
        client.lambda_.invoke("weekly_scan", schedule_event(client))

    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    (log,) = [line for line in lines if line.get("message") == "weekly run"]
    assert (log["level"], log["service"], log["period"]) == ("INFO", "qungov", "2026-W47")
    assert "@" not in json.dumps(log)  # counts and ids, never an address
    (emf,) = [line for line in lines if "_aws" in line]
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"GroupsScanned", "DigestsQueued", "JobSeconds"} <= names
    assert emf["GroupsScanned"] == [float(log["groups"])] and emf["job"] == "weekly_scan"


def test_the_noon_watch_fails_when_the_weekly_run_did_not_happen(
    aws: Clients, college: Path
) -> None:
    noon = "2026-11-16T04:00:00Z"
    with Client(app_module.app) as client:
        with pytest.raises(WeeklyRunMissing, match="no weekly run recorded for 2026-W47"):
            client.lambda_.invoke("weekly_watch", schedule_event(client, noon))
        upload_folder(aws.s3, Settings().data_bucket, college)
        client.lambda_.invoke("weekly_scan", schedule_event(client))
        seen = client.lambda_.invoke("weekly_watch", schedule_event(client, noon)).payload

    assert seen == {"period": "2026-W47", "status": "complete"}


def test_with_smtp_the_sender_sends_each_digest_once_through_the_server_over_starttls(
    aws: Clients, college: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS China: no SES. The sending function reads the password from its SecureString,
    verifies the server's certificate (the test CA, through SSL_CERT_FILE as a campus CA
    would be) and sends the weekly digests once each, a replayed message included."""
    upload_folder(aws.s3, Settings().data_bucket, college)
    aws.ssm.put_parameter(Name="/qungov/smtp-password", Type="SecureString", Value=PASSWORD)
    forget_cached()
    with smtp_server("starttls") as server:
        authority = tmp_path / "campus-ca.pem"
        authority.write_bytes(server.authority_pem)
        monkeypatch.setenv("SSL_CERT_FILE", str(authority))
        for name, value in {
            "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(server.port),
            "SMTP_SECURITY": "starttls", "SMTP_USERNAME": USER,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        with Client(app_module.app) as client:
            result = client.lambda_.invoke("weekly_scan", schedule_event(client)).payload
            bodies = [m["Body"] for m in queued(aws, "qungov-digests")]
            deliver(client, bodies + bodies[:1])  # one message delivered twice

    assert result["digests"] == len(bodies) > 0
    assert len(server.handler.received) == len(bodies)  # once each, none through SES
    assert sent_emails() == [] and server.handler.logins[0] == (USER, PASSWORD)
    records = DynamoSendLog(aws.dynamodb, Settings().ledger_table).records(iso_period(TODAY))
    assert {r.status for r in records} == {"sent"}
    assert all(r.message_id and r.message_id.startswith("250 ") for r in records)
    subject = email.message_from_bytes(server.handler.received[0].data)["Subject"]
    assert subject is not None  # the MIME bytes as rendered, headers and all
