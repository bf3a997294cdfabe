"""Lost answers: a DynamoDB write that reached the table but whose answer never came back.
botocore retries it (as against AWS), and the retry meets the write's own condition: that
is this write's own success, never another run's or worker's conflict."""

from __future__ import annotations

from pathlib import Path

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import RunStatus
from tests.aws import REGION, lost_answers
from tests.faults.college import DAY, SETTINGS, College


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
