"""The words people are shown: names of platforms, categories, severities and states, and
dates as a clerk reads them. The words read from exports are in chalicelib/intake/vocab.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chalicelib.core.models import (
    AccountStatus,
    Category,
    Entity,
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
    Platform.WECHAT_MP: "微信公众号",
    Platform.CHANNELS: "视频号",
    Platform.WEIBO: "微博",
    Platform.DOUYIN: "抖音",
    Platform.KUAISHOU: "快手",
    Platform.BILIBILI: "哔哩哔哩",
    Platform.XIAOHONGSHU: "小红书",
    Platform.TOUTIAO: "今日头条",
    Platform.OTHER: "其他新媒体",
}


def objects_named(keys: Iterable[tuple[Platform, str]]) -> str:
    """`3 个群`, `1 个新媒体账号`, `3 个群和 1 个新媒体账号`: what a count of keys is of."""
    keys = set(keys)
    accounts = sum(1 for platform, _ in keys if platform.is_account)
    parts = [
        f"{count} 个{what}"
        for count, what in ((len(keys) - accounts, "群"), (accounts, "新媒体账号"))
        if count
    ]
    return "和".join(parts) or "0 个群"


def kinds_named(platforms: Iterable[Platform]) -> str:
    """`群`, `新媒体账号` or `群和新媒体账号`: what a list of findings is about."""
    kinds = {platform.is_account for platform in platforms}
    return (
        "和".join(
            what
            for is_account, what in ((False, "群"), (True, "新媒体账号"))
            if is_account in kinds
        )
        or "群"
    )


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
ENTITY_NAMES: dict[Entity | None, str] = {Entity.SCHOOL: "学校", Entity.UNIT: "单位", None: ""}
APPROVAL_NAMES: dict[bool, str] = {True: "已审批", False: "未审批"}
ACCOUNT_STATUS_NAMES: dict[AccountStatus | None, str] = {
    AccountStatus.ACTIVE: "运营中",
    AccountStatus.PAUSED: "停更",
    AccountStatus.CLOSED: "已注销",
    None: "未登记",
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
