"""The send log, the mail queue and a mail provider in memory, for the domain and flow
tests and for local runs without AWS. The send log walks the same states, under the same
conditions, as the DynamoDB one (chalicelib/aws/sendlog.py): each condition is named
where it is checked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.intake.source import BucketObjects
from chalicelib.notify.mailhealth import Undeliverable
from chalicelib.notify.sending import (
    STALE_CLAIM,
    Claim,
    ClaimLost,
    Handed,
    MailMessage,
    NotSent,
    SendInProgress,
    SendRecord,
    SendStatus,
)

RecordKey = tuple[str, str, str, str]  # period, recipient, kind, channel: the identity


@dataclass
class _Held:
    record: SendRecord
    token: str | None = None


class InMemorySendLog:
    """A `SendLog` in a dict, keyed by the send's identity."""

    def __init__(self) -> None:
        self._held: dict[RecordKey, _Held] = {}

    def claim(self, message: MailMessage, now: datetime) -> Claim | SendStatus:
        held = self._held.get(_key(message))
        record = held.record if held is not None else None
        stale = record is not None and _before(record.claimed_at, now)
        # Claim when no send is on record, the last attempt failed, or a worker claimed it
        # and stopped before it handed anything to the provider.
        if (
            record is None
            or record.status is SendStatus.FAILED
            or (record.status is SendStatus.CLAIMED and stale)
        ):
            token = uuid.uuid4().hex
            if held is None:
                self._write(message, SendStatus.CLAIMED, token, attempts=1, claimed_at=now)
            else:  # the record keeps what the last attempt left (its error), as DynamoDB
                held.token = token
                attempts, claimed_at = held.record.attempts + 1, _utc(now)
                self._update(message, SendStatus.CLAIMED, attempts=attempts, claimed_at=claimed_at)
            return Claim(token)
        status = record.outcome(now)
        if status is SendStatus.UNKNOWN:
            if record.status is SendStatus.SUBMITTING:  # abandoned while the provider had it
                self._update(message, SendStatus.UNKNOWN, error="worker stopped during send")
            return SendStatus.UNKNOWN
        if status is SendStatus.SENT:
            return SendStatus.SENT
        raise SendInProgress(f"{message.recipient} ({message.period}) is being sent")

    def submitting(self, message: MailMessage, claim: Claim) -> None:
        self._owned(message, claim, SendStatus.CLAIMED)
        self._update(message, SendStatus.SUBMITTING)

    def sent(self, message: MailMessage, claim: Claim, message_id: str, now: datetime) -> None:
        self._owned(message, claim)
        self._update(message, SendStatus.SENT, message_id=message_id)

    def failed(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None:
        self._owned(message, claim)
        self._update(message, SendStatus.FAILED, error=error)

    def unknown(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None:
        self._owned(message, claim)
        self._update(message, SendStatus.UNKNOWN, error=error)

    def refused(self, message: MailMessage, error: str, now: datetime) -> None:
        """Failed before any worker had it; never over a send already on record."""
        held = self._held.get(_key(message))
        if held is None:
            self._write(message, SendStatus.FAILED, None, attempts=0, error=error)
        elif held.record.status is SendStatus.FAILED:
            self._update(message, SendStatus.FAILED, error=error)

    def record(self, message: MailMessage) -> SendRecord | None:
        held = self._held.get(_key(message))
        return held.record if held is not None else None

    def records(self, period: str) -> list[SendRecord]:
        return [held.record for key, held in sorted(self._held.items()) if key[0] == period]

    def bounced(self, record: SendRecord, at: str) -> None:
        key = (record.period, record.recipient, record.kind, record.channel)
        held = self._held.get(key)
        if held is not None and held.record.message_id == record.message_id:
            held.record = held.record.model_copy(update={"bounced_at": at})

    def _owned(self, message: MailMessage, claim: Claim, status: SendStatus | None = None) -> None:
        """The claim is still this worker's (and the send in `status`), or ClaimLost."""
        held = self._held.get(_key(message))
        if (
            held is None
            or held.token != claim.token
            or (status is not None and held.record.status is not status)
        ):
            raise ClaimLost(f"{message.recipient} ({message.period}): claim taken over")

    def _write(
        self,
        message: MailMessage,
        status: SendStatus,
        token: str | None,
        *,
        attempts: int,
        claimed_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        record = SendRecord(
            recipient=message.recipient,
            period=message.period,
            kind=message.kind,
            content_hash=message.content_hash,
            status=status,
            attempts=attempts,
            claimed_at=_utc(claimed_at) if claimed_at else None,
            error=error,
            channel=message.channel,
        )
        self._held[_key(message)] = _Held(record, token)

    def _update(self, message: MailMessage, status: SendStatus, **fields: object) -> None:
        held = self._held[_key(message)]
        update = {"status": status, "content_hash": message.content_hash, **fields}
        held.record = held.record.model_copy(update=update)


def _key(message: MailMessage) -> RecordKey:
    return (message.period, message.recipient, message.kind, message.channel)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _before(claimed_at: str | None, now: datetime) -> bool:
    """The claim was made longer than `STALE_CLAIM` before `now`."""
    return claimed_at is not None and claimed_at < _utc(now - STALE_CLAIM)


@dataclass
class MemoryMailQueue:
    """A `MailQueue` whose emails go into `objects` and whose messages wait in a list."""

    objects: BucketObjects
    messages: list[MailMessage] = field(default_factory=list)

    def post(self, message: MailMessage, raw: bytes) -> None:
        self.objects.put(message.eml_key, raw, "message/rfc822")
        self.messages.append(message)

    def take(self) -> list[MailMessage]:
        """Every message queued so far, in order, leaving the queue empty."""
        taken, self.messages = self.messages, []
        return taken


@dataclass
class MemoryTransport:
    """A mail provider that keeps what it is handed; `refuse` decides, per message, that
    it is refused (a `NotSent` with that reason) instead."""

    sent: list[tuple[str, tuple[str, ...], bytes]] = field(default_factory=list)
    refuse: Callable[[bytes, Sequence[str]], str | None] = lambda raw, recipients: None

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        reason = self.refuse(raw, recipients)
        if reason is not None:
            raise NotSent(reason)
        self.sent.append((sender, tuple(recipients), raw))
        return Handed(f"memory-{len(self.sent)}")


class MemoryMailHealth:
    """A `MailHealth` in a dict."""

    def __init__(self) -> None:
        self._items: dict[str, Undeliverable] = {}

    def undeliverable(self, address: str) -> Undeliverable | None:
        return self._items.get(address.strip().lower())

    def record(self, item: Undeliverable) -> None:
        self._items.setdefault(item.address, item)

    def all(self) -> list[Undeliverable]:
        return [self._items[address] for address in sorted(self._items)]
