"""QQ group exports from qun.qq.com, its web page and the scripts and extensions around it
(docs/formats.md §1), as each tool writes them from a list of `Member`s: every quirk
reproduced here is cited there."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.core.models import Role
from tests.intake.corpus import Member, sheetjs_like_workbook, unix
from tests.intake.corpus.xls import legacy_xls

WORDS = {Role.OWNER: "群主", Role.ADMIN: "管理员", Role.MEMBER: "群员"}  # qun.qq.com, bmqy
QUN_CODES = {Role.OWNER: 0, Role.ADMIN: 1, Role.MEMBER: 2}  # search_group_members `role`


# ---------------------------------------------------------------- qun.qq.com web page


GREASYFORK_HEADER = "成员,成员类别,群名片,QQ号,性别,Q龄,入群时间,等级(积分),最后发言,"


def greasyfork_csv(members: Sequence[Member]) -> bytes:
    """Greasy Fork 379332 (成员表.csv): the page's cells joined by unquoted commas, each
    followed by one (a trailing comma), UTF-8 with a BOM, `\\n` line ends; dates as the
    page shows them, `-` for never."""
    lines = [GREASYFORK_HEADER]
    for index, m in enumerate(members):
        assert m.joined is not None
        spoke = "-" if m.spoke is None else f"{m.spoke:%Y/%m/%d}"
        cells = [
            m.nick,
            WORDS[m.role],
            m.card,
            m.uin,
            "男" if index % 2 else "女",
            f"{3 + index}年",
            f"{m.joined:%Y/%m/%d}",
            f"冒泡({13 + index})",
            spoke,
        ]
        lines.append("".join(f"{cell}," for cell in cells))
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def py2_script_txt(members: Sequence[Member]) -> bytes:
    """The Python 2 API script's qqGroup.txt: UTF-8 CSV without a BOM, no role, dates built
    from time.localtime parts without padding (`2015年10月13日14时5分`); a last_speak_time
    of 0 is the epoch in UTC+8, `1970年1月1日8时0分`."""

    def chinese(moment: datetime | None) -> str:
        moment = moment or datetime(1970, 1, 1, 8, 0)
        return f"{moment.year}年{moment.month}月{moment.day}日{moment.hour}时{moment.minute}分"

    lines = ["昵称,q号,性别,q龄,入群时间,等级(积分),最后发言"]
    for index, m in enumerate(members):
        lines.append(
            f"{m.nick},{m.uin},男,{3 + index},{chinese(m.joined)},2({404 + index}),"
            f"{chinese(m.spoke)}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def selenium_xls(members: Sequence[Member]) -> bytes:
    """The selenium + xlwt blog script: a legacy .xls, sheet 群员统计, the page's cell texts
    (dates `YYYY/MM/DD`, `-` for never) and roles 群主 / 管理员 / 群成员."""
    rows: list[list[str | None]] = [
        ["角色", "昵称", "群名片", "QQ", "性别", "Q龄", "入群时间", "等级(积分)", "最后发言"]
    ]
    for index, m in enumerate(members):
        assert m.joined is not None
        role = {Role.OWNER: "群主", Role.ADMIN: "管理员"}.get(m.role, "群成员")
        spoke = "-" if m.spoke is None else f"{m.spoke:%Y/%m/%d}"
        rows.append(
            [
                role,
                m.nick,
                m.card,
                m.uin,
                "女",
                f"{3 + index}年",
                f"{m.joined:%Y/%m/%d}",
                "冒泡(13)",
                spoke,
            ]
        )
    return legacy_xls("群员统计", rows)


# ---------------------------------------------------------------- qun.qq.com JSON API


def _html_escaped(text: str) -> str:
    """qun.qq.com escapes names: `&` as `&amp;`, a space as `&nbsp;`."""
    return text.replace("&", "&amp;").replace(" ", "&nbsp;")


def qun_members(members: Sequence[Member]) -> list[dict[str, Any]]:
    return [
        {
            "uin": int(m.uin),
            "role": QUN_CODES[m.role],
            "g": index % 2,
            "flag": 0,
            "nick": _html_escaped(m.nick),
            "card": _html_escaped(m.card),
            "join_time": unix(m.joined),
            "last_speak_time": unix(m.spoke),
            "lv": {"point": 404 + index, "level": 2},
            "qage": 3 + index,
            "tags": "-1",
        }
        for index, m in enumerate(members)
    ]


def qun_json(members: Sequence[Member], served: datetime) -> bytes:
    """search_group_members as the browser receives it, saved as a file."""
    document = {
        "ec": 0,
        "errcode": 0,
        "em": "",
        "cache": 0,
        "adm_num": sum(m.role is Role.ADMIN for m in members),
        "adm_max": 10,
        "count": len(members),
        "max_count": 500,
        "search_count": len(members),
        "svr_time": unix(served),
        "levelname": {"1": "潜水", "2": "冒泡", "3": "吐槽"},
        "mems": qun_members(members),
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def qun_script_csv(members: Sequence[Member]) -> bytes:
    """The same fields written by a script with csv.writer: numeric roles, Unix seconds,
    names HTML-unescaped (the Python exporter calls html.unescape), UTF-8, `\\r\\n`."""
    fields = ("uin", "nick", "card", "role", "join_time", "last_speak_time", "qage")
    text = io.StringIO()
    writer = csv.writer(text)  # the default dialect ends lines with \r\n
    writer.writerow(fields)
    for row in qun_members(members):
        row["nick"], row["card"] = html.unescape(row["nick"]), html.unescape(row["card"])
        writer.writerow([row[field] for field in fields])
    return text.getvalue().encode("utf-8")


# ---------------------------------------------------------------- bmqy qq-group-manager


BMQY_KEYS = ("uin", "role", "nick", "card", "g", "qage", "join_time", "lv", "last_speak_time")


def bmqy_xlsx(members: Sequence[Member]) -> bytes:
    """bmqy v3: SheetJS json_to_sheet of the ticked fields, English keys as the header, in
    sheet Sheet1; uin and qage stay JS numbers, names stay HTML-escaped, times are
    `YYYY-mm-dd HH:MM` in the browser's zone, and 0 is 1970-01-01 08:00 in UTC+8."""

    def shown(moment: datetime | None) -> str:
        return f"{moment or datetime(1970, 1, 1, 8, 0):%Y-%m-%d %H:%M}"

    rows: list[list[Any]] = [list(BMQY_KEYS)]
    for index, m in enumerate(members):
        rows.append(
            [
                int(m.uin),
                WORDS[m.role],
                _html_escaped(m.nick),
                _html_escaped(m.card),
                "男" if index % 2 else "女",
                3 + index,
                shown(m.joined),
                f"冒泡({404 + index})",
                shown(m.spoke),
            ]
        )
    return sheetjs_like_workbook({"Sheet1": rows})


def bmqy_v2_sheet(members: Sequence[Member]) -> bytes:
    """bmqy v2 "电子表格" (js/content.js at fb59bb9): UTF-8-BOM CSV text saved under a
    .xlsx name, no header row, every cell written `"value\\t",` (a tab inside the quotes,
    then a comma)."""
    lines = []
    for index, m in enumerate(members):
        assert m.joined is not None
        spoke = m.spoke or datetime(1970, 1, 1, 8, 0)
        cells = [m.uin, WORDS[m.role], m.nick, m.card, f"{m.joined:%Y-%m-%d %H:%M}"]
        cells += [f"冒泡({404 + index})", f"{spoke:%Y-%m-%d %H:%M}"]
        lines.append("".join(f'"{cell}\t",' for cell in cells))
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
