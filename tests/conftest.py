"""Shared fixtures: embedded AWS (moto) with what qungov uses provisioned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.aws.clients import Clients
from tests.aws import embedded_aws
from tests.channels.robot_server import RobotApi
from tests.channels.robot_server import robot_api as serve_robot_api


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """See `tests.aws.embedded_aws`."""
    with embedded_aws(monkeypatch) as clients:
        yield clients


@pytest.fixture
def robot_api() -> Iterator[RobotApi]:
    """See `tests.channels.robot_server`: both robot APIs on loopback."""
    with serve_robot_api() as api:
        yield api
