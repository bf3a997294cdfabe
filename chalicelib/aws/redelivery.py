"""How long SQS hides a message before delivering it again, changed by the worker that
failed it (the digest queue's back-off)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def hide_for(sqs: Any, queue_name: str, receipt_handle: str, seconds: int) -> None:
    """Best effort: SQS redelivers after the queue's visibility timeout anyway."""
    try:
        queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
    except ClientError:
        pass
