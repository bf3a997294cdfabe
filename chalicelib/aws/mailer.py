"""Handing one rendered email to SES, once, through the send log.

Used by the digest queue's worker (chalicelib/flows/delivery.py) and by the monthly rollups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
)

from chalicelib.aws.errors import describe
from chalicelib.notify.sending import (
    Claim,
    ClaimLost,
    MailMessage,
    SendFailed,
    SendLog,
    SendOutcome,
    SendStatus,
)

# Errors after which SES certainly has nothing: the request never reached it.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError, ParamValidationError)


@dataclass
class Mailer:
    """Sends one rendered email through SES, once, through the send log."""

    s3: Any
    ses: Any
    log: SendLog
    bucket: str
    sender: str

    def send(self, message: MailMessage, now: datetime) -> SendOutcome:
        """Raises SendFailed when nothing was sent, so that SQS delivers the message again;
        SendInProgress while another worker has it."""
        claim = self.log.claim(message, now)
        if claim is SendStatus.SENT:
            return SendOutcome.DUPLICATE
        if not isinstance(claim, Claim):
            return SendOutcome.UNKNOWN
        try:
            raw = self.s3.get_object(Bucket=self.bucket, Key=message.eml_key)["Body"].read()
            self.log.submitting(message, claim)
        except ClaimLost:
            raise
        except Exception as error:  # nothing reached SES: release the claim
            self._failed(message, claim, error, now)
        try:
            response = self.ses.send_raw_email(
                Source=self.sender,
                Destinations=[message.recipient, *message.cc],
                RawMessage={"Data": raw},
            )
        except (ClientError, *_NOT_SENT) as error:  # SES answered no, or was never reached
            self._failed(message, claim, error, now)
        except Exception as error:  # the answer was lost: SES may have sent it
            self.log.unknown(message, claim, describe(error), now)
            return SendOutcome.UNKNOWN
        try:
            self.log.sent(message, claim, response["MessageId"], now)
        except (ClientError, BotoCoreError):  # sent, but the log still says `submitting`:
            return SendOutcome.SENT_UNRECORDED  # never resent; reported as unknown
        return SendOutcome.SENT

    def _failed(self, message: MailMessage, claim: Claim, error: Exception, now: datetime) -> None:
        self.log.failed(message, claim, describe(error), now)
        raise SendFailed(f"{describe(error)} for {message.recipient}") from error
