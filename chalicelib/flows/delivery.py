"""The digest queue's worker: one SQS record, one email handed to SES through the Mailer.

Kept apart from the weekly job (chalicelib/flows/weekly.py) so that each Lambda function's
code, and so its role (jobs/template.py), holds only the AWS calls it makes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailer import Mailer
from chalicelib.aws.redelivery import hide_for
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.settings import Settings
from chalicelib.notify.sending import MailMessage, SendFailed, SendOutcome, backoff_seconds


def send_digest_record(
    record: dict[str, Any], clients: Clients, settings: Settings, now: datetime
) -> SendOutcome:
    """One SQS record of the digest queue: send it, or hide it for a while and re-raise."""
    message = MailMessage.from_json(record["body"])
    log = DynamoSendLog(clients.dynamodb, settings.ledger_table)
    sender = Mailer(clients.s3, clients.ses, log, settings.data_bucket, settings.sender_email)
    try:
        return sender.send(message, now)
    except SendFailed:
        _back_off(record, clients, settings)
        raise


def _back_off(record: dict[str, Any], clients: Clients, settings: Settings) -> None:
    """Hide the message longer after each failed delivery: 30 s, 60 s, 120 s ..."""
    receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    hide_for(clients.sqs, settings.digest_queue, record["receiptHandle"], backoff_seconds(receives))
