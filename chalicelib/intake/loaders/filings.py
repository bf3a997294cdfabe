"""filings/* (群组审备登记表) and waivers/* (豁免清单)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.core.models import Category, Filing, FilingStatus, Platform, Waiver
from chalicelib.core.settings import Settings
from chalicelib.intake.loaders.rows import Row, RowError
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.vocab import CATEGORY_WORDS, FILING_STATUS_WORDS, PLATFORM_WORDS


def _platform(row: Row) -> Platform:
    platform = row.word("platform", PLATFORM_WORDS)
    if platform is None:
        raise RowError("platform", "不能为空")
    return platform


def _unit(row: Row, units: UnitIndex) -> str:
    reference = row.required("unit")
    unit_id = units.resolve(reference)
    if unit_id is None:
        raise RowError("unit", f"单位“{reference}”不在单位名录中")
    return unit_id


def _group_id(row: Row) -> str:
    group_id = row.id("group_id", required=True)
    assert group_id is not None
    return group_id


def parse_filing(row: Row, units: UnitIndex, today: date) -> Filing:
    """A filing row; filing and review dates cannot lie after today (one day's grace)."""
    category = row.word("category", CATEGORY_WORDS)
    end_on = row.date("end_on")
    if category is Category.TEMPORARY and end_on is None:
        raise RowError("end_on", "临时群必须填写截止日期")
    filed_on = row.date("filed_on", required=True, happened_by=today)
    assert filed_on is not None
    return Filing(
        platform=_platform(row),
        group_id=_group_id(row),
        group_name=row.text("group_name"),
        unit_id=_unit(row, units),
        category=category,
        owner_id=row.id("owner_id"),
        owner_name=row.text("owner_name"),
        responsible_name=row.text("responsible_name"),
        responsible_email=row.email("responsible_email"),
        filed_on=filed_on,
        reviewed_on=row.date("reviewed_on", happened_by=today),
        end_on=end_on,
        purpose=row.text("purpose"),
        status=row.word("status", FILING_STATUS_WORDS, FilingStatus.FILED),
        invalid_emails=tuple(row.bad_emails),
    )


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
        platform=_platform(row),
        group_id=_group_id(row),
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
