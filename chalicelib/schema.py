"""Accepted headers of every table in the data root (DESIGN.md, Data root).

Headers match after trimming spaces and ignoring case; each field's own English name is
always accepted besides its aliases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class TableSchema:
    kind: str
    title: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def locate(self, header: Sequence[str]) -> dict[str, int]:
        """Field name -> column index for the fields this header row carries (first match)."""
        by_alias = _by_alias(self)
        columns: dict[str, int] = {}
        for index, cell in enumerate(header):
            name = by_alias.get(normalize_header(cell))
            if name is not None and name not in columns:
                columns[name] = index
        return columns

    def repeated(self, header: Sequence[str]) -> dict[str, int]:
        """Column names of this schema that the header writes more than once (as first
        written, trimmed) -> how many times. Two different aliases of one field (群名片 and
        昵称) are not a repeat: `locate` takes the first; unknown names are ignored."""
        by_alias = _by_alias(self)
        written: dict[str, list[str]] = {}
        for cell in header:
            key = normalize_header(cell)
            if key in by_alias:
                written.setdefault(key, []).append(cell.strip())
        return {cells[0]: len(cells) for cells in written.values() if len(cells) > 1}


@cache
def _by_alias(schema: TableSchema) -> dict[str, str]:
    """Every accepted header, normalised -> its field's name; built once per schema."""
    return {normalize_header(a): f.name for f in schema.fields for a in f.accepted}


def normalize_header(cell: str) -> str:
    return cell.strip().strip("\ufeff").strip().casefold()


def _f(name: str, *aliases: str, required: bool = False) -> Field:
    return Field(name, aliases, required)


UNITS = TableSchema(
    "units",
    "单位名录",
    (
        _f("unit_id", "单位编码", "编码", required=True),
        _f("name", "单位名称", "单位", required=True),
        _f("keywords", "核心词", "关键词"),
        _f("contact_email", "联系邮箱", "邮箱"),
        _f("head_name", "第一责任人"),
        _f("head_email", "第一责任人邮箱"),
        _f("party_org", "所属党组织"),
        _f("party_org_email", "党组织邮箱"),
    ),
)

OFFICES = TableSchema(
    "offices",
    "汇总报送部门",
    (
        _f("office", "部门", required=True),
        _f("email", "邮箱", required=True),
        _f("scope", "范围"),
    ),
)

DIRECTORY = TableSchema(
    "directory",
    "人员名册",
    (
        _f("person_id", "工号", "学号", "学工号", "编号", required=True),
        _f("name", "姓名", required=True),
        _f("unit", "单位", "部门", "院系", "学院"),
        _f("status", "状态", required=True),
        _f("left_on", "离职日期", "离校日期", "离开日期"),
        _f("qq", "QQ号", "QQ"),
        _f("wechat", "微信号", "微信"),
        _f("wecom", "企业微信", "企业微信账号"),
        _f("dingtalk", "钉钉号", "钉钉"),
        _f("email", "邮箱"),
    ),
)

FILINGS = TableSchema(
    "filings",
    "群组审备登记表",
    (
        _f("platform", "平台", "类型", required=True),
        _f("group_id", "群号", "账号", "群ID", required=True),
        _f("group_name", "群名称", "名称"),
        _f("unit", "单位", required=True),
        _f("category", "类别"),
        _f("owner_id", "群主账号"),
        _f("owner_name", "群主"),
        _f("responsible_name", "责任人"),
        _f("responsible_email", "责任人邮箱"),
        _f("filed_on", "备案日期", required=True),
        _f("reviewed_on", "复核日期"),
        _f("end_on", "截止日期"),
        _f("purpose", "用途"),
        _f("status", "状态"),
    ),
)

WAIVERS = TableSchema(
    "waivers",
    "豁免清单",
    (
        _f("platform", "平台", "类型", required=True),
        _f("group_id", "群号", "账号", "群ID", required=True),
        _f("rule", "规则", required=True),
        _f("reason", "理由", required=True),
        _f("approved_by", "审批人", required=True),
        _f("expires_on", "有效期至", required=True),
        _f("limit", "上限"),
    ),
)

ROSTERS = TableSchema(
    "rosters",
    "群成员导出",
    (
        _f("platform", "平台"),
        _f("group_id", "群号", "群ID", "group"),
        _f("group_name", "群名称"),
        _f("member_id", "成员账号", "QQ号", "微信号", "uin", "user_id", "userid", required=True),
        _f("display_name", "群名片", "昵称", "nick", "card"),
        _f("role", "身份", "群职务"),
        _f("joined_at", "入群时间"),
        _f("last_spoke_at", "最后发言", "最后发言时间"),
        _f("exported_at", "导出时间"),
    ),
)
