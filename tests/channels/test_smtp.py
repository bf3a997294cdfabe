"""The SMTP transport against a real SMTP server on loopback, in both TLS modes, through
the mailer and its send log: exactly one message each time, nothing lost, every outcome
on record."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.channels.smtp import SmtpServer, SmtpTransport
from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.memory import InMemorySendLog, MemoryMailHealth
from chalicelib.notify.sending import (
    MailMessage,
    NotSent,
    SendFailed,
    SendOutcome,
    SendStatus,
)
from tests.channels.smtp_server import PASSWORD, USER, SmtpServerUnderTest, smtp_server

NOW = datetime(2026, 11, 16, 0, 5, tzinfo=UTC)
TO, HEAD = "wang@college.example.com", "head@college.example.com"
MESSAGE = MailMessage(
    recipient=TO, cc=(HEAD,), period="2026-W47", content_hash="abc123",
    eml_key="outbox/2026-W47/abc123.eml",
)  # fmt: skip


@pytest.fixture(params=["tls", "starttls"])
def server(request: pytest.FixtureRequest) -> Iterator[SmtpServerUnderTest]:
    with smtp_server(request.param) as running:
        yield running


def transport(server: SmtpServerUnderTest, password: str = PASSWORD, timeout: float = 5) -> SmtpTransport:  # fmt: skip
    where = SmtpServer("127.0.0.1", server.port, server.security, USER, timeout)
    return SmtpTransport(where, lambda: password, server.client_context)


def rendered() -> bytes:
    """A digest as the outbox stores it: Chinese subject and body, a line that starts with
    a dot (SMTP's end-of-data marker when not doubled), LF line ends."""
    body = "您好:\n.本行以句点开头\n请于 11 月 23 日前整改。"
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = "【群组治理】信工学院 本周待整改事项 3 项"
    message["From"], message["To"] = USER, TO
    message.set_content(body)
    return message.as_bytes(policy=email.policy.default)


def mailer(server: SmtpServerUnderTest, password: str = PASSWORD, timeout: float = 5) -> Mailer:
    bucket = MemoryBucket(now=NOW)
    bucket.put(MESSAGE.eml_key, rendered())
    return Mailer(
        InMemorySendLog(), bucket, transport(server, password, timeout), USER, MemoryMailHealth()
    )


def record(sender: Mailer) -> tuple[SendStatus, int, str | None]:
    assert isinstance(sender.log, InMemorySendLog)
    (found,) = sender.log.records("2026-W47")
    return found.status, found.attempts, found.error


def test_the_same_mime_bytes_arrive_once_over_tls_with_the_password_from_the_parameter(
    server: SmtpServerUnderTest,
) -> None:
    sender = mailer(server)

    assert sender.send(MESSAGE, NOW) is SendOutcome.SENT
    assert sender.send(MESSAGE, NOW + timedelta(minutes=5)) is SendOutcome.DUPLICATE  # replay

    (received,) = server.handler.received
    assert (received.sender, received.recipients) == (USER, [TO, HEAD])
    assert received.data.replace(b"\r\n", b"\n") == rendered().replace(b"\r\n", b"\n")
    parsed = email.message_from_bytes(received.data, policy=email.policy.default)
    assert parsed["Subject"] == "【群组治理】信工学院 本周待整改事项 3 项"
    assert ".本行以句点开头" in parsed.get_content()
    assert server.handler.logins == [(USER, PASSWORD)]
    assert record(sender)[0] is SendStatus.SENT
    (sent,) = sender.log.records("2026-W47")
    assert sent.message_id == "250 2.0.0 Ok: queued as Q1"  # the server's own words


def test_a_wrong_password_is_not_sent_and_retried_through_the_queue(
    server: SmtpServerUnderTest,
) -> None:
    sender = mailer(server, password="wrong")

    with pytest.raises(SendFailed, match="535"):
        sender.send(MESSAGE, NOW)

    assert server.handler.received == [] and record(sender)[0] is SendStatus.FAILED


@pytest.mark.parametrize("answer", ["421 4.7.0 Try again later", "450 4.2.1 Mailbox busy"])
def test_a_transient_answer_fails_now_and_the_next_delivery_sends_it_once(
    server: SmtpServerUnderTest, answer: str
) -> None:
    server.behaviour.refuse[TO] = answer
    sender = mailer(server)

    with pytest.raises(SendFailed, match=answer[:3]):
        sender.send(MESSAGE, NOW)
    assert record(sender)[:2] == (SendStatus.FAILED, 1) and server.handler.received == []

    server.behaviour.refuse.clear()
    assert sender.send(MESSAGE, NOW + timedelta(seconds=30)) is SendOutcome.SENT
    assert len(server.handler.received) == 1 and record(sender)[:2] == (SendStatus.SENT, 2)


def test_a_mailbox_refused_for_good_is_recorded_once_never_retried_and_never_mailed_again(
    server: SmtpServerUnderTest,
) -> None:
    server.behaviour.refuse[TO] = "550 5.1.1 Mailbox unavailable"
    sender = mailer(server)

    assert sender.send(MESSAGE, NOW) is SendOutcome.REJECTED  # acknowledged: no retry
    status, attempts, error = record(sender)
    assert (status, attempts) == (SendStatus.FAILED, 1) and "550 5.1.1" in (error or "")
    assert TO not in (error or "")  # the record is shown in rollups: the address masked there
    assert sender.health is not None
    (undeliverable,) = sender.health.all()
    assert (undeliverable.address, undeliverable.kind) == (TO, "rejected")
    assert "550" in undeliverable.reason

    # a replayed message, or next week's digest: not sent into the refusal again
    assert sender.send(MESSAGE, NOW + timedelta(minutes=5)) is SendOutcome.BLOCKED
    assert server.handler.received == []


def test_a_copy_refused_for_good_still_lets_the_addressee_have_it(
    server: SmtpServerUnderTest,
) -> None:
    server.behaviour.refuse[HEAD] = "550 5.1.1 No such user"
    sender = mailer(server)

    assert sender.send(MESSAGE, NOW) is SendOutcome.SENT

    (received,) = server.handler.received
    assert received.recipients == [TO]
    assert sender.health is not None
    assert [u.address for u in sender.health.all()] == [HEAD]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [("450 4.7.1 Greylisted", SendFailed), ("554 5.7.1 Message rejected as spam", None)],
)
def test_an_answer_to_the_data_is_retried_when_transient_and_recorded_when_final(
    server: SmtpServerUnderTest, answer: str, outcome: type[Exception] | None
) -> None:
    server.behaviour.data_answers.append(answer)
    sender = mailer(server)

    if outcome is None:
        assert sender.send(MESSAGE, NOW) is SendOutcome.REJECTED
    else:
        with pytest.raises(outcome):
            sender.send(MESSAGE, NOW)

    assert record(sender)[0] is SendStatus.FAILED and answer[:3] in (record(sender)[2] or "")
    assert server.handler.received == []
    assert sender.health is not None and sender.health.all() == []  # the message, not an address


def test_an_answer_lost_after_the_data_is_unknown_and_never_sent_twice(
    server: SmtpServerUnderTest,
) -> None:
    server.behaviour.lose_answer = True
    sender = mailer(server)

    assert sender.send(MESSAGE, NOW) is SendOutcome.UNKNOWN
    assert sender.send(MESSAGE, NOW + timedelta(hours=1)) is SendOutcome.UNKNOWN  # replayed

    assert len(server.handler.received) == 1  # the server had it: exactly one message
    assert record(sender)[0] is SendStatus.UNKNOWN


def test_a_timeout_waiting_for_the_answer_is_unknown_and_never_sent_twice(
    server: SmtpServerUnderTest,
) -> None:
    server.behaviour.answer_after = 2.0
    sender = mailer(server, timeout=0.5)

    assert sender.send(MESSAGE, NOW) is SendOutcome.UNKNOWN
    assert sender.send(MESSAGE, NOW + timedelta(hours=1)) is SendOutcome.UNKNOWN

    assert len(server.handler.received) == 1
    assert "数据已发出" in (record(sender)[2] or "")


def test_a_password_smtp_cannot_carry_is_named_not_crashed_on(
    server: SmtpServerUnderTest,
) -> None:
    with pytest.raises(NotSent, match="非 ASCII"):
        transport(server, password="授权码").send(b"x", USER, [TO])


def test_a_server_nobody_listens_on_is_not_sent() -> None:
    with smtp_server("tls") as gone:
        port, context = gone.port, gone.client_context
    where = SmtpServer("127.0.0.1", port, "tls", USER, 2)
    with pytest.raises(NotSent, match="无法连接"):
        SmtpTransport(where, lambda: PASSWORD, context).send(b"x", USER, [TO])


def test_a_certificate_the_client_does_not_trust_is_refused_before_the_password_leaves() -> None:
    asked: list[str] = []

    def password() -> str:
        asked.append("asked")
        return PASSWORD

    with smtp_server("starttls") as running:
        where = SmtpServer("127.0.0.1", running.port, "starttls", USER, 5)
        with pytest.raises(NotSent, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpTransport(where, password).send(b"x", USER, [TO])  # the system's CAs only
        assert running.handler.logins == [] and asked == []


def test_an_unreadable_answer_after_the_data_is_unknown_and_never_sent_twice(
    server: SmtpServerUnderTest,
) -> None:
    # Given a server that answers the data with a line that has no reply code
    server.behaviour.data_answers.append("queued, thank you")
    sender = mailer(server)

    # When the digest is sent, and its message is delivered again
    first = sender.send(MESSAGE, NOW)
    again = sender.send(MESSAGE, NOW + timedelta(hours=1))

    # Then the data left and the server may have queued it: unknown, never sent again
    # (DESIGN.md: a send whose outcome is unknown is reported, never blindly repeated)
    assert (first, again) == (SendOutcome.UNKNOWN, SendOutcome.UNKNOWN)
    assert record(sender)[0] is SendStatus.UNKNOWN
