"""The portal's signing keys: one SSM Parameter Store SecureString holding a JSON keyring
(chalicelib/portal/tokens.py, `Keyring`), cached as every secure parameter is."""

from __future__ import annotations

from typing import Any

from chalicelib.aws.parameters import forget_cached, secure_parameter
from chalicelib.portal.tokens import Keyring

__all__ = ["forget_cached", "ssm_keyring"]


def ssm_keyring(client: Any, name: str) -> Keyring:
    return Keyring.from_json(secure_parameter(client, name))
