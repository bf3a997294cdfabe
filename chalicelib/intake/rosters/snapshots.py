"""Roster snapshots: of all the exports of a group, the newest fresh one, kept as counts,
dates and the compact directory indices of its mapped members, never as rows."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import compress, repeat

from chalicelib.core.dates import DateFormatError, check_not_future, parse_datetime
from chalicelib.core.models import DataError, GroupKey, Platform
from chalicelib.core.settings import Settings
from chalicelib.core.values import clean_text
from chalicelib.intake.directory import Directory
from chalicelib.intake.readers import FileRejected, Table
from chalicelib.intake.rosters.cells import RosterCells
from chalicelib.intake.rosters.rows import NO_DAY, GroupRows, read_groups
from chalicelib.intake.source import SourceFile

NOT_LISTED = -1  # the index of an account the directory does not list


@dataclass(frozen=True, slots=True)
class GroupSnapshot:
    """What the scan keeps of a group's newest roster table: counts, dates and compact ids
    of mapped persons, never the rows themselves."""

    platform: Platform
    group_id: str
    group_name: str | None
    source: str
    exported_at: datetime
    member_count: int
    owner_id: str | None
    has_activity: bool
    last_spoke_on: date | None
    first_joined_on: date | None
    persons: array[int] = field(repr=False)
    unmapped_count: int
    unmapped_ids: tuple[str, ...]  # sorted, every one
    accounts_in_group: Mapping[int, str] = field(default_factory=dict, repr=False)
    """Persons in the group by an account other than their first one -> that account."""
    notable: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Members not mapped to an active person of the directory (unmapped, departed,
    external) -> their name in the group ("" when the export has none): the members a
    digest names. Active members' names are not kept (they would cost ~150 MB a million
    rows)."""


# A snapshot's claim to be the group's newest: its export time, its file, how many members
# it lists, its sheet. Of several sheets of one workbook holding the group at one export
# time (a bot's 所有成员 / 已绑定成员 / 未绑定成员), the most complete one wins, not the one
# whose name sorts last; only then the sheet's name decides.
Order = tuple[datetime, str, int, str]
Candidate = tuple[Order, GroupSnapshot]


@dataclass(frozen=True, slots=True)
class TableSnapshots:
    """What one roster table holds: a snapshot of each of its groups, and its row count."""

    rows: int
    candidates: list[Candidate]  # every group of the table, however old its export
    oldest: date  # an export from before this day is too old to count (roster_max_age_days)

    def fresh(self) -> list[Candidate]:
        return [c for c in self.candidates if c[0][0].date() >= self.oldest]


@dataclass
class SnapshotBook:
    """The newest fresh snapshot of every group, offered table by table (a file's tables
    only once the whole file was read: a file is all or nothing)."""

    newest: dict[GroupKey, Candidate] = field(default_factory=dict)
    rows_read: int = 0
    stale: dict[GroupKey, datetime] = field(default_factory=dict)
    """The newest export of each group seen only in exports too old to count."""

    def offer(self, table: TableSnapshots) -> None:
        self.rows_read += table.rows
        for (exported, *_), snapshot in table.candidates:
            key = (snapshot.platform, snapshot.group_id)
            if exported.date() < table.oldest and exported > self.stale.get(key, datetime.min):
                self.stale[key] = exported
        for order, snapshot in table.fresh():
            key = (snapshot.platform, snapshot.group_id)
            held = self.newest.get(key)
            if held is None or order > held[0]:
                self.newest[key] = (order, snapshot)

    def snapshots(self) -> dict[GroupKey, GroupSnapshot]:
        return {key: snapshot for key, (_, snapshot) in self.newest.items()}

    def stale_exports(self) -> dict[GroupKey, datetime]:
        """Groups without a fresh snapshot -> the time of their newest (too old) export."""
        return {key: moment for key, moment in self.stale.items() if key not in self.newest}


@dataclass
class SnapshotReader:
    """Reads roster tables into snapshots, mapping members to the directory's persons."""

    directory: Directory
    today: date
    settings: Settings
    cells: RosterCells = field(init=False)

    def __post_init__(self) -> None:
        self.cells = RosterCells(self.today, self.settings)

    def read(self, file: SourceFile, table: Table, errors: list[DataError]) -> TableSnapshots:
        """A snapshot of each group of one table (see `TableSnapshots.fresh`)."""
        groups, row_count = read_groups(file, table, errors, self.cells, keep_names=True)
        table_time = _table_time(file, table, self.today)
        candidates = []
        for key, rows in groups.items():
            exported = rows.exported or table_time
            order = (exported, file.path, len(rows.ids), table.sheet or "")
            candidates.append((order, self._snapshot(key, rows, exported, table)))
        oldest = self.today - timedelta(days=self.settings.roster_max_age_days)
        return TableSnapshots(row_count, candidates, oldest)

    def _snapshot(
        self, key: GroupKey, rows: GroupRows, exported: datetime, table: Table
    ) -> GroupSnapshot:
        platform, group_id = key
        accounts = self.directory.accounts[platform]
        ids = list(rows.ids)
        mapped = list(map(accounts.get, ids, repeat(NOT_LISTED)))
        inactive = self.directory.inactive_flags()  # by index; NOT_LISTED is its last
        notable = set(compress(ids, map(inactive.__getitem__, mapped)))
        first = self.directory.account_of(platform)
        by_later = {
            accounts[member]: member
            for member in sorted(rows.ids & self.directory.later_accounts(platform))
            if first[accounts[member]] not in rows.ids
        }
        unmapped = sorted(i for i in notable if i not in accounts)
        return GroupSnapshot(
            platform=platform,
            group_id=group_id,
            group_name=rows.name or table.meta.get("group_name"),
            source=table.name,
            exported_at=exported,
            member_count=len(ids),
            owner_id=rows.owner,
            has_activity=rows.has_activity,
            last_spoke_on=date.fromisoformat(rows.last_day) if rows.last_day else None,
            first_joined_on=(
                date.fromisoformat(rows.first_day) if rows.first_day != NO_DAY else None
            ),
            persons=array("i", set(mapped) - {NOT_LISTED}),
            unmapped_count=len(unmapped),
            unmapped_ids=tuple(unmapped),
            accounts_in_group=by_later,
            notable={member: self._name_in_group(rows, member) for member in sorted(notable)},
        )

    def _name_in_group(self, rows: GroupRows, member: str) -> str:
        return clean_text(rows.shown.get(member, ""), self.settings.max_text_chars)[0]


def _table_time(file: SourceFile, table: Table, today: date) -> datetime:
    text = table.meta.get("exported_at")
    if text is None:
        return file.modified
    try:
        moment = parse_datetime(text)
        check_not_future(moment.date(), today, text)
    except DateFormatError as error:
        raise FileRejected(f"表头上方的导出时间无法使用:{error}") from None
    return moment
