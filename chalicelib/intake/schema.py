"""Accepted headers of every table in the data root (DESIGN.md, Data root), with the
aliases that real exports use (docs/formats.md gives each one's source).

Headers match after trimming spaces and ignoring case; each field's own English name is
always accepted besides its aliases. When a header carries two aliases of one field (a
QQ export has both 群名片 and 昵称), the alias listed first wins: the lists are in order
of preference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    title: str = ""  # what users call it; else its first alias

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def label(self) -> str:
        return self.title or (self.aliases[0] if self.aliases else self.name)


@dataclass(frozen=True, slots=True)
class Hint:
    """A header that looks like one of our columns without being an accepted name: reported
    as a warning, so the user sees what was not used."""

    pattern: str  # a regular expression searched in the normalised header cell
    field: str  # the field it looks like


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: _by_alias's cache key
class TableSchema:
    kind: str
    title: str
    fields: tuple[Field, ...]
    hints: tuple[Hint, ...] = ()

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def locate(self, header: Sequence[str]) -> dict[str, int]:
        """Field name -> column index for the fields this header row carries; of two
        columns for one field, the one whose alias comes first in the field's list."""
        by_alias = _by_alias(self)
        best: dict[str, tuple[int, int]] = {}  # field -> (alias rank, column)
        for index, cell in enumerate(header):
            found = by_alias.get(normalize_header(cell))
            if found is not None:
                name, rank = found
                if name not in best or rank < best[name][0]:
                    best[name] = (rank, index)
        return {name: index for name, (_, index) in best.items()}

    def repeated(self, header: Sequence[str]) -> dict[str, int]:
        """Column names of this schema that the header writes more than once (as first
        written, trimmed) -> how many times. Two different aliases of one field (群名片 and
        昵称) are not a repeat: `locate` prefers one; unknown names are ignored."""
        by_alias = _by_alias(self)
        written: dict[str, list[str]] = {}
        for cell in header:
            key = normalize_header(cell)
            if key in by_alias:
                written.setdefault(key, []).append(cell.strip())
        return {cells[0]: len(cells) for cells in written.values() if len(cells) > 1}

    def lookalikes(self, header: Sequence[str], located: dict[str, int]) -> list[tuple[str, str]]:
        """(column as written, field) for unused columns that look like a field this header
        does not carry."""
        found = []
        for index, cell in enumerate(header):
            text = normalize_header(cell)
            if not text or index in located.values() or text in _by_alias(self):
                continue
            for hint in self.hints:
                if hint.field not in located and re.search(hint.pattern, text):
                    found.append((cell.strip(), hint.field))
                    break
        return found

    @property
    def address_names(self) -> str:
        """The accepted names of this table's email columns, in words ("" when none)."""
        fields = [f for f in self.fields if f.name.endswith("email")]
        return ";".join(f"{f.label}:{'、'.join(f.aliases)}" for f in fields)

    def is_header_name(self, cell: str) -> bool:
        return normalize_header(cell) in _by_alias(self)


@cache
def _by_alias(schema: TableSchema) -> dict[str, tuple[str, int]]:
    """Every accepted header, normalised -> (its field's name, its rank in the field's
    list); built once per schema."""
    return {
        normalize_header(alias): (f.name, rank)
        for f in schema.fields
        for rank, alias in enumerate(f.accepted)
    }


def export_tool(header: Sequence[str]) -> str | None:
    """The tool a table comes from, when its header says so: a dump of qun.qq.com's member
    list keeps its field names (uin, qage, lv, last_speak_time ...), and with them its role
    codes (0 群主, 1 管理员, 2 群员; vocab.ROLE_CODES)."""
    names = {normalize_header(cell) for cell in header}
    if "uin" in names and names & {"qage", "lv", "last_speak_time"}:
        return "qun.qq.com"
    return None


def normalize_header(cell: str) -> str:
    return cell.strip().strip("\ufeff").strip().casefold()


def _f(name: str, aliases: str = "", *, required: bool = False, title: str = "") -> Field:
    """A field and its aliases, one space-separated string in order of preference."""
    return Field(name, tuple(aliases.split()), required, title)


UNITS = TableSchema(
    "units",
    "单位名录",
    (
        _f("unit_id", "单位编码 编码", required=True),
        _f("name", "单位名称 单位", required=True),
        _f("keywords", "核心词 关键词"),
        _f(
            "contact_email", "联系邮箱 联系人邮箱 邮箱 邮箱地址 电子邮箱 单位邮箱", title="联系邮箱"
        ),
        _f("head_name", "第一责任人 负责人"),
        _f("head_email", "第一责任人邮箱 负责人邮箱", title="第一责任人邮箱"),
        _f("party_org", "所属党组织"),
        _f("party_org_email", "党组织邮箱"),
        _f("robot", "群机器人 机器人 机器人地址"),
        _f("robot_secret", "机器人密钥 加签密钥"),
    ),
    (Hint("关键|核心", "keywords"),),
)

OFFICES = TableSchema(
    "offices",
    "汇总报送部门",
    (
        _f("office", "部门", required=True),
        _f("email", "邮箱 邮箱地址 电子邮箱 联系邮箱", required=True),
        _f("scope", "范围"),
        _f("address", "地址 办公地址 办公地点 联系地址", title="地址"),
        _f("phone", "电话 联系电话 办公电话", title="电话"),
    ),
    (Hint("范围|类别", "scope"),),
)

DIRECTORY = TableSchema(
    "directory",
    "人员名册",
    (
        # HR (人事) and academic (教务/学籍) exports, data-centre pinyin headers (XH, ZGH ...)
        _f(
            "person_id",
            "工号 学号 学工号 学号/工号 工号/学号 职工号 教工号 编号 人员编号 xh gh zgh",
            title="人员编号",
            required=True,
        ),
        _f("name", "姓名 xm", required=True),
        _f(
            "unit",
            "单位 部门 院系 学院 所在单位 所在部门 所在院系 原属部门 院系名称 学院名称 部门名称",
        ),
        _f(
            "status", "状态 人员状态 在职状态 当前状态 学籍状态 学生状态 xjzt xjztmc", required=True
        ),
        _f(
            "left_on",
            "离职日期 离校日期 离开日期 离岗日期 离校时间 实际毕业日期 毕业日期 结业日期 退休日期",
            title="离开日期",
        ),
        _f("enrolled", "是否在籍 是否在册 sfzj"),
        _f("qq", "QQ号 QQ QQ号码"),
        _f("wechat", "微信号 微信"),
        _f("wecom", "企业微信 企业微信账号 企业微信帐号 帐号 账号"),
        _f("dingtalk", "钉钉号 钉钉"),
        _f("email", "邮箱 电子邮箱 个人邮箱"),
    ),
    (
        Hint("状态|在校|在职|在岗", "status"),
        Hint("(离职|离校|离岗|毕业|结业|退休|调出).*(日期|时间)", "left_on"),
        Hint("^qq|qq号|qq账号", "qq"),
        Hint("微信(?!群)", "wechat"),
        Hint("钉钉", "dingtalk"),
    ),
)

FILINGS = TableSchema(
    "filings",
    "群组审备登记表",
    (
        _f("platform", "平台 类型", required=True),
        _f("group_id", "群号 账号 群ID", required=True),
        _f("group_name", "群名称 名称"),
        _f("unit", "单位", required=True),
        _f("category", "类别"),
        _f("owner_id", "群主账号"),
        _f("owner_name", "群主"),
        _f("responsible_name", "责任人"),
        _f(
            "responsible_email",
            "责任人邮箱 负责人邮箱 联系人邮箱 联系邮箱 邮箱 邮箱地址 电子邮箱",
            title="责任人邮箱",
        ),
        _f("filed_on", "备案日期", required=True),
        _f("reviewed_on", "复核日期"),
        _f("end_on", "截止日期"),
        _f("purpose", "用途"),
        _f("status", "状态"),
    ),
    (
        Hint("状态", "status"),
        Hint("类别|分类", "category"),
        Hint("群主.*(账号|帐号|qq|微信|id)", "owner_id"),
        Hint("(复核|年审|年检|审核|复查).*(日期|时间)", "reviewed_on"),
        Hint("截止|到期|解散", "end_on"),
    ),
)

WAIVERS = TableSchema(
    "waivers",
    "豁免清单",
    (
        _f("platform", "平台 类型", required=True),
        _f("group_id", "群号 账号 群ID", required=True),
        _f("rule", "规则", required=True),
        _f("reason", "理由", required=True),
        _f("approved_by", "审批人", required=True),
        _f("expires_on", "有效期至", required=True),
        _f("limit", "上限"),
    ),
    (Hint("上限|人数", "limit"),),
)

ROSTERS = TableSchema(
    "rosters",
    "群成员导出",
    (
        _f("platform", "平台"),
        # qun.qq.com and its exporters, OneBot (group_id), WeCom (chat_id), WeChat tools
        _f("group_id", "群号 群ID 群号码 QQ群号 group chat_id chatid chatroomid"),
        _f("group_name", "群名称 群名 gn"),
        _f(
            "member_id",
            "成员账号 QQ号 QQ QQ号码 q号 uin user_id userid 微信号 wxid member_wxid 企业微信账号 帐号 账号",
            required=True,
        ),
        # the group card first: 昵称/nick is the account's own nickname
        _f(
            "display_name",
            "群名片 群昵称 card group_nickname groupnick displayname membername 昵称 用户昵称 QQ昵称 nick nickname 成员",
            title="群内名称",
        ),
        _f("role", "身份 群职务 角色 成员类别 role permission"),
        _f("joined_at", "入群时间 加群时间 加入时间 join_time jointimestamp"),
        _f(
            "last_spoke_at",
            "最后发言 最后发言时间 last_sent_time last_speak_time lastspeaktimestamp",
            title="最后发言时间",
        ),
        _f("exported_at", "导出时间"),
        # the owner's account on every row (WeCom groupchat/get flattened), or 是/否
        _f("owner_id", "群主账号 群主ID 群主QQ owner owner_userid 群主", title="群主"),
    ),
    (
        Hint("(入群|加群|加入|进群).*(时间|日期)", "joined_at"),
        Hint("(发言|活跃|说话).*(时间|日期)|上次发言|最近发言|最后活跃", "last_spoke_at"),
        Hint("身份|职务|权限|群主|管理", "role"),
        Hint("群号|群id|群编号", "group_id"),
    ),
)

POLICY = TableSchema(
    "policy",
    "制度与条款",
    (
        _f("item", "项目 条目 名称 规则 制度", required=True, title="项目"),
        _f("value", "内容 取值 值 条款 全称", required=True, title="内容"),
    ),
)

# docs/formats.md §11: no real register's header row was found; these come from the
# notice's forms and 政务新媒体 filings. The posts' aliases are the real exports' own.
ACCOUNTS = TableSchema(
    "accounts",
    "新媒体账号登记表",
    (
        _f("platform", "平台 平台类型 账号类型 新媒体类型 服务类型 类型", required=True),
        _f(
            "account_id",
            "账号ID 原始ID 公众号原始ID 微信号 UID 账号 帐号 抖音号 微博ID 账号id "
            "原始ID/微信号 微信号/原始ID 账号ID/UID UID/账号ID 账号/ID",
            required=True,
        ),
        _f("name", "账号名称 名称 公众号名称 新媒体名称 新媒体账号名称 账号昵称", required=True),
        _f("unit", "所属单位 单位 主办单位 运营单位 责任单位 开设单位 主管单位 单位名称"),
        _f("entity", "注册主体 主体 主体类型 注册主体类型"),
        _f(
            "operator",
            "运营者 管理员 运营人员 运营负责人 后台管理人员 运维人员 负责人 运营者工号 管理员工号",
        ),
        _f("approval", "审批情况 审批状态 是否审批 审核情况"),
        _f("approved_on", "审批日期 审批时间"),
        _f("approver", "审批人 审批部门 审核人"),
        _f("filed_on", "备案时间 备案日期 登记日期 登记时间 报备时间", title="登记日期"),
        _f("status", "运营状态 账号状态 状态"),
        _f("purpose", "用途 功能定位 账号用途 主要用途 账号定位 主要内容"),
        _f(
            "last_post_on",
            "最近发布日期 最近更新日期 最后发布日期 最近发布时间 最后更新时间",
            title="最近发布日期",
        ),
    ),
    (
        Hint("审批|审核", "approval"),
        Hint("(登记|备案|报备).*(日期|时间)", "filed_on"),
        Hint("(发布|更新|发文).*(日期|时间)", "last_post_on"),
        Hint("运营|管理员", "operator"),
    ),
)

# Never a post's own id (ID, 视频ID, bid) as the account, nor a repost's source (源用户id,
# 源用户昵称, 源微博日期), nor 创建时间 (a draft's) or a bare 日期 (a daily statistics
# table's) as the publish time.
POSTS = TableSchema(
    "posts",
    "新媒体发布记录",
    (
        _f("platform", "平台 平台类型"),
        # 账号 in a creator export is the account's nickname, as in a `账号:` line
        _f("account_id", "账号ID 原始ID 微信号 UID"),
        _f("account_name", "公众号 账号名称 公众号名称 账号昵称 博主 账号 帐号"),
        _f(
            "published_at",
            "发表时间 发布时间 首次发布时间 发表日期 发布日期 完整日期 群发时间 发文时间",
            required=True,
            title="发布时间",
        ),
    ),
    (Hint("(发表|发布|发文|群发).*(时间|日期)", "published_at"),),
)
