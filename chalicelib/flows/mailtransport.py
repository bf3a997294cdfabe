"""Which mail provider sends: SES, or the SMTP server of the settings (DESIGN.md,
Channels). One place, so that the digest worker and the rollups send alike."""

from __future__ import annotations

from functools import partial

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailer import SesTransport
from chalicelib.aws.parameters import secure_parameter
from chalicelib.channels.smtp import SmtpServer, SmtpTransport
from chalicelib.core.settings import Settings
from chalicelib.notify.sending import MailTransport


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
    return SmtpTransport(
        server, partial(secure_parameter, clients.ssm, settings.smtp_password_parameter)
    )
