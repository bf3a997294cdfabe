"""Which mail provider sends: SES, or the SMTP server of the settings (DESIGN.md,
Channels). One place, so that the digest worker and the rollups send alike."""

from __future__ import annotations

from chalicelib.aws.clients import Clients
from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.aws.mailer import SesTransport
from chalicelib.aws.parameters import secure_parameter
from chalicelib.channels.smtp import SmtpServer, SmtpTransport
from chalicelib.core.errors import describe
from chalicelib.core.settings import Settings
from chalicelib.notify.sending import MailTransport, NotSent


def mail_transport(clients: Clients, settings: Settings) -> MailTransport:
    if settings.mail_transport == "ses":
        return SesTransport(clients.ses, settings.ses_configuration_set)
    server = SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username or settings.sender_email,
        timeout=settings.smtp_timeout_seconds,
    )
    name = settings.smtp_password_parameter

    def password() -> str:
        """A read that fails (throttled, unreachable) sends nothing: retried by the queue."""
        try:
            return secure_parameter(clients.ssm, name)
        except AWS_ERRORS as error:
            raise NotSent(f"SMTP 密码无法从参数 {name} 读取:{describe(error)}") from None

    return SmtpTransport(server, password)
