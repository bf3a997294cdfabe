"""Embedded AWS for every test that needs it: moto in process, fake credentials, what
qungov uses provisioned, SES's accepted messages, and objects with chosen times."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID, botocore_stubber
from moto.s3 import models as moto_s3
from moto.ses.models import ses_backends

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.portalkeys import forget_cached
from chalicelib.core.dates import SHANGHAI
from chalicelib.core.settings import Settings
from jobs.provision import provision

REGION = "us-east-1"
BUCKET = "qungov-data"


def fake_credentials(monkeypatch: pytest.MonkeyPatch, region: str = REGION) -> None:
    """Fake credentials and a region; nothing from the machine's AWS setup leaks in."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)


@contextmanager
def bare_aws(monkeypatch: pytest.MonkeyPatch, region: str = REGION) -> Iterator[None]:
    """moto with nothing created: for a test that makes its own resources (in `region`)."""
    fake_credentials(monkeypatch, region)
    with mock_aws():
        yield


@contextmanager
def embedded_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """Bucket, ledger table, queues (each with a dead-letter queue) and a verified sender,
    on moto: no account, no network."""
    fake_credentials(monkeypatch)
    forget_cached()  # the portal keys of an earlier test's moto
    with mock_aws():
        clients = aws_clients(REGION)
        provision(clients, Settings())
        yield clients


@contextmanager
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3 client on moto with `BUCKET` created, and nothing else."""
    fake_credentials(monkeypatch)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def sent_emails() -> list[Any]:
    """Every message moto's SES accepted in this test."""
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


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


@contextmanager
def injected(client: Any, event: str, handler: Callable[..., Any]) -> Iterator[None]:
    """A fault injected into one real boto3 client through botocore's event system, e.g.
    `before-parameter-build.s3.PutObject` (before the request; `params` are the API's) or
    `after-call.ses.SendRawEmail` (after moto processed it: the answer is then lost)."""
    client.meta.events.register(event, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event, handler)


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


@contextmanager
def lost_answers(
    client: Any, operation: str, times: int = 1, containing: str = ""
) -> Iterator[list[str]]:
    """The first `times` calls of `operation` (e.g. `dynamodb.PutItem`) whose request body
    contains `containing` reach moto, which carries them out; then their answer is lost
    (ReadTimeoutError) and botocore retries as it would against AWS. Yields the operations
    whose answer was lost."""
    lost: list[str] = []

    def lose(event_name: str, request: Any, **_: Any) -> None:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        if len(lost) >= times or containing.encode() not in body:
            return  # moto answers (its own handler runs after this one)
        botocore_stubber(event_name=event_name, request=request)  # moto carries it out
        lost.append(operation)
        raise ReadTimeoutError(endpoint_url=request.url)

    with injected(client, f"before-send.{operation}", lose):
        yield lost
