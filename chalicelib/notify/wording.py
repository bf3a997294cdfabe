"""The words people are shown: names of platforms, categories, severities and states, and
dates as a clerk reads them. The words read from exports are in chalicelib/intake/vocab.py."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.core.models import (
    Category,
    FilingStatus,
    PersonStatus,
    Platform,
    RollupKind,
    Severity,
)
from chalicelib.ledger.models import LedgerState
from chalicelib.notify.sending import SendKind

PLATFORM_NAMES: dict[Platform, str] = {
    Platform.QQ: "QQ群",
    Platform.WECHAT: "微信群",
    Platform.WECOM: "企业微信群",
    Platform.DINGTALK: "钉钉群",
}
CATEGORY_NAMES: dict[Category, str] = {
    Category.WORK: "工作群",
    Category.PARTY: "党组织群",
    Category.CLASS: "班级群",
    Category.LEAGUE: "团组织群",
    Category.CLUB: "社团群",
    Category.TEMPORARY: "临时群",
}
SEVERITY_NAMES: dict[Severity, str] = {
    Severity.HIGH: "高",
    Severity.MEDIUM: "中",
    Severity.LOW: "低",
}
# How an office reads a finding's state in a rollup.
STATE_NAMES: dict[LedgerState, str] = {
    LedgerState.OPEN: "未整改",
    LedgerState.REOPENED: "未整改",
    LedgerState.WAIVED: "已豁免",
    LedgerState.RESOLVED: "已整改",
}
# A member in a digest's list: a person's status, or "" for an account not in the directory.
MEMBER_STATUS_NAMES: dict[str, str] = {
    PersonStatus.ACTIVE.value: "在职在校",
    PersonStatus.DEPARTED.value: "已离职离校",
    PersonStatus.EXTERNAL.value: "校外人员",
    "": "不在人员名册",
}
FILING_STATUS_NAMES: dict[FilingStatus | None, str] = {
    FilingStatus.FILED: "已备案",
    FilingStatus.PENDING: "待审",
    FilingStatus.CLOSED: "已注销",
    None: "未备案",
}
ROLLUP_NAMES: dict[RollupKind, str] = {RollupKind.WEEK: "周报", RollupKind.MONTH: "月报"}

SEND_KIND_NAMES: dict[SendKind, str] = {
    SendKind.DIGEST: "提醒",
    SendKind.ROLLUP: "汇总",
    SendKind.UPLOAD_REJECTED: "上传回执",
}

DATA_FOLDER_NAMES = {
    "rosters": "群成员名单",
    "directory": "人员名册",
    "filings": "审备登记表",
    "waivers": "豁免清单",
    "config": "配置",
}

NO_UNIT_NAME = "未归属"  # findings and groups of no known unit, in rollups and workbooks
DEFAULT_OFFICE = "党委工作部"  # named in footers when config/offices has no office of scope all


def chinese_day(day: date) -> str:
    """`12月7日`: how a date reads in a sentence (the year is clear from the context)."""
    return f"{day.month}月{day.day}日"


def week_span(period: str) -> str:
    """`2026-W47` -> `11月16日–11月22日`, the Monday to Sunday of that ISO week."""
    monday = date.fromisoformat(f"{period}-1")
    return f"{chinese_day(monday)}–{chinese_day(monday + timedelta(days=6))}"


def period_words(period: str) -> str:
    """A period as a clerk reads it: `2026-W47` -> `11月16日–11月22日`, `2026-11` ->
    `2026年11月`."""
    if "-W" in period:
        return week_span(period)
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


# What units answered in the portal, and what came of it (chalicelib/ledger/actions.py).
ACTION_NAMES = {"fixed": "已整改", "waiver": "申请豁免", "dispute": "有异议"}
DECISION_NAMES = {
    "pending": "待部门处理",
    "approved": "已批准",
    "declined": "未批准",
    "answered": "部门已答复",
    "noted": "已报整改,待数据确认",
}
