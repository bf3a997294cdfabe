"""Create what qungov uses on AWS: the data bucket, the ledger table, the queues (with a
dead-letter queue) and a verified sender. For the demo and tests on moto; a deployment
makes the same resources with its own tooling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.settings import DATA_FOLDERS, Settings

UPLOAD_FOLDERS = tuple(f"{folder}/" for folder in DATA_FOLDERS)  # every folder units upload to
MAX_RECEIVES = 5  # then a digest message moves to the dead-letter queue


def provision(clients: Clients, settings: Settings) -> None:
    clients.s3.create_bucket(Bucket=settings.data_bucket)
    create_table(clients.dynamodb, settings.ledger_table)
    dead_letters = clients.sqs.create_queue(QueueName=f"{settings.digest_queue}-dlq")["QueueUrl"]
    dlq_arn = clients.sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
    clients.sqs.create_queue(
        QueueName=settings.digest_queue,
        Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "60"},
    )
    bad_uploads = clients.sqs.create_queue(QueueName=f"{settings.upload_queue}-dlq")["QueueUrl"]
    bad_uploads_arn = clients.sqs.get_queue_attributes(
        QueueUrl=bad_uploads, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    uploads = clients.sqs.create_queue(
        QueueName=settings.upload_queue,
        Attributes={
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": bad_uploads_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            )
        },
    )["QueueUrl"]
    uploads_arn = clients.sqs.get_queue_attributes(QueueUrl=uploads, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    clients.s3.put_bucket_notification_configuration(
        Bucket=settings.data_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": uploads_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": folder}]}},
                }
                for folder in UPLOAD_FOLDERS
            ]
        },
    )
    clients.ses.verify_email_identity(EmailAddress=settings.sender_email)


def upload_folder(s3: Any, bucket: str, root: Path) -> int:
    """Mirror a local data root into the bucket: put every file, delete data-root keys
    that are gone locally (receipts, quarantine, outbox and reports stay)."""
    local = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
    for key, path in local.items():
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    folders = ("config/", "directory/", "filings/", "waivers/", "rosters/")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if item["Key"].startswith(folders) and item["Key"] not in local:
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    return len(local)


def create_table(client: Any, name: str) -> None:
    """The ledger table: string keys pk and sk, billed per request."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)
