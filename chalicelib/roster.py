"""Streaming roster reader: what each group's newest export says, never the rows.

Rows are taken in chunks and worked column by column: values are checked once per
distinct value (a chunk of one group repeats its dates, roles and export time), so the
per-row cost stays close to the CSV parse itself. A group keeps only counts, dates and
the compact directory indices of its mapped members.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import compress, groupby, islice
from operator import itemgetter
from pathlib import PurePosixPath
from typing import Any, TypeVar, cast

from chalicelib.dates import DateFormatError, parse_date, parse_datetime
from chalicelib.directory import Directory
from chalicelib.loaders.rows import row_error
from chalicelib.models import DataError, Platform, Role
from chalicelib.readers import FileRejected, Table
from chalicelib.rules.context import GroupSnapshot
from chalicelib.source import SourceFile
from chalicelib.vocab import PLATFORM_WORDS, ROLE_WORDS

CHUNK_ROWS = 20_000
NEVER_SPOKE = {"", "从未发言", "未发言", "never"}
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


class _Checks:
    """Per-column validation of distinct values; `bad` maps field -> {raw value: reason}."""

    def __init__(self, table: Table, defaults: dict[str, str | None]):
        self.table = table
        self.defaults = defaults
        self.bad: dict[str, dict[str, str]] = {}

    def check(self, rows: list[list[str]], key: dict[str, str]) -> dict[str, set[str]]:
        """The distinct values of each checked column of a run of rows of one group (whose
        key columns hold `key`); problems are left in `bad`."""
        self.bad = {}
        distinct = {}
        for name, check in _CHECKS.items():
            if name in self.table.columns:
                if name in key:
                    values = {key[name]}
                else:
                    values = set(map(itemgetter(self.table.columns[name]), rows))
                distinct[name] = values
                reasons = check(values, self.defaults.get(name))
                if reasons:
                    self.bad[name] = reasons
        return distinct

    def first_problem(self, row: list[str]) -> tuple[str, str] | None:
        for name, reasons in self.bad.items():
            reason = reasons.get(row[self.table.columns[name]])
            if reason is not None:
                return name, reason
        return None


ValueCheck = Callable[[str, str | None], str | None]
ColumnCheck = Callable[[set[str], str | None], dict[str, str]]


def _each_value(check: ValueCheck) -> ColumnCheck:
    def check_column(values: set[str], default: str | None) -> dict[str, str]:
        reasons = {}
        for value in values:
            reason = check(value, default)
            if reason is not None:
                reasons[value] = reason
        return reasons

    return check_column


def _check_members(values: set[str], default: str | None) -> dict[str, str]:
    if all(map(str.strip, values)):  # at C speed: ids are many and distinct
        return {}
    return {value: "成员账号为空" for value in values if not value.strip()}


def _check_group(value: str, default: str | None) -> str | None:
    return None if value.strip() or default else "群号为空"


def _check_platform(value: str, default: str | None) -> str | None:
    if not value.strip():
        return None if default else "平台为空,且无法从目录名判断"
    return None if value.strip().casefold() in PLATFORM_WORDS else f"无法识别的平台“{value}”"


def _check_role(value: str, default: str | None) -> str | None:
    if value.strip().casefold() in ROLE_WORDS:
        return None
    return f"无法识别的身份“{value}”(可用:群主、管理员、成员、owner、admin、member)"


def _check_date(value: str, default: str | None) -> str | None:
    if value.strip().casefold() in NEVER_SPOKE:
        return None
    try:
        parse_date(value)
    except DateFormatError as error:
        return str(error)
    return None


def _check_dates(values: set[str], default: str | None) -> dict[str, str]:
    if _iso_days(values) is not None:
        return {}  # the common export form, checked once per distinct day
    return _each_value(_check_date)(values, default)


def _check_datetime(value: str, default: str | None) -> str | None:
    if not value.strip():
        return None
    try:
        parse_datetime(value)
    except DateFormatError as error:
        return str(error)
    return None


_CHECKS: dict[str, ColumnCheck] = {
    "member_id": _check_members,
    "group_id": _each_value(_check_group),
    "platform": _each_value(_check_platform),
    "role": _each_value(_check_role),
    "joined_at": _check_dates,
    "last_spoke_at": _check_dates,
    "exported_at": _each_value(_check_datetime),
}

_DAY_PREFIX = itemgetter(slice(0, 10))
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=4096)
def _is_iso_day(text: str) -> bool:
    if not _ISO_DAY.fullmatch(text):
        return False
    try:
        parse_date(text)
    except DateFormatError:
        return False
    return True


def _iso_days(values: set[str]) -> set[str] | None:
    """The distinct `YYYY-MM-DD` days of values written in ISO form (a time may follow),
    without the empty and `never` ones; None when some value is written otherwise."""
    days = set(map(_DAY_PREFIX, values)) - NEVER_SPOKE
    return days if all(map(_is_iso_day, days)) else None


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
    checks = _Checks(table, defaults)
    columns = table.columns
    width = len(table.header)
    key_names = [f for f in ("platform", "group_id") if f in columns]
    key_of = itemgetter(*(columns[f] for f in key_names)) if key_names else None
    groups: dict[GroupKey, _GroupRows] = {}
    start = 0
    for chunk in _chunks(table.rows):
        if min(map(len, chunk)) < width:
            chunk = [row + [""] * (width - len(row)) for row in chunk]
        runs = groupby(chunk, key_of) if key_of else [(None, iter(chunk))]
        for raw_key, run in runs:
            rows = list(run)
            key_values = _key_values(key_names, raw_key)
            distinct = checks.check(rows, key_values)
            if checks.bad:
                rows = _drop_bad_rows(rows, chunk, start, checks, errors)
                if not rows:
                    continue
                distinct = checks.check(rows, key_values)
            key = _group_key(key_values, defaults)
            _add_rows(groups.setdefault(key, _GroupRows()), rows, columns, distinct)
        start += len(chunk)
    return groups


def _chunks(rows: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _drop_bad_rows(
    rows: list[list[str]],
    chunk: list[list[str]],
    start: int,
    checks: _Checks,
    errors: list[DataError],
) -> list[list[str]]:
    """The good rows of a run; each bad one is reported with its row number."""
    offsets = {id(row): offset for offset, row in enumerate(chunk)}
    kept = []
    for row in rows:
        problem = checks.first_problem(row)
        if problem is None:
            kept.append(row)
        elif any(cell.strip() for cell in row):  # a blank line is no error
            number = checks.table.row_number(start + offsets[id(row)])
            errors.append(row_error(checks.table, number, *problem))
    return kept


def _key_values(names: Sequence[str], raw: Any) -> dict[str, str]:
    """Field -> value of the key columns (platform, group_id) of a run of rows."""
    if not names:
        return {}
    return dict(zip(names, raw if len(names) > 1 else (raw,), strict=True))


def _group_key(values: dict[str, str], defaults: dict[str, str | None]) -> GroupKey:
    """The group of a run of rows, from its key columns or the table's defaults."""
    platform = values.get("platform", "").strip() or defaults["platform"] or ""
    group_id = values.get("group_id", "").strip() or defaults["group_id"] or ""
    return PLATFORM_WORDS[platform.casefold()], group_id


def _add_rows(
    group: _GroupRows, rows: list[list[str]], columns: dict[str, int], distinct: dict[str, set[str]]
) -> None:
    """Fold a run of checked rows of one group into what the group keeps."""
    ids = list(map(str.strip, map(itemgetter(columns["member_id"]), rows)))
    group.rows += len(rows)
    group.ids.update(ids)
    if "role" in columns and group.owner is None:
        owners = {r for r in distinct["role"] if ROLE_WORDS[r.strip().casefold()] is Role.OWNER}
        if owners:
            roles = map(itemgetter(columns["role"]), rows)
            group.owner = next(compress(ids, map(owners.__contains__, roles)))
    if "group_name" in columns and group.name is None:
        group.name = next(
            (n.strip() for n in map(itemgetter(columns["group_name"]), rows) if n.strip()), None
        )
    if "joined_at" in columns:
        joined = _day_range(distinct["joined_at"])
        if joined:
            group.first_joined = min([joined[0], *_opt(group.first_joined)])
    if "last_spoke_at" in columns:
        group.has_activity = True
        spoke = _day_range(distinct["last_spoke_at"])
        if spoke:
            group.last_spoke = max([spoke[1], *_opt(group.last_spoke)])
    if "exported_at" in columns:
        values = {v.strip() for v in distinct["exported_at"]} - {""}
        if values:
            exported = [*map(parse_datetime, values), *_opt(group.exported)]
            group.exported = max(exported)


def _opt(value: T | None) -> tuple[T, ...]:
    return () if value is None else (value,)


def _day_range(values: set[str]) -> tuple[date, date] | None:
    """Earliest and latest day among checked values, leaving out empty and `never`."""
    days = _iso_days(values)
    if days is not None:  # ISO days sort as text
        return (parse_date(min(days)), parse_date(max(days))) if days else None
    heads = {v.strip().partition(" ")[0] for v in values}
    parsed = [parse_date(h) for h in heads if h.casefold() not in NEVER_SPOKE]
    return (min(parsed), max(parsed)) if parsed else None


Candidate = tuple[tuple[datetime, str, str], GroupSnapshot]


@dataclass
class SnapshotBook:
    """The newest fresh snapshot of every group, offered file by file."""

    directory: Directory
    today: date
    max_age_days: int
    newest: dict[GroupKey, Candidate] = field(default_factory=dict)
    rows_read: int = 0

    def read(self, file: SourceFile, table: Table, errors: list[DataError]) -> list[Candidate]:
        """Snapshots of one table; exports older than `max_age_days` are left out."""
        groups = read_roster_table(file, table, errors)
        table_time = _table_time(file, table)
        oldest = self.today - timedelta(days=self.max_age_days)
        candidates = []
        for key, rows in groups.items():
            self.rows_read += rows.rows
            exported = rows.exported or table_time
            if exported.date() >= oldest:
                order = (exported, file.path, table.sheet or "")
                candidates.append((order, self._snapshot(key, rows, exported, table)))
        return candidates

    def offer(self, candidates: Iterable[Candidate]) -> None:
        for order, snapshot in candidates:
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
