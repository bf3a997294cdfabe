"""The weekly digests into the bucket and onto the send queue, once per recipient and week.

Each digest is rendered (`outbox/<week>/<hash>.eml`) and queued as one SQS message that
the send_digest worker delivers through the send log (chalicelib/notify/sending.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.core.dates import SHANGHAI, WEEKLY_RUN_TIME
from chalicelib.core.errors import describe
from chalicelib.core.layout import digest_key
from chalicelib.core.masking import mask_address
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult
from chalicelib.intake.config import supervisor
from chalicelib.notify.digests.build import DigestPlan
from chalicelib.notify.digests.mime import digest_email
from chalicelib.notify.sending import DIGEST, MailMessage, MailQueue, SendLog, SendStatus


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
        records = {r.recipient: r for r in self.log.records(self.period) if r.kind == self.kind}
        units = {u.unit_id: u for u in result.units}
        messages, held_back = [], 0
        for digest in plan.digests:
            if self.only is not None and digest.recipient not in self.only:
                continue
            record = records.get(digest.recipient)
            # a failed send, or a claim whose worker may have stopped: queue it again (a
            # live claim makes the new message wait; the send identity allows one email)
            retry = record is not None and record.status in (SendStatus.FAILED, SendStatus.CLAIMED)
            if (record is not None or self.rerun) and not retry:
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
            try:
                _, raw = digest_email(digest, units, self.settings, supervisor(result.offices))
                self.queue.post(message, raw)
            except (ValueError, *AWS_ERRORS) as error:
                problems.append(f"提醒未能排队({mask_address(digest.recipient)}):{describe(error)}")
                self._record_failure(message, error, problems)
                continue
            messages.append(message)
        return messages, held_back

    def _record_failure(
        self, message: MailMessage, error: BaseException, problems: list[str]
    ) -> None:
        try:
            self.log.refused(message, f"未能排队:{describe(error)}", self.now)
        except AWS_ERRORS as also:
            problems.append(f"发送记录写入失败({describe(also)})")
