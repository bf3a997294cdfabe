"""The few writes upload validation makes to the data bucket: receipts, and moving a file
to quarantine (kept apart so that only the upload validator's code can delete objects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.aws.s3source import GONE, error_code, shanghai_naive
from chalicelib.source import SourceFile


@dataclass(frozen=True)
class S3Objects:
    """The few writes upload validation makes: receipts, and moving a file to quarantine."""

    client: Any  # boto3 S3 client
    bucket: str

    def stat(self, key: str) -> SourceFile | None:
        """The object's size and time, or None when it is gone (e.g. already quarantined)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as error:
            if error_code(error) in GONE:
                return None
            raise
        return SourceFile(key, shanghai_naive(head["LastModified"]), int(head["ContentLength"]))

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def move(self, key: str, to: str) -> None:
        """Copy then delete: S3 has no rename. A failed copy leaves the original in place."""
        self.client.copy_object(
            Bucket=self.bucket, Key=to, CopySource={"Bucket": self.bucket, "Key": key}
        )
        self.client.delete_object(Bucket=self.bucket, Key=key)


def _code(error: Any) -> str:
    """The error code of a botocore ClientError."""
    return str(error.response.get("Error", {}).get("Code", ""))
