"""The mail-events queue (SES bounce and complaint events, through SNS) read by the weekly
run, and the undeliverable addresses it records in the ledger table: the one writer of
`MAILHEALTH` items, kept apart so that only the weekly scan's role may write them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.mailhealth import FIELDS, PK, DynamoMailHealth
from chalicelib.notify.mailhealth import Undeliverable


class DynamoMailHealthLog(DynamoMailHealth):
    def record(self, item: Undeliverable) -> None:
        """The first report of an address stands (a later bounce says nothing new)."""
        values = {name: {"S": getattr(item, name)} for name in FIELDS}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={"pk": {"S": PK}, "sk": {"S": item.address}, **values},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


def drain_events(sqs: Any, queue_name: str, take: Callable[[str], None]) -> int:
    """Hand every message now in the mail-events queue to `take`, deleting each only once
    it was taken (a failure leaves it for the next run); how many were taken."""
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    taken = 0
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages", []):
        for message in messages:
            take(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            taken += 1
    return taken
