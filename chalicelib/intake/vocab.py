"""The words exports use for platforms, categories, roles and filing states (the sources of
the role words and codes are in docs/formats.md, "Role codes"). What users are shown for
each is in chalicelib/notify/wording.py: words read and words shown are kept apart."""

from __future__ import annotations

from chalicelib.core.models import Category, FilingStatus, Platform, Role

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

# What people name the data root's folders when they mean one of ours: a misplaced upload
# is reported with the folder it belongs in (DESIGN.md, Data root).
FOLDER_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["roster", "群成员", "群成员名单", "名单", "成员名单", "群名单", "导出"], "rosters"
    ),
    **dict.fromkeys(["directories", "名册", "人员名册", "人员", "花名册"], "directory"),
    **dict.fromkeys(["filing", "登记表", "备案", "审备", "审备登记表"], "filings"),
    **dict.fromkeys(["waiver", "豁免", "豁免清单"], "waivers"),
    **dict.fromkeys(["configs", "配置", "设置"], "config"),
}
