"""The words exports use for platforms, categories, roles and filing states (the sources of
the role words and codes are in docs/formats.md, "Role codes"). What users are shown for
each is in chalicelib/notify/wording.py: words read and words shown are kept apart."""

from __future__ import annotations

from chalicelib.core.models import AccountStatus, Category, Entity, FilingStatus, Platform, Role

PLATFORM_WORDS: dict[str, Platform] = {
    **dict.fromkeys(["qq", "qq群"], Platform.QQ),
    **dict.fromkeys(["wechat", "微信", "微信群"], Platform.WECHAT),
    **dict.fromkeys(["wecom", "企业微信", "企业微信群"], Platform.WECOM),
    **dict.fromkeys(["dingtalk", "钉钉", "钉钉群"], Platform.DINGTALK),
}

# New-media platforms (DESIGN.md, New-media accounts): the register's words, and the English
# ids. 服务号 and 订阅号 are the two kinds of 微信公众号.
ACCOUNT_PLATFORM_WORDS: dict[str, Platform] = {
    **dict.fromkeys(
        ["wechat_mp", "微信公众号", "公众号", "服务号", "订阅号", "微信服务号", "微信订阅号"],
        Platform.WECHAT_MP,
    ),
    **dict.fromkeys(["channels", "视频号", "微信视频号"], Platform.CHANNELS),
    **dict.fromkeys(["weibo", "微博", "新浪微博"], Platform.WEIBO),
    **dict.fromkeys(["douyin", "抖音"], Platform.DOUYIN),
    **dict.fromkeys(["kuaishou", "快手"], Platform.KUAISHOU),
    **dict.fromkeys(["bilibili", "哔哩哔哩", "b站"], Platform.BILIBILI),
    **dict.fromkeys(["xiaohongshu", "小红书"], Platform.XIAOHONGSHU),
    **dict.fromkeys(["toutiao", "今日头条", "头条号"], Platform.TOUTIAO),
    **dict.fromkeys(["other", "其他"], Platform.OTHER),
}
# A waiver names a group or an account.
ANY_PLATFORM_WORDS: dict[str, Platform] = {**PLATFORM_WORDS, **ACCOUNT_PLATFORM_WORDS}

ENTITY_WORDS: dict[str, Entity] = {
    **dict.fromkeys(["school", "学校", "校级", "本校"], Entity.SCHOOL),
    **dict.fromkeys(["unit", "单位", "院系", "部门", "二级单位"], Entity.UNIT),
}
APPROVAL_WORDS: dict[str, bool] = {
    **dict.fromkeys(["approved", "已审批", "已批准", "审批通过", "通过", "是"], True),
    **dict.fromkeys(
        ["not_approved", "未审批", "待审批", "审批中", "未通过", "不通过", "否"], False
    ),
}
ACCOUNT_STATUS_WORDS: dict[str, AccountStatus] = {
    **dict.fromkeys(["active", "运营中", "正常", "在用"], AccountStatus.ACTIVE),
    **dict.fromkeys(["paused", "停更", "暂停", "停止更新"], AccountStatus.PAUSED),
    **dict.fromkeys(["closed", "已注销", "注销", "已关闭"], AccountStatus.CLOSED),
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
    **dict.fromkeys(
        ["account", "新媒体", "新媒体账号", "账号登记表", "新媒体账号登记表", "公众号"], "accounts"
    ),
    **dict.fromkeys(["post", "发布记录", "发文记录", "发表记录", "新媒体发布记录"], "posts"),
}
