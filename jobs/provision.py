"""Create what qungov uses on AWS, for the demo and tests on moto: the data bucket and its
upload notifications, the ledger table, the queues with their dead-letter queues and a
verified sender, with the names and settings of the template (jobs/template/), which
is what a deployment uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.core.settings import TABLE_KEYS, Settings, dead_letter_queue
from chalicelib.intake.catalogue import DATA_PREFIXES
from jobs.portal import ensure_keys
from jobs.template import MAX_RECEIVES, visibility_timeout


def provision(clients: Clients, settings: Settings) -> None:
    clients.s3.create_bucket(Bucket=settings.data_bucket)
    create_table(clients.dynamodb, settings.ledger_table)
    create_queue(clients.sqs, settings.digest_queue, visibility_timeout("digests"))
    uploads = create_queue(clients.sqs, settings.upload_queue, visibility_timeout("uploads"))
    clients.sqs.create_queue(QueueName=settings.mail_events_queue)
    clients.s3.put_bucket_notification_configuration(
        Bucket=settings.data_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": uploads,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": folder}]}},
                }
                for folder in DATA_PREFIXES
            ]
        },
    )
    clients.ses.verify_email_identity(EmailAddress=settings.sender_email)
    ensure_keys(clients.ssm, settings.portal_key_parameter)


def create_queue(sqs: Any, name: str, visibility: int) -> str:
    """A queue and its dead-letter queue, as the template makes them; returns its ARN."""
    dead_letters = sqs.create_queue(QueueName=dead_letter_queue(name))["QueueUrl"]
    redrive = {"deadLetterTargetArn": _arn(sqs, dead_letters), "maxReceiveCount": MAX_RECEIVES}
    queue = sqs.create_queue(
        QueueName=name,
        Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": str(visibility)},
    )["QueueUrl"]
    return _arn(sqs, queue)


def _arn(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def upload_folder(s3: Any, bucket: str, root: Path) -> int:
    """Mirror a local data root into the bucket: put every file, delete data-root keys
    that are gone locally (receipts, quarantine, outbox and reports stay)."""
    local = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
    for key, path in local.items():
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if item["Key"].startswith(DATA_PREFIXES) and item["Key"] not in local:
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    return len(local)


def create_table(client: Any, name: str) -> None:
    """The ledger table: string keys (TABLE_KEYS), billed per request."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": key, "KeyType": kind}
            for key, kind in zip(TABLE_KEYS, ("HASH", "RANGE"), strict=True)
        ],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in TABLE_KEYS],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)
