"""Addresses mail cannot reach: a permanent bounce or a complaint, as the mail provider
reports it (SES event publishing, through SNS to the mail-events queue). Such an address
gets no more emails until an operator clears it (`python -m jobs unblock ADDRESS`); the
supervising office's rollup lists it, so that the data is corrected."""

from __future__ import annotations

import json
from typing import Any, Protocol

from chalicelib.core.models import Frozen

REJECTED = "rejected"  # an SMTP server refused the address for good (5xx)
KIND_NAMES = {"bounce": "退信", "complaint": "被收件人投诉为垃圾邮件", REJECTED: "被邮件服务器拒收"}


class Undeliverable(Frozen):
    address: str  # lower case
    kind: str  # bounce, complaint, rejected
    reason: str  # the provider's words (a diagnostic code), cut short
    at: str  # when the provider reported it, ISO 8601
    message_id: str = ""  # the provider's id of the message that bounced

    @property
    def words(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


class MailHealth(Protocol):
    """What a sender asks before it sends, and what the rollup lists."""

    def undeliverable(self, address: str) -> Undeliverable | None: ...

    def all(self) -> list[Undeliverable]: ...


class MailHealthLog(MailHealth, Protocol):
    """The weekly run records what the mail provider reported (the first report stands)."""

    def record(self, item: Undeliverable) -> None: ...


def events_of(body: str) -> list[Undeliverable]:
    """The undeliverable addresses an SES event names (raw, or wrapped in an SNS envelope);
    none for a transient bounce or any other event: those may still reach their reader."""
    try:
        event: Any = json.loads(body)
        if isinstance(event, dict) and event.get("Type") == "Notification":
            event = json.loads(event["Message"])
    except (ValueError, KeyError, TypeError):
        return []
    if not isinstance(event, dict):
        return []
    kind = str(event.get("eventType") or event.get("notificationType") or "").lower()
    mail = _object(event, "mail")
    at, message_id = str(mail.get("timestamp", "")), str(mail.get("messageId", ""))
    if kind == "bounce":
        bounce = _object(event, "bounce")
        if bounce.get("bounceType") != "Permanent":
            return []
        recipients = bounce.get("bouncedRecipients")
        why = bounce.get("bounceSubType") or "Permanent"
    elif kind == "complaint":
        complaint = _object(event, "complaint")
        recipients = complaint.get("complainedRecipients")
        why = complaint.get("complaintFeedbackType") or "abuse"
    else:
        return []
    if not isinstance(recipients, list):
        return []
    items = [_item(r, kind, why, at, message_id) for r in recipients if isinstance(r, dict)]
    return [item for item in items if "@" in item.address]


def _object(event: dict[str, Any], name: str) -> dict[str, Any]:
    """A part of the event that should be an object; {} for anything else (an event
    damaged or forged is no reason to stop the run that drains them)."""
    part = event.get(name)
    return part if isinstance(part, dict) else {}


def _item(
    recipient: dict[str, Any], kind: str, why: str, at: str, message_id: str
) -> Undeliverable:
    reason = str(recipient.get("diagnosticCode") or why)[:200]
    address = str(recipient.get("emailAddress") or "").strip().lower()
    return Undeliverable(address=address, kind=kind, reason=reason, at=at, message_id=message_id)
