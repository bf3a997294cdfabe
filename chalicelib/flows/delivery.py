"""The digest queue's worker: one SQS record, one email handed to the mail provider (or
one notice posted to a unit's group robot) once, through the send log
(chalicelib/notify/mailer.py).

Kept apart from the weekly job (chalicelib/flows/weekly.py) so that each Lambda function's
code, and so its role (jobs/template/roles.py), holds only the AWS calls it makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailhealth import DynamoMailHealthLog
from chalicelib.aws.redelivery import hide_for
from chalicelib.aws.s3reader import S3Reader
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.channels.robots import RobotTransport
from chalicelib.core.models import Channel
from chalicelib.core.settings import Settings
from chalicelib.flows.mailtransport import mail_transport
from chalicelib.intake.source import ObjectReader
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.mailhealth import MailHealthLog
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
    health: MailHealthLog  # addresses that bounced or were refused: not mailed; noted
    robots: MailTransport | None = None  # the group robots; None: the settings' APIs


def ports(clients: Clients, settings: Settings) -> DeliveryPorts:
    """The worker on AWS: the send log in the ledger table, the bucket, SES, the queue."""
    return DeliveryPorts(
        send_log=DynamoSendLog(clients.dynamodb, settings.ledger_table),
        emails=S3Reader(clients.s3, settings.data_bucket),
        transport=mail_transport(clients, settings),
        hide=partial(hide_for, clients.sqs, settings.digest_queue),
        health=DynamoMailHealthLog(clients.dynamodb, settings.ledger_table),
    )


def send_digest_record(
    record: dict[str, Any], ports: DeliveryPorts, settings: Settings, now: datetime
) -> SendOutcome:
    """One SQS record of the digest queue: send it, or hide it for a while and re-raise."""
    message = MailMessage.from_json(record["body"])
    if message.channel is Channel.EMAIL:
        mailer = Mailer(
            ports.send_log, ports.emails, ports.transport, settings.sender_email, ports.health
        )
    else:  # a unit's robot notice: the same send log, no mail health
        robots = ports.robots or RobotTransport.of(settings)
        mailer = Mailer(ports.send_log, ports.emails, robots, settings.sender_email)
    try:
        return mailer.send(message, now)
    except SendFailed:
        # hidden longer after each failed delivery: 30 s, 60 s, 120 s ...
        receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        ports.hide(record["receiptHandle"], backoff_seconds(receives))
        raise
