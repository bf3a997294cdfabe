"""Embedded AWS for tests: moto in-process, fake credentials, objects with chosen times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3 import models as moto_s3

from chalicelib.dates import SHANGHAI

REGION = "us-east-1"
BUCKET = "qungov-data"


@contextmanager
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3 client on moto with `BUCKET` created; no account, no network."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def put(
    s3: Any,
    key: str,
    body: str | bytes,
    *,
    at: datetime | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
    bucket: str = BUCKET,
) -> None:
    """Upload `body`; with `at` (naive, Asia/Shanghai) S3 records that as LastModified."""
    data = body.encode() if isinstance(body, str) else body
    if at is None or monkeypatch is None:
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        return
    utc = at.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    with monkeypatch.context() as patch:
        patch.setattr(moto_s3, "utcnow", lambda: utc)
        s3.put_object(Bucket=bucket, Key=key, Body=data)


def upload_folder(s3: Any, root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file under `root`, each with its local modification time as LastModified."""
    keys = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = path.relative_to(root).as_posix()
            moment = datetime.fromtimestamp(path.stat().st_mtime, SHANGHAI).replace(tzinfo=None)
            put(s3, key, path.read_bytes(), at=moment, monkeypatch=monkeypatch)
            keys.append(key)
    return keys


def keys_under(s3: Any, prefix: str, bucket: str = BUCKET) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))
