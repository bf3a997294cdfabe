"""SMTP as the mail provider, where there is no SES (AWS China, ap-east-1): 腾讯企业邮,
网易企业邮 or a campus relay, with implicit TLS (465) or STARTTLS (587), certificates
verified, never a password in clear. One connection per send, the same MIME bytes SES gets.

Each answer is sorted as the send log needs it (chalicelib/notify/sending.py):

- before the message's last byte left: `NotSent` (retried through the queue), or
  `Rejected` for a 5xx about the addressee or the message (recorded, never retried);
- after it, an answer lost to a timeout or a dropped connection: `OutcomeUnknown`, as the
  server may have queued it;
- a copy's address refused with 5xx while the addressee was accepted: sent to the rest,
  the refused copy reported in `Handed.refused`.

smtplib's own `sendmail` cannot tell a reply lost after the data from a failure before it,
so the DATA exchange is written out here with smtplib's lower-level calls."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from chalicelib.notify.sending import Handed, NotSent, OutcomeUnknown, Rejected

Security = Literal["tls", "starttls"]
_LINE_ENDS = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str
    timeout: float = 20.0


@dataclass
class SmtpTransport:
    """`password` is asked for at each send (the SSM SecureString, cached by its reader);
    `context` verifies the server's certificate (a test's own CA, in tests)."""

    server: SmtpServer
    password: Callable[[], str]
    context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        try:
            connection = self._connect()
        except smtplib.SMTPResponseException as error:
            raise NotSent(_answer(error.smtp_code, error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timed out, TLS
            raise NotSent(f"SMTP {self.server.host}:{self.server.port} 无法连接:{error}") from error
        except UnicodeEncodeError as error:  # AUTH carries ASCII only
            raise NotSent("SMTP 用户名或密码含非 ASCII 字符:请使用邮箱的客户端授权码") from error
        try:
            return _transmit(connection, raw, sender, recipients)
        finally:
            _close(connection)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=self.context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            try:
                connection.starttls(context=self.context)  # refuses when not offered
            except BaseException:
                _close(connection)
                raise
        try:
            connection.login(server.username, self.password())
        except BaseException:
            _close(connection)
            raise
        return connection


def _transmit(
    connection: smtplib.SMTP, raw: bytes, sender: str, recipients: Sequence[str]
) -> Handed:
    """MAIL, RCPT, DATA on an open, authenticated connection."""
    try:
        _expect(connection.mail(sender), "MAIL FROM", permanent_rejects=False)
        refused: dict[str, str] = {}
        for index, address in enumerate(recipients):
            code, text = connection.rcpt(address)
            if code in (250, 251):
                continue
            if 500 <= code < 600 and index > 0:  # a copy: the others still get it
                refused[address] = _answer(code, text)
                continue
            if 500 <= code < 600:
                raise Rejected(
                    f"邮件服务器拒收收件人:{_answer(code, text)}", [address], _answer(code, text)
                )
            raise NotSent(f"RCPT {address}: {_answer(code, text)}")
        _expect(connection.docmd("DATA"), "DATA", accept=354)
        connection.send(_data(raw))  # raises before the last byte left: nothing queued
    except (smtplib.SMTPException, OSError) as error:
        raise NotSent(f"SMTP 发送中断:{error}") from error
    except UnicodeEncodeError as error:  # an address smtplib cannot put on the wire
        raise Rejected(f"地址无法编码:{error}", recipients[:1]) from error
    try:
        code, text = connection.getreply()
    except (smtplib.SMTPException, OSError) as error:  # the server may have queued it
        raise OutcomeUnknown(f"SMTP 未答复(数据已发出):{error}") from error
    if code == -1:  # smtplib's code for a reply without one: the server may have queued it
        raise OutcomeUnknown(f"SMTP 答复无法识别(数据已发出):{_answer(code, text)}")
    _expect((code, text), "数据")
    return Handed(_answer(code, text), refused)


def _expect(
    reply: tuple[int, bytes], step: str, accept: int = 250, *, permanent_rejects: bool = True
) -> None:
    """The reply is `accept`; else a 5xx is `Rejected` (a refusal about the message) and
    anything else `NotSent`. A refused sender is the operator's to fix: retried, alarmed."""
    code, text = reply
    if code == accept:
        return
    if permanent_rejects and 500 <= code < 600:
        raise Rejected(f"邮件服务器拒收({step}):{_answer(code, text)}")
    raise NotSent(f"{step}: {_answer(code, text)}")


def _data(raw: bytes) -> bytes:
    """The message as DATA carries it: CRLF line ends, leading dots doubled, `.` to end."""
    body = _LEADING_DOT.sub(b"..", _LINE_ENDS.sub(b"\r\n", raw))
    return body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"[:200]


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
