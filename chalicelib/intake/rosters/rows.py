"""One roster table, row by row, folded into what each of its groups keeps.

This is the scan's hot path (a province is ~10M rows): one tight loop per table, with
every cell check memoised on the raw value, because exports repeat the same few roles,
days and export times. Measured against a bare csv.reader pass in bench/scan_bench.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import PurePosixPath
from typing import Any

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import GROUP_PLATFORMS, DataError, GroupKey, Platform, Role
from chalicelib.core.values import clean_text, cut_notice, normalize_id
from chalicelib.intake import group_ids
from chalicelib.intake.loaders.rows import (
    SUMMARY_ROW,
    RowError,
    is_blank,
    is_summary,
    row_error,
    summary_warning,
)
from chalicelib.intake.readers import FileRejected, Table
from chalicelib.intake.rosters.cells import OWNER_NO, OWNER_YES, Roles, RosterCells, plain_id
from chalicelib.intake.source import SourceFile
from chalicelib.intake.vocab import PLATFORM_WORDS

PLATFORM_FOLDERS = {p.value for p in GROUP_PLATFORMS}  # rosters/qq/…: chat groups only
NO_DAY = "~"  # sorts after every `YYYY-MM-DD`
TRAILING_ROWS = 3  # a table's last rows, where total rows stand


@dataclass(slots=True)
class GroupRows:
    """What one table says of one group: its distinct member ids and a few values."""

    ids: set[str] = field(default_factory=set)
    owner: str | None = None
    name: str | None = None
    first_day: str = NO_DAY  # earliest joined_at, as `YYYY-MM-DD`
    last_day: str = ""  # latest last_spoke_at, as `YYYY-MM-DD`; "" when nobody spoke
    has_activity: bool = False
    exported: datetime | None = None
    spoke_rows: int = 0  # rows with a speaking day
    same_day_rows: int = 0  # ... equal to the row's joining day
    named_owner: str | None = None  # the account an owner column names
    shown: dict[str, str] = field(default_factory=dict)  # member -> raw name in the group


def table_defaults(file: SourceFile, table: Table, max_id: int) -> dict[str, str | None]:
    """Values for the whole table when a column is absent: `群号:` lines and the folder.
    (Without a 群号 column or line, the group id comes from the sheet or file name.)"""
    folder_platform = next(
        (
            p.casefold()
            for p in reversed(PurePosixPath(file.path).parent.parts)
            if p.casefold() in PLATFORM_FOLDERS
        ),
        None,
    )
    platform = table.meta.get("platform")
    if platform is not None and platform.casefold() not in PLATFORM_WORDS:
        raise FileRejected(f"表头上方的平台“{platform}”无法识别")
    if "platform" not in table.columns and (platform or folder_platform) is None:
        raise FileRejected(
            "无法确定平台:请加“平台”列,或把文件放在 rosters/qq/、rosters/wechat/ 等目录下"
        )
    group_id = table.meta.get("group_id")  # a `群号:` line above the header
    if group_id is not None:
        try:
            group_id = normalize_id(group_id, max_id)
        except ValueRefused as refused:
            raise FileRejected(f"表头上方的群号无法使用:{refused}") from None
    return {"platform": platform or folder_platform, "group_id": group_id}


class _Keys:
    """The group of a row from its platform and group id cells, else the table's defaults."""

    def __init__(self, table: Table, defaults: dict[str, str | None], max_id: int):
        fields = [f for f in ("platform", "group_id") if f in table.columns]
        self.table = table
        self.max_id = max_id
        self.fields = fields
        self.of: Callable[[list[str]], Any] | None = (
            itemgetter(*(table.columns[f] for f in fields)) if fields else None
        )
        self.defaults = defaults
        self.known: dict[Any, GroupKey] = {}

    def group(self, raw: Any) -> GroupKey:
        key = self.known.get(raw)
        if key is None:
            key = self.known[raw] = self._resolve(raw)
        return key

    def _resolve(self, raw: Any) -> GroupKey:
        cells = raw if isinstance(raw, tuple) else (raw,)
        values = dict(zip(self.fields, cells, strict=True))
        platform = values.get("platform", "").strip() or self.defaults["platform"] or ""
        word = PLATFORM_WORDS.get(platform.casefold())
        if word is None:
            raise RowError("platform", f"无法识别的平台“{platform}”" if platform else "平台为空")
        if "group_id" not in values:
            return word, self._named(word)
        group_id = values["group_id"].strip()
        if not group_id:
            raise RowError("group_id", "群号为空")
        try:
            group_id = normalize_id(group_id, self.max_id)
        except ValueRefused as refused:
            raise RowError("group_id", str(refused).replace("账号", "群号")) from None
        zero = group_ids.leading_zero(word, group_id)
        if zero is not None:
            raise RowError("group_id", zero)
        return word, group_id

    def _named(self, platform: Platform) -> str:
        """The group id of a table without a 群号 column: its `群号:` line, else its sheet's
        or file's name when that holds an id of the platform; else the table is rejected."""
        explicit = self.defaults["group_id"]
        if explicit is not None:
            return explicit
        table = self.table
        found = group_ids.from_names(platform, table.path, table.sheet)
        if found is None:
            raise FileRejected(group_ids.unknown_group(platform, table.path, table.sheet))
        return found


def read_groups(
    file: SourceFile,
    table: Table,
    errors: list[DataError],
    cells: RosterCells,
    *,
    keep_names: bool = False,
) -> tuple[dict[GroupKey, GroupRows], int]:
    """Every group in one table, and the table's row count; bad rows go to `errors` and
    are skipped. `cells` checks (and memoises) cells across the tables of a scan. With
    `keep_names`, each member's name in the group is kept as written (`shown`): the
    snapshot cleans those of the few members a finding may show."""
    keys = _Keys(table, table_defaults(file, table, cells.max_id), cells.max_id)
    columns = table.columns
    member_at = columns["member_id"]
    role_at, name_at = columns.get("role"), columns.get("group_name")
    shown_at = columns.get("display_name") if keep_names else None
    joined_at, spoke_at = columns.get("joined_at"), columns.get("last_spoke_at")
    exported_at, owner_at = columns.get("exported_at"), columns.get("owner_id")
    good_days, good_tails, day_of = cells.good_days, cells.good_tails, cells.day
    max_id = cells.max_id
    roles = Roles(table)
    known_roles = roles.known
    groups: dict[GroupKey, GroupRows] = {}
    key_of = keys.of
    raw_key: Any = None

    group = GroupRows()
    if key_of is None:
        group = groups.setdefault(keys.group(()), GroupRows())
    last_export, export_group, exported = None, None, None
    start = 0
    batches = table.batches()
    upcoming = next(batches, None)
    while upcoming is not None:
        batch, upcoming = upcoming, next(batches, None)
        if upcoming is None:  # the table's last rows: an Excel total row, 共 N 人
            _skip_trailing_summaries(table, batch, start, errors)
        for index, row in enumerate(batch, start):
            # Check every cell of the row before anything of it is kept.
            try:
                member = row[member_at].strip()
                if not (
                    member.isascii()
                    and len(member) <= max_id
                    and (member.isdigit() or plain_id(member))
                ):
                    member = cells.member(member)
                if not member:
                    if is_blank(row):
                        continue
                    raise RowError("member_id", SUMMARY_ROW if is_summary(row) else "成员账号为空")
                if key_of is not None:
                    raw = key_of(row)
                    if raw != raw_key:
                        key = keys.group(raw)
                        raw_key, group = raw, groups.get(key) or groups.setdefault(key, GroupRows())
                role = None
                if role_at is not None:
                    role = known_roles.get(row[role_at]) or roles.of(row[role_at])
                joined = ""
                if joined_at is not None:
                    value = row[joined_at]
                    joined = value[:10]
                    if joined not in good_days or (
                        len(value) > 10 and value[10:] not in good_tails
                    ):
                        joined = day_of(value, "joined_at")
                spoke = ""
                if spoke_at is not None:
                    value = row[spoke_at]
                    spoke = value[:10]
                    if spoke not in good_days or (len(value) > 10 and value[10:] not in good_tails):
                        spoke = day_of(value, "last_spoke_at")
                if exported_at is not None and row[exported_at] != last_export:
                    exported = cells.export_time(row[exported_at])
                    last_export, export_group = row[exported_at], None
            except RowError as bad:
                number = table.row_number(index)
                if bad.reason == SUMMARY_ROW:
                    errors.append(summary_warning(table, number))
                else:
                    errors.append(row_error(table, number, bad.field, bad.reason))
                continue
            group.ids.add(member)
            if owner_at is not None:
                _owner_cell(group, member, row[owner_at], cells.max_id)
            if shown_at is not None:
                group.shown[member] = row[shown_at]
            if role is Role.OWNER and group.owner is None:
                group.owner = member
            if joined and joined < group.first_day:
                group.first_day = joined
            if spoke:
                group.spoke_rows += 1
                group.same_day_rows += spoke == joined
                if spoke > group.last_day:
                    group.last_day = spoke
            if export_group is not group and exported is not None:
                export_group = group  # this export time is folded into this group once
                if group.exported is None or exported > group.exported:
                    group.exported = exported
            if name_at is not None and group.name is None and row[name_at].strip():
                group.name = _group_name(table, index, row[name_at], cells.max_text, errors)
        start += len(batch)
    for key, group in groups.items():
        if group.owner is None and group.named_owner in group.ids:
            group.owner = group.named_owner
        group.has_activity = spoke_at is not None
        doubt = _unreliable_activity(group, joined_at is not None)
        if doubt and group.ids:
            group.has_activity = False
            reason = (
                f"群 {key[1]} 的{doubt},发言时间不可靠,本次不据此判断僵尸群;请用其他工具重新导出"
            )
            errors.append(DataError(file=table.name, reason=reason, warning=True))
    groups = {key: group for key, group in groups.items() if group.ids}  # all rows bad: none
    return groups, start


def _skip_trailing_summaries(
    table: Table, batch: list[list[str]], start: int, errors: list[DataError]
) -> None:
    """Blank out a total row among the table's last rows (where Excel's table total row and
    a QQ exporter's 共 N 人 line stand), so that its count is never read as a member; each
    skipped row is a warning. Other rows are checked as they are read (cheaper: rarely)."""
    checked = 0
    for index in range(len(batch) - 1, -1, -1):
        if checked == TRAILING_ROWS:
            return
        row = batch[index]
        if is_blank(row):
            continue
        checked += 1
        if is_summary(row):
            batch[index] = [""] * len(row)
            errors.append(summary_warning(table, table.row_number(start + index)))


def _owner_cell(group: GroupRows, member: str, value: str, max_id: int) -> None:
    """An owner column: the owner's account on every row, or 是/否 for the row's member."""
    text = value.strip()
    if text.casefold() in OWNER_NO or group.named_owner is not None:
        return
    if text.casefold() in OWNER_YES:
        group.named_owner = member
        return
    try:
        group.named_owner = normalize_id(text, max_id)
    except ValueRefused:
        return  # an unusable account names no owner; the role column may still


def _unreliable_activity(group: GroupRows, has_joined: bool) -> str | None:
    """Why a group's activity columns cannot be trusted, if they cannot: bots that write 0
    for every time (LLOneBot 3.27), or the joining time as the last speaking time for every
    member (mirai's member list); docs/formats.md, "Known data defects"."""
    if not group.has_activity:
        return None
    if has_joined and group.spoke_rows == 0 and group.first_day == NO_DAY:
        return "入群时间和最后发言时间全部为空或为 0"
    if group.spoke_rows >= 2 and group.same_day_rows == group.spoke_rows:
        return "每位成员的最后发言日期都等于入群日期"
    return None


def _group_name(
    table: Table, index: int, value: str, max_text: int, errors: list[DataError]
) -> str:
    name, cut = clean_text(value, max_text)
    if cut:
        notice = cut_notice(len(value.strip()), max_text)
        errors.append(row_error(table, table.row_number(index), "group_name", notice))
    return name
