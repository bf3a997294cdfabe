"""What a group id looks like on each platform, and where a roster without a 群号 column
keeps it: a sheet or a file named after the group (docs/formats.md, "Group id from the
file name"). A name that does not hold an id of its platform is never taken for one."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from chalicelib.core.models import Platform

SHAPES: dict[Platform, re.Pattern[str]] = {
    Platform.QQ: re.compile(r"[1-9]\d{4,10}"),  # QQ group numbers: 5 to 11 digits
    Platform.WECHAT: re.compile(r"\d{5,20}@chatroom"),
    Platform.WECOM: re.compile(r"wr[A-Za-z0-9_-]{10,40}"),  # customer groups' chat_id
    Platform.DINGTALK: re.compile(r"(?:chat[0-9a-f]{16,40}|cid[A-Za-z0-9+/=_-]{10,60})"),
}
SHAPE_WORDS: dict[Platform, str] = {
    Platform.QQ: "5 至 11 位数字",
    Platform.WECHAT: "“数字@chatroom”",
    Platform.WECOM: "以 wr 开头的 chat_id",
    Platform.DINGTALK: "以 chat 或 cid 开头的会话 ID",
}

# Names real exporters give files and sheets, the group id in them (docs/formats.md):
# 群551047987_绑定数据_20261115.xlsx, 群551047987成员数据_163人_….xlsx, 群聊551047987的163名成员
# 的数据.xlsx, group_551047987_members_….xlsx; sheets G551047987, 群551047987, 551047987.
_NAMED = re.compile(r"(?:群聊?|group_|G)(?P<id>[^_的成\s]+?)(?:_|成员|的|$)", re.IGNORECASE)


def leading_zero(platform: Platform, group_id: str) -> str | None:
    """Why a QQ group id that starts with 0 is not one (a spreadsheet padded it), else None."""
    padded = group_id.startswith("0") and len(group_id) >= 5  # a QQ number has 5+ digits
    if platform is Platform.QQ and group_id.isdigit() and padded:
        return (
            f"QQ 群号“{group_id}”以 0 开头,而 QQ 号码从不以 0 开头(可能是表格软件补了前导零);"
            "请核对后改正"
        )
    return None


def looks_like(platform: Platform, text: str) -> bool:
    return SHAPES[platform].fullmatch(text) is not None


def from_name(platform: Platform, name: str) -> str | None:
    """The group id a sheet or file name (without extension) holds, if it holds one."""
    if looks_like(platform, name):
        return name
    for match in _NAMED.finditer(name):
        if looks_like(platform, match.group("id")):
            return match.group("id")
    return None


def from_names(platform: Platform, path: str, sheet: str | None) -> str | None:
    """The group id of a table without a 群号 column: its sheet's name, else its file's."""
    if sheet is not None and (found := from_name(platform, sheet.strip())) is not None:
        return found
    return from_name(platform, PurePosixPath(path).stem.strip())


def unknown_group(platform: Platform, path: str, sheet: str | None) -> str:
    """Why a table without a 群号 column cannot be read (in Chinese, for the user)."""
    named = f"工作表名“{sheet}”和文件名" if sheet else "文件名"
    stem = PurePosixPath(path).stem
    zero = leading_zero(platform, stem) or (leading_zero(platform, sheet) if sheet else None)
    if zero is not None:
        return f"无法确定群号:{zero}"
    return (
        f"无法确定群号:表格中没有“群号”列,表头上方也没有“群号:”行,"
        f"{named}“{PurePosixPath(path).stem}”中也没有{SHAPE_WORDS[platform]}的群号。"
        "请加“群号”列,或把文件命名为群号(如 551047987.csv)"
    )
