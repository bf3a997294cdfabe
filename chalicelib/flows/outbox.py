"""The weekly digests into the bucket and onto the send queue, once per recipient and week.

Each digest is rendered (`outbox/<week>/<hash>.eml`) and queued as one SQS message that
the send_digest worker delivers through the send log (chalicelib/notify/sending.py); each
unit's group robot notice likewise (`outbox/<week>/robot-<hash>.json`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.core.dates import SHANGHAI, WEEKLY_RUN_TIME
from chalicelib.core.errors import describe
from chalicelib.core.layout import digest_key
from chalicelib.core.masking import mask_address
from chalicelib.core.models import Channel, Office, Unit
from chalicelib.core.robots import robot_label
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult
from chalicelib.intake.config import supervisor
from chalicelib.notify.digests.build import DigestPlan
from chalicelib.notify.digests.mime import digest_email
from chalicelib.notify.digests.models import Digest
from chalicelib.notify.robots.message import RobotNotice
from chalicelib.notify.sending import (
    DIGEST,
    MailMessage,
    MailQueue,
    SendLog,
    SendRecord,
    SendStatus,
)


@dataclass(frozen=True)
class Resend:
    """An operator's explicit request to send this week's digests again (`jobs weekly
    --resend`): a new kind of send, so that its own replays are still sent once."""

    label: str  # e.g. when it was asked, part of the send identity
    to: str | tuple[str, ...] | None = None  # these recipients, or every recipient of the run

    @property
    def recipients(self) -> frozenset[str] | None:
        if not self.to:
            return None
        return frozenset(a.lower() for a in ((self.to,) if isinstance(self.to, str) else self.to))


class Outbox:
    """Rendered digests into the bucket (`outbox/<week>/<hash>.eml`) and onto the send
    queue, one at a time: one that cannot be rendered or queued is recorded as failed in
    the send log (so the rollup lists it and a re-run queues it again), the rest go on.

    One digest per recipient and ISO week: a recipient whose digest is sent, under way or
    of unknown outcome gets nothing more; a re-run of a week that already ran (`rerun`)
    queues only the digests whose sending failed, so it sends nothing new. A `resend`
    (asked by an operator) is a new kind of send, for every recipient."""

    def __init__(
        self,
        log: SendLog,
        queue: MailQueue,
        settings: Settings,
        period: str,
        resend: Resend | None,
        *,
        rerun: bool = False,
    ) -> None:
        self.log, self.queue = log, queue
        self.settings, self.period = settings, period
        self.rerun = rerun and resend is None
        self.only = resend.recipients if resend is not None else None
        # the week's scheduled run, as the time of a failure to queue (no clock is read)
        self.now = datetime.combine(date.fromisoformat(period + "-1"), WEEKLY_RUN_TIME, SHANGHAI)
        self.kind = DIGEST if resend is None else f"{DIGEST}-resend-{resend.label}"

    def enqueue(
        self, plan: DigestPlan, result: ScanResult, problems: list[str]
    ) -> tuple[list[MailMessage], int]:
        """The messages queued, and how many digests were held back (see the class)."""
        records = self._records()
        units = {u.unit_id: u for u in result.units}
        contact = supervisor(result.offices)
        messages, held_back = [], 0
        for digest in plan.digests:
            if self.only is not None and digest.recipient not in self.only:
                continue
            if self._held_back(records.get((digest.recipient, Channel.EMAIL))):
                held_back += 1
                continue
            content_hash = digest.content_hash()
            message = MailMessage(
                recipient=digest.recipient,
                cc=digest.cc,
                period=digest.period,
                kind=self.kind,
                content_hash=content_hash,
                eml_key=digest_key(digest.period, content_hash),
            )
            render = partial(_digest_bytes, digest, units, self.settings, contact)
            if self._post(message, render, mask_address(digest.recipient), problems):
                messages.append(message)
        return messages, held_back

    def enqueue_notices(
        self, notices: Sequence[RobotNotice], problems: list[str]
    ) -> tuple[list[MailMessage], int]:
        """The units' group robot notices, queued as the digests are: once per unit, week,
        kind and channel; the messages queued, and how many were held back."""
        records = self._records()
        messages, held_back = [], 0
        for notice in notices:
            message = notice.message(self.period, self.kind)
            if self.only is not None and message.recipient.lower() not in self.only:
                continue
            if self._held_back(records.get((message.recipient, message.channel))):
                held_back += 1
                continue
            if self._post(message, notice.to_bytes, robot_label(notice.robot), problems):
                messages.append(message)
        return messages, held_back

    def _records(self) -> dict[tuple[str, Channel], SendRecord]:
        """This run's kind of sends on record this week, by recipient and channel."""
        records = self.log.records(self.period)
        return {(r.recipient, r.channel): r for r in records if r.kind == self.kind}

    def _held_back(self, record: SendRecord | None) -> bool:
        """Sent, under way or of unknown outcome; or anything in a re-run. A failed send, or
        a claim whose worker may have stopped, is queued again (a live claim makes the new
        message wait; the send identity allows one send)."""
        retry = record is not None and record.status in (SendStatus.FAILED, SendStatus.CLAIMED)
        return (record is not None or self.rerun) and not retry

    def _post(self, message: MailMessage, render: Callable[[], bytes], who: str,
              problems: list[str]) -> bool:  # fmt: skip
        """Render and queue one send; a failure is recorded (the rollup lists it, a re-run
        queues it again) and the run goes on."""
        try:
            self.queue.post(message, render())
        except (ValueError, *AWS_ERRORS) as error:
            problems.append(f"提醒未能排队({who}):{describe(error)}")
            self._record_failure(message, error, problems)
            return False
        return True

    def _record_failure(
        self, message: MailMessage, error: BaseException, problems: list[str]
    ) -> None:
        try:
            self.log.refused(message, f"未能排队:{describe(error)}", self.now)
        except AWS_ERRORS as also:
            problems.append(f"发送记录写入失败({describe(also)})")


def _digest_bytes(
    digest: Digest, units: Mapping[str, Unit], settings: Settings, contact: Office | None
) -> bytes:
    return digest_email(digest, units, settings, contact)[1]
