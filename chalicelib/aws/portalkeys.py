"""The portal's signing keys: one SSM Parameter Store SecureString holding a JSON keyring
(chalicelib/portal/tokens.py, `Keyring`), read once per container for 5 minutes, so that a
rotation reaches every function within minutes and a page costs no SSM call."""

from __future__ import annotations

import time
from typing import Any

from chalicelib.portal.tokens import Keyring

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, Keyring]] = {}


def ssm_keyring(client: Any, name: str) -> Keyring:
    cached = _cache.get(name)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    keyring = Keyring.from_json(value)
    _cache[name] = (time.monotonic(), keyring)
    return keyring


def forget_cached() -> None:
    _cache.clear()
