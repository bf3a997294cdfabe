"""The digest queue's worker: one SQS record, one email handed to the mail provider once,
through the send log (chalicelib/notify/mailer.py).

Kept apart from the weekly job (chalicelib/flows/weekly.py) so that each Lambda function's
code, and so its role (jobs/template/roles.py), holds only the AWS calls it makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailer import SesTransport
from chalicelib.aws.mailhealth import DynamoMailHealth
from chalicelib.aws.redelivery import hide_for
from chalicelib.aws.s3reader import S3Reader
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.settings import Settings
from chalicelib.intake.source import ObjectReader
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.mailhealth import MailHealth
from chalicelib.notify.sending import (
    MailMessage,
    MailTransport,
    SendFailed,
    SendLog,
    SendOutcome,
    backoff_seconds,
)


@dataclass(frozen=True)
class DeliveryPorts:
    send_log: SendLog
    emails: ObjectReader  # the rendered emails the messages name
    transport: MailTransport
    hide: Callable[[str, int], None]  # hide a queue message (by receipt handle) for seconds
    health: MailHealth  # addresses that bounced: not mailed


def ports(clients: Clients, settings: Settings) -> DeliveryPorts:
    """The worker on AWS: the send log in the ledger table, the bucket, SES, the queue."""
    return DeliveryPorts(
        send_log=DynamoSendLog(clients.dynamodb, settings.ledger_table),
        emails=S3Reader(clients.s3, settings.data_bucket),
        transport=SesTransport(clients.ses, settings.ses_configuration_set),
        hide=partial(hide_for, clients.sqs, settings.digest_queue),
        health=DynamoMailHealth(clients.dynamodb, settings.ledger_table),
    )


def send_digest_record(
    record: dict[str, Any], ports: DeliveryPorts, settings: Settings, now: datetime
) -> SendOutcome:
    """One SQS record of the digest queue: send it, or hide it for a while and re-raise."""
    message = MailMessage.from_json(record["body"])
    mailer = Mailer(
        ports.send_log, ports.emails, ports.transport, settings.sender_email, ports.health
    )
    try:
        return mailer.send(message, now)
    except SendFailed:
        # hidden longer after each failed delivery: 30 s, 60 s, 120 s ...
        receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        ports.hide(record["receiptHandle"], backoff_seconds(receives))
        raise
