"""What a digest says, before it is rendered: plain data, hashed for idempotent sending."""

from __future__ import annotations

import hashlib
from datetime import date

from chalicelib.models import Frozen, GroupKey, Platform, Severity


class DigestItem(Frozen):
    platform: Platform
    group_id: str
    group_name: str | None
    unit_id: str | None
    rule: str
    title: str
    severity: Severity
    message: str  # observed value and limit, full sentence; member ids already masked
    clause: str
    remedy: str
    weeks_open: int  # 0 for fixed items

    @property
    def group_key(self) -> GroupKey:
        return (self.platform, self.group_id)


class ComingDue(Frozen):
    platform: Platform
    group_id: str
    group_name: str | None
    due_on: date
    what: (
        str  # e.g. "豁免(超规模)将于 2026-11-30 到期" or "临时群将于 2026-11-20 到期,到期后请解散"
    )


class Digest(Frozen):
    """One recipient's weekly digest; `cc` holds the escalation copies."""

    recipient: str
    cc: tuple[str, ...] = ()
    period: str  # ISO week, e.g. 2026-W47
    today: date
    new: tuple[DigestItem, ...] = ()
    still_open: tuple[DigestItem, ...] = ()
    fixed: tuple[DigestItem, ...] = ()
    coming_due: tuple[ComingDue, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.new or self.still_open or self.fixed or self.coming_due)

    def content_hash(self) -> str:
        """Same recipients, period and items: same hash (the idempotency key's last part)."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:32]


class Unroutable(Frozen):
    """An active finding with no reachable recipient: listed in the rollup, never dropped."""

    platform: Platform
    group_id: str
    group_name: str | None
    unit_id: str | None
    rule: str
    reason: str
