"""A small, realistic rollup for rendering tests: 3 units, 4 rules, 12 weeks of trend,
an overdue and a waived finding, and hostile group names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.core.models import Category, FilingStatus, Platform
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.notify.rollups.models import InventoryRow, Rollup, RollupItem, TrendPoint

TODAY = date(2026, 11, 16)  # Monday of 2026-W47
HYPERLINK = '=HYPERLINK("http://x")'
SCRIPT = "<script>alert(1)</script>"
UNITS = (("U01", "信息工程学院"), ("U02", "经济管理学院"), ("U03", "学生处"))
RULES = tuple(
    (r, REGISTRY[r].meta.title) for r in ("unfiled", "oversized", "departed_members", "naming")
)
UNIT_NAMES = dict(UNITS)


def _item(unit: str, group_id: str, name: str, rule: str, weeks: int, **fields: Any) -> RollupItem:
    meta = REGISTRY[rule].meta
    values: dict[str, Any] = {
        "unit_id": unit,
        "unit_name": UNIT_NAMES[unit],
        "platform": Platform.QQ,
        "group_id": group_id,
        "group_name": name,
        "category": Category.WORK,
        "rule": rule,
        "title": meta.title,
        "severity": meta.severity,
        "state": "open",
        "weeks_open": weeks,
        "first_seen": TODAY - timedelta(weeks=weeks),
        "message": f"{meta.title}:请在两周内整改。",
        "clause": meta.clause,
        "remedy": meta.remedy,
        "evidence": {},
    }
    return RollupItem(**{**values, **fields})


ITEMS = (
    _item(
        "U01",
        "0012345",
        "信息工程学院教职工工作群",
        "oversized",
        2,
        message="群成员 512 人,超过上限 500 人。",
    ),
    _item("U01", "0012345", "信息工程学院教职工工作群", "naming", 1),
    _item("U01", "778899", HYPERLINK, "unfiled", 7, platform=Platform.WECHAT, category=None),
    _item("U02", "556677", SCRIPT, "departed_members", 3, category=Category.CLUB),
    _item("U02", "556678", "+1 经管学院临时通知群", "naming", 1, category=Category.TEMPORARY),
    _item(
        "U03",
        "20240101",
        "2024级电子商务1班",
        "oversized",
        9,
        state="waived",
        category=Category.CLASS,
    ),
    _item(
        "U03",
        "20240102",
        "@SUM 2024级会计2班",
        "unfiled",
        6,
        platform=Platform.DINGTALK,
        category=Category.CLASS,
    ),
)


def _row(unit: str, name: str, group_id: str, **fields: Any) -> InventoryRow:
    values: dict[str, Any] = {
        "unit_id": unit,
        "unit_name": UNIT_NAMES[unit],
        "group_name": name,
        "platform": Platform.QQ,
        "group_id": group_id,
        "category": Category.WORK,
        "purpose": "工作通知",
        "owner": "张三",
        "members": 120,
        "responsible": "李四",
        "filed_on": date(2026, 3, 2),
        "filing_status": FilingStatus.FILED,
    }
    return InventoryRow(**{**values, **fields})


INVENTORY_ROWS = (
    _row("U01", "信息工程学院教职工工作群", "0012345", members=512),
    _row(
        "U01",
        HYPERLINK,
        "778899",
        platform=Platform.WECHAT,
        category=None,
        purpose="",
        owner="13****89",
        members=None,
        responsible="",
        filed_on=None,
        filing_status=None,
    ),
    _row(
        "U02",
        SCRIPT,
        "556677",
        category=Category.CLUB,
        purpose="-1 社团活动",
        filing_status=FilingStatus.PENDING,
    ),
    _row("U02", "+1 经管学院临时通知群", "556678", category=Category.TEMPORARY),
    _row("U03", "2024级电子商务1班", "20240101", category=Category.CLASS, purpose="班级事务"),
    _row(
        "U03",
        "@SUM 2024级会计2班",
        "20240102",
        platform=Platform.DINGTALK,
        category=Category.CLASS,
        filed_on=None,
        filing_status=None,
    ),
)


def _trend() -> tuple[TrendPoint, ...]:
    highs = (5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2)
    mediums = (6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3, 3)
    lows = (3, 2, 2, 3, 3, 2, 2, 2, 1, 1, 2, 2)
    return tuple(
        TrendPoint(period=f"2026-W{36 + i}", open_by_severity={"high": h, "medium": m, "low": lo})
        for i, (h, m, lo) in enumerate(zip(highs, mediums, lows, strict=True))
    )


def _matrix(items: tuple[RollupItem, ...]) -> dict[str, dict[str, int]]:
    matrix: dict[str, dict[str, int]] = {unit: {rule: 0 for rule, _ in RULES} for unit, _ in UNITS}
    for item in items:
        if item.state != "waived":
            matrix[item.unit_id or ""][item.rule] += 1
    return matrix


def sample_rollup(**overrides: Any) -> Rollup:
    """The weekly rollup of 党委工作部 for 2026-W47; any field can be overridden."""
    open_items = [i for i in ITEMS if i.state != "waived"]
    values: dict[str, Any] = {
        "kind": "week",
        "period": "2026-W47",
        "today": TODAY,
        "office": "党委工作部",
        "scope": None,
        "groups_known": len(INVENTORY_ROWS),
        "groups_filed": sum(r.filing_status is FilingStatus.FILED for r in INVENTORY_ROWS),
        "open_by_severity": {
            s: sum(i.severity.label == s for i in open_items) for s in ("high", "medium", "low")
        },
        "new_since_last": 2,
        "fixed_since_last": 1,
        "overdue": 2,
        "unroutable": 1,
        "failed_digests": 1,
        "units": UNITS,
        "rules": RULES,
        "matrix": _matrix(ITEMS),
        "items": ITEMS,
        "inventory": INVENTORY_ROWS,
        "trend": _trend(),
    }
    return Rollup(**{**values, **overrides})
