"""QQ member lists written by bot frameworks and their plugins (docs/formats.md §2): OneBot
v11 get_group_member_list dumps, AstrBot, koishi bind-bot and zcbot qqadmin workbooks, and
mirai-api-http memberList, as each writes them from a list of `Member`s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.core.models import Role
from tests.intake.corpus import (
    GROUP_ID,
    GROUP_NAME,
    Member,
    Sheet,
    openpyxl_workbook,
    sheetjs_like_workbook,
    unix,
)

ONEBOT = {Role.OWNER: "owner", Role.ADMIN: "admin", Role.MEMBER: "member"}
MIRAI = {Role.OWNER: "OWNER", Role.ADMIN: "ADMINISTRATOR", Role.MEMBER: "MEMBER"}
BOT_WORDS = {Role.OWNER: "群主", Role.ADMIN: "管理员", Role.MEMBER: "成员"}  # koishi, zcbot


def _display(member: Member) -> str:
    return member.card or member.nick


def onebot_members(members: Sequence[Member], group_id: str = GROUP_ID) -> list[dict[str, Any]]:
    """get_group_member_list entries as go-cqhttp converts them."""
    return [
        {
            "group_id": int(group_id),
            "user_id": int(m.uin),
            "nickname": m.nick,
            "card": m.card,
            "sex": "unknown",
            "age": 0,
            "area": "",
            "join_time": unix(m.joined),
            "last_sent_time": unix(m.spoke),
            "level": str(10 + index),
            "role": ONEBOT[m.role],
            "unfriendly": False,
            "title": "",
            "title_expire_time": 0,
            "card_changeable": True,
            "shut_up_timestamp": 0,
        }
        for index, m in enumerate(members)
    ]


def onebot_json(members: Sequence[Member], *, wrapped: bool) -> bytes:
    """A bare list, or the HTTP API's `{"status": "ok", "retcode": 0, "data": [...]}`."""
    data: Any = onebot_members(members)
    if wrapped:
        data = {"status": "ok", "retcode": 0, "data": data, "message": "", "wording": ""}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


# AstrBot group_information: the name of the file a user gets, and of its sheet, by version.
ASTRBOT_FILES = {
    "1.0.2": (f"group_{GROUP_ID}_members_20261115_093000.xlsx", "Sheet1"),
    "1.1.0": (f"群聊{GROUP_ID}的5名成员的数据.xlsx", f"Group_{GROUP_ID}"),
}


def astrbot_xlsx(members: Sequence[Member], version: str) -> bytes:
    """AstrBot group_information: pandas to_excel (openpyxl, index=False, bold header) of
    the raw OneBot entries, times `%Y-%m-%d %H:%M:%S` local. A 0 time is an empty cell in
    1.0.2, `1970-01-01 08:00:00` (fromtimestamp(0) in UTC+8) in 1.1.0, where a missing one
    is `0000-00-00 00:00:00`; a member without a joining time here lacks the field."""

    def shown(moment: datetime | None, missing: bool) -> str | None:
        if version == "1.0.2":
            return None if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"
        if missing:
            return "0000-00-00 00:00:00"
        return f"{moment or datetime(1970, 1, 1, 8, 0):%Y-%m-%d %H:%M:%S}"

    entries = onebot_members(members)
    header = list(entries[0])
    rows: list[list[Any]] = [header]
    for m, entry in zip(members, entries, strict=True):
        entry["join_time"] = shown(m.joined, missing=m.joined is None)
        entry["last_sent_time"] = shown(m.spoke, missing=False)
        entry["title_expire_time"] = entry["shut_up_timestamp"] = shown(None, missing=False)
        rows.append([entry[key] for key in header])
    sheet = ASTRBOT_FILES[version][1]
    return openpyxl_workbook({sheet: Sheet(rows)}, bold_header=True)


KOISHI_HEADER = [
    "QQ号",
    "群昵称",
    "用户昵称",
    "角色",
    "加群时间",
    "最后发言",
    "MC用户名",
    "MC_UUID",
    "B站UID",
    "B站用户名",
    "舰长等级",
    "粉丝牌名称",
    "粉丝牌等级",
    "荣耀等级",
    "绑定状态",
    "最后修改时间",
]
KOISHI_SHEETS = ("所有成员", "已绑定成员", "未绑定成员")


def koishi_xlsx(members: Sequence[Member], bound: set[str], order: Sequence[str]) -> bytes:
    """koishi bind-bot: SheetJS sheets 所有成员 / 已绑定成员 / 未绑定成员 of one group (the
    real order is KOISHI_SHEETS); QQ号 as a string, times by toLocaleString('zh-CN'),
    0 as 未知."""

    def shown(moment: datetime | None) -> str:
        return "未知" if moment is None else f"{moment:%Y/%m/%d %H:%M:%S}"

    rows: dict[str, list[list[Any]]] = {name: [KOISHI_HEADER] for name in KOISHI_SHEETS}
    for m in members:
        is_bound = m.uin in bound
        row = [
            m.uin,
            _display(m),
            m.nick,
            BOT_WORDS[m.role],
            shown(m.joined),
            shown(m.spoke),
            f"mc_{m.uin[-4:]}" if is_bound else "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "仅MC绑定" if is_bound else "未绑定",
            "2026/10/01 12:00:00" if is_bound else "未知",
        ]
        rows["所有成员"].append(row)
        rows["已绑定成员" if is_bound else "未绑定成员"].append(row)
    return sheetjs_like_workbook({name: rows[name] for name in order})


ZCBOT_HEADER = [
    "QQ号",
    "昵称",
    "群名片",
    "性别",
    "年龄",
    "地区",
    "群等级",
    "身份",
    "头衔",
    "入群时间",
    "最后发言",
    "禁言到期",
    "不良记录",
    "可改名片",
]


def zcbot_all_groups_xlsx(groups: dict[str, tuple[str, Sequence[Member]]]) -> bytes:
    """zcbot qqadmin 导出所有群数据: openpyxl, one sheet per group named by its number,
    leading columns 群号 (an int) and 群名; empty values and 0 times as `—` (U+2014)."""

    def shown(moment: datetime | None) -> str:
        return "—" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"

    sheets = {}
    for group_id, (name, members) in groups.items():
        rows: list[list[Any]] = [["群号", "群名", *ZCBOT_HEADER]]
        for index, m in enumerate(members):
            rows.append(
                [
                    int(group_id),
                    name,
                    int(m.uin),
                    m.nick,
                    m.card or "—",
                    "未知",
                    0,
                    "—",
                    str(10 + index),
                    BOT_WORDS[m.role],
                    "—",
                    shown(m.joined),
                    shown(m.spoke),
                    "—",
                    "否",
                    "是",
                ]
            )
        sheets[group_id] = Sheet(rows)
    return openpyxl_workbook(sheets)


def mirai_member_list(members: Sequence[Member]) -> bytes:
    """mirai-api-http memberList with mirai's bug (mamoe/mirai#2883): every member's
    lastSpeakTimestamp is their joinTimestamp."""
    data = [
        {
            "id": int(m.uin),
            "memberName": _display(m),
            "specialTitle": "",
            "permission": MIRAI[m.role],
            "joinTimestamp": unix(m.joined),
            "lastSpeakTimestamp": unix(m.joined),
            "muteTimeRemaining": 0,
            "group": {"id": int(GROUP_ID), "name": GROUP_NAME, "permission": "ADMINISTRATOR"},
        }
        for m in members
    ]
    return json.dumps({"code": 0, "msg": "", "data": data}, ensure_ascii=False).encode("utf-8")
