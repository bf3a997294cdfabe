"""Row-by-row parsing of the small tables, with errors that name the file, row and column.

Every value is checked where it is read (DESIGN.md, "Plausible values"): a value that
cannot be used raises `RowError` and the row is skipped; a value that can be used after a
repair (text cut to its limit, an unusable email address left out) is kept and the repair
is reported as a row error all the same, so the user sees it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TypeVar

from chalicelib.core.dates import DateFormatError, check_not_future, is_never, parse_date
from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.core.values import check_email, clean_text, cut_notice, normalize_id
from chalicelib.intake.readers import Table
from chalicelib.intake.source import SourceFile

T = TypeVar("T")


class RowError(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Row:
    """One data row of a table, read field by field."""

    __slots__ = ("bad_emails", "cells", "notes", "settings", "table")

    def __init__(self, table: Table, cells: list[str], settings: Settings):
        self.table = table
        self.cells = cells
        self.settings = settings
        self.notes: list[RowError] = []  # repairs: reported, the row is kept
        self.bad_emails: list[str] = []  # fields whose address could not be used

    def raw(self, field: str) -> str | None:
        index = self.table.columns.get(field)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index].strip() or None

    def given(self, field: str, *, required: bool) -> str | None:
        """The cell's text, None when empty; a row error when empty and `required`."""
        value = self.raw(field)
        if value is None and required:
            raise RowError(field, "不能为空")
        return value

    def text(self, field: str) -> str | None:
        """Free text or a name: invisible characters removed, cut to `max_text_chars`."""
        value = self.raw(field)
        if value is None:
            return None
        limit = self.settings.max_text_chars
        text, cut = clean_text(value, limit)
        if cut:
            self.notes.append(RowError(field, cut_notice(len(value), limit)))
        return text or None

    def required(self, field: str) -> str:
        value = self.text(field)
        if value is None:
            raise RowError(field, "不能为空")
        return value

    def id(self, field: str, *, required: bool = False) -> str | None:
        """A group, owner or person id, normalised (DESIGN.md, Real exports)."""
        value = self.raw(field)
        try:
            account = normalize_id(value, self.settings.max_id_chars) if value else ""
        except ValueRefused as refused:
            raise RowError(field, str(refused)) from None
        if not account and required:
            raise RowError(field, "不能为空")
        return account or None

    def email(self, field: str, *, required: bool = False) -> str | None:
        """One checked address. An unusable one is a row error when `required`; else it is
        reported and left out, and the field is remembered in `bad_emails`, so that what it
        would have routed is unroutable (never sent to a guessed address)."""
        value = self.given(field, required=required)
        if value is None:
            return None
        try:
            return check_email(value)
        except ValueRefused as refused:
            if required:
                raise RowError(field, str(refused)) from None
            self.notes.append(RowError(field, f"{refused};该地址不会被使用"))
            self.bad_emails.append(field)
            return None

    def date(
        self, field: str, *, required: bool = False, happened_by: date | None = None
    ) -> date | None:
        """A date; with `happened_by` (today) one that cannot be in the future either. A
        "never" marker (无, 未知, -, 0, 0000-00-00 …) is an empty cell (DESIGN.md, Real
        exports)."""
        value = self.given(field, required=required)
        if value is not None and is_never(value):
            if required:
                raise RowError(field, f"不能为空(“{value}”表示没有日期)")
            return None
        if value is None:
            return None
        try:
            day = parse_date(value)
            return check_not_future(day, happened_by, value) if happened_by else day
        except DateFormatError as error:
            raise RowError(field, str(error)) from None

    def word(self, field: str, words: Mapping[str, T], default: T | None = None) -> T | None:
        value = self.text(field)
        if value is None:
            return default
        found = words.get(value.casefold())
        if found is None:
            allowed = "、".join(sorted({w for w in words if w}))
            raise RowError(field, f"无法识别的取值“{value}”(可用:{allowed})")
        return found


def is_blank(cells: list[str]) -> bool:
    """A blank line of an export: skipped, and no error."""
    return not any(cell.strip() for cell in cells)


# A total or summary row, as exports and Excel tables write them: 汇总 (Excel's table total
# row in Chinese), 合计, 总计, 小计, Total, 共 150 人 (QQ exporters' last line).
_SUMMARY = re.compile(
    r"(汇总|合计|总计|小计|总数|总人数|total|sum|grand total|共\s*\d+\s*(人|名|位|条|个|名成员)?)"
    r"\s*[:：]?\s*\d*\s*(人|名)?",
    re.IGNORECASE,
)
SUMMARY_ROW = "汇总行(如“汇总”“合计”“共 N 人”),不是数据,已跳过"


def is_summary(cells: list[str]) -> bool:
    """A total or summary row: one of its cells is nothing but a summary word (with a count).
    Skipped with a warning, never read as a member, a person or a filing."""
    return any(_SUMMARY.fullmatch(cell.strip()) for cell in cells if cell.strip())


def summary_warning(table: Table, row: int) -> DataError:
    return DataError(file=table.name, row=row, reason=SUMMARY_ROW, warning=True)


def parse_rows(
    table: Table, parse: Callable[[Row], T], errors: list[DataError], settings: Settings
) -> Iterator[tuple[int, T]]:
    """Parsed rows with their spreadsheet row numbers; bad rows and repairs go to `errors`."""
    for index, cells in enumerate(table.rows):
        if is_blank(cells):
            continue
        number = table.row_number(index)
        row = Row(table, cells, settings)
        try:
            value = parse(row)
        except RowError as error:
            if is_summary(cells):
                errors.append(summary_warning(table, number))
            else:
                errors.append(row_error(table, number, error.field, error.reason))
            continue
        errors.extend(row_error(table, number, note.field, note.reason) for note in row.notes)
        yield number, value


def parse_table(
    parse: Callable[[Row], T], settings: Settings
) -> Callable[[SourceFile, Table, list[DataError]], list[T]]:
    """A table consumer that keeps every row `parse` accepts."""

    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> list[T]:
        return [value for _, value in parse_rows(table, parse, errors, settings)]

    return consume


def row_error(
    table: Table, row: int, field: str | None, reason: str, *, warning: bool = False
) -> DataError:
    column = None if field is None else table.column_name(field)
    return DataError(file=table.name, row=row, column=column, reason=reason, warning=warning)
