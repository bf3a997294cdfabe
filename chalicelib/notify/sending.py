"""Sending one email: at most once per (recipient, period, kind), never lost in silence.

Each digest or rollup travels as one SQS message that points at its rendered `.eml` in
the bucket. The send log (in the ledger table) walks each send through its states:

    claimed ──► submitting ──► sent
       │             ├──────► failed     SES refused it (throttled, rejected): retried by SQS;
       │             │                   refused for good (SMTP 5xx): recorded, not retried
       │             └──────► unknown    SES may have accepted it, the answer was lost
       └── a worker that died before `submitting` leaves a claim that is taken over later

- A duplicated or replayed message finds the record `sent` (or `unknown`) and sends
  nothing. The identity is the recipient, the period (ISO week or month) and the kind
  (`digest`, `rollup-week:<office>` ...), never the content or the day: a re-run in the
  same week sends nothing new unless an operator asks for a resend (a new kind).
- Every write after a claim carries the claim's token: a worker whose claim was taken
  over (it stalled for longer than `STALE_CLAIM`) neither sends nor records anything.
- Recording `sent` after SES accepted is retried in process before anything else.
- A send whose outcome is unknown (the answer lost, or a worker that died while SES had
  the message) is never repeated blindly: it stays `unknown` for an operator to decide,
  and the rollup lists it. The SES client makes no retries of its own (see `aws.clients`).

Why not aws-lambda-powertools' idempotency utility: it keys records by a hash of the
payload in its own layout, while the rollup must list every send of a period with its
status and message id — one query on this log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import AliasChoices, Field

from chalicelib.core.models import Channel, Frozen

STALE_CLAIM = timedelta(minutes=3)  # longer than a sending Lambda lives (60 s)
MAX_BACKOFF_SECONDS = 900


class SendKind(StrEnum):
    """What a send is, by how its identity's kind starts: `digest` (and `digest-resend-…`),
    `rollup-week:<office>` …, `upload-rejected:<hash>` (chalicelib/notify/notices)."""

    DIGEST = "digest"
    ROLLUP = "rollup"
    UPLOAD_REJECTED = "upload-rejected"

    @classmethod
    def of(cls, kind: str) -> SendKind:
        return next(
            (k for k in (cls.UPLOAD_REJECTED, cls.DIGEST) if kind.startswith(k)), cls.ROLLUP
        )


DIGEST = SendKind.DIGEST
UPLOAD_REJECTED = SendKind.UPLOAD_REJECTED


class SendFailed(Exception):
    """Nothing was sent; the SQS message must be delivered again."""


class SendInProgress(SendFailed):
    """Another worker holds the send; deliver the message again later."""


class ClaimLost(SendInProgress):
    """This worker's claim was taken over by another: it must not send or record."""


class SendStatus(StrEnum):
    CLAIMED = "claimed"  # a worker took it; SES not called yet
    SUBMITTING = "submitting"  # SES is being called
    SENT = "sent"
    FAILED = "failed"  # SES refused or was never reached: SQS retries
    UNKNOWN = "unknown"  # SES may have it: an operator decides

    @property
    def undelivered(self) -> bool:
        """Reported in the rollup: failed, or of unknown outcome."""
        return self in (SendStatus.FAILED, SendStatus.UNKNOWN)


class SendOutcome(StrEnum):
    """What one delivery of a message did."""

    SENT = "sent"
    DUPLICATE = "duplicate"  # sent before: acknowledged
    UNKNOWN = "unknown"  # SES may have it; acknowledged, reported, never repeated
    SENT_UNRECORDED = "sent-unrecorded"  # sent; the log could not say so (reported as unknown)
    BLOCKED = "blocked"  # the address bounced or complained before: not sent, on record
    REJECTED = "rejected"  # the provider refused it for good: recorded failed, not retried


class MailMessage(Frozen):
    """The body of one SQS message: who gets which rendered email (a digest or a rollup)."""

    recipient: str
    cc: tuple[str, ...] = ()
    period: str
    kind: str = DIGEST  # with recipient and period, the identity of the send
    # the content's hash: names the rendered .eml (`digest_hash` in messages queued before)
    content_hash: str = Field(validation_alias=AliasChoices("content_hash", "digest_hash"))
    eml_key: str  # the rendered MIME message in the data bucket (a robot's: its notice)
    # with recipient, period and kind, the identity: a unit's robot notice is sent to
    # `robot:<unit id>` on its robot's channel (chalicelib/notify/robots/)
    channel: Channel = Channel.EMAIL

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, body: str) -> MailMessage:
        return cls.model_validate(json.loads(body))


@dataclass(frozen=True)
class Claim:
    """A worker's claim on a send: every later write must carry its token."""

    token: str


class SendRecord(Frozen):
    recipient: str
    period: str
    kind: str
    content_hash: str
    status: SendStatus
    attempts: int
    claimed_at: str | None = None  # UTC, ISO 8601
    message_id: str | None = None
    error: str | None = None
    channel: Channel = Channel.EMAIL
    bounced_at: str | None = None  # the provider reported it bounced after it was sent

    @property
    def robot(self) -> bool:
        """A notice to a unit's group robot (chalicelib/notify/robots/)."""
        return self.channel is not Channel.EMAIL

    def outcome(self, now: datetime) -> SendStatus:
        """The status as an operator should read it. A claim abandoned for longer than
        `STALE_CLAIM` before SES was called failed (it is taken over when its message
        comes back; dead-lettered, it stays failed); one abandoned while SES had the
        message is of unknown outcome."""
        stale = (
            self.claimed_at is not None
            and self.claimed_at < (now - STALE_CLAIM).astimezone(UTC).isoformat()
        )
        if stale and self.status is SendStatus.CLAIMED:
            return SendStatus.FAILED
        if stale and self.status is SendStatus.SUBMITTING:
            return SendStatus.UNKNOWN
        return self.status


class SendLog(Protocol):
    """Where each send's state is kept: `claim` and the writes after it carry the claim's
    token, and a write whose claim was taken over raises `ClaimLost` (the states above)."""

    def claim(self, message: MailMessage, now: datetime) -> Claim | SendStatus: ...
    def submitting(self, message: MailMessage, claim: Claim) -> None: ...
    def sent(self, message: MailMessage, claim: Claim, message_id: str, now: datetime) -> None: ...
    def failed(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None: ...
    def unknown(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None: ...
    def refused(self, message: MailMessage, error: str, now: datetime) -> None: ...
    def records(self, period: str) -> list[SendRecord]: ...
    def bounced(self, record: SendRecord, at: str) -> None:
        """The message `record` sent bounced at `at`: its record says so, unless it was sent
        again under another id meanwhile (its status stays: it is never sent again)."""
        ...


class MailQueue(Protocol):
    """Where rendered emails wait for the sending worker (the digest queue)."""

    def post(self, message: MailMessage, raw: bytes) -> None:
        """Store the email at `message.eml_key`, then queue `message`: a queued message
        never names a missing file."""
        ...


class NotSent(Exception):
    """The mail provider certainly has nothing: it refused, or was never reached."""


class Rejected(NotSent):
    """The mail provider refused the email for good (an SMTP 5xx answer, such as 550
    mailbox unavailable): recorded, never retried. `addresses`: the refused recipients
    (none when the message itself was refused)."""

    def __init__(self, reason: str, addresses: Sequence[str] = (), answer: str = "") -> None:
        super().__init__(reason)
        self.addresses = tuple(addresses)
        self.answer = answer or reason  # the provider's own words, without the addresses


class OutcomeUnknown(Exception):
    """The mail provider may have accepted the email: its answer was lost."""


@dataclass(frozen=True)
class Handed:
    """What the provider took: its message id, and the copies it refused for good
    (address → its answer) while accepting the rest."""

    message_id: str
    refused: Mapping[str, str] = field(default_factory=dict)


class MailTransport(Protocol):
    """A mail provider (SES; SMTP). Raises `NotSent` (or `Rejected`) or `OutcomeUnknown`,
    never retries a send of its own accord: the send log decides what is retried."""

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        """Hand one MIME message over to `recipients` (the first is the addressee)."""
        ...


def backoff_seconds(receive_count: int) -> int:
    """How long SQS hides a message after its n-th failed delivery: 30 s, 60 s, 120 s ..."""
    return int(min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(receive_count - 1, 0)))
