"""The send log's contract, held by the in-memory log and the DynamoDB one on moto: the
states of chalicelib/notify/sending.py, each transition under its condition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest

from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import Channel
from chalicelib.notify.memory import InMemorySendLog
from chalicelib.notify.sending import (
    STALE_CLAIM,
    Claim,
    ClaimLost,
    MailMessage,
    SendInProgress,
    SendLog,
    SendStatus,
)
from jobs.provision import create_table
from tests.aws import bare_aws

NOW = datetime(2026, 11, 16, 0, 5, tzinfo=UTC)  # Monday 08:05 in Shanghai
LATER = NOW + STALE_CLAIM + timedelta(seconds=1)
MESSAGE = MailMessage(
    recipient="wang@college.example.com",
    period="2026-W47",
    content_hash="abc123",
    eml_key="outbox/2026-W47/abc123.eml",
)


@pytest.fixture(params=["memory", "dynamodb"])
def log(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[SendLog]:
    if request.param == "memory":
        yield InMemorySendLog()
        return
    with bare_aws(monkeypatch):
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, "qungov-ledger")
        yield DynamoSendLog(dynamodb, "qungov-ledger", sleep=lambda _: None)


def status(log: SendLog, period: str = "2026-W47") -> list[tuple[SendStatus, int]]:
    return [(r.status, r.attempts) for r in log.records(period)]


def claimed(log: SendLog, now: datetime = NOW) -> Claim:
    claim = log.claim(MESSAGE, now)
    assert isinstance(claim, Claim)
    return claim


def test_a_send_walks_claimed_submitting_sent_and_is_then_a_duplicate(log: SendLog) -> None:
    claim = claimed(log)
    assert status(log) == [(SendStatus.CLAIMED, 1)]
    log.submitting(MESSAGE, claim)
    assert status(log) == [(SendStatus.SUBMITTING, 1)]
    log.sent(MESSAGE, claim, "ses-1", NOW)

    (record,) = log.records("2026-W47")
    assert (record.status, record.message_id) == (SendStatus.SENT, "ses-1")
    assert log.claim(MESSAGE, LATER) is SendStatus.SENT
    assert log.records("2026-W48") == []


def test_a_live_claim_makes_a_second_worker_wait(log: SendLog) -> None:
    claimed(log)

    with pytest.raises(SendInProgress):
        log.claim(MESSAGE, NOW + timedelta(seconds=30))


def test_a_stale_claim_is_taken_over_and_its_first_worker_can_do_nothing(log: SendLog) -> None:
    first = claimed(log)

    second = claimed(log, LATER)

    assert status(log) == [(SendStatus.CLAIMED, 2)]
    with pytest.raises(ClaimLost):
        log.submitting(MESSAGE, first)
    with pytest.raises(ClaimLost):
        log.sent(MESSAGE, first, "ses-stale", LATER)
    log.submitting(MESSAGE, second)
    assert status(log) == [(SendStatus.SUBMITTING, 2)]


def test_a_worker_that_stopped_while_the_provider_had_it_leaves_it_unknown(log: SendLog) -> None:
    log.submitting(MESSAGE, claimed(log))

    assert log.claim(MESSAGE, LATER) is SendStatus.UNKNOWN

    (record,) = log.records("2026-W47")
    assert record.status is SendStatus.UNKNOWN and record.error == "worker stopped during send"
    assert log.claim(MESSAGE, LATER + STALE_CLAIM) is SendStatus.UNKNOWN  # never resent


def test_a_failed_send_is_claimed_again_and_keeps_its_count(log: SendLog) -> None:
    log.failed(MESSAGE, claimed(log), "Throttling", NOW)
    assert status(log) == [(SendStatus.FAILED, 1)]

    claimed(log, NOW + timedelta(seconds=30))

    assert status(log) == [(SendStatus.CLAIMED, 2)]


def test_an_unknown_outcome_is_never_claimed_again(log: SendLog) -> None:
    log.unknown(MESSAGE, claimed(log), "ReadTimeoutError", NOW)

    assert log.claim(MESSAGE, LATER) is SendStatus.UNKNOWN
    assert status(log) == [(SendStatus.UNKNOWN, 1)]


def test_refusing_to_queue_is_recorded_failed_but_never_over_a_sent_record(log: SendLog) -> None:
    other = MESSAGE.model_copy(update={"recipient": "zhao@college.example.com"})
    log.refused(other, "未能排队:Throttling", NOW)
    claim = claimed(log)
    log.sent(MESSAGE, claim, "ses-1", NOW)

    log.refused(MESSAGE, "未能排队:Throttling", NOW)

    by_recipient = {r.recipient: (r.status, r.attempts) for r in log.records("2026-W47")}
    assert by_recipient == {
        "wang@college.example.com": (SendStatus.SENT, 1),
        "zhao@college.example.com": (SendStatus.FAILED, 0),
    }


def test_claims_made_in_two_time_zones_compare_as_instants(log: SendLog) -> None:
    shanghai = timezone(timedelta(hours=8))
    claimed(log, NOW.astimezone(shanghai))

    with pytest.raises(SendInProgress):  # 30 s later in UTC: still fresh
        log.claim(MESSAGE, NOW + timedelta(seconds=30))
    assert isinstance(log.claim(MESSAGE, LATER), Claim)


def test_each_kind_of_send_to_one_recipient_is_its_own(log: SendLog) -> None:
    claimed(log)
    resend = MESSAGE.model_copy(update={"kind": "digest-resend-20261118T090000"})

    assert isinstance(log.claim(resend, NOW), Claim)
    assert sorted(r.kind for r in log.records("2026-W47")) == [
        "digest",
        "digest-resend-20261118T090000",
    ]


# --- a robot notice's identity adds its channel (DESIGN.md, Channels) -------------------

WECOM = MESSAGE.model_copy(update={"channel": Channel.WECOM})
DINGTALK = MESSAGE.model_copy(update={"channel": Channel.DINGTALK})


def test_each_channel_is_its_own_send(log: SendLog) -> None:
    for message in (MESSAGE, WECOM, DINGTALK):
        claim = log.claim(message, NOW)
        assert isinstance(claim, Claim)
        log.submitting(message, claim)
        log.sent(message, claim, f"id-{message.channel}", NOW)
    assert log.claim(WECOM, LATER) is SendStatus.SENT
    records = sorted(log.records("2026-W47"), key=lambda r: r.channel)
    assert [(r.channel, r.message_id, r.robot) for r in records] == [
        (Channel.DINGTALK, "id-dingtalk", True),
        (Channel.EMAIL, "id-email", False),
        (Channel.WECOM, "id-wecom", True),
    ]


def test_an_emails_key_is_unchanged_and_a_robots_adds_its_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with bare_aws(monkeypatch):
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, "qungov-ledger")
        log = DynamoSendLog(dynamodb, "qungov-ledger")
        log.refused(MESSAGE, "x", NOW)
        log.refused(WECOM, "x", NOW)
        items = dynamodb.scan(TableName="qungov-ledger")["Items"]
    by_key = {item["sk"]["S"]: item for item in items}
    assert sorted(by_key) == [f"{MESSAGE.recipient}#digest", f"{MESSAGE.recipient}#digest#wecom"]
    assert "channel" not in by_key[f"{MESSAGE.recipient}#digest"]
