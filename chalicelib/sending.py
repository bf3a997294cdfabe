"""Sending one email through SES: at most once per (recipient, period, kind), never lost
in silence.

Each digest or rollup travels as one SQS message that points at its rendered `.eml` in
the bucket. The send log (in the ledger table) walks each send through its states:

    claimed ──► submitting ──► sent
       │             ├──────► failed     SES refused it (throttled, rejected): retried by SQS
       │             └──────► unknown    SES may have accepted it, the answer was lost
       └── a worker that died before `submitting` leaves a claim that is taken over later

- A duplicated or replayed message finds the record `sent` (or `unknown`) and sends
  nothing. The identity is the recipient, the period (ISO week or month) and the kind
  (`digest`, `rollup-week:<office>` ...), never the content or the day: a re-run in the
  same week sends nothing new unless an operator asks for a resend (a new kind).
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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
)

from chalicelib.aws.errors import describe
from chalicelib.models import Frozen

STALE_CLAIM = timedelta(minutes=3)  # longer than a sending Lambda lives (60 s)
MAX_BACKOFF_SECONDS = 900
RECORD_ATTEMPTS = 5  # recording `sent` is retried this many times in process
DIGEST = "digest"


class SendFailed(Exception):
    """Nothing was sent; the SQS message must be delivered again."""


class SendInProgress(SendFailed):
    """Another worker holds a recent claim; deliver the message again later."""


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


class DigestMessage(Frozen):
    """The body of one SQS message: who gets which rendered email."""

    recipient: str
    cc: tuple[str, ...] = ()
    period: str
    kind: str = DIGEST  # with recipient and period, the identity of the send
    digest_hash: str  # the content's hash: names the rendered .eml
    eml_key: str  # the rendered MIME message in the data bucket

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, body: str) -> DigestMessage:
        return cls.model_validate(json.loads(body))


class SendRecord(Frozen):
    recipient: str
    period: str
    kind: str
    digest_hash: str
    status: SendStatus
    attempts: int
    claimed_at: str | None = None
    message_id: str | None = None
    error: str | None = None

    def outcome(self, now: datetime) -> SendStatus:
        """The status as an operator should read it: a claim or submission abandoned for
        longer than `STALE_CLAIM` is of unknown outcome until a worker looks at it."""
        stale = self.claimed_at is not None and self.claimed_at < (now - STALE_CLAIM).isoformat()
        if self.status is SendStatus.SUBMITTING and stale:
            return SendStatus.UNKNOWN
        return self.status


@dataclass
class SendLog:
    """Sends in the ledger table: pk `SEND#<period>`, sk `<recipient>#<kind>`."""

    client: Any  # boto3 DynamoDB client
    table: str
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def claim(self, message: DigestMessage, now: datetime) -> SendStatus | None:
        """None when this call may send. Otherwise the status that stops it: `sent`
        (a duplicate) or `unknown` (an operator decides), both acknowledged.

        Raises SendInProgress while another worker's recent claim stands."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(message),
                UpdateExpression=(
                    "SET #status = :claimed, claimed_at = :now, recipient = :recipient,"
                    " period = :period, kind = :kind, digest_hash = :hash,"
                    " attempts = if_not_exists(attempts, :zero) + :one"
                ),
                # Claim when no send is on record, the last attempt failed, or a worker
                # claimed it and died before it handed anything to SES.
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #status = :failed"
                    " OR (#status = :claimed AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":claimed": {"S": SendStatus.CLAIMED},
                    ":failed": {"S": SendStatus.FAILED},
                    ":now": {"S": now.isoformat()},
                    ":stale": {"S": (now - STALE_CLAIM).isoformat()},
                    ":recipient": {"S": message.recipient},
                    ":period": {"S": message.period},
                    ":kind": {"S": message.kind},
                    ":hash": {"S": message.digest_hash},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return self._blocked(message, now)
        return None

    def _blocked(self, message: DigestMessage, now: datetime) -> SendStatus:
        record = self.record(message)
        status = record.outcome(now) if record is not None else SendStatus.CLAIMED
        if status is SendStatus.UNKNOWN and record is not None:
            if record.status is SendStatus.SUBMITTING:  # abandoned while SES had it
                self._finish(message, SendStatus.UNKNOWN, {"error": "worker stopped during send"})
            return SendStatus.UNKNOWN
        if status is SendStatus.SENT:
            return SendStatus.SENT
        raise SendInProgress(f"{message.recipient} ({message.period}) is being sent")

    def record(self, message: DigestMessage) -> SendRecord | None:
        item = self.client.get_item(TableName=self.table, Key=_key(message), ConsistentRead=True)
        return _record(item["Item"]) if "Item" in item else None

    def submitting(self, message: DigestMessage) -> None:
        self._finish(message, SendStatus.SUBMITTING, {})

    def sent(self, message: DigestMessage, message_id: str, now: datetime) -> None:
        """Record the message id SES gave; retried in process, since SES already has it."""
        values = {"message_id": message_id, "sent_at": now.isoformat()}
        for attempt in range(RECORD_ATTEMPTS):
            try:
                self._finish(message, SendStatus.SENT, values)
                return
            except (ClientError, BotoCoreError):
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
                self.sleep(min(0.2 * 2**attempt, 3.0))

    def failed(self, message: DigestMessage, error: str, now: datetime) -> None:
        self._finish(message, SendStatus.FAILED, {"error": error, "failed_at": now.isoformat()})

    def unknown(self, message: DigestMessage, error: str, now: datetime) -> None:
        self._finish(message, SendStatus.UNKNOWN, {"error": error, "failed_at": now.isoformat()})

    def records(self, period: str) -> list[SendRecord]:
        items: list[dict[str, Any]] = []
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"SEND#{period}"}},
        ):
            items.extend(page["Items"])
        return [_record(item) for item in items]

    def _finish(self, message: DigestMessage, status: SendStatus, values: dict[str, str]) -> None:
        """Set the status (and values); the record is complete even when none existed (an
        email that failed before any worker claimed it)."""
        values = {
            "status": status.value,
            "recipient": message.recipient,
            "period": message.period,
            "kind": message.kind,
            "digest_hash": message.digest_hash,
            **values,
        }
        self.client.update_item(
            TableName=self.table,
            Key=_key(message),
            UpdateExpression="SET "
            + ", ".join(f"#{k} = :{k}" for k in values)
            + ", attempts = if_not_exists(attempts, :zero)",
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues={
                **{f":{k}": {"S": v} for k, v in values.items()},
                ":zero": {"N": "0"},
            },
        )


def _key(message: DigestMessage) -> dict[str, dict[str, str]]:
    return {
        "pk": {"S": f"SEND#{message.period}"},
        "sk": {"S": f"{message.recipient}#{message.kind}"},
    }


def _record(item: dict[str, Any]) -> SendRecord:
    def text(name: str) -> str | None:
        value: str | None = item.get(name, {}).get("S")
        return value

    return SendRecord(
        recipient=item["recipient"]["S"],
        period=item["period"]["S"],
        kind=text("kind") or DIGEST,
        digest_hash=item["digest_hash"]["S"],
        status=SendStatus(item["status"]["S"]),
        attempts=int(item["attempts"]["N"]),
        claimed_at=text("claimed_at"),
        message_id=text("message_id"),
        error=text("error"),
    )


# Errors after which SES certainly has nothing: the request never reached it.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError, ParamValidationError)


@dataclass
class DigestSender:
    s3: Any
    ses: Any
    log: SendLog
    bucket: str
    sender: str

    def send(self, message: DigestMessage, now: datetime) -> str:
        """`sent`; `duplicate` when it was sent already; `unknown` when SES may have it
        and nobody knows (never retried: reported). Raises SendFailed when nothing was
        sent, so that SQS delivers the message again."""
        blocked = self.log.claim(message, now)
        if blocked is SendStatus.SENT:
            return "duplicate"
        if blocked is SendStatus.UNKNOWN:
            return "unknown"
        try:
            raw = self.s3.get_object(Bucket=self.bucket, Key=message.eml_key)["Body"].read()
            self.log.submitting(message)
        except Exception as error:  # nothing reached SES: release the claim
            self.log.failed(message, describe(error), now)
            raise SendFailed(f"{describe(error)} for {message.recipient}") from error
        try:
            response = self.ses.send_raw_email(
                Source=self.sender,
                Destinations=[message.recipient, *message.cc],
                RawMessage={"Data": raw},
            )
        except (ClientError, *_NOT_SENT) as error:  # SES answered no, or was never reached
            self.log.failed(message, describe(error), now)
            raise SendFailed(f"{describe(error)} for {message.recipient}") from error
        except Exception as error:  # the answer was lost: SES may have sent it
            self.log.unknown(message, describe(error), now)
            return "unknown"
        try:
            self.log.sent(message, response["MessageId"], now)
        except (ClientError, BotoCoreError):  # sent, but the log still says `submitting`:
            return "sent-unrecorded"  # never resent; the rollup reports it as unknown
        return "sent"


def backoff_seconds(receive_count: int) -> int:
    """How long SQS hides a message after its n-th failed delivery: 30 s, 60 s, 120 s ..."""
    return int(min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(receive_count - 1, 0)))
