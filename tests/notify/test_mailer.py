"""One email handed to the mail provider once, on the in-memory send log, bucket and
provider: what each answer of the provider leaves on record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.memory import InMemorySendLog, MemoryTransport
from chalicelib.notify.sending import (
    Claim,
    Handed,
    MailMessage,
    NotSent,
    OutcomeUnknown,
    SendFailed,
    SendOutcome,
    SendStatus,
)

NOW = datetime(2026, 11, 16, 0, 5, tzinfo=UTC)
SENDER = "qungov@college.example.com"
MESSAGE = MailMessage(
    recipient="wang@college.example.com",
    cc=("head@college.example.com",),
    period="2026-W47",
    content_hash="abc123",
    eml_key="outbox/2026-W47/abc123.eml",
)
RAW = b"Subject: =?utf-8?b?5o+Q6YaS?=\r\n\r\nbody\r\n"


class Flaky(MemoryTransport):
    """Answers with each of `answers` in turn (an exception to raise, or None to accept)."""

    def __init__(self, *answers: Exception | None) -> None:
        super().__init__()
        self.answers = list(answers)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return super().send(raw, sender, recipients)


class Unrecorded(InMemorySendLog):
    """A send log whose `sent` never gets written (the table became unreachable)."""

    def sent(self, message: MailMessage, claim: Claim, message_id: str, now: datetime) -> None:
        raise OSError("table unreachable")


def mailer(transport: MemoryTransport, *, stored: bool = True) -> Mailer:
    bucket = MemoryBucket(now=datetime(2026, 11, 16, 8, 0))
    if stored:
        bucket.put(MESSAGE.eml_key, RAW)
    return Mailer(InMemorySendLog(), bucket, transport, SENDER)


def recorded(sender: Mailer) -> tuple[SendStatus, int, str | None]:
    assert isinstance(sender.log, InMemorySendLog)
    (record,) = sender.log.records("2026-W47")
    return record.status, record.attempts, record.error


def test_an_email_goes_once_to_its_recipient_and_copies() -> None:
    transport = MemoryTransport()
    sender = mailer(transport)

    assert sender.send(MESSAGE, NOW) is SendOutcome.SENT
    assert sender.send(MESSAGE, NOW + timedelta(minutes=1)) is SendOutcome.DUPLICATE

    assert transport.sent == [(SENDER, (MESSAGE.recipient, *MESSAGE.cc), RAW)]
    assert isinstance(sender.log, InMemorySendLog)
    (record,) = sender.log.records("2026-W47")
    assert (record.status, record.message_id) == (SendStatus.SENT, "memory-1")


def test_a_refusal_is_recorded_failed_and_the_next_delivery_sends_it() -> None:
    transport = Flaky(NotSent("Throttling"))
    sender = mailer(transport)

    with pytest.raises(SendFailed, match="Throttling"):
        sender.send(MESSAGE, NOW)
    assert recorded(sender) == (SendStatus.FAILED, 1, "Throttling")

    assert sender.send(MESSAGE, NOW + timedelta(seconds=30)) is SendOutcome.SENT
    assert len(transport.sent) == 1 and recorded(sender)[:2] == (SendStatus.SENT, 2)


def test_a_lost_answer_is_unknown_and_never_sent_again() -> None:
    transport = Flaky(OutcomeUnknown("ReadTimeoutError"))
    sender = mailer(transport)

    assert sender.send(MESSAGE, NOW) is SendOutcome.UNKNOWN
    assert sender.send(MESSAGE, NOW + timedelta(hours=1)) is SendOutcome.UNKNOWN

    assert transport.sent == [] and recorded(sender) == (
        SendStatus.UNKNOWN,
        1,
        "ReadTimeoutError",
    )


def test_an_email_missing_from_the_bucket_is_failed_before_the_provider_is_asked() -> None:
    transport = MemoryTransport()
    sender = mailer(transport, stored=False)

    with pytest.raises(SendFailed):
        sender.send(MESSAGE, NOW)

    assert transport.sent == [] and recorded(sender)[:2] == (SendStatus.FAILED, 1)


def test_a_send_whose_record_cannot_be_written_is_reported_and_never_resent() -> None:
    transport = MemoryTransport()
    sender = mailer(transport)
    sender.log = Unrecorded()
    assert sender.send(MESSAGE, NOW) is SendOutcome.SENT_UNRECORDED

    later = NOW + timedelta(hours=1)  # the record still says `submitting`: unknown
    assert sender.send(MESSAGE, later) is SendOutcome.UNKNOWN
    assert len(transport.sent) == 1
