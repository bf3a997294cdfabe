"""Secrets in SSM Parameter Store SecureStrings (the portal's signing keys, the SMTP
password): read once per container for 5 minutes, so that a rotation reaches every
function within minutes and a send or a page costs no SSM call."""

from __future__ import annotations

import time
from typing import Any

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, str]] = {}


def secure_parameter(client: Any, name: str) -> str:
    cached = _cache.get(name)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    value = str(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    _cache[name] = (time.monotonic(), value)
    return value


def forget_cached() -> None:
    _cache.clear()
