"""Objects of the data bucket that are not the data root's files: receipts, quarantine,
the week's inventory, the archived reports."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.aws.s3reader import S3Reader
from chalicelib.aws.s3source import GONE, error_code, shanghai_naive
from chalicelib.intake.source import SourceFile


@dataclass(frozen=True)
class S3Objects(S3Reader):
    """Whole objects by key: their size and time, put, get, and the keys under a prefix."""

    def stat(self, key: str) -> SourceFile | None:
        """The object's size and time, or None when it is gone (e.g. already quarantined)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as error:
            if error_code(error) in GONE:
                return None
            raise
        modified, size = shanghai_naive(head["LastModified"]), int(head["ContentLength"])
        return SourceFile(key, modified, size, head.get("ETag", ""))

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
