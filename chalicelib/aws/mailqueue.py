"""The mail queue on S3 and SQS: each rendered email stored in the bucket
(`outbox/<week>/…eml`) and announced by one SQS message on the digest queue, which the
send_digest worker takes (chalicelib/flows/delivery.py). Digests and the receipts of
rejected uploads travel this way."""

from __future__ import annotations

from typing import Any

from chalicelib.aws.s3objects import S3Objects
from chalicelib.notify.sending import MailMessage


class SqsMailQueue:
    def __init__(self, s3: Any, sqs: Any, bucket: str, queue_name: str) -> None:
        self.objects = S3Objects(s3, bucket)
        self.sqs, self.queue_name = sqs, queue_name
        self._url: str | None = None

    def post(self, message: MailMessage, raw: bytes) -> None:
        """Store the email, then queue its message: a message never names a missing file."""
        self.objects.put(message.eml_key, raw, "message/rfc822")
        self.sqs.send_message(QueueUrl=self.url(), MessageBody=message.to_json())

    def url(self) -> str:
        if self._url is None:
            self._url = str(self.sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"])
        return self._url
