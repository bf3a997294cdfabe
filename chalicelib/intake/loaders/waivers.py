"""Approved exceptions: which waiver applies to a group and rule on a given day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from chalicelib.core.models import Platform, Waiver


class WaiverBook:
    def __init__(self, waivers: Iterable[Waiver]):
        self._by_key: dict[tuple[Platform, str, str], list[Waiver]] = defaultdict(list)
        for waiver in waivers:
            self._by_key[(waiver.platform, waiver.group_id, waiver.rule)].append(waiver)

    def applicable(
        self, platform: Platform, group_id: str, rule_id: str, today: date
    ) -> Waiver | None:
        """The valid waiver (today <= expires_on) that expires last, if any."""
        valid = [
            w for w in self._by_key.get((platform, group_id, rule_id), ()) if today <= w.expires_on
        ]
        return max(valid, key=lambda w: w.expires_on, default=None)

    def all(self) -> list[Waiver]:
        return [w for waivers in self._by_key.values() for w in waivers]
