"""JSON member lists that bot frameworks and APIs dump (docs/formats.md), read as a roster
table: one row per member object, one column per scalar field, so that the roster
aliases apply (user_id, card, join_time, last_sent_time ...).

Recognised: a list of member objects or OneBot's / mirai-api-http's `{"data": [...]}`
(get_group_member_list, memberList), qun.qq.com's `{"mems": [...]}`
(search_group_members, whose numeric roles then have their meaning), WeCom's
`{"group_chat": {...}}` (externalcontact/groupchat/get: the owner and admin_list give
the roles) and DingTalk's `{"chat_info": {...}}` (chat/get: ids and the owner). Anything
else is rejected with the shapes that are read."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from chalicelib.intake.readers.table import FileRejected, Table, locate_table
from chalicelib.intake.schema import TableSchema

UNKNOWN_SHAPE = (
    "JSON 文件不是可识别的群成员导出。可读取:OneBot get_group_member_list(成员对象列表或"
    '{"data": [...]})、qun.qq.com 成员列表({"mems": [...]})、企业微信 groupchat/get'
    '({"group_chat": {...}})、钉钉 chat/get({"chat_info": {...}})'
)
Member = dict[str, Any]


class NotJson(FileRejected):
    """The text is not JSON at all (a CSV may start with `[` too)."""


def looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def read_json_table(path: str, text: str, schema: TableSchema) -> Table:
    """The member list of a JSON export as a table; FileRejected when it is not one."""
    if schema.kind != "rosters":
        raise FileRejected(f"JSON 文件只能作为群成员导出读取;{schema.title}请用 CSV 或 XLSX")
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise NotJson(f"JSON 格式错误:第 {error.lineno} 行第 {error.colno} 列") from None
    members, tool = _members(document)
    header = _header(members)
    rows = [[_cell(member.get(key), key, tool) for key in header] for member in members]
    table = locate_table([header, *rows], schema, path)
    table.tool, table.format = tool, f"JSON({tool} 导出)"
    if isinstance(document, dict) and isinstance(document.get("svr_time"), int | str):
        table.meta["exported_at"] = str(document["svr_time"])  # when qun.qq.com answered
    return table


def _members(document: Any) -> tuple[list[Member], str]:
    """The member objects of a document, and the tool that wrote it."""
    if isinstance(document, dict):
        if isinstance(document.get("mems"), list):
            return _objects(document["mems"]), "qun.qq.com"
        if isinstance(document.get("group_chat"), dict):
            return _wecom(document["group_chat"]), "企业微信 groupchat/get"
        if isinstance(document.get("chat_info"), dict):
            return _dingtalk(document["chat_info"]), "钉钉 chat/get"
        if isinstance(document.get("data"), list):
            document = document["data"]
    if isinstance(document, list) and document and all(isinstance(m, dict) for m in document):
        members = [_mirai(m) if "memberName" in m else m for m in document]
        return members, "mirai-api-http" if "memberName" in document[0] else "OneBot"
    raise FileRejected(UNKNOWN_SHAPE)


def _objects(items: list[Any]) -> list[Member]:
    if not all(isinstance(item, dict) for item in items):
        raise FileRejected(UNKNOWN_SHAPE)
    return items


def _wecom(chat: dict[str, Any]) -> list[Member]:
    """Members with the group's id and name, and the role the group object gives them."""
    admins = {a.get("userid") for a in chat.get("admin_list") or [] if isinstance(a, dict)}
    members = []
    for member in _objects(chat.get("member_list") or []):
        userid = member.get("userid")
        role = "owner" if userid == chat.get("owner") else "admin" if userid in admins else "member"
        members.append(
            {
                "chat_id": chat.get("chat_id"),
                "群名称": chat.get("name"),
                **member,
                "role": role,
            }
        )
    return members


def _dingtalk(chat: dict[str, Any]) -> list[Member]:
    owner = chat.get("owner")
    return [
        {
            "chatid": chat.get("chatid"),
            "群名称": chat.get("name"),
            "userid": userid,
            "role": "owner" if userid == owner else "member",
        }
        for userid in chat.get("useridlist") or []
    ]


def _mirai(member: Member) -> Member:
    """mirai-api-http names the member's QQ `id` and nests its group."""
    nested = member.get("group")
    group: dict[str, Any] = nested if isinstance(nested, dict) else {}
    return {
        "群号": group.get("id"),
        "群名称": group.get("name"),
        "QQ号": member.get("id"),
        **member,
    }


def _header(members: Iterable[Member]) -> list[str]:
    """Every scalar field, in the order first met."""
    header: dict[str, None] = {}
    for member in members:
        for key, value in member.items():
            if not isinstance(value, dict | list):
                header.setdefault(str(key), None)
    return list(header)


def _cell(value: Any, key: str, tool: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if tool == "qun.qq.com" and key in ("card", "nick"):
        return html.unescape(text)  # the web API escapes names: `&nbsp;`, `&amp;`
    return text
