"""Shared fixtures: embedded AWS (moto) with what qungov uses provisioned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.aws.clients import aws_clients
from chalicelib.pipeline import Clients
from chalicelib.settings import Settings
from jobs.provision import provision

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """Bucket, ledger table, queues (each with a dead-letter queue) and a verified sender,
    on moto: no account, no network."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        clients = aws_clients(REGION)
        provision(clients, Settings())
        yield clients


def sent_emails() -> list[Any]:
    """Every message moto's SES accepted in this test."""
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
