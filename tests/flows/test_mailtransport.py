"""Which mail provider sends (chalicelib/flows/mailtransport.py): SMTP with its password
read from the parameter store at each send."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.parameters import forget_cached
from chalicelib.channels.smtp import SmtpTransport
from chalicelib.core.settings import Settings
from chalicelib.flows.mailtransport import mail_transport
from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.memory import InMemorySendLog
from chalicelib.notify.sending import MailMessage, SendFailed, SendStatus
from tests.aws import client_error
from tests.channels.smtp_server import USER, smtp_server

NOW = datetime(2026, 11, 16, 0, 5, tzinfo=UTC)
MESSAGE = MailMessage(
    recipient="wang@college.example.com", period="2026-W47", content_hash="abc123",
    eml_key="outbox/2026-W47/abc123.eml",
)  # fmt: skip


class _ThrottledSsm:
    def get_parameter(self, **kwargs: Any) -> dict[str, Any]:
        raise client_error("ThrottlingException", "GetParameter")


def test_a_password_the_parameter_store_cannot_give_now_is_a_failed_send_retried() -> None:
    # Given SMTP as the provider and the parameter store throttling the password's read
    forget_cached()
    with smtp_server("tls") as server:
        settings = Settings(
            mail_transport="smtp", smtp_host="127.0.0.1", smtp_port=server.port,
            smtp_security="tls", sender_email=USER,
        )  # fmt: skip
        clients = cast(Clients, SimpleNamespace(ssm=_ThrottledSsm()))
        transport = mail_transport(clients, settings)
        assert isinstance(transport, SmtpTransport)
        transport.context = server.client_context
        bucket = MemoryBucket(now=NOW)
        bucket.put(MESSAGE.eml_key, b"Subject: x\r\n\r\nbody\r\n")
        log = InMemorySendLog()

        # When the digest is sent
        with pytest.raises(SendFailed):
            Mailer(log, bucket, transport, USER).send(MESSAGE, NOW)

    # Then nothing was sent, and the send is failed, retried through the queue (DESIGN.md:
    # a failed send is retried, never silently lost), not left of unknown outcome
    (record,) = log.records("2026-W47")
    assert record.status is SendStatus.FAILED and server.handler.received == []
