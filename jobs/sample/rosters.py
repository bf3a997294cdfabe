"""Roster exports laid out the way units really send them.

mixed: QQ per-group TXT exports (GB18030, tab, `群号:` lines above the header, named by
group id), a multi-sheet XLSX (numeric QQ cells, real date cells), per-unit UTF-8 CSVs
with a 群号 column and Unix-second join times, per-unit UTF-16 TSVs of WeChat groups
that rely on the file time, per-group UTF-8-BOM CSVs of WeChat/WeCom groups named by
group id, per-unit WeCom CSVs with English headers, and one unreadable file.
csv: UTF-8 CSVs only, one per group (with activity) or one per unit with a group column."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from jobs.sample.catalog import NICKNAMES
from jobs.sample.files import Cell, DataRoot, Sheet, cn_date, unix_seconds
from jobs.sample.groups import NO_ROSTER, OWN_FILE, Group
from jobs.sample.people import Population
from jobs.sample.plant import ROSTER_MAX_AGE_DAYS

Row = tuple[str, str, str, datetime, datetime | None]
"""account, display name, role (owner/admin/member), joined, last spoke."""

ROLE_CN = {"owner": "群主", "admin": "管理员", "member": "成员"}
PER_GROUP = ("qq_txt", "own_csv", "csv_group")
XLSX_SHEETS = 6
CSV_OWN_FILE_SHARE = 0.15
"""In csv mode, the share of groups exported to a file of their own (file creation is what
costs most at a province's scale)."""
STALE_EXPORT_DAYS = 30
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_SECONDS = "%Y-%m-%d %H:%M:%S"
XLSX_HEADER: tuple[Cell, ...] = (
    "群号", "群名称", "QQ号", "群名片", "身份", "入群时间", "最后发言", "导出时间"
)  # fmt: skip


def member_rows(group: Group, pop: Population, today: date, extra: Sequence[int] = ()) -> list[Row]:
    """One row per member, from the group's own random stream (same group, same rows)."""
    rng = random.Random(group.seed)
    span = max(0, (today - timedelta(days=ROSTER_MAX_AGE_DAYS) - group.created).days)
    rows: list[Row] = []
    for pos, member in enumerate([*group.members, *extra]):
        role = "owner" if pos == 0 else "admin" if pos <= group.admins else "member"
        day = group.created + timedelta(days=0 if pos == 0 else int(rng.random() * (span + 1)))
        minute = int(rng.random() * 840) + 480
        joined = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        rows.append(
            (
                pop.account(member, group.platform),
                _display(pop, member, rng),
                role,
                joined,
                _spoke(group, day, pos, rng),
            )
        )
    return rows


def _display(pop: Population, member: int, rng: random.Random) -> str:
    if member < 0:
        return rng.choice(NICKNAMES)
    person = pop.persons[member]
    roll = rng.random()
    if person.kind == "staff":
        return person.name + "老师" if roll < 0.5 else person.name
    if person.kind == "external":
        return f"{person.name}(外聘专家)" if person.status == "外聘" else f"{person.name}(家长)"
    if roll < 0.5:
        return person.name
    return f"{person.person_id[2:4]}级-{person.name}" if roll < 0.85 else ""


def _spoke(group: Group, joined: date, pos: int, rng: random.Random) -> datetime | None:
    """The owner spoke last (on `last_spoke`); others earlier, or never."""
    if pos == 0:
        return datetime.combine(group.last_spoke, time(21, 5))
    if rng.random() < 0.25 or joined > group.last_spoke:
        return None
    day = joined + timedelta(days=int(rng.random() * ((group.last_spoke - joined).days + 1)))
    minute = int(rng.random() * 960) + 420
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60)


@dataclass(frozen=True)
class SharedFormat:
    """A roster file holding many groups of one unit, with a group id column."""

    path: str
    header: tuple[str, ...]
    cells: Callable[[Group, Row], tuple[object, ...]]
    exported: tuple[str, str] | None
    """The export time column's header and format; None: no such column, the file time
    counts."""
    encoding: str = "utf-8"
    delimiter: str = ","


# A workbook that is not one, in a unit's folder as units upload them (继续教育学院, which
# has no contact address: its receipt goes to the supervising office to pass on).
BROKEN_WORKBOOK = "rosters/qq/继教学院/群成员导出_2026.xlsx"

SHARED = {
    "qq_multi": SharedFormat(
        "rosters/qq/{short}/QQ群成员汇总.csv",
        ("群号", "群名称", "QQ号", "群名片", "身份", "入群时间"),
        lambda g, r: (g.group_id, g.name, r[0], r[1], ROLE_CN[r[2]], unix_seconds(r[3])),
        ("导出时间", "%Y-%m-%d %H:%M:%S"),
    ),
    "utf16": SharedFormat(
        "rosters/wechat/{short}/微信群成员.tsv",
        ("群ID", "群名称", "微信号", "昵称", "群职务", "入群时间"),
        lambda g, r: (g.group_id, g.name, r[0], r[1], ROLE_CN[r[2]], cn_date(r[3].date())),
        None,
        encoding="utf-16",
        delimiter="\t",
    ),
    "wecom_multi": SharedFormat(
        "rosters/wecom/{unit_id}_企业微信群成员.csv",
        ("group", "group_name", "userid", "nick", "role", "joined_at"),
        lambda g, r: (g.group_id, g.name, r[0], r[1], r[2], r[3].date().isoformat()),
        ("exported_at", "%Y-%m-%d %H:%M"),
    ),
    "csv_unit": SharedFormat(
        "rosters/{platform}/{unit_id}_members.csv",
        ("group_id", "group_name", "member_id", "display_name", "role", "joined_at"),
        lambda g, r: (g.group_id, g.name, r[0], r[1], r[2], r[3].date().isoformat()),
        ("exported_at", "%Y-%m-%d %H:%M"),
    ),
}


class RosterWriter:
    def __init__(
        self, root: DataRoot, pop: Population, today: date, rng: random.Random, *, mixed: bool
    ):
        self.root = root
        self.pop = pop
        self.today = today
        self.rng = rng
        self.mixed = mixed
        self.rows = 0
        self.groups = 0
        self._bad_row_due = mixed
        self._xlsx: list[Group] = []

    def write(self, groups: Sequence[Group]) -> None:
        shared: dict[tuple[str, str, str], list[Group]] = {}
        for group in groups:
            if group.sink == NO_ROSTER:
                continue
            self.groups += 1
            sink = self._choose(group)
            if sink in PER_GROUP:
                group.exported_at = group.exported_at or self._moment()
                self._own_file(sink, group)
            elif sink == "qq_xlsx":
                group.exported_at = group.exported_at or self._moment()
                self._xlsx.append(group)
            else:
                shared.setdefault((sink, group.platform, group.unit.unit_id), []).append(group)
        for (sink, platform, unit_id), members in shared.items():
            self._shared_file(sink, platform, unit_id, members)
        if self._xlsx:
            self._workbook(self._xlsx)
        if self.mixed:
            broken = b"PK\x03\x04" + self.rng.randbytes(700)
            self.root.raw(BROKEN_WORKBOOK, broken)

    def _choose(self, group: Group) -> str:
        own, roll = group.sink == OWN_FILE, self.rng.random()
        if not self.mixed:
            return "csv_group" if own or roll < CSV_OWN_FILE_SHARE else "csv_unit"
        if group.platform == "qq":
            if own:
                return "qq_txt"
            if group.category == "class" and len(self._xlsx) < XLSX_SHEETS:
                return "qq_xlsx"
            return "qq_txt" if roll < 0.55 else "qq_multi"
        if own:
            return "own_csv"
        if group.platform == "wechat":
            return "utf16" if roll < 0.5 else "own_csv"
        return "wecom_multi" if roll < 0.7 else "own_csv"

    def _moment(self) -> datetime:
        day = self.today - timedelta(days=self.rng.randint(1, 12))
        return datetime.combine(day, time(self.rng.randint(8, 18), self.rng.randint(0, 59)))

    def _stale(self, moment: datetime) -> bool:
        return moment.date() < self.today - timedelta(days=ROSTER_MAX_AGE_DAYS)

    # --- one file per group -------------------------------------------------------

    def _own_file(self, sink: str, group: Group) -> None:
        assert group.exported_at is not None
        self._group_table(sink, group, group.exported_at, ())
        if group.stale_extra:
            moment = datetime.combine(self.today - timedelta(days=STALE_EXPORT_DAYS), time(16, 45))
            self._group_table(sink, group, moment, group.stale_extra)

    def _group_table(self, sink: str, group: Group, moment: datetime, extra: Sequence[int]) -> None:
        rows = member_rows(group, self.pop, self.today, extra)
        self.rows += len(rows)
        writer = {"qq_txt": self._qq_txt, "own_csv": self._own_csv, "csv_group": self._csv_group}
        writer[sink](group, rows, moment, self._stale(moment))

    def _own_csv(self, group: Group, rows: list[Row], moment: datetime, old: bool) -> None:
        account = "微信号" if group.platform == "wechat" else "userid"
        header = ("群名称", account, "昵称", "身份", "入群时间", "最后发言时间", "导出时间")
        stamp = f"{moment:%Y/%m/%d %H:%M}"
        body = [
            (group.name, a, d, ROLE_CN[r], f"{j:%Y-%m-%d %H:%M:%S}", _fmt(s, _SECONDS), stamp)
            for a, d, r, j, s in rows
        ]
        folder = f"rosters/{group.platform}/{group.unit.short}{'/历史' if old else ''}"
        self.root.table(f"{folder}/{group.group_id}.csv", header, body, encoding="utf-8-sig")

    def _csv_group(self, group: Group, rows: list[Row], moment: datetime, old: bool) -> None:
        header = ("group_name", "member_id", "display_name", "role", "joined_at",
                  "last_spoke_at", "exported_at")  # fmt: skip
        stamp = f"{moment:%Y-%m-%d %H:%M}"
        body = [
            (group.name, a, d, r, j.date().isoformat(), _fmt(s, "%Y-%m-%d"), stamp)
            for a, d, r, j, s in rows
        ]
        folder = f"rosters/{group.platform}/{group.unit.unit_id}{'/old' if old else ''}"
        self.root.table(f"{folder}/{group.group_id}.csv", header, body)

    def _qq_txt(self, group: Group, rows: list[Row], moment: datetime, old: bool) -> None:
        if group.seed % 2:
            header = ("成员账号", "群名片", "身份", "入群时间", "最后发言")
        else:
            header = ("QQ号", "群名片", "群职务", "入群时间", "最后发言时间")
        body = [
            (
                a,
                d,
                ROLE_CN[r],
                f"{j.year}/{j.month}/{j.day} {j:%H:%M}",
                _fmt(s, "%Y-%m-%d %H:%M", "从未发言" if n % 3 else ""),
            )
            for n, (a, d, r, j, s) in enumerate(rows)
        ]
        if self._bad_row_due:
            body.append(("", "已退群用户", "成员", "2025/9/1 10:00", ""))  # empty member id
            self._bad_row_due = False
        preamble = (
            f"群名称:{group.name}",
            f"群号:{group.group_id}",
            f"导出时间:{moment:%Y-%m-%d %H:%M}",
        )
        folder = f"rosters/qq/{group.unit.short}{'/旧导出' if old else ''}"
        self.root.table(
            f"{folder}/{group.group_id}.txt",
            header,
            body,
            encoding="gb18030",
            delimiter="\t",
            preamble=preamble,
        )

    # --- one file per unit, many groups --------------------------------------------

    def _shared_file(self, sink: str, platform: str, unit_id: str, groups: list[Group]) -> None:
        spec = SHARED[sink]
        moment = self._moment()
        header = spec.header
        tail: tuple[str, ...] = ()
        if spec.exported is not None:  # one export time for the whole file
            header = (*header, spec.exported[0])
            tail = (moment.strftime(spec.exported[1]),)
        body = []
        for group in groups:
            rows = member_rows(group, self.pop, self.today)
            self.rows += len(rows)
            body += [(*spec.cells(group, row), *tail) for row in rows]
        self.root.table(
            spec.path.format(platform=platform, unit_id=unit_id, short=groups[0].unit.short),
            header,
            body,
            encoding=spec.encoding,
            delimiter=spec.delimiter,
            stamp=moment if spec.exported is None else None,
        )

    def _workbook(self, groups: list[Group]) -> None:
        sheets: list[Sheet] = []
        for number, group in enumerate(groups, start=1):
            rows = member_rows(group, self.pop, self.today)
            self.rows += len(rows)
            cells: list[list[Cell]] = [list(XLSX_HEADER)]
            for n, (a, d, r, j, s) in enumerate(rows):
                spoke: Cell = s if s is not None else ("从未发言" if n % 2 else None)
                cells.append(
                    [group.group_id, group.name, int(a), d, ROLE_CN[r], j, spoke, group.exported_at]
                )
            title = _SHEET_NAME_BAD.sub("", f"{number}-{group.name}")[:31]
            sheets.append((title, cells))
        stamp = max(g.exported_at for g in groups if g.exported_at is not None)
        self.root.workbook("rosters/qq/班级群导出.xlsx", sheets, stamp=stamp)


def _fmt(moment: datetime | None, pattern: str, never: str = "") -> str:
    return never if moment is None else moment.strftime(pattern)
