"""SES as the mail provider: one `send_raw_email` per attempt, its errors sorted into
"certainly not sent" and "outcome unknown" (chalicelib/notify/sending.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
)

from chalicelib.core.errors import describe
from chalicelib.notify.sending import Handed, NotSent, OutcomeUnknown

# Errors after which SES certainly has nothing: it answered no, or was never reached.
_NOT_SENT = (ClientError, EndpointConnectionError, ConnectTimeoutError, ParamValidationError)


@dataclass(frozen=True)
class SesTransport:
    """The SES client must make no retries of its own (`aws.clients.SES_CONFIG`)."""

    ses: Any  # boto3 SES client
    configuration_set: str = ""  # whose events report bounces and complaints ("": none)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        events = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        try:
            response = self.ses.send_raw_email(
                Source=sender, Destinations=list(recipients), RawMessage={"Data": raw}, **events
            )
        except _NOT_SENT as error:
            raise NotSent(describe(error)) from error
        except Exception as error:  # a timeout or a broken connection: SES may have it
            raise OutcomeUnknown(describe(error)) from error
        return Handed(str(response["MessageId"]))
