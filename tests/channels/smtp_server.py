"""A real SMTP server on loopback (aiosmtpd), started and stopped by the tests: implicit
TLS or STARTTLS with a certificate of a test CA (trustme), AUTH LOGIN/PLAIN only over
TLS, and answers chosen per test — 421, 450 or 550 for an address, 450 or 554 after the
data, an answer lost after the data, or one given too late."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from chalicelib.channels.smtp import Security

USER, PASSWORD = "qungov@college.example.com", "Auth-code-s3cret"  # a client 授权码


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Behaviour:
    """What the server answers; each test sets what it needs."""

    refuse: dict[str, str] = field(default_factory=dict)  # address → its RCPT answer
    mail_answer: str = ""  # an answer to MAIL FROM instead of 250 (421 …)
    data_answers: list[str] = field(default_factory=list)  # one per DATA, then 250
    lose_answer: bool = False  # take the message, then drop the connection unanswered
    answer_after: float = 0.0  # seconds to wait before answering the data


class Handler:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.behaviour.mail_answer:
            return self.behaviour.mail_answer
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        answer = self.behaviour.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.behaviour.data_answers:
            return self.behaviour.data_answers.pop(0)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        if self.behaviour.lose_answer:
            server.transport.abort()
            return "250 lost"
        if self.behaviour.answer_after:
            await asyncio.sleep(self.behaviour.answer_after)
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == (USER, PASSWORD), handled=False)


@dataclass
class SmtpServerUnderTest:
    port: int
    security: Security
    handler: Handler
    behaviour: Behaviour
    client_context: ssl.SSLContext
    authority_pem: bytes  # the test CA's certificate, to trust


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(security: Security) -> Iterator[SmtpServerUnderTest]:
    """`security`: "tls" (implicit, as on 465) or "starttls" (as on 587)."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    behaviour = Behaviour()
    handler = Handler(behaviour)
    port = _free_port()
    tls: dict[str, Any] = (
        {"ssl_context": server_context}
        if security == "tls"
        else {"tls_context": server_context, "require_starttls": True}
    )
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate,
        # aiosmtpd counts only STARTTLS as TLS; implicit TLS is TLS from the first byte
        auth_require_tls=security == "starttls", **tls,
    )  # fmt: skip
    controller.start()
    try:
        yield SmtpServerUnderTest(
            port, security, handler, behaviour, client_context, authority.cert_pem.bytes()
        )
    finally:
        controller.stop()
        time.sleep(0.01)
