"""Handing one rendered email to the mail provider, once, through the send log
(chalicelib/notify/sending.py draws the states). Used by the digest queue's worker and by
the rollups, whatever the provider behind `MailTransport` is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.core.errors import describe
from chalicelib.intake.source import ObjectReader
from chalicelib.notify.mailhealth import REJECTED, MailHealthLog, Undeliverable
from chalicelib.notify.sending import (
    Claim,
    ClaimLost,
    MailMessage,
    MailTransport,
    NotSent,
    OutcomeUnknown,
    Rejected,
    SendFailed,
    SendLog,
    SendOutcome,
    SendStatus,
)


@dataclass
class Mailer:
    """Sends one rendered email (stored at its `eml_key`), once, through the send log."""

    log: SendLog
    objects: ObjectReader  # where the rendered emails are
    transport: MailTransport
    sender: str
    health: MailHealthLog | None = None  # addresses that bounced, complained or were refused

    def send(self, message: MailMessage, now: datetime) -> SendOutcome:
        """Raises SendFailed when nothing was sent, so that the queue delivers the message
        again; SendInProgress while another worker has it. An address that bounced is not
        sent to: the send log says why, and copies to such addresses are left out."""
        blocked = self.health.undeliverable(message.recipient) if self.health else None
        if blocked is not None:
            self.log.refused(message, f"邮箱已{blocked.words},不再发送({blocked.reason})", now)
            return SendOutcome.BLOCKED
        claim = self.log.claim(message, now)
        if claim is SendStatus.SENT:
            return SendOutcome.DUPLICATE
        if not isinstance(claim, Claim):
            return SendOutcome.UNKNOWN
        try:
            raw = self.objects.get(message.eml_key)
            self.log.submitting(message, claim)
        except ClaimLost:
            raise
        except Exception as error:  # nothing reached the provider: release the claim
            self._failed(message, claim, describe(error), now)
        try:
            handed = self.transport.send(raw, self.sender, self._destinations(message))
        except Rejected as error:  # refused for good: on record, never retried
            self.log.failed(message, claim, str(error), now)
            self._undeliverable(dict.fromkeys(error.addresses, error.answer), now)
            return SendOutcome.REJECTED
        except NotSent as error:  # refused for now, or never reached
            self._failed(message, claim, str(error), now)
        except OutcomeUnknown as error:  # the answer was lost: the provider may have sent it
            self.log.unknown(message, claim, str(error), now)
            return SendOutcome.UNKNOWN
        try:
            self.log.sent(message, claim, handed.message_id, now)
        except ClaimLost:
            raise
        except Exception:  # sent, but the log still says `submitting`:
            return SendOutcome.SENT_UNRECORDED  # never resent; reported as unknown
        self._undeliverable(handed.refused, now)
        return SendOutcome.SENT

    def _undeliverable(self, refused: Mapping[str, str], now: datetime) -> None:
        """Addresses the provider refused for good get no more mail, and the rollup lists
        them (a failure to note one is not a failed send)."""
        if self.health is None:
            return
        for address, answer in refused.items():
            item = Undeliverable(
                address=address.strip().lower(), kind=REJECTED, reason=answer[:200],
                at=now.astimezone(UTC).isoformat(),
            )  # fmt: skip
            try:
                self.health.record(item)
            except Exception:  # the next rejection records it
                continue

    def _destinations(self, message: MailMessage) -> list[str]:
        health = self.health
        cc = [a for a in message.cc if health is None or health.undeliverable(a) is None]
        return [message.recipient, *cc]

    def _failed(self, message: MailMessage, claim: Claim, reason: str, now: datetime) -> None:
        self.log.failed(message, claim, reason, now)
        raise SendFailed(f"{reason} for {message.recipient}")
