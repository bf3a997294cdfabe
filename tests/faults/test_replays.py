"""Fault injection, replays and lost answers: exactly one digest per recipient per ISO
week; a send whose outcome is unknown is reported, never blindly repeated."""

from __future__ import annotations

import email
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import RollupKind
from chalicelib.flows.delivery import ports as delivery_ports
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.outbox import Resend
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import WeeklySummary, run_weekly
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.notify.sending import Claim, MailMessage, SendFailed, SendInProgress, SendStatus
from jobs.weekly import drain_digests
from tests.aws import REGION, client_error, injected, sent_emails
from tests.faults.college import DAY, SETTINGS, WANG, College, monday_morning

LATER = timedelta(minutes=10)  # longer than a stale claim (3 minutes)


def queued(aws: Clients) -> list[dict[str, Any]]:
    """The digest queue's messages as the Lambda receives them (left in the queue)."""
    url = aws.sqs.get_queue_url(QueueName=SETTINGS.digest_queue)["QueueUrl"]
    found = aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    ).get("Messages", [])
    for message in found:  # visible again at once: the test decides what is redelivered
        aws.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return [
        {"body": m["Body"], "receiptHandle": m["ReceiptHandle"], "attributes": m["Attributes"]}
        for m in found
    ]


def wang_record(aws: Clients) -> dict[str, Any]:
    (record,) = [r for r in queued(aws) if MailMessage.from_json(r["body"]).recipient == WANG]
    return record


@dataclass(frozen=True)
class Claimed:
    """Wang's queued digest as a worker that claimed it left it."""

    record: dict[str, Any]  # the SQS record
    message: MailMessage
    log: DynamoSendLog
    claim: Claim


def claimed(aws: Clients, at: datetime) -> Claimed:
    """Wang's digest claimed at `at` by a worker that then stopped (or stalled)."""
    record = wang_record(aws)
    message = MailMessage.from_json(record["body"])
    log = DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table)
    claim = log.claim(message, at)
    assert isinstance(claim, Claim)
    return Claimed(record, message, log, claim)


def status(aws: Clients, summary: WeeklySummary, recipient: str = WANG) -> SendStatus:
    records = DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(summary.period)
    (record,) = [r for r in records if r.recipient == recipient and r.kind == "digest"]
    return record.status


def sent_to(recipient: str) -> int:
    """Raw messages SES accepted for this destination."""
    return sum(1 for m in sent_emails() if recipient in m.destinations)


@pytest.fixture
def week(aws: Clients, tmp_path: Path) -> WeeklySummary:
    College().upload(aws, tmp_path)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    return summary


def test_an_ses_answer_lost_after_acceptance_is_reported_unknown_and_never_resent(
    aws: Clients, week: WeeklySummary
) -> None:
    # GIVEN SES accepts wang's digest but the answer never reaches the worker
    worker = aws_clients(REGION)
    record = wang_record(aws)

    def lose_answer(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com/")

    with injected(worker.ses, "after-call.ses.SendRawEmail", lose_answer):
        outcome = send_digest_record(
            record, delivery_ports(worker, SETTINGS), SETTINGS, monday_morning()
        )

    # WHEN SQS delivers the message again, now and much later
    again = send_digest_record(record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning())
    later = send_digest_record(
        record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + LATER
    )

    # THEN it was sent once, acknowledged, and left `unknown` for an operator
    assert (outcome, again, later) == ("unknown", "unknown", "unknown")
    assert sent_to(WANG) == 1
    assert status(aws, week) is SendStatus.UNKNOWN
    # AND the rollup tells the office that sees everything
    run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning())
    (party,) = [m for m in sent_emails() if "dw@college.example.com" in m.destinations]
    part = next(
        p
        for p in email.message_from_string(party.raw_data).walk()
        if p.get_content_type() == "text/plain"
    )
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "提醒邮件 w***@college.example.com(2026-W47):发送结果不明(ReadTimeoutError)" in (
        payload.decode("utf-8")
    )


def test_a_connection_closed_mid_send_is_unknown_but_an_unreachable_endpoint_is_retried(
    aws: Clients, week: WeeklySummary
) -> None:
    worker = aws_clients(REGION)
    record = wang_record(aws)

    def close(**_: Any) -> None:
        raise ConnectionClosedError(endpoint_url="https://email.us-east-1.amazonaws.com/")

    with injected(worker.ses, "after-call.ses.SendRawEmail", close):
        assert (
            send_digest_record(record, delivery_ports(worker, SETTINGS), SETTINGS, monday_morning())
            == "unknown"
        )
    assert status(aws, week) is SendStatus.UNKNOWN


def test_recording_sent_that_fails_once_is_retried_in_process_and_nothing_is_resent(
    aws: Clients, week: WeeklySummary
) -> None:
    # Reproduces: when recording "sent" failed once, the message was sent again later.
    worker = aws_clients(REGION)
    failures: list[str] = []

    def fail_recording_sent_once(params: dict[str, Any], **_: Any) -> None:
        values = params.get("ExpressionAttributeValues", {})
        if values.get(":set_status", {}).get("S") == "sent" and not failures:
            failures.append("once")
            raise client_error("ProvisionedThroughputExceededException", "UpdateItem")

    with injected(
        worker.dynamodb, "before-parameter-build.dynamodb.UpdateItem", fail_recording_sent_once
    ):
        outcome = send_digest_record(
            wang_record(aws), delivery_ports(worker, SETTINGS), SETTINGS, monday_morning()
        )
    drain_digests(aws, SETTINGS, monday_morning() + LATER)

    assert (outcome, failures) == ("sent", ["once"])
    assert status(aws, week) is SendStatus.SENT
    assert sent_to(WANG) == 1


def test_recording_sent_that_never_succeeds_leaves_the_digest_unknown_not_resent(
    aws: Clients, week: WeeklySummary
) -> None:
    worker = aws_clients(REGION)

    def refuse_sent(params: dict[str, Any], **_: Any) -> None:
        if params.get("ExpressionAttributeValues", {}).get(":set_status", {}).get("S") == "sent":
            raise client_error("InternalServerError", "UpdateItem")

    record = wang_record(aws)
    with injected(worker.dynamodb, "before-parameter-build.dynamodb.UpdateItem", refuse_sent):
        outcome = send_digest_record(
            record, delivery_ports(worker, SETTINGS), SETTINGS, monday_morning()
        )
    with pytest.raises(SendInProgress):  # redelivered at once: it is still being decided
        send_digest_record(record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning())
    later = send_digest_record(
        record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + LATER
    )

    assert (outcome, later) == ("sent-unrecorded", "unknown")
    assert sent_to(WANG) == 1
    assert status(aws, week) is SendStatus.UNKNOWN


def test_a_worker_that_died_after_claiming_but_before_ses_is_taken_over_and_sends_once(
    aws: Clients, week: WeeklySummary
) -> None:
    record = claimed(aws, monday_morning()).record

    with pytest.raises(SendInProgress):  # too soon: that worker may still be alive
        send_digest_record(
            record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + timedelta(minutes=1)
        )
    outcome = send_digest_record(
        record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + LATER
    )

    assert (outcome, sent_to(WANG), status(aws, week)) == ("sent", 1, SendStatus.SENT)


def test_a_worker_that_died_while_ses_had_the_message_leaves_it_unknown(
    aws: Clients, week: WeeklySummary
) -> None:
    dead = claimed(aws, monday_morning())
    dead.log.submitting(dead.message, dead.claim)  # ... and it timed out inside send_raw_email

    outcome = send_digest_record(
        dead.record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + LATER
    )

    assert (outcome, sent_to(WANG), status(aws, week)) == ("unknown", 0, SendStatus.UNKNOWN)


def test_each_duplicated_sqs_delivery_sends_nothing_more(aws: Clients, week: WeeklySummary) -> None:
    record = wang_record(aws)
    outcomes = [
        send_digest_record(record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning())
        for _ in range(3)
    ]

    assert outcomes == ["sent", "duplicate", "duplicate"]
    assert sent_to(WANG) == 1


def test_the_weekly_schedule_replayed_on_wednesday_sends_no_second_digest(
    aws: Clients, week: WeeklySummary
) -> None:
    # Reproduces: a replay on the Wednesday of the same week sent every recipient a second
    # digest (the identity included the day).
    drain_digests(aws, SETTINGS, monday_morning())
    wednesday = DAY + timedelta(days=2)

    replay, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, wednesday)
    drain_digests(aws, SETTINGS, datetime.combine(wednesday, monday_morning().timetz()))

    assert (replay.period, replay.messages, replay.held_back) == (week.period, [], week.digests)
    assert len(sent_emails()) == week.digests == 3


def test_an_operator_resend_sends_once_more_under_its_own_identity(
    aws: Clients, week: WeeklySummary
) -> None:
    drain_digests(aws, SETTINGS, monday_morning())

    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY, resend=Resend("20261118T090000"))
    outcomes = drain_digests(aws, SETTINGS, monday_morning() + LATER)
    replay, _, _ = run_weekly(
        weekly_ports(aws, SETTINGS), SETTINGS, DAY, resend=Resend("20261118T090000")
    )
    drain_digests(aws, SETTINGS, monday_morning() + LATER)
    one, _, _ = run_weekly(
        weekly_ports(aws, SETTINGS), SETTINGS, DAY, resend=Resend("20261118T100000", to=WANG)
    )
    drain_digests(aws, SETTINGS, monday_morning() + LATER)

    assert outcomes == {"sent": 3} and replay.messages == []
    assert [m.recipient for m in one.messages] == [WANG]
    assert (len(sent_emails()), sent_to(WANG)) == (7, 3)
    kinds = {
        r.kind for r in DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(week.period)
    }
    assert kinds == {"digest", "digest-resend-20261118T090000", "digest-resend-20261118T100000"}


def test_a_worker_whose_claim_was_taken_over_sends_nothing(
    aws: Clients, week: WeeklySummary
) -> None:
    # GIVEN worker A claimed wang's digest, then stalled for longer than a stale claim
    stalled = claimed(aws, monday_morning())

    # WHEN worker B takes the send over and sends it, and A wakes up
    taken_over = send_digest_record(
        stalled.record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + LATER
    )
    with pytest.raises(SendInProgress):
        stalled.log.submitting(stalled.message, stalled.claim)

    # THEN one email: A may neither hand it to SES nor record anything in its name
    assert (taken_over, sent_to(WANG), status(aws, week)) == ("sent", 1, SendStatus.SENT)


def test_claims_in_two_time_zones_compare_as_instants(aws: Clients, week: WeeklySummary) -> None:
    # GIVEN a claim made by a worker on UTC (as Lambda is) at 00:05Z
    record = claimed(aws, monday_morning().astimezone(UTC)).record

    # WHEN a worker on Shanghai time sees it one minute later (08:06+08:00)
    # THEN the claim is recent, not eight hours old: it waits, it does not take over
    with pytest.raises(SendInProgress):
        send_digest_record(
            record, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning() + timedelta(minutes=1)
        )


def test_a_rerun_that_cannot_queue_never_erases_a_sent_record(
    aws: Clients, week: WeeklySummary
) -> None:
    # GIVEN wang's digest failed once (SES throttled) and waits in the queue for a retry
    worker = aws_clients(REGION)

    def throttle(**_: Any) -> None:
        raise client_error("Throttling", "SendRawEmail")

    with (
        injected(worker.ses, "before-call.ses.SendRawEmail", throttle),
        pytest.raises(SendFailed),
    ):
        send_digest_record(
            wang_record(aws), delivery_ports(worker, SETTINGS), SETTINGS, monday_morning()
        )
    assert status(aws, week) is SendStatus.FAILED

    # WHEN a re-run queues it again, and while it does SQS's retry sends it (SENT), and
    # then the re-run's own send_message fails
    job = aws_clients(REGION)

    def retry_succeeds_then_refuse(params: dict[str, Any], **_: Any) -> None:
        if WANG in params["MessageBody"]:  # SQS's retry of the same send, delivered now
            retry = {"body": params["MessageBody"], "receiptHandle": "-", "attributes": {}}
            send_digest_record(retry, delivery_ports(aws, SETTINGS), SETTINGS, monday_morning())
            raise client_error("InternalError", "SendMessage")

    with injected(job.sqs, "before-parameter-build.sqs.SendMessage", retry_succeeds_then_refuse):
        rerun, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)
    replay, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning() + LATER)

    # THEN the record stays sent, and no replay sends it a second time
    assert any("w***@college.example.com" in problem for problem in rerun.problems)
    assert status(aws, week) is SendStatus.SENT
    assert (replay.messages, sent_to(WANG)) == ([], 1)
