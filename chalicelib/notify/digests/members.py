"""The members a digest item is about (the member rules' `members` evidence), as the body
and the portal list the first of them (the attached workbook lists them all:
chalicelib/notify/digests/attachment.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.core.models import Unit
from chalicelib.notify.digests.models import DigestItem
from chalicelib.notify.wording import MEMBER_STATUS_NAMES

IN_BODY = 10  # members listed in the email; more go to the attachment
COUNT_KEYS = ("departed_count", "unmapped_count", "outsider_count")  # the rules' totals


@dataclass(frozen=True, slots=True)
class MemberView:
    shown: str  # the name in the group, "" when not known
    account: str  # masked
    person: str  # masked, "" for an account not in the directory
    status: str
    unit: str


def member_views(item: DigestItem, units: Mapping[str, Unit]) -> list[MemberView]:
    return [_view(member, units) for member in listed_members(item)]


def member_total(item: DigestItem) -> int:
    """How many members the finding is about (its list may stop at the rules' limit)."""
    counted = [int(item.evidence[key]) for key in COUNT_KEYS if key in item.evidence]
    return max([len(listed_members(item)), *counted])


def listed_members(item: DigestItem) -> Sequence[dict[str, Any]]:
    members = item.evidence.get("members")
    return members if isinstance(members, list) else []


def _view(member: dict[str, Any], units: Mapping[str, Unit]) -> MemberView:
    unit_id = str(member.get("unit") or "")
    return MemberView(
        shown=str(member.get("shown") or ""),
        account=str(member.get("account") or ""),
        person=str(member.get("person") or ""),
        status=MEMBER_STATUS_NAMES.get(str(member.get("status") or ""), ""),
        unit=units[unit_id].name if unit_id in units else unit_id,
    )
