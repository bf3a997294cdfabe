"""Masking of account ids and names for emails, reports and evidence."""

from __future__ import annotations

import re

# In a name shown in a group: phone numbers, student or staff numbers, QQ ids (6+ digits)
# and email addresses.
_NUMBERS_OR_ADDRESSES = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d{6,}", re.ASCII)


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


def mask_shown_name(shown: str, person_name: str | None = None) -> str:
    """The name a member shows in a group, as a digest may list it: the person's own name
    masked where it appears (`张三老师` -> `张*老师`), and any run of 6+ digits or email
    address masked (`李四13812345678` -> `李四13****78`). Nicknames stay as written: they
    are how the member is found in the group."""
    if person_name and len(person_name) >= 2:
        shown = shown.replace(person_name, mask_name(person_name))
    return _NUMBERS_OR_ADDRESSES.sub(lambda found: _mask_token(found.group()), shown)


def _mask_token(token: str) -> str:
    return mask_address(token) if "@" in token else mask_id(token)
