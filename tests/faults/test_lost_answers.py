"""Lost answers: a DynamoDB write that reached the table but whose answer never came back.
botocore retries it (as against AWS), and the retry meets the write's own condition: that
is this write's own success, never another run's or worker's conflict."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.aws.actions import DynamoActionLog
from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import Category, Platform
from chalicelib.flows.delivery import ports as delivery_ports
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.actions import ActionKind, Decision, UnitAction
from chalicelib.ledger.models import RunStatus
from chalicelib.notify.sending import MailMessage, SendStatus
from tests.aws import REGION, lost_answers, sent_emails
from tests.faults.college import DAY, SETTINGS, WANG, College, monday_morning
from tests.faults.test_replays import queued


def test_a_ledger_write_whose_answer_was_lost_is_written_not_a_conflict(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN the college's first week, whose first ledger write reaches DynamoDB but whose
    # answer is lost
    College().upload(aws, tmp_path)
    job = aws_clients(REGION)

    # WHEN the weekly run writes the ledger
    with lost_answers(job.dynamodb, "dynamodb.PutItem") as lost:
        summary, _, _ = run_weekly(weekly_ports(job, SETTINGS), SETTINGS, DAY)

    # THEN the write counts as done: no ledger failure, a complete run, every entry stored
    ledger = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table)
    run = ledger.run(summary.period)
    assert lost == ["dynamodb.PutItem"]
    assert summary.problems == []
    assert run is not None and run.status is RunStatus.COMPLETE
    assert len(ledger.entries()) == summary.changes["created"] == 3


@pytest.mark.parametrize("status", ["claimed", "submitting"])
def test_a_send_log_write_whose_answer_was_lost_still_sends_the_digest_once(
    aws: Clients, tmp_path: Path, status: str
) -> None:
    # GIVEN wang's queued digest, and a worker whose write of `claimed` (or `submitting`)
    # reaches DynamoDB but whose answer is lost
    College().upload(aws, tmp_path)
    run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    worker = aws_clients(REGION)
    (record,) = [r for r in queued(aws) if MailMessage.from_json(r["body"]).recipient == WANG]

    # WHEN the worker takes it
    with lost_answers(worker.dynamodb, "dynamodb.UpdateItem", containing=f'"{status}"') as lost:
        outcome = send_digest_record(
            record, delivery_ports(worker, SETTINGS), SETTINGS, monday_morning()
        )

    # THEN it sends at once, as its own claim: once, and recorded sent
    records = DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records("2026-W47")
    assert (lost, outcome) == (["dynamodb.UpdateItem"], "sent")
    assert sum(1 for m in sent_emails() if WANG in m.destinations) == 1
    assert [r.status for r in records if r.recipient == WANG] == [SendStatus.SENT]


def test_a_portal_answer_whose_write_answer_was_lost_is_recorded_not_already_there(
    aws: Clients,
) -> None:
    # GIVEN a unit's dispute, and an office deciding it, each of whose writes reaches
    # DynamoDB but whose answer is lost
    log = DynamoActionLog(aws.dynamodb, SETTINGS.ledger_table)
    at = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)
    dispute = UnitAction(
        platform=Platform.QQ, group_id="551047987", group_name="计科2301班", unit_id="CS",
        rule="oversized", action_id="a1", category=Category.CLASS, title="超规模",
        kind=ActionKind.DISPUTE, by=WANG, at=at, period="2026-W47", reason="已清理",
        decision=Decision.PENDING,
    )  # fmt: skip

    # WHEN each is written
    with lost_answers(aws.dynamodb, "dynamodb.PutItem") as lost_record:
        recorded = log.record(dispute)
    with lost_answers(aws.dynamodb, "dynamodb.PutItem") as lost_decision:
        decided = log.decide("a1", Decision.APPROVED, "党委工作部", "同意", at)

    # THEN the unit is told it was recorded, and the office that it was decided
    assert (lost_record, lost_decision) == (["dynamodb.PutItem"], ["dynamodb.PutItem"])
    assert recorded is True
    assert decided is not None and decided.decision is Decision.APPROVED
    # and the same dispute posted again is still refused as already there
    assert log.record(dispute) is False
