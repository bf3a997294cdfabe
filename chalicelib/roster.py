"""Streaming roster reader: what each group's newest export says, never the rows.

Rows come in batches, are split into runs of one group and worked column by column
(`loaders/columns.py`). A group keeps only counts, dates and the compact directory indices
of its mapped members.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import compress, groupby
from pathlib import PurePosixPath
from typing import Any, TypeVar, cast

from chalicelib.dates import DateFormatError, parse_date, parse_datetime
from chalicelib.directory import Directory
from chalicelib.loaders.columns import (
    DAY_PREFIX,
    NEVER,
    BatchCheck,
    ColumnCheck,
    check_days,
    each_value,
    is_iso_day_column,
    not_blank,
    padded,
    parse_day,
    row_numbers,
    transpose,
    words,
)
from chalicelib.models import DataError, Platform, Role
from chalicelib.readers import FileRejected, Table
from chalicelib.rules.context import GroupSnapshot
from chalicelib.source import SourceFile
from chalicelib.vocab import PLATFORM_WORDS, ROLE_WORDS

CHUNK_ROWS = 1_000
UNMAPPED_SAMPLE = 5

PLATFORM_FOLDERS = {p.value for p in Platform}
GroupKey = tuple[Platform, str]
T = TypeVar("T")


@dataclass(slots=True)
class _GroupRows:
    """What one table says of one group so far."""

    ids: set[str] = field(default_factory=set)
    rows: int = 0
    has_activity: bool = False
    owner: str | None = None
    name: str | None = None
    first_joined: date | None = None
    last_spoke: date | None = None
    exported: datetime | None = None


def _roster_checks(defaults: dict[str, str | None]) -> dict[str, ColumnCheck]:
    def group_id(value: str) -> str | None:
        return None if value.strip() or defaults["group_id"] else "群号为空"

    def platform(value: str) -> str | None:
        if not value.strip():
            return None if defaults["platform"] else "平台为空,且无法从目录名判断"
        known = value.strip().casefold() in PLATFORM_WORDS
        return None if known else f"无法识别的平台“{value}”"

    def role(value: str) -> str:
        return f"无法识别的身份“{value}”(可用:群主、管理员、成员、owner、admin、member)"

    return {
        "member_id": not_blank("成员账号为空"),
        "group_id": each_value(group_id),
        "platform": each_value(platform),
        "role": words(ROLE_WORDS, role),
        "joined_at": check_days,
        "last_spoke_at": check_days,
        "exported_at": each_value(_datetime_problem),
    }


def _datetime_problem(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        parse_datetime(value)
    except DateFormatError as error:
        return str(error)
    return None


def table_defaults(file: SourceFile, table: Table) -> dict[str, str | None]:
    """Values for the whole table when a column is absent: `群号:` lines, folder, file name."""
    folder_platform = next(
        (p for p in reversed(PurePosixPath(file.path).parent.parts) if p in PLATFORM_FOLDERS),
        None,
    )
    platform = table.meta.get("platform")
    if platform is not None and platform.casefold() not in PLATFORM_WORDS:
        raise FileRejected(f"表头上方的平台“{platform}”无法识别")
    return {
        "platform": platform or folder_platform,
        "group_id": table.meta.get("group_id") or PurePosixPath(file.path).stem,
        "group_name": table.meta.get("group_name"),
        "exported_at": table.meta.get("exported_at"),
    }


def read_roster_table(
    file: SourceFile, table: Table, errors: list[DataError]
) -> dict[GroupKey, _GroupRows]:
    """Every group in one table, from its rows; bad rows go to `errors` and are skipped."""
    defaults = table_defaults(file, table)
    if "platform" not in table.columns and defaults["platform"] is None:
        raise FileRejected(
            "无法确定平台:请加“平台”列,或把文件放在 rosters/qq/、rosters/wechat/ 等目录下"
        )
    check = BatchCheck(table, _roster_checks(defaults))
    key_names = [f for f in ("platform", "group_id") if f in table.columns]
    width = len(table.header)
    keys: dict[Any, GroupKey] = {}  # raw key cells -> group
    groups: dict[GroupKey, _GroupRows] = {}
    start = 0
    for batch in table.batches(CHUNK_ROWS):
        rows = padded(batch, width)
        cells = transpose(rows, width)
        distinct = check.distinct(cells)
        if check.bad:
            rows = check.drop_bad_rows(rows, row_numbers(table, batch, start), errors)
            cells = transpose(rows, width)
            distinct = check.distinct(cells)
        start += len(batch)
        if not rows:
            continue
        columns = _BatchColumns.of(cells, table.columns, distinct)
        # Runs of consecutive rows of one group: slices of the batch's columns.
        key_cells = [cells[table.columns[f]] for f in key_names]
        raw_keys = (
            zip(*key_cells, strict=True)
            if len(key_cells) > 1
            else key_cells[0]
            if key_cells
            else None
        )
        runs = groupby(raw_keys) if raw_keys is not None else [(None, rows)]
        begin = 0
        for raw_key, run in runs:
            end = begin + len(list(run))
            key = keys.get(raw_key)
            if key is None:
                key = keys[raw_key] = _group_key(key_names, raw_key, defaults)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _GroupRows()
            columns.fold(group, begin, end)
            begin = end
    return groups


def _group_key(names: Sequence[str], raw: Any, defaults: dict[str, str | None]) -> GroupKey:
    """The group of a run of rows, from its key columns or the table's defaults."""
    values = dict(zip(names, raw if len(names) > 1 else (raw,), strict=True)) if names else {}
    platform = values.get("platform", "").strip() or defaults["platform"] or ""
    group_id = values.get("group_id", "").strip() or defaults["group_id"] or ""
    return PLATFORM_WORDS[platform.casefold()], group_id


Day = str | date  # a `YYYY-MM-DD` text, or a parsed date for other forms; "" or None: none


@dataclass(slots=True)
class _BatchColumns:
    """One batch of checked rows as the columns that groups fold, row for row."""

    ids: list[str]
    owners: list[bool] | None
    names: list[str] | None
    joined: list[Day | None] | None
    spoke: list[Day | None] | None
    exported: list[datetime | None] | None

    @classmethod
    def of(
        cls, cells: list[tuple[str, ...]], columns: dict[str, int], distinct: dict[str, set[str]]
    ) -> _BatchColumns:
        def column(name: str) -> Sequence[str] | None:
            index = columns.get(name)
            return None if index is None else cells[index]

        owners = None
        if "role" in columns:
            owner_words = {
                r for r in distinct["role"] if ROLE_WORDS[r.strip().casefold()] is Role.OWNER
            }
            if owner_words:
                owners = list(map(owner_words.__contains__, column("role") or ()))
        names = column("group_name")
        return cls(
            ids=list(map(str.strip, column("member_id") or ())),
            owners=owners,
            names=list(map(str.strip, names)) if names is not None else None,
            joined=_days(column("joined_at"), distinct.get("joined_at")),
            spoke=_days(column("last_spoke_at"), distinct.get("last_spoke_at")),
            exported=_by_value(column("exported_at"), distinct.get("exported_at"), parse_datetime),
        )

    def fold(self, group: _GroupRows, begin: int, end: int) -> None:
        """Fold rows begin..end (all of one group) into what the group keeps."""
        ids = self.ids[begin:end]
        group.rows += len(ids)
        group.ids.update(ids)
        if self.owners is not None and group.owner is None:
            group.owner = next(compress(ids, self.owners[begin:end]), None)
        if self.names is not None and group.name is None:
            group.name = next(filter(None, self.names[begin:end]), None)
        if self.joined is not None:
            first = _as_date(_least(self.joined[begin:end]))
            group.first_joined = _least([first, group.first_joined])
        if self.spoke is not None:
            group.has_activity = True
            last = _as_date(_most(self.spoke[begin:end]))
            group.last_spoke = _most([last, group.last_spoke])
        if self.exported is not None:
            group.exported = _most([*self.exported[begin:end], group.exported])


def _least(values: Sequence[Any]) -> Any:
    """The smallest present value (None and "" are absent), at C speed."""
    return min(filter(None, values), default=None)


def _most(values: Sequence[Any]) -> Any:
    return max(filter(None, values), default=None)


def _days(values: Sequence[str] | None, distinct: set[str] | None) -> list[Day | None] | None:
    """A date column as comparable days: ISO texts cut to their day (compared as text),
    any other form parsed once per distinct value."""
    if values is None or distinct is None:
        return None
    if is_iso_day_column(distinct):
        days: list[Day | None] = list(map(DAY_PREFIX, values))
        never = NEVER.intersection(map(DAY_PREFIX, distinct)) - {""}
        if never:  # 从未发言 sorts after every digit
            days = [None if d in never else d for d in days]
        return days
    return cast("list[Day | None]", _by_value(values, distinct, parse_day))


def _by_value(
    values: Sequence[str] | None, distinct: set[str] | None, parse: Callable[[str], T]
) -> list[T | None] | None:
    if values is None or distinct is None:
        return None
    parsed = {v: None if v.strip().casefold() in NEVER else parse(v) for v in distinct}
    return list(map(parsed.__getitem__, values))


def _as_date(day: Day | None) -> date | None:
    return parse_date(day) if isinstance(day, str) else day


Candidate = tuple[tuple[datetime, str, str], GroupSnapshot]


@dataclass(frozen=True, slots=True)
class TableSnapshots:
    """What one roster table offers: its fresh snapshots and how many rows it had."""

    rows: int
    candidates: list[Candidate]


@dataclass
class SnapshotBook:
    """The newest fresh snapshot of every group, offered file by file."""

    directory: Directory
    today: date
    max_age_days: int
    newest: dict[GroupKey, Candidate] = field(default_factory=dict)
    rows_read: int = 0

    def read(self, file: SourceFile, table: Table, errors: list[DataError]) -> TableSnapshots:
        """Snapshots of one table; exports older than `max_age_days` are left out.

        Nothing is kept until `offer`: a file is all or nothing."""
        groups = read_roster_table(file, table, errors)
        table_time = _table_time(file, table)
        oldest = self.today - timedelta(days=self.max_age_days)
        candidates = []
        for key, rows in groups.items():
            exported = rows.exported or table_time
            if exported.date() >= oldest:
                order = (exported, file.path, table.sheet or "")
                candidates.append((order, self._snapshot(key, rows, exported, table)))
        return TableSnapshots(sum(g.rows for g in groups.values()), candidates)

    def offer(self, table: TableSnapshots) -> None:
        self.rows_read += table.rows
        for order, snapshot in table.candidates:
            key = (snapshot.platform, snapshot.group_id)
            held = self.newest.get(key)
            if held is None or order > held[0]:
                self.newest[key] = (order, snapshot)

    def snapshots(self) -> dict[GroupKey, GroupSnapshot]:
        return {key: snapshot for key, (_, snapshot) in self.newest.items()}

    def _snapshot(
        self, key: GroupKey, rows: _GroupRows, exported: datetime, table: Table
    ) -> GroupSnapshot:
        platform, group_id = key
        ids = list(rows.ids)
        mapped = list(map(self.directory.accounts[platform].get, ids))
        unmapped = []
        if None in mapped:
            unmapped = sorted(i for i, p in zip(ids, mapped, strict=True) if p is None)
        return GroupSnapshot(
            platform=platform,
            group_id=group_id,
            group_name=rows.name or table.meta.get("group_name"),
            source=table.name,
            exported_at=exported,
            member_count=len(ids),
            owner_id=rows.owner,
            has_activity=rows.has_activity,
            last_spoke_on=rows.last_spoke,
            first_joined_on=rows.first_joined,
            persons=array("i", sorted(cast(set[int], set(mapped) - {None}))),
            unmapped_count=len(unmapped),
            unmapped_sample=tuple(unmapped[:UNMAPPED_SAMPLE]),
        )


def _table_time(file: SourceFile, table: Table) -> datetime:
    text = table.meta.get("exported_at")
    if text is None:
        return file.modified
    try:
        return parse_datetime(text)
    except DateFormatError as error:
        raise FileRejected(f"表头上方的导出时间无法识别:{error}") from None
