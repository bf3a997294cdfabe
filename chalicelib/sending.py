"""Sending one digest through SES: at most once per (recipient, period, content), never lost.

Each digest travels as one SQS message that points at its rendered `.eml` in the bucket.
Before sending, a conditional write claims the send in the send log; after SES accepts
it, the message id is recorded. A duplicated or replayed message finds the claim and
sends nothing. A throttled or failed send releases the claim and raises, so SQS delivers
the message again later (with a growing visibility timeout); after five receives it lands
in the dead-letter queue, which the rollup lists.

Why not aws-lambda-powertools' idempotency utility: it keys records by a hash of the
payload in its own layout, while the rollup must list every send of a period with its
status and message id — one query on this log. The logic is one conditional put and two
updates, below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.models import Frozen

STALE_CLAIM = timedelta(minutes=3)  # longer than a send_digest Lambda lives (60 s)
MAX_BACKOFF_SECONDS = 900


class SendFailed(Exception):
    """SES refused or failed; the SQS message must be delivered again."""


class SendInProgress(SendFailed):
    """Another sender holds a recent claim; deliver the message again later."""


class DigestMessage(Frozen):
    """The body of one SQS message: who gets which rendered digest."""

    recipient: str
    cc: tuple[str, ...] = ()
    period: str
    digest_hash: str
    eml_key: str  # the rendered MIME message in the data bucket

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, body: str) -> DigestMessage:
        return cls.model_validate(json.loads(body))


class SendRecord(Frozen):
    recipient: str
    period: str
    digest_hash: str
    status: str  # sending, sent, failed
    attempts: int
    message_id: str | None = None
    error: str | None = None


@dataclass
class SendLog:
    """Sends in the ledger table: pk `SEND#<period>`, sk `<recipient>#<digest hash>`."""

    client: Any  # boto3 DynamoDB client
    table: str

    def claim(self, message: DigestMessage, now: datetime) -> bool:
        """True when this call may send; False when the digest was sent already.

        Raises SendInProgress while another sender's recent claim stands: its outcome is
        not known yet, so the message must come back later, not be acknowledged."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(message),
                UpdateExpression=(
                    "SET #status = :sending, claimed_at = :now, recipient = :recipient,"
                    " period = :period, digest_hash = :hash, attempts = if_not_exists(attempts, :zero) + :one"
                ),
                # Claim when nobody has: no record yet, an earlier attempt failed, or a
                # claim was abandoned by a sender that died before recording the outcome.
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #status = :failed"
                    " OR (#status = :sending AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":sending": {"S": "sending"},
                    ":failed": {"S": "failed"},
                    ":now": {"S": now.isoformat()},
                    ":stale": {"S": (now - STALE_CLAIM).isoformat()},
                    ":recipient": {"S": message.recipient},
                    ":period": {"S": message.period},
                    ":hash": {"S": message.digest_hash},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if self.status(message) == "sent":
                return False
            raise SendInProgress(f"{message.recipient} ({message.period}) is being sent") from None
        return True

    def status(self, message: DigestMessage) -> str | None:
        item = self.client.get_item(TableName=self.table, Key=_key(message), ConsistentRead=True)
        status: str | None = item.get("Item", {}).get("status", {}).get("S")
        return status

    def sent(self, message: DigestMessage, message_id: str, now: datetime) -> None:
        self._finish(
            message, {"status": "sent", "message_id": message_id, "sent_at": now.isoformat()}
        )

    def failed(self, message: DigestMessage, error: str, now: datetime) -> None:
        self._finish(message, {"status": "failed", "error": error, "failed_at": now.isoformat()})

    def records(self, period: str) -> list[SendRecord]:
        items: list[dict[str, Any]] = []
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"SEND#{period}"}},
        ):
            items.extend(page["Items"])
        return [
            SendRecord(
                recipient=item["recipient"]["S"],
                period=item["period"]["S"],
                digest_hash=item["digest_hash"]["S"],
                status=item["status"]["S"],
                attempts=int(item["attempts"]["N"]),
                message_id=item.get("message_id", {}).get("S"),
                error=item.get("error", {}).get("S"),
            )
            for item in items
        ]

    def _finish(self, message: DigestMessage, values: dict[str, str]) -> None:
        names = {f"#{k}": k for k in values}
        self.client.update_item(
            TableName=self.table,
            Key=_key(message),
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":{k}": {"S": v} for k, v in values.items()},
        )


def _key(message: DigestMessage) -> dict[str, dict[str, str]]:
    return {
        "pk": {"S": f"SEND#{message.period}"},
        "sk": {"S": f"{message.recipient}#{message.digest_hash}"},
    }


@dataclass
class DigestSender:
    s3: Any
    ses: Any
    log: SendLog
    bucket: str
    sender: str

    def send(self, message: DigestMessage, now: datetime) -> str:
        """`sent`, or `duplicate` when this digest was already sent (or is being sent)."""
        if not self.log.claim(message, now):
            return "duplicate"
        try:
            raw = self.s3.get_object(Bucket=self.bucket, Key=message.eml_key)["Body"].read()
            response = self.ses.send_raw_email(
                Source=self.sender,
                Destinations=[message.recipient, *message.cc],
                RawMessage={"Data": raw},
            )
        except Exception as error:  # whatever failed, the claim must be released
            reason = (
                error.response["Error"]["Code"]
                if isinstance(error, ClientError)
                else type(error).__name__
            )
            self.log.failed(message, reason, now)
            raise SendFailed(f"{reason} for {message.recipient} ({message.period})") from error
        self.log.sent(message, response["MessageId"], now)
        return "sent"


def backoff_seconds(receive_count: int) -> int:
    """How long SQS hides a message after its n-th failed delivery: 30 s, 60 s, 120 s ..."""
    return int(min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(receive_count - 1, 0)))
