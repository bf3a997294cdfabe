"""Streaming roster reader: what each group's newest export says, never the rows.

Rows are taken in chunks and worked column by column: values are checked once per
distinct value (a chunk of one group repeats its dates, roles and export time), so the
per-row cost stays close to the CSV parse itself. A group keeps only counts, dates and
the compact directory indices of its mapped members.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import compress, groupby, islice
from operator import itemgetter
from pathlib import PurePosixPath
from typing import Any, TypeVar

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

    def check(self, chunk: list[list[str]]) -> None:
        self.bad = {}
        columns = self.table.columns
        for name, check in _CHECKS.items():
            if name in columns:
                reasons = {}
                for value in set(map(itemgetter(columns[name]), chunk)):
                    reason = check(value, self.defaults.get(name))
                    if reason is not None:
                        reasons[value] = reason
                if reasons:
                    self.bad[name] = reasons

    def first_problem(self, row: list[str]) -> tuple[str, str] | None:
        for name, reasons in self.bad.items():
            reason = reasons.get(row[self.table.columns[name]])
            if reason is not None:
                return name, reason
        return None


def _check_member(value: str, default: str | None) -> str | None:
    return None if value.strip() else "成员账号为空"


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


def _check_datetime(value: str, default: str | None) -> str | None:
    if not value.strip():
        return None
    try:
        parse_datetime(value)
    except DateFormatError as error:
        return str(error)
    return None


_CHECKS: dict[str, Callable[[str, str | None], str | None]] = {
    "member_id": _check_member,
    "group_id": _check_group,
    "platform": _check_platform,
    "role": _check_role,
    "joined_at": _check_date,
    "last_spoke_at": _check_date,
    "exported_at": _check_datetime,
}


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
        checks.check(chunk)
        if checks.bad:
            chunk = _drop_bad_rows(chunk, start, table, checks, errors)
        start += CHUNK_ROWS
        runs = groupby(chunk, key_of) if key_of else [(None, iter(chunk))]
        for raw_key, run in runs:
            key = _group_key(key_names, raw_key, defaults)
            _add_rows(groups.setdefault(key, _GroupRows()), list(run), columns)
    return groups


def _chunks(rows: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _drop_bad_rows(
    chunk: list[list[str]], start: int, table: Table, checks: _Checks, errors: list[DataError]
) -> list[list[str]]:
    kept = []
    for offset, row in enumerate(chunk):
        problem = checks.first_problem(row)
        if problem is None:
            kept.append(row)
        elif any(cell.strip() for cell in row):  # a blank line is no error
            errors.append(row_error(table, table.row_number(start + offset), *problem))
    return kept


def _group_key(names: Sequence[str], raw: Any, defaults: dict[str, str | None]) -> GroupKey:
    """The group of a run of rows, from its key columns (`raw`) or the table's defaults."""
    values: dict[str, str] = {}
    if names:
        values = dict(zip(names, raw if len(names) > 1 else (raw,), strict=True))
    platform = values.get("platform", "").strip() or defaults["platform"] or ""
    group_id = values.get("group_id", "").strip() or defaults["group_id"] or ""
    return PLATFORM_WORDS[platform.casefold()], group_id


def _add_rows(group: _GroupRows, rows: list[list[str]], columns: dict[str, int]) -> None:
    ids = list(map(str.strip, map(itemgetter(columns["member_id"]), rows)))
    group.rows += len(rows)
    group.ids.update(ids)
    if "role" in columns and group.owner is None:
        roles = list(map(itemgetter(columns["role"]), rows))
        owners = {r for r in set(roles) if ROLE_WORDS[r.strip().casefold()] is Role.OWNER}
        if owners:
            group.owner = next(compress(ids, map(owners.__contains__, roles)))
    if "group_name" in columns and group.name is None:
        group.name = next(
            (n.strip() for n in map(itemgetter(columns["group_name"]), rows) if n.strip()), None
        )
    if "joined_at" in columns:
        joined = _dates(map(itemgetter(columns["joined_at"]), rows))
        if joined:
            group.first_joined = min([*joined, *_opt(group.first_joined)])
    if "last_spoke_at" in columns:
        group.has_activity = True
        spoke = _dates(map(itemgetter(columns["last_spoke_at"]), rows))
        if spoke:
            group.last_spoke = max([*spoke, *_opt(group.last_spoke)])
    if "exported_at" in columns:
        values = {v.strip() for v in map(itemgetter(columns["exported_at"]), rows)} - {""}
        if values:
            exported = [*map(parse_datetime, values), *_opt(group.exported)]
            group.exported = max(exported)


def _opt(value: T | None) -> tuple[T, ...]:
    return () if value is None else (value,)


def _dates(values: Iterable[str]) -> list[date]:
    """Distinct calendar dates among the values (already checked), without `never`."""
    distinct = set(values)
    heads = {v.strip().partition(" ")[0] for v in distinct}
    return [parse_date(h) for h in heads if h.casefold() not in NEVER_SPOKE]


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
        unmapped = sorted(compress(ids, map(_is_none, mapped)))
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
            persons=array("i", sorted({p for p in mapped if p is not None})),
            unmapped_count=len(unmapped),
            unmapped_sample=tuple(unmapped[:UNMAPPED_SAMPLE]),
        )


def _is_none(value: object) -> bool:
    return value is None


def _table_time(file: SourceFile, table: Table) -> datetime:
    text = table.meta.get("exported_at")
    if text is None:
        return file.modified
    try:
        return parse_datetime(text)
    except DateFormatError as error:
        raise FileRejected(f"表头上方的导出时间无法识别:{error}") from None
