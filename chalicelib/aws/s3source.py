"""The data root as an S3 bucket prefix: the same `DataSource` the scan reads locally.

boto3 ships no type stubs here, so clients are typed `Any`; they are always passed in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.core.dates import SHANGHAI
from chalicelib.intake.source import SourceFile, SourceFileGone

GONE = {"NoSuchKey", "404", "NotFound"}  # error codes of an object that is not there


def error_code(error: Any) -> str:
    """The error code of a botocore ClientError."""
    return str(error.response.get("Error", {}).get("Code", ""))


def shanghai_naive(moment: datetime) -> datetime:
    """S3's LastModified (aware, UTC) as the naive Asia/Shanghai time the scan uses."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def _folder(prefix: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


class S3Source:
    """Objects under `prefix` in `bucket`; paths are relative to that prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:  # boto3 S3 client
        self.client = client
        self.bucket = bucket
        self.prefix = _folder(prefix)

    def list(self, prefix: str) -> list[SourceFile]:
        files = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                key: str = item["Key"]
                if key.endswith("/"):  # a "folder" made by the console
                    continue
                modified = shanghai_naive(item["LastModified"])
                files.append(SourceFile(key[len(self.prefix) :], modified, int(item["Size"])))
        return sorted(files, key=lambda f: f.path)

    def top(self) -> tuple[str, ...]:
        """Folders (common prefixes) and files at the top of the data root."""
        found: set[str] = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            found |= {p["Prefix"][len(self.prefix) :] for p in page.get("CommonPrefixes", [])}
            found |= {item["Key"][len(self.prefix) :] for item in page.get("Contents", [])}
        return tuple(sorted(name for name in found if name))

    def read(self, path: str, at_most: int | None = None) -> bytes:
        """The object's bytes (no more than `at_most` + 1, however large it has grown since
        it was listed); SourceFileGone when it was deleted or moved since."""
        ranged = {} if at_most is None else {"Range": f"bytes=0-{at_most}"}
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + path, **ranged)
        except self.client.exceptions.ClientError as error:
            if error_code(error) in GONE:
                raise SourceFileGone(path) from None
            if error_code(error) == "InvalidRange":  # a range of an empty object
                return b""
            raise
        body: bytes = response["Body"].read()
        return body
