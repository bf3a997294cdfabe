"""What a digest says, before it is rendered: plain data, hashed for idempotent sending."""

from __future__ import annotations

import hashlib
from datetime import date

from chalicelib.core.models import DataError, FindingFacts, FindingRef, Frozen, GroupRef


class Escalation(Frozen):
    """Who the next weekly run copies if the finding is still open then."""

    level: int  # 1: the unit head; 2: the party organisation (and listed as overdue)
    to: str  # whom, as the digest names them; "" when there is nobody to copy


class DigestItem(FindingFacts):
    """A finding as its responsible person reads it this week."""

    weeks_open: int  # 0 for fixed items
    fix_by: date | None = None  # 整改期限 of an open item (`fix_by` in build.py)
    next_escalation: Escalation | None = None  # announced a week ahead


class ComingDue(GroupRef):
    unit_id: str | None = None  # the group's unit: the portal link of its digest opens it
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
    data_problems: tuple[DataError, ...] = ()  # in the files of the recipient's unit
    regulations: tuple[tuple[str, str], ...] = ()  # (short name, title) cited; () the seeds
    answers: tuple[str, ...] = ()  # the offices' decisions on what the units asked, in words
    portal_link: str = ""  # the recipient's own signed link to the unit page; "" no portal

    @property
    def empty(self) -> bool:
        return not (
            self.new or self.still_open or self.fixed or self.coming_due or self.data_problems
        )

    def content_hash(self) -> str:
        """Same recipients, period and items: same hash (the idempotency key's last part)."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:32]


class Unroutable(FindingRef):
    """An active finding with no reachable recipient: listed in the rollup, never dropped."""

    reason: str
