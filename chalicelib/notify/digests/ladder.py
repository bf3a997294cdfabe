"""How far a finding escalates this week: as far as its recipient was warned.

The unit head is copied from 3 weeks open, the party organisation from 6 (ledger/models),
each announced in the digest of the week before. A copy goes out only when a digest that
carried its warning reached the recipient (the send log says `sent`): a warning that
failed, bounced or was never sent holds the ladder where it is, and the next digest
announces the step again (DESIGN.md, Guards). A finding whose data is in doubt this week
(chalicelib/ledger/guard.py) stays where it was last week and announces nothing."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.core.dates import next_weekly_run, weekly_run
from chalicelib.ledger.models import HEAD_WEEKS, PARTY_WEEKS, EntryKey, LedgerEntry

WARNED_FROM = {1: HEAD_WEEKS - 1, 2: PARTY_WEEKS - 1}  # weeks open of the announcing digest


@dataclass(frozen=True)
class Ladder:
    sent: Mapping[str, Collection[date]]  # recipient -> Mondays of weeks their digest was sent
    frozen: frozenset[EntryKey] = field(default_factory=frozenset)

    def level(self, entry: LedgerEntry, recipient: str, today: date) -> int:
        """0: the responsible person only; 1: the unit head copied; 2: and the party org."""
        day = today - timedelta(days=7) if entry.key in self.frozen else today
        return reachable(entry, self.sent.get(recipient, ()), day)

    def next_level(self, entry: LedgerEntry, recipient: str, today: date) -> int:
        """The level of the next run if this week's digest reaches the recipient."""
        if entry.key in self.frozen:
            return self.level(entry, recipient, today)
        weeks = {*self.sent.get(recipient, ()), weekly_run(today)}
        return reachable(entry, weeks, next_weekly_run(today))


def reachable(entry: LedgerEntry, sent: Collection[date], day: date) -> int:
    """The level `entry` may have on `day`: its level by weeks open, down to the highest
    one whose warning was in a digest sent to its recipient in an earlier week."""
    level = entry.escalation_level(day)
    earlier = [week for week in sent if week < weekly_run(day)]
    while level and not any(entry.weeks_open(week) >= WARNED_FROM[level] for week in earlier):
        level -= 1
    return level
