"""`python -m jobs redrive digests|uploads`: move the messages of a dead-letter queue back
onto its queue, for the worker to try again once the cause is fixed.

SQS's own redrive (`aws sqs start-message-move-task`) does the same where it exists; AWS
China's regions do not offer it. A digest redriven after it was sent is not sent again
(the send log), and an upload redriven is checked again and gets a fresh receipt."""

from __future__ import annotations

from typing import Any

from chalicelib.core.settings import Settings, dead_letter_queue

BATCH = 10  # the most SQS receives at once


def redrive(sqs: Any, queue_name: str) -> int:
    """Move every message of `queue_name`'s dead-letter queue back; returns how many. Each
    is sent to the queue before it is deleted from the dead letters: a failure in between
    leaves a copy, never a loss (the send log makes a second copy harmless)."""
    source = sqs.get_queue_url(QueueName=dead_letter_queue(queue_name))["QueueUrl"]
    target = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    moved = 0
    while batch := sqs.receive_message(
        QueueUrl=source, MaxNumberOfMessages=BATCH, VisibilityTimeout=60, WaitTimeSeconds=1
    ).get("Messages", []):
        for message in batch:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def queue_of(which: str, settings: Settings) -> str:
    return settings.digest_queue if which == "digests" else settings.upload_queue
