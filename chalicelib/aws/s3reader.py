"""Reading whole objects of the data bucket, and nothing else: the module the sending
worker's code reaches, so that its role may only read (tests/jobs/test_policy.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class S3Reader:
    client: Any  # boto3 S3 client
    bucket: str

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body
