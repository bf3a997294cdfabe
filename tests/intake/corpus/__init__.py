"""A corpus of real export shapes (docs/formats.md), generated here and read as the weekly
scan reads them: every file is written into a temporary data root, then read with
the catalogue's `read_kind` (rosters) or `DirectoryBuilder` (人员名册).

Every roster shape renders the same class group (`CLASS_GROUP`), so that each test states
one outcome: which members, which owner, which days, which errors. The generators of
each shape live in `qq_exports`, `bot_exports` and `other_exports` beside this module.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.models import DataError, GroupKey, Platform, Role
from chalicelib.intake.catalogue import ROSTERS, Reading, read_kind
from chalicelib.intake.directory import Directory
from chalicelib.intake.rosters.snapshots import GroupSnapshot, SnapshotBook
from chalicelib.intake.source import LocalSource
from tests.factories import make_directory
from tests.intake.readers import DEFAULT_SETTINGS

TODAY = date(2026, 11, 16)
EXPORTED = datetime(2026, 11, 15, 9, 30)  # Shanghai time: the day before the scan
GROUP_ID = "551047987"
GROUP_NAME = "计算机学院2024级1班"


@dataclass(frozen=True)
class Member:
    """One member as the platform knows them; each shape renders it its own way."""

    uin: str
    nick: str  # the account's own nickname
    card: str  # the group card (群名片), "" when unset
    role: Role
    joined: datetime | None  # Shanghai time; None: the tool had no joining time
    spoke: datetime | None  # Shanghai time; None: never spoke


# Times before 08:00 fall on the previous day in UTC: a Unix time read as UTC would move
# the owner's joining day (first_joined_on) and the admin's speaking day (last_spoke_on).
CLASS_GROUP = (
    Member(
        "1043879021",
        "张老师",
        "张老师-班主任",
        Role.OWNER,
        datetime(2024, 9, 1, 7, 30),
        datetime(2026, 11, 12, 21, 5),
    ),
    Member(
        "2596631840",
        "李四",
        "李四&班长",
        Role.ADMIN,
        datetime(2024, 9, 2, 10, 0),
        datetime(2026, 11, 14, 6, 15),
    ),
    Member(
        "795425564",
        "王五",
        "",
        Role.MEMBER,
        datetime(2024, 9, 3, 19, 45),
        datetime(2026, 10, 30, 12, 0),
    ),
    Member(
        "3318270541",
        "清风",
        "王五 家长",
        Role.MEMBER,
        datetime(2025, 3, 5, 14, 3),
        datetime(2026, 6, 1, 8, 0),
    ),
    Member("1184362290", "潜水员", "", Role.MEMBER, datetime(2025, 9, 10, 7, 0), None),
)
OWNER = "1043879021"
MAPPED_QQ = ("1043879021", "2596631840", "795425564")  # in the directory, persons 0, 1, 2
CLASS_IDS = frozenset(m.uin for m in CLASS_GROUP)
LAST_SPOKE_ON = date(2026, 11, 14)
FIRST_JOINED_ON = date(2024, 9, 1)

# The same three teachers and students on WeCom and DingTalk.
MAPPED_WECOM = ("ZhangLaoShi", "LiSi", "WangWu")
MAPPED_DINGTALK = ("manager4220", "0420506555", "2635352342")

DIRECTORY = make_directory(
    [
        (
            {"name": name},
            {
                Platform.QQ: [qq],
                Platform.WECOM: [wecom],
                Platform.DINGTALK: [dingtalk],
            },
        )
        for name, qq, wecom, dingtalk in zip(
            ("张老师", "李四", "王五"), MAPPED_QQ, MAPPED_WECOM, MAPPED_DINGTALK, strict=True
        )
    ]
)


def unix(moment: datetime | None) -> int:
    """Unix seconds of a Shanghai wall-clock time; 0 for none, as the APIs write never."""
    return 0 if moment is None else int(moment.replace(tzinfo=SHANGHAI).timestamp())


# ---------------------------------------------------------------- the data root


def put(root: Path, path: str, data: bytes, modified: datetime = EXPORTED) -> str:
    """Write a file into the data root, its time set as the object's time (Shanghai)."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    stamp = modified.replace(tzinfo=SHANGHAI).timestamp()
    os.utime(target, (stamp, stamp))
    return path


Snapshots = dict[GroupKey, GroupSnapshot]


def scan_rosters(root: Path, directory: Directory = DIRECTORY) -> tuple[Snapshots, list[DataError]]:
    """The rosters of the data root, read exactly as the weekly scan reads them."""
    errors: list[DataError] = []
    book = SnapshotBook()
    reading = Reading(TODAY, DEFAULT_SETTINGS, directory=directory)
    for table in read_kind(LocalSource(root), ROSTERS, reading, errors):
        book.offer(table)
    return book.snapshots(), errors


@dataclass(frozen=True)
class Outcome:
    """What the scan keeps of one group, with its members as ids: the defaults are the
    class group read from a fresh export with an activity column."""

    source: str
    platform: Platform = Platform.QQ
    group_id: str = GROUP_ID
    group_name: str | None = None
    members: frozenset[str] = CLASS_IDS
    owner: str | None = OWNER
    has_activity: bool = True
    last_spoke_on: date | None = LAST_SPOKE_ON
    first_joined_on: date | None = FIRST_JOINED_ON
    exported_at: datetime = EXPORTED


def outcome(snapshot: GroupSnapshot, directory: Directory = DIRECTORY) -> Outcome:
    """A snapshot as an `Outcome`: its member ids are its mapped persons' accounts and its
    unmapped sample (complete for the small groups of this corpus)."""
    assert snapshot.unmapped_count == len(snapshot.unmapped_ids), "sample incomplete"
    accounts = directory.accounts[snapshot.platform]
    mapped = {account for account, person in accounts.items() if person in snapshot.persons}
    members = frozenset(mapped | set(snapshot.unmapped_ids))
    assert len(members) == snapshot.member_count
    return Outcome(
        source=snapshot.source,
        platform=snapshot.platform,
        group_id=snapshot.group_id,
        group_name=snapshot.group_name,
        members=members,
        owner=snapshot.owner_id,
        has_activity=snapshot.has_activity,
        last_spoke_on=snapshot.last_spoke_on,
        first_joined_on=snapshot.first_joined_on,
        exported_at=snapshot.exported_at,
    )


Reported = tuple[str, int | None, str | None, bool]  # file, row, column, warning
ERROR, WARNING = False, True


def reported(errors: Sequence[DataError]) -> list[Reported]:
    return [(e.file, e.row, e.column, e.warning) for e in errors]


# ---------------------------------------------------------------- file builders


@dataclass
class Sheet:
    """One worksheet: rows from A1 (None leaves a cell empty; ints and floats are number
    cells, as a tool's int fields are) and merged ranges such as `"E1:G1"`."""

    rows: Sequence[Sequence[Any]]
    merged: Sequence[str] = ()


def openpyxl_workbook(sheets: Mapping[str, Sheet], *, bold_header: bool = False) -> bytes:
    """A workbook as openpyxl writes it (pandas `to_excel(engine="openpyxl")`, zcbot)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, sheet in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in sheet.rows:
            worksheet.append(list(row))
        for cells in sheet.merged:
            worksheet.merge_cells(cells)
        if bold_header:
            for cell in worksheet[1]:
                cell.font = openpyxl.styles.Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheetjs_like_workbook(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    """A workbook as SheetJS `json_to_sheet` writes one (bmqy, koishi): a header row of the
    objects' keys, strings as shared strings, JS numbers as number cells. Written with
    xlsxwriter, which never turns a string that looks like a number into a number."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for title, rows in sheets.items():
        worksheet = workbook.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                write: Callable[..., Any] = (
                    worksheet.write_number
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else worksheet.write_string
                )
                if value is not None:
                    write(r, c, value)
    workbook.close()
    return buffer.getvalue()
