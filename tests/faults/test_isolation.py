"""Fault injection, isolation: each unit, recipient, office and file is processed on its
own. One that fails is recorded as failed (and shown in the rollup), the rest go on, and
the run record is always written."""

from __future__ import annotations

import email
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import RollupKind
from chalicelib.flows.rollup import RollupSendFailed, run_rollup
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.intake.config import ScanAborted
from chalicelib.ledger.models import RunStatus
from chalicelib.notify.sending import SendStatus
from jobs.weekly import drain_digests
from tests.aws import REGION, client_error, injected, sent_emails
from tests.faults.college import CS_CONTACT, DAY, SETTINGS, WANG, ZHAO, College, monday_morning


def recipients() -> list[str]:
    return sorted(str(email.message_from_string(m.raw_data)["To"]) for m in sent_emails())


def rollup_text(office_email: str = "dw@college.example.com") -> str:
    """The plain text of the last rollup SES accepted for this office."""
    messages = [email.message_from_string(m.raw_data) for m in sent_emails()]
    message = [m for m in messages if m["To"] == office_email][-1]
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_a_digest_that_cannot_be_stored_is_recorded_failed_and_the_others_go_out(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN S3 refuses to store the first rendered digest (once)
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)
    refused: list[str] = []

    def refuse_first_eml(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].startswith("outbox/") and not refused:
            refused.append(params["Key"])
            raise client_error("InternalError", "PutObject")

    # WHEN the weekly job runs and its queue is drained
    with injected(job.s3, "before-parameter-build.s3.PutObject", refuse_first_eml):
        summary, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())

    # THEN the two other recipients got theirs; the failure is recorded, not lost
    assert recipients() == [WANG, ZHAO]
    (problem,) = summary.problems
    assert problem.startswith("提醒未能排队(c***@college.example.com):InternalError")
    records = {
        r.recipient: r
        for r in DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(summary.period)
    }
    assert records[CS_CONTACT].status is SendStatus.FAILED
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run(summary.period)
    assert run is not None and (run.status, run.problem_count, run.digests) == (
        RunStatus.PARTIAL,
        1,
        2,
    )
    # AND the rollup shows it to the office that sees everything
    run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning())
    assert (
        "提醒邮件 c***@college.example.com(2026-W47):未发送(未能排队:InternalError)"
        in rollup_text()
    )
    # AND a re-run of the week queues only that digest: each recipient gets exactly one
    rerun, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())
    assert (len(rerun.messages), rerun.held_back) == (1, 2)
    offices = {"dw@college.example.com", "xsc@college.example.com"}
    assert [r for r in recipients() if r not in offices] == [CS_CONTACT, WANG, ZHAO]


def test_a_ledger_write_that_fails_does_not_stop_the_others_and_the_run_is_recorded_partial(
    aws: Clients, tmp_path: Path
) -> None:
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def throttle_200002(params: dict[str, Any], **_: Any) -> None:
        if params.get("Item", {}).get("pk", {}).get("S") == "GROUP#qq#200002":
            raise client_error("ProvisionedThroughputExceededException", "PutItem")

    with injected(job.dynamodb, "before-parameter-build.dynamodb.PutItem", throttle_200002):
        summary, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())

    assert summary.problems == [
        "台账写入失败:qq/200002/unidentified_members(ProvisionedThroughputExceededException)"
    ]
    stored = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table)
    assert {key[1] for key in stored.entries()} == {"100001", "300003"}
    assert recipients() == [CS_CONTACT, WANG, ZHAO]  # the reminder still went out
    run = stored.run(summary.period)
    assert run is not None and run.status is RunStatus.PARTIAL


def test_the_run_record_is_written_when_the_registry_cannot_be_stored(
    aws: Clients, tmp_path: Path
) -> None:
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def refuse_registry(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].startswith("inventory/"):
            raise client_error("SlowDown", "PutObject")

    with injected(job.s3, "before-parameter-build.s3.PutObject", refuse_registry):
        summary, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)

    assert summary.problems == ["登记表 inventory/2026-W47.json 写入失败(SlowDown)"]
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run(summary.period)
    assert run is not None and run.problems == tuple(summary.problems)


def test_a_run_that_cannot_scan_writes_an_aborted_run_record_and_raises(
    aws: Clients, tmp_path: Path
) -> None:
    college = College()
    del college.files["config/units.csv"]
    college.upload(aws, tmp_path)

    with pytest.raises(ScanAborted):
        run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)

    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")
    assert run is not None and run.status is RunStatus.ABORTED
    assert "没有可用的单位名录" in run.problems[0]


@pytest.mark.parametrize(
    "fault",
    ["before-call.s3.ListObjectsV2", "before-call.dynamodb.Scan", "before-call.dynamodb.Query"],
)
def test_a_run_stopped_by_aws_before_judging_the_week_writes_an_aborted_run_record(
    aws: Clients, tmp_path: Path, fault: str
) -> None:
    # GIVEN S3 (listing the rosters) or DynamoDB (reading the ledger or the run records)
    # keeps failing after botocore's retries
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)
    client = job.s3 if ".s3." in fault else job.dynamodb

    def unavailable(params: dict[str, Any], **_: Any) -> None:
        if params.get("Prefix", "rosters/").startswith("rosters/"):
            raise client_error("ServiceUnavailable", fault.rsplit(".", 1)[-1])

    # WHEN the weekly run meets it
    with injected(client, fault, unavailable), pytest.raises(ClientError):
        run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)

    # THEN the run record says so, as the rollups and the next runs read it
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")
    assert run is not None and run.status is RunStatus.ABORTED
    assert run.problems == ("运行中断:ServiceUnavailable",)


def test_a_replay_stopped_by_aws_leaves_the_record_of_the_week_that_ran(
    aws: Clients, tmp_path: Path
) -> None:
    College().upload(aws, tmp_path)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)  # Monday: it ran
    job = aws_clients(REGION)

    def unavailable(**_: Any) -> None:
        raise client_error("ServiceUnavailable", "ListObjectsV2")

    with (
        injected(job.s3, "before-call.s3.ListObjectsV2", unavailable),
        pytest.raises(ClientError),
    ):
        run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)

    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")
    assert run is not None and (run.status, run.digests) == (RunStatus.COMPLETE, 3)


def test_a_roster_that_disappears_between_listing_and_reading_is_a_file_error_for_it_only(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: a roster listed but gone when read (quarantined meanwhile) aborted the run.
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def quarantine_before_read(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == "rosters/qq/200002.csv":
            aws.s3.delete_object(Bucket=SETTINGS.data_bucket, Key=params["Key"])

    with injected(job.s3, "before-parameter-build.s3.GetObject", quarantine_before_read):
        summary, _, result = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)

    (error,) = result.errors
    assert (error.file, error.row) == ("rosters/qq/200002.csv", None)
    assert "不存在" in error.reason
    assert summary.findings_by_rule == {"departed_members": 1, "expired": 1, "roster_missing": 1}


def test_quarantine_that_cannot_be_listed_leaves_the_digests_and_is_a_problem_of_the_run(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN S3 refuses to list quarantine/ (throttled), for the rejected uploads of the week
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def throttle_quarantine(params: dict[str, Any], **_: Any) -> None:
        if params.get("Prefix", "").startswith("quarantine/"):
            raise client_error("SlowDown", "ListObjectsV2")

    # WHEN the weekly job runs
    with injected(job.s3, "before-parameter-build.s3.ListObjectsV2", throttle_quarantine):
        summary, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())

    # THEN every digest went out; the run is partial and says what it could not list
    assert summary.digests > 0 and len(sent_emails()) == summary.digests
    assert summary.problems == ["本周上传时被拒收的文件未能列出(SlowDown)"]
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")
    assert run is not None and run.status is RunStatus.PARTIAL


def test_one_office_whose_rollup_fails_does_not_stop_the_others_and_is_sent_on_the_retry(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: one office's failure stopped every rollup.
    College().upload(aws, tmp_path)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    job = aws_clients(REGION)

    def reject_party_office(params: dict[str, Any], **_: Any) -> None:
        if "dw@college.example.com" in params["Destinations"]:
            raise client_error("MessageRejected", "SendRawEmail")

    with (
        injected(job.ses, "before-parameter-build.ses.SendRawEmail", reject_party_office),
        pytest.raises(RollupSendFailed) as failed,
    ):
        run_rollup(rollup_ports(job, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning())
    retry = run_rollup(
        rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning()
    )

    outcomes = failed.value.summary.sent
    assert outcomes["党委工作部"].startswith("failed: MessageRejected")
    assert outcomes["学生处"] == "sent"
    assert retry.sent == {"党委工作部": "sent", "学生处": "duplicate"}
    assert recipients() == ["dw@college.example.com", "xsc@college.example.com"]


def test_a_run_stopped_by_a_fault_is_recorded_failed_and_its_retry_sends_every_digest(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces (review): a fault before any digest was queued left a `complete` run
    # record, so the retry took itself for a re-run and held every digest back.
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def ledger_throttled(**_: Any) -> None:  # reading this week's run record, before queuing
        raise client_error("ProvisionedThroughputExceededException", "GetItem")

    with (
        injected(job.dynamodb, "before-call.dynamodb.GetItem", ledger_throttled),
        pytest.raises(ClientError),
    ):
        run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    failed = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")

    retry, _, _ = run_weekly(
        weekly_ports(aws, SETTINGS), SETTINGS, DAY
    )  # Lambda retries the scheduled event
    drain_digests(aws, SETTINGS, monday_morning())

    assert failed is not None and failed.status is RunStatus.FAILED
    assert failed.problems[-1] == "运行中断:ProvisionedThroughputExceededException"
    assert (len(retry.messages), retry.held_back) == (3, 0)
    assert recipients() == [CS_CONTACT, WANG, ZHAO]


def test_an_unreachable_queue_fails_each_digest_on_record_and_the_rerun_sends_them(
    aws: Clients, tmp_path: Path
) -> None:
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    def queue_unreachable(**_: Any) -> None:
        raise client_error("AWS.SimpleQueueService.NonExistentQueue", "GetQueueUrl")

    with injected(job.sqs, "before-call.sqs.GetQueueUrl", queue_unreachable):
        first, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    partial = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W47")
    rerun, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())

    # (the mail events could not be read either: the same queue service)
    assert first.messages == [] and len(first.problems) == 4
    assert first.problems[0].startswith("邮件退信记录未能读取")
    assert partial is not None and partial.status is RunStatus.PARTIAL
    assert (len(rerun.messages), rerun.held_back) == (3, 0)
    assert recipients() == [CS_CONTACT, WANG, ZHAO]


def test_an_office_listed_twice_is_served_once_and_reported(aws: Clients, tmp_path: Path) -> None:
    # Reproduces (review): outcomes were keyed by office, so a second row's failure was
    # hidden behind the first row's success.
    college = College().replace(
        "config/offices.csv", "学生处,xsc@college.example.com,class\n",
        "学生处,xsc@college.example.com,class\n学生处,xsc2@college.example.com,class\n",
    )  # fmt: skip
    college.upload(aws, tmp_path)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)

    summary = run_rollup(
        rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning()
    )

    assert summary.sent == {"党委工作部": "sent", "学生处": "sent"}
    assert "xsc2@college.example.com" not in recipients()
    assert "部门“学生处”重复列出,只向先列出的邮箱发送" in rollup_text()
