"""The mail-events queue (SES bounce and complaint events, through SNS), read by the weekly
run, which records the addresses they name (chalicelib/aws/mailhealth.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
