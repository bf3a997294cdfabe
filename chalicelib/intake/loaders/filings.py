"""filings/* (群组审备登记表)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from chalicelib.core.models import Category, Filing, FilingStatus, Platform
from chalicelib.intake.group_ids import leading_zero
from chalicelib.intake.loaders.rows import Row, RowError
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.vocab import CATEGORY_WORDS, FILING_STATUS_WORDS, PLATFORM_WORDS


def platform_of(row: Row, words: Mapping[str, Platform] = PLATFORM_WORDS) -> Platform:
    platform = row.word("platform", words)
    if platform is None:
        raise RowError("platform", "不能为空")
    return platform


def _unit(row: Row, units: UnitIndex) -> str:
    reference = row.required("unit")
    unit_id = units.resolve(reference)
    if unit_id is None:
        raise RowError("unit", f"单位“{reference}”不在单位名录中")
    return unit_id


def group_id_of(row: Row, platform: Platform) -> str:
    group_id = row.id("group_id", required=True)
    assert group_id is not None
    zero = leading_zero(platform, group_id)
    if zero is not None:
        raise RowError("group_id", zero)
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
        platform=(platform := platform_of(row)),
        group_id=group_id_of(row, platform),
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
