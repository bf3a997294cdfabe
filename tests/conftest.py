"""Shared fixtures: embedded AWS (moto) with what qungov uses provisioned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.aws.clients import Clients
from tests.aws import embedded_aws


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """See `tests.aws.embedded_aws`."""
    with embedded_aws(monkeypatch) as clients:
        yield clients
