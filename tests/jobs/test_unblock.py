"""`python -m jobs unblock`: the operator lists the addresses that bounced and mails one
again once it is fixed; the next digest to it then goes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailhealth import DynamoMailHealthLog
from chalicelib.core.settings import Settings
from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.mailhealth import events_of
from chalicelib.notify.memory import InMemorySendLog, MemoryTransport
from chalicelib.notify.sending import MailMessage, SendOutcome
from jobs.__main__ import main
from tests.notify.test_mailhealth import COMPLAINT, bounce

SETTINGS = Settings()
WANG = "wang@college.example.com"


def test_the_blocked_addresses_are_listed_then_one_is_mailed_again(
    aws: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    log = DynamoMailHealthLog(aws.dynamodb, SETTINGS.ledger_table)
    for event in (bounce(), COMPLAINT):
        for item in events_of(json.dumps(event)):
            log.record(item)

    assert main(["unblock"]) == 0
    listed = capsys.readouterr().out
    assert f"{WANG}\t退信" in listed and "zhao@college.example.com\t被收件人投诉" in listed
    assert "共 2 个邮箱不再发送" in listed

    assert main(["unblock", "WANG@college.example.com"]) == 0
    assert "已解除" in capsys.readouterr().out
    assert [item.address for item in log.all()] == ["zhao@college.example.com"]

    # the next digest to the address goes
    bucket = MemoryBucket(now=datetime(2026, 11, 23, 8, 0))
    message = MailMessage(
        recipient=WANG, cc=(), period="2026-W48", content_hash="h", eml_key="outbox/h.eml"
    )
    bucket.put(message.eml_key, b"Subject: x\r\n\r\nbody\r\n")
    health = DynamoMailHealthLog(aws.dynamodb, SETTINGS.ledger_table)
    mailer = Mailer(InMemorySendLog(), bucket, MemoryTransport(), SETTINGS.sender_email, health)
    assert mailer.send(message, datetime(2026, 11, 23, 0, 5, tzinfo=UTC)) is SendOutcome.SENT


def test_an_address_not_on_the_list_is_said_so_and_fails_the_command(
    aws: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["unblock", "nobody@college.example.com"]) == 1
    assert "nobody@college.example.com:不在退信名单中" in capsys.readouterr().out
