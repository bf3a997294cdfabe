"""The send log in the ledger table: pk `SEND#<period>`, sk `<recipient>#<kind>` (an
email) or `<recipient>#<kind>#<channel>` (a group robot's notice, chalicelib/notify/robots).

Every write after a claim is conditional on the claim's token, so that a worker whose
claim was taken over can never send or record anything in its name. Times are stored in
UTC (ISO 8601), so that staleness compares whatever time zone a caller works in."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.retries import retried
from chalicelib.core.models import Channel
from chalicelib.notify.sending import (
    DIGEST,
    STALE_CLAIM,
    Claim,
    ClaimLost,
    MailMessage,
    SendInProgress,
    SendRecord,
    SendStatus,
)

_NAMED = re.compile(r"#(\w+)")
RECORD_ATTEMPTS = 5  # recording `sent` is retried this many times in process
CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass
class DynamoSendLog:
    client: Any  # boto3 DynamoDB client
    table: str
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def claim(self, message: MailMessage, now: datetime) -> Claim | SendStatus:
        """A claim when this worker may send. Otherwise the status that stops it: `sent`
        (a duplicate) or `unknown` (an operator decides), both to be acknowledged.

        Raises SendInProgress while another worker's claim stands."""
        token = uuid.uuid4().hex
        claimed = {"status": SendStatus.CLAIMED, "claim_token": token, "claimed_at": _utc(now)}
        try:
            self._update(
                message,
                claimed,
                # Claim when no send is on record, the last attempt failed, or a worker
                # claimed it and stopped before it handed anything to SES.
                condition=(
                    "attribute_not_exists(pk) OR #status = :failed"
                    " OR (#status = :claimed AND #claimed_at < :stale)"
                ),
                values={
                    ":failed": SendStatus.FAILED,
                    ":claimed": SendStatus.CLAIMED,
                    ":stale": _utc(now - STALE_CLAIM),
                },
                attempt=True,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            if not self._written(message, token, claimed, error):
                return self._blocked(message, now)
        return Claim(token)

    def _blocked(self, message: MailMessage, now: datetime) -> SendStatus:
        record = self.record(message)
        status = record.outcome(now) if record is not None else SendStatus.CLAIMED
        if status is SendStatus.UNKNOWN and record is not None:
            if record.status is SendStatus.SUBMITTING:  # abandoned while SES had it
                self._mark_abandoned(message, now)
            return SendStatus.UNKNOWN
        if status is SendStatus.SENT:
            return SendStatus.SENT
        raise SendInProgress(f"{message.recipient} ({message.period}) is being sent")

    def _mark_abandoned(self, message: MailMessage, now: datetime) -> None:
        try:
            self._update(
                message,
                {"status": SendStatus.UNKNOWN, "error": "worker stopped during send"},
                condition="#status = :submitting AND #claimed_at < :stale",
                values={":submitting": SendStatus.SUBMITTING, ":stale": _utc(now - STALE_CLAIM)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise  # else its worker finished meanwhile: the record says how

    def submitting(self, message: MailMessage, claim: Claim) -> None:
        """Raises ClaimLost when another worker took the claim over: do not send."""
        self._owned(message, claim, {"status": SendStatus.SUBMITTING}, SendStatus.CLAIMED)

    def sent(self, message: MailMessage, claim: Claim, message_id: str, now: datetime) -> None:
        """Record the message id SES gave; retried in process, since SES already has it."""
        values = {"status": SendStatus.SENT, "message_id": message_id, "sent_at": _utc(now)}
        for attempt in range(RECORD_ATTEMPTS):
            try:
                self._owned(message, claim, values)
                return
            except (ClientError, BotoCoreError):
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
                self.sleep(min(0.2 * 2**attempt, 3.0))

    def failed(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None:
        values = {"status": SendStatus.FAILED, "error": error, "failed_at": _utc(now)}
        self._owned(message, claim, values)

    def unknown(self, message: MailMessage, claim: Claim, error: str, now: datetime) -> None:
        values = {"status": SendStatus.UNKNOWN, "error": error, "failed_at": _utc(now)}
        self._owned(message, claim, values)

    def refused(self, message: MailMessage, error: str, now: datetime) -> None:
        """An email that failed before any worker had it (it could not be queued): recorded
        as failed unless a send is already on record (a re-run never erases a `sent`)."""
        try:
            self._update(
                message,
                {"status": SendStatus.FAILED, "error": error, "failed_at": _utc(now)},
                condition="attribute_not_exists(pk) OR #status = :failed",
                values={":failed": SendStatus.FAILED},
            )
        except ClientError as refused:
            if refused.response["Error"]["Code"] != CONDITION_FAILED:
                raise

    def record(self, message: MailMessage) -> SendRecord | None:
        item = self.client.get_item(TableName=self.table, Key=_key(message), ConsistentRead=True)
        return _record(item["Item"]) if "Item" in item else None

    def records(self, period: str) -> list[SendRecord]:
        items: list[dict[str, Any]] = []
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"SEND#{period}"}},
        ):
            items.extend(page["Items"])
        return [_record(item) for item in items]

    def _owned(
        self,
        message: MailMessage,
        claim: Claim,
        values: dict[str, str],
        status: SendStatus | None = None,
    ) -> None:
        """Write `values` if the claim is still this worker's (and the status `status`)."""
        condition = "#claim_token = :token" + (" AND #status = :expected" if status else "")
        expected = {":token": claim.token, **({":expected": status} if status else {})}
        try:
            self._update(message, values, condition=condition, values=expected)
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            if not self._written(message, claim.token, values, error):
                raise ClaimLost(
                    f"{message.recipient} ({message.period}): claim taken over"
                ) from None

    def _written(
        self, message: MailMessage, token: str, fields: dict[str, str], error: ClientError
    ) -> bool:
        """Whether a write that failed its condition had in fact been made under this
        token: botocore retried it after its answer was lost, and the retry met the record
        the first attempt wrote."""
        if not retried(error):
            return False
        item = self.client.get_item(TableName=self.table, Key=_key(message), ConsistentRead=True)
        stored = {name: value.get("S") for name, value in item.get("Item", {}).items()}
        return stored.get("claim_token") == token and all(
            stored.get(name) == value for name, value in fields.items()
        )

    def bounced(self, record: SendRecord, at: str) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_record_key(record.period, record.recipient, record.kind, record.channel),
                UpdateExpression="SET bounced_at = :at",
                ConditionExpression="message_id = :id",
                ExpressionAttributeValues={":at": {"S": at}, ":id": {"S": record.message_id or ""}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise  # else sent again meanwhile under a new id: that one did not bounce

    def _update(
        self,
        message: MailMessage,
        fields: dict[str, str],
        *,
        condition: str,
        values: dict[str, str],
        attempt: bool = False,
    ) -> None:
        """Set `fields` (and the record's identity) if `condition` holds; `attempt` counts
        one more attempt. Every name goes through `#name` (status and period are reserved)."""
        fields = {
            "recipient": message.recipient,
            "period": message.period,
            "kind": message.kind,
            "content_hash": message.content_hash,
            **({"channel": message.channel} if message.channel is not Channel.EMAIL else {}),
            **fields,
        }
        sets = [f"#{name} = :set_{name}" for name in fields]
        sets.append("#attempts = if_not_exists(#attempts, :zero)" + (" + :one" if attempt else ""))
        self.client.update_item(
            TableName=self.table,
            Key=_key(message),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=condition,
            ExpressionAttributeNames={
                f"#{name}": name for name in [*fields, "attempts", *_NAMED.findall(condition)]
            },
            ExpressionAttributeValues={
                **{f":set_{name}": {"S": value} for name, value in fields.items()},
                **{name: {"S": value} for name, value in values.items()},
                ":zero": {"N": "0"},
                **({":one": {"N": "1"}} if attempt else {}),
            },
        )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _key(message: MailMessage) -> dict[str, dict[str, str]]:
    return _record_key(message.period, message.recipient, message.kind, message.channel)


def _record_key(
    period: str, recipient: str, kind: str, channel: Channel
) -> dict[str, dict[str, str]]:
    suffix = "" if channel is Channel.EMAIL else f"#{channel}"
    return {"pk": {"S": f"SEND#{period}"}, "sk": {"S": f"{recipient}#{kind}{suffix}"}}


def _record(item: dict[str, Any]) -> SendRecord:
    def text(name: str) -> str | None:
        value: str | None = item.get(name, {}).get("S")
        return value

    return SendRecord(
        recipient=item["recipient"]["S"],
        period=item["period"]["S"],
        kind=text("kind") or DIGEST,
        content_hash=text("content_hash")
        or text("digest_hash")
        or "",  # `digest_hash`: written by older code
        status=SendStatus(item["status"]["S"]),
        attempts=int(item["attempts"]["N"]),
        claimed_at=text("claimed_at"),
        message_id=text("message_id"),
        error=text("error"),
        channel=Channel(text("channel") or Channel.EMAIL),
        bounced_at=text("bounced_at"),
    )
