"""What the mail provider reports back: SES bounce and complaint events (as event
publishing writes them, raw or in an SNS envelope) become undeliverable addresses; what
may still reach its reader (a transient bounce, a delivery) does not; and the sender
mails no such address, not even in copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.mailhealth import Undeliverable, events_of
from chalicelib.notify.memory import InMemorySendLog, MemoryMailHealth, MemoryTransport
from chalicelib.notify.sending import MailMessage, SendOutcome, SendStatus

NOW = datetime(2026, 11, 16, 0, 5, tzinfo=UTC)


def bounce(kind: str = "Permanent", *addresses: str) -> dict[str, Any]:
    """A bounce as SES event publishing writes it (configuration set → SNS)."""
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
                for address in addresses or ("Wang@College.example.com",)
            ],
            "timestamp": "2026-11-16T00:06:10.000Z",
            "feedbackId": "0100017-feedback",
        },
        "mail": {
            "timestamp": "2026-11-16T00:06:01.000Z",
            "source": "qungov@college.example.com",
            "messageId": "0100017-message",
            "destination": ["wang@college.example.com"],
        },
    }


COMPLAINT = {
    "eventType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "zhao@college.example.com"}],
        "complaintFeedbackType": "abuse",
        "timestamp": "2026-11-17T02:00:00.000Z",
    },
    "mail": {"timestamp": "2026-11-16T00:06:01.000Z"},
}


def test_a_permanent_bounce_names_each_address_in_lower_case_with_the_servers_words() -> None:
    (item,) = events_of(json.dumps(bounce()))
    assert item == Undeliverable(
        address="wang@college.example.com",
        kind="bounce",
        reason="smtp; 550 5.1.1 user unknown",
        at="2026-11-16T00:06:01.000Z",
        message_id="0100017-message",
    )
    assert item.words == "退信"


def test_a_complaint_is_undeliverable_too_and_an_sns_envelope_is_opened() -> None:
    envelope = {"Type": "Notification", "MessageId": "m-1", "Message": json.dumps(COMPLAINT)}
    (item,) = events_of(json.dumps(envelope))
    assert (item.address, item.kind, item.reason) == (
        "zhao@college.example.com",
        "complaint",
        "abuse",
    )


def test_the_older_notification_format_is_read_as_well() -> None:
    old = bounce()
    del old["eventType"]
    old["notificationType"] = "Bounce"
    assert [i.address for i in events_of(json.dumps(old))] == ["wang@college.example.com"]


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(bounce("Transient")),  # a full mailbox may empty: still mailed
        json.dumps(bounce("Undetermined")),
        json.dumps({"eventType": "Delivery", "mail": {}, "delivery": {}}),
        json.dumps(bounce("Permanent", "not-an-address")),
        json.dumps({"Type": "Notification", "Message": "not json"}),
        json.dumps({"Type": "SubscriptionConfirmation", "SubscribeURL": "http://x"}),
        json.dumps(["a", "list"]),
        "",
        "\x00garbage",
        # damaged or forged: a part that should be an object, or a list, is not
        json.dumps({**bounce(), "bounce": ["Permanent"]}),
        json.dumps({**bounce(), "bounce": {"bounceType": "Permanent", "bouncedRecipients": 7}}),
        json.dumps({**COMPLAINT, "complaint": None}),
    ],
)
def test_what_may_still_reach_its_reader_or_cannot_be_read_blocks_no_one(body: str) -> None:
    assert events_of(body) == []


def test_a_bounce_whose_mail_part_is_damaged_still_names_the_address() -> None:
    (item,) = events_of(json.dumps({**bounce(), "mail": "x"}))

    assert (item.address, item.at, item.message_id) == ("wang@college.example.com", "", "")


def test_a_long_diagnostic_is_cut_short() -> None:
    event = bounce()
    event["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = "x" * 5000
    (item,) = events_of(json.dumps(event))
    assert len(item.reason) == 200


MESSAGE = MailMessage(
    recipient="wang@college.example.com",
    cc=("head@college.example.com", "zhao@college.example.com"),
    period="2026-W47",
    content_hash="abc123",
    eml_key="outbox/2026-W47/abc123.eml",
)


def mailer(health: MemoryMailHealth, transport: MemoryTransport) -> Mailer:
    bucket = MemoryBucket(now=datetime(2026, 11, 16, 8, 0))
    bucket.put(MESSAGE.eml_key, b"Subject: x\r\n\r\nbody\r\n")
    return Mailer(InMemorySendLog(), bucket, transport, "qungov@college.example.com", health)


def test_an_address_that_bounced_is_not_mailed_and_the_send_log_says_why() -> None:
    health, transport = MemoryMailHealth(), MemoryTransport()
    (item,) = events_of(json.dumps(bounce()))
    health.record(item)
    sender = mailer(health, transport)

    assert sender.send(MESSAGE, NOW) is SendOutcome.BLOCKED

    assert transport.sent == []
    assert isinstance(sender.log, InMemorySendLog)
    (record,) = sender.log.records("2026-W47")
    assert record.status is SendStatus.FAILED
    assert record.error is not None and "退信" in record.error and "550" in record.error


def test_a_copy_to_an_address_that_complained_is_left_out_and_the_rest_go() -> None:
    health, transport = MemoryMailHealth(), MemoryTransport()
    (item,) = events_of(json.dumps(COMPLAINT))
    health.record(item)

    assert mailer(health, transport).send(MESSAGE, NOW) is SendOutcome.SENT

    ((_, recipients, _),) = transport.sent
    assert recipients == ("wang@college.example.com", "head@college.example.com")


def test_the_first_report_of_an_address_stands_and_lookups_ignore_case() -> None:
    health = MemoryMailHealth()
    (first,) = events_of(json.dumps(bounce()))
    (later,) = events_of(json.dumps(bounce("Permanent", "wang@college.example.com") | {"mail": {}}))
    health.record(first)
    health.record(later)
    assert health.undeliverable(" WANG@college.example.com ") == first
    assert health.all() == [first]
