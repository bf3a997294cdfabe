"""Masking of account ids and names for emails, reports and evidence."""

from __future__ import annotations


def mask_id(account: str) -> str:
    """`1234567889` -> `12****89`; short ids keep only their first character."""
    if len(account) <= 4:
        return account[:1] + "*" * max(len(account) - 1, 1)
    return f"{account[:2]}****{account[-2:]}"


def mask_name(name: str) -> str:
    """`张三` -> `张*`, `欧阳娜娜` -> `欧**娜`."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_address(address: str) -> str:
    """`zhang.san@example.edu.cn` -> `z***@example.edu.cn`, for logs and run records."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else mask_id(address)
