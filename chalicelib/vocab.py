"""The words exports use for platforms, categories, roles and filing states (the sources of
the role words and codes are in docs/formats.md, "Role codes")."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.ledger.models import LedgerState
from chalicelib.models import Category, FilingStatus, PersonStatus, Platform, Role, Severity
from chalicelib.rollups.models import RollupKind
from chalicelib.sending import SendKind

PLATFORM_WORDS: dict[str, Platform] = {
    **dict.fromkeys(["qq", "qq群"], Platform.QQ),
    **dict.fromkeys(["wechat", "微信", "微信群"], Platform.WECHAT),
    **dict.fromkeys(["wecom", "企业微信", "企业微信群"], Platform.WECOM),
    **dict.fromkeys(["dingtalk", "钉钉", "钉钉群"], Platform.DINGTALK),
}

CATEGORY_WORDS: dict[str, Category] = {
    **dict.fromkeys(["work", "工作群"], Category.WORK),
    **dict.fromkeys(["party", "党组织群"], Category.PARTY),
    **dict.fromkeys(["class", "班级群"], Category.CLASS),
    **dict.fromkeys(["league", "团组织群"], Category.LEAGUE),
    **dict.fromkeys(["club", "社团群"], Category.CLUB),
    **dict.fromkeys(["temporary", "临时群"], Category.TEMPORARY),
}

FILING_STATUS_WORDS: dict[str, FilingStatus] = {
    **dict.fromkeys(["filed", "已备案"], FilingStatus.FILED),
    **dict.fromkeys(["pending", "待审"], FilingStatus.PENDING),
    **dict.fromkeys(["closed", "已注销"], FilingStatus.CLOSED),
}

ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(["owner", "群主", "创建者"], Role.OWNER),
    **dict.fromkeys(["admin", "administrator", "管理员", "群管理员", "管理"], Role.ADMIN),
    # an empty or dashed role cell (a tool's "no role") is a member, the default
    **dict.fromkeys(
        ["member", "成员", "群员", "群成员", "普通群员", "普通成员", "", "-", "—"], Role.MEMBER
    ),
}

# A role written as a number means different things in different tools: 2 is a member on
# qun.qq.com, the owner in mirai, an admin in 酷Q and DingTalk. Codes are read only for a
# table whose source is known (`schema.export_tool`); anywhere else they reject the table.
ROLE_CODES: dict[str, dict[str, Role]] = {
    "qun.qq.com": {"0": Role.OWNER, "1": Role.ADMIN, "2": Role.MEMBER},
    "dingtalk": {"1": Role.OWNER, "2": Role.ADMIN, "3": Role.MEMBER},
}


# What users see for a platform or a category.
PLATFORM_NAMES: dict[Platform, str] = {
    Platform.QQ: "QQ群",
    Platform.WECHAT: "微信群",
    Platform.WECOM: "企业微信群",
    Platform.DINGTALK: "钉钉群",
}
CATEGORY_NAMES: dict[Category, str] = {
    category: word for word, category in CATEGORY_WORDS.items() if not word.isascii()
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
