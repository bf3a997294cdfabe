"""How qungov reads one file of the data root, read exactly as the weekly scan reads it:
its format, each table's header and columns, the groups a roster holds, the rows it
skips and why. The upload receipt stores it; `python -m jobs inspect` prints it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

from pydantic import Field

from chalicelib.core.masking import mask_id
from chalicelib.core.models import DataError, Frozen, GroupKey, Platform
from chalicelib.core.settings import DATA_FOLDERS, Settings
from chalicelib.intake import schema
from chalicelib.intake.loaders.directory import DirectoryBuilder
from chalicelib.intake.loaders.filings import WaivableRule, parse_filing, parse_waiver
from chalicelib.intake.loaders.rows import is_blank, parse_table
from chalicelib.intake.loaders.tables import Consume, read_file
from chalicelib.intake.loaders.units import (
    ScanAborted,
    UnitIndex,
    load_units,
    parse_office,
    read_units,
)
from chalicelib.intake.readers import Table
from chalicelib.intake.rosters.cells import RosterCells
from chalicelib.intake.rosters.rows import GroupRows, read_groups
from chalicelib.intake.source import DataSource, SourceFile

KINDS = DATA_FOLDERS
MAX_RECEIPT_ERRORS = 500  # a receipt lists the first errors and counts them all
CONFIG_ONLY = "config/ 下只读取 units(单位名录)和 offices(汇总报送部门),此文件不会被使用"


class TableFacts(Frozen):
    """One table of the file (the file, or one sheet of a workbook) as it was read."""

    sheet: str | None = None
    format: str
    header_row: int
    columns: dict[str, str]  # field -> the column it was read from, as written
    ignored: list[str]  # columns not used


class GroupFacts(Frozen):
    """One group a roster holds (one table's rows of it)."""

    platform: Platform
    group_id: str
    group_name: str | None
    members: int
    owner: str | None  # masked
    activity: bool  # has usable joining and speaking times


class Receipt(Frozen):
    file: str
    kind: str
    rows_read: int = 0
    row_errors: list[DataError] = Field(default_factory=list)
    error_count: int = 0
    rejected: str | None = None
    quarantined_to: str | None = None
    notes: list[str] = Field(default_factory=list)
    tables: list[TableFacts] = Field(default_factory=list)
    groups: list[GroupFacts] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def kind_of(path: str) -> str | None:
    """The data-root folder a path belongs to; None for everything else (receipts/,
    quarantine/, reports/, outbox/, folder markers)."""
    folder, slash, rest = path.partition("/")
    if not slash or not rest or path.endswith("/") or folder not in KINDS:
        return None
    return folder


def check_file(
    source: DataSource,
    file: SourceFile,
    settings: Settings,
    today: date,
    rules: Sequence[WaivableRule],
) -> Receipt:
    """The receipt of one data-root file, read exactly as the scan reads it (`rules`: those a
    waiver may name)."""
    kind = kind_of(file.path) or ""
    notes: list[str] = []
    plan = _plan(kind, file, source, settings, today, rules, notes)
    if plan is None:
        return Receipt(file=file.path, kind=kind, notes=[*notes, CONFIG_ONLY])
    found: list[DataError] = []
    reading = _Reading(plan.consume)
    tables = read_file(
        source, file, plan.schema, settings, found, reading.consume, all_sheets=plan.all_sheets
    )
    errors = [e for e in found if not e.warning]
    warnings = [describe_error(file.path, e) for e in found if e.warning]
    if not tables:  # rejected whole, or not one sheet of it is a table
        reasons = [e.reason for e in errors if e.rejects_file] or ["文件中没有可读取的表格"]
        return Receipt(file=file.path, kind=kind, rejected=";".join(reasons), notes=notes)
    return Receipt(
        file=file.path,
        kind=kind,
        rows_read=reading.rows,
        row_errors=errors[:MAX_RECEIPT_ERRORS],
        error_count=len(errors),
        notes=notes,
        tables=reading.tables,
        groups=reading.groups,
        warnings=warnings,
    )


@dataclass(frozen=True)
class _Plan:
    schema: schema.TableSchema
    consume: Consume[object]
    all_sheets: bool = False


def _plan(
    kind: str,
    file: SourceFile,
    source: DataSource,
    settings: Settings,
    today: date,
    rules: Sequence[WaivableRule],
    notes: list[str],
) -> _Plan | None:
    if kind == "rosters":
        cells = RosterCells(today, settings)
        return _Plan(
            schema.ROSTERS, lambda f, t, e: read_groups(f, t, e, cells)[0], all_sheets=True
        )
    if kind == "waivers":
        return _Plan(
            schema.WAIVERS,
            parse_table(lambda row: parse_waiver(row, today, settings, rules), settings),
        )
    if kind == "config":
        stem = PurePosixPath(file.path).stem.lower()
        if stem == "units":
            return _Plan(schema.UNITS, read_units(settings))
        if stem == "offices":
            return _Plan(schema.OFFICES, parse_table(parse_office, settings))
        return None
    units = _units(source, settings, notes)
    if kind == "directory":
        return _Plan(schema.DIRECTORY, DirectoryBuilder(units, settings).read)
    return _Plan(schema.FILINGS, parse_table(lambda row: parse_filing(row, units, today), settings))


def _units(source: DataSource, settings: Settings, notes: list[str]) -> UnitIndex:
    """The data root's unit list; without one, every unit cell is accepted and a note says so."""
    try:
        return load_units(source, settings, [])  # the unit list's own errors are its receipt's
    except ScanAborted as aborted:
        notes.append(f"单位名录无法读取,本次未核对“单位”列:{aborted}")
        return _UncheckedUnits()


class _UncheckedUnits(UnitIndex):
    def __init__(self) -> None:
        super().__init__([])

    def resolve(self, reference: str) -> str | None:
        return reference.strip() or None


@dataclass
class _Reading:
    """Wraps a table consumer to note what each table is, how many non-blank rows it has,
    and (for rosters) the groups it holds, without a second pass over the rows."""

    inner: Consume[object]
    rows: int = 0
    tables: list[TableFacts] = field(default_factory=list)
    groups: list[GroupFacts] = field(default_factory=list)

    def consume(self, file: SourceFile, table: Table, errors: list[DataError]) -> object:
        table.source = self._count(table.source)
        result = self.inner(file, table, errors)
        self.tables.append(_table_facts(table))
        if isinstance(result, dict):  # a roster's groups
            name = table.meta.get("group_name")  # a `群名称:` line above the header
            self.groups += [_group_facts(key, rows, name) for key, rows in result.items()]
        return result

    def _count(self, rows: Iterator[list[str]]) -> Iterator[list[str]]:
        for row in rows:
            if not is_blank(row):
                self.rows += 1
            yield row


def _table_facts(table: Table) -> TableFacts:
    used = set(table.columns.values())
    return TableFacts(
        sheet=table.sheet,
        format=table.format,
        header_row=table.header_row,
        columns={name: table.column_name(name) for name in table.columns},
        ignored=[
            cell.strip() for i, cell in enumerate(table.header) if i not in used and cell.strip()
        ],
    )


def _group_facts(key: GroupKey, rows: GroupRows, table_name: str | None) -> GroupFacts:
    return GroupFacts(
        platform=key[0],
        group_id=key[1],
        group_name=rows.name or table_name,
        members=len(rows.ids),
        owner=mask_id(rows.owner) if rows.owner else None,
        activity=rows.has_activity,
    )


def describe_error(path: str, error: DataError) -> str:
    """An error or warning with its place, relative to the file."""
    where = ""
    if error.file != path and error.file.startswith(path + "#"):
        where = f"工作表“{error.file[len(path) + 1 :]}”"
    if error.row is not None:
        where += f"第 {error.row} 行"
    if error.column:
        where += f"“{error.column}”"
    return f"{where}:{error.reason}" if where else error.reason
