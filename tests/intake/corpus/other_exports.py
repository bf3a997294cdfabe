"""WeCom and DingTalk API dumps, files re-saved by Excel or pandas, and the HR (人事) and
academic (学籍) directories units drop (docs/formats.md §3, §5, §6, §7): the bytes of
each file as the real tool writes it."""

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
    unix,
)

WORDS = {Role.OWNER: "群主", Role.ADMIN: "管理员", Role.MEMBER: "成员"}


# ---------------------------------------------------------------- WeCom and DingTalk


WECOM_CHAT_ID = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"  # the form of the official sample
WECOM_EXTERNAL = "wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA"  # an external contact (type 2)
WECOM_JOINED = {
    "ZhangLaoShi": datetime(2025, 2, 20, 7, 0),  # 23:00 UTC the day before
    "LiSi": datetime(2025, 2, 20, 9, 15),
    "WangWu": datetime(2025, 3, 1, 18, 40),
    WECOM_EXTERNAL: datetime(2025, 4, 2, 10, 0),
    "ZhaoLiu": datetime(2025, 5, 6, 11, 30),
}


def wecom_groupchat(owner: str = "ZhangLaoShi", admins: Sequence[str] = ("LiSi",)) -> bytes:
    """externalcontact/groupchat/get: the owner and admin_list outside the members, who
    carry type (1 企业成员, 2 外部联系人), join_time, group_nickname and no role."""
    members = []
    for userid, joined in WECOM_JOINED.items():
        external = userid.startswith("wm")
        member: dict[str, Any] = {
            "userid": userid,
            "type": 2 if external else 1,
            "join_time": unix(joined),
            "join_scene": 3 if external else 1,
            "group_nickname": "家长-王五" if external else "",
            "name": "王五家长" if external else userid,
        }
        if external:
            member["unionid"] = "oAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        else:
            member["invitor"] = {"userid": owner}
        members.append(member)
    document = {
        "errcode": 0,
        "errmsg": "ok",
        "group_chat": {
            "chat_id": WECOM_CHAT_ID,
            "name": "计算机学院家校沟通群",
            "owner": owner,
            "create_time": unix(datetime(2025, 2, 20, 7, 0)),
            "notice": "请各位家长遵守群规",
            "member_list": members,
            "admin_list": [{"userid": admin} for admin in admins],
            "member_version": "71217227bbd112ecfe3a49c482195cb4",
        },
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


DINGTALK_CHAT_ID = "chat4ca5a3a4ae8b8b3c8a0f2bd8e1f7a4b2"
DINGTALK_MEMBERS = ("manager4220", "0420506555", "2635352342", "062846164421")


def dingtalk_chat_get() -> bytes:
    """chat/get: chat_info with the group's name, owner and user ids, nothing per member."""
    document = {
        "errcode": 0,
        "errmsg": "ok",
        "chat_info": {
            "chatid": DINGTALK_CHAT_ID,
            "name": "计算机学院教职工群",
            "owner": "manager4220",
            "useridlist": list(DINGTALK_MEMBERS),
            "agentidlist": [],
            "conversationTag": 2,
            "searchable": 0,
            "validationType": 0,
            "mentionAllAuthority": 0,
            "managementType": 0,
            "chatBannedType": 0,
            "showHistoryType": 0,
            "icon": "",
        },
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- re-saved by pandas / Excel


def pandas_roster_csv(members: Sequence[Member], *, unix_times: bool) -> bytes:
    """A roster read into pandas and written back with `to_csv()`: the index as a first,
    unnamed column; a column with a blank (NaN) becomes float, so its ids read
    `795425564.0` and its Unix times `1725147000.0`, `0.0` for 0; NaN is written empty.
    A member without a QQ number (a blank id) is added last."""

    def shown(moment: datetime | None) -> str:
        if unix_times:
            return f"{float(unix(moment)) if moment else 0.0!r}"
        return "" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"

    lines = [",群号,QQ号,群名片,身份,入群时间,最后发言"]
    rows = [*members, Member("", "新同学", "新同学", Role.MEMBER, datetime(2026, 9, 1), None)]
    for index, m in enumerate(rows):
        uin = f"{float(m.uin)!r}" if m.uin else ""
        lines.append(
            f"{index},{GROUP_ID},{uin},{m.card or m.nick},{WORDS[m.role]},"
            f"{shown(m.joined)},{shown(m.spoke)}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _excel_day(moment: datetime) -> str:
    """A date-time as Chinese Excel shows (and saves) it: `2024/9/1 7:30`."""
    return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"


def excel_roster_rows(members: Sequence[Member]) -> list[list[str]]:
    """A clerk's roster kept in Excel, as Excel saves it: numbers and dates as displayed."""
    rows = [["群号", "群名称", "QQ号", "群名片", "身份", "入群时间", "最后发言"]]
    for m in members:
        assert m.joined is not None
        spoke = "" if m.spoke is None else _excel_day(m.spoke)
        rows.append(
            [
                GROUP_ID,
                GROUP_NAME,
                m.uin,
                m.card or m.nick,
                WORDS[m.role],
                _excel_day(m.joined),
                spoke,
            ]
        )
    return rows


def excel_unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode 文本 (*.txt)": UTF-16LE with a BOM, tab-separated, CRLF."""
    text = "".join("\t".join(row) + "\r\n" for row in rows)
    return b"\xff\xfe" + text.encode("utf-16-le")


def excel_csv(rows: list[list[str]]) -> bytes:
    """Chinese Excel's default "CSV (逗号分隔)": the locale's code page (GBK), CRLF."""
    return "".join(",".join(row) + "\r\n" for row in rows).encode("gbk")


# ---------------------------------------------------------------- directories (人员名册)


def two_row_header_directory() -> bytes:
    """An HR workbook whose contact columns sit under one merged heading, 联系方式 above
    QQ号 / 微信号 / 企业微信, the other headings merged down over both rows."""
    rows: list[list[Any]] = [
        ["工号", "姓名", "所在单位", "人员状态", "联系方式", None, None],
        [None, None, None, None, "QQ号", "微信号", "企业微信"],
        ["T2019001", "张老师", "计算机学院", "在职", 1043879021, "wxid_zhang01", "ZhangLaoShi"],
        ["T2020417", "李四", "外国语学院", "在职", 2596631840, "lisi_teach", "LiSi"],
    ]
    merged = ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:G1"]
    return openpyxl_workbook({"教职工": Sheet(rows, merged)})


def hr_directory() -> bytes:
    """An HR (人事) system export: a title row, then 工号 / 所在单位 / 人员状态 / 离岗日期 in
    the words of the national code table, dates as Excel date cells."""
    rows: list[list[Any]] = [
        ["计算机学院教职工信息(导出时间 2026-11-15)"],
        ["工号", "姓名", "所在单位", "人员状态", "离岗日期", "QQ号"],
        ["T2019001", "张老师", "计算机学院", "在职", None, 1043879021],
        ["T2008032", "赵六", "计算机学院", "离职", datetime(2026, 7, 1), 1566001234],
        ["T1990007", "钱七", "计算机学院", "退休", datetime(2025, 12, 31), 2233445566],
        ["T1988011", "孙八", "计算机学院", "返聘", None, 3344556677],
    ]
    return openpyxl_workbook({"Sheet1": Sheet(rows, ["A1:F1"])})


def student_directory() -> bytes:
    """An academic (学籍) export, UTF-8 with a BOM: 学籍状态 and 是否在籍 side by side; the
    third student's 学籍状态 still says 在学 while 是否在籍 says 否."""
    text = (
        "学号,姓名,学院,学籍状态,是否在籍,QQ号\r\n"
        "2024010101,王五,计算机学院,在学,是,795425564\r\n"
        "2020010133,周九,计算机学院,毕业,否,1357924680\r\n"
        "2024010118,吴十,计算机学院,在学,否,2468013579\r\n"
    )
    return ("\ufeff" + text).encode("utf-8")


def coded_status_directory() -> bytes:
    """A staff export that writes 人员状态 as JY/T 1001 codes (11 在职, 07 离职, 01 退休)."""
    return "工号,姓名,部门,人员状态\r\nT2019001,张老师,计算机学院,11\r\nT2008032,赵六,计算机学院,07\r\nT1990007,钱七,计算机学院,01\r\n".encode(
        "gbk"
    )


def excel_scientific_directory() -> bytes:
    """A mixed staff/student list opened and re-saved by Chinese Excel as CSV (GBK): the
    15-digit 学号 in a General column are saved as displayed, `2.02605E+14`."""
    text = (
        "学工号,姓名,院系,状态,QQ号\r\n"
        "T2019001,张老师,计算机学院,在职,1043879021\r\n"
        "2.02605E+14,陈一,计算机学院,在读,1122334455\r\n"
        "2.02605E+14,林二,计算机学院,在读,1199887766\r\n"
    )
    return text.encode("gbk")
