"""waivers/* (豁免清单): approved exceptions, and which one applies to a group and rule on a
given day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.core.models import Platform, Waiver
from chalicelib.core.settings import Settings
from chalicelib.intake.loaders.filings import group_id_of, platform_of
from chalicelib.intake.loaders.rows import Row, RowError
from chalicelib.intake.vocab import ANY_PLATFORM_WORDS


@dataclass(frozen=True, slots=True)
class WaivableRule:
    """A rule as a waiver row may name it, by its id or its Chinese title (the rules are
    handed in by the scan: the readers know no rule)."""

    id: str
    title: str
    sets_limit: bool  # a waiver's 上限 replaces the rule's threshold instead of waiving


def _rule(row: Row, rules: Sequence[WaivableRule]) -> WaivableRule:
    value = row.required("rule")
    for rule in rules:
        if value.casefold() == rule.id or value == rule.title:
            return rule
    raise RowError(
        "rule", f"无法识别的规则“{value}”(可填规则编号或中文名称,如 oversized 或 超规模)"
    )


def parse_waiver(
    row: Row, today: date, settings: Settings, rules: Sequence[WaivableRule]
) -> Waiver:
    expires_on = row.date("expires_on", required=True)
    assert expires_on is not None
    latest = today + timedelta(days=settings.waiver_max_days)
    if expires_on > latest:
        raise RowError(
            "expires_on",
            f"有效期至 {expires_on} 超过最长期限 {settings.waiver_max_days} 天(最晚 {latest})",
        )
    rule = _rule(row, rules)
    return Waiver(
        platform=(platform := platform_of(row, ANY_PLATFORM_WORDS)),
        group_id=group_id_of(row, platform),
        rule=rule.id,
        reason=row.required("reason"),
        approved_by=row.required("approved_by"),
        expires_on=expires_on,
        limit=_limit(row) if rule.sets_limit else None,
    )


def _limit(row: Row) -> int | None:
    """The approved member limit; a limit on a waiver for another rule is ignored."""
    text = row.text("limit")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise RowError("limit", f"上限“{text}”不是正整数")
    return int(text)


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
