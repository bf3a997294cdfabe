"""Row-by-row parsing of the small tables, with errors that name the file, row and column."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TypeVar

from chalicelib.dates import DateFormatError, parse_date
from chalicelib.models import DataError
from chalicelib.readers import Table
from chalicelib.source import SourceFile

T = TypeVar("T")


class RowError(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Row:
    """One data row of a table, read field by field."""

    __slots__ = ("cells", "table")

    def __init__(self, table: Table, cells: list[str]):
        self.table = table
        self.cells = cells

    def text(self, field: str) -> str | None:
        index = self.table.columns.get(field)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index].strip() or None

    def required(self, field: str) -> str:
        value = self.text(field)
        if value is None:
            raise RowError(field, "不能为空")
        return value

    def date(self, field: str, *, required: bool = False) -> date | None:
        value = self.required(field) if required else self.text(field)
        if value is None:
            return None
        try:
            return parse_date(value)
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


def parse_rows(
    table: Table, parse: Callable[[Row], T], errors: list[DataError]
) -> Iterator[tuple[int, T]]:
    """Parsed rows with their spreadsheet row numbers; bad rows go to `errors`."""
    for index, cells in enumerate(table.rows):
        if is_blank(cells):
            continue
        try:
            yield table.row_number(index), parse(Row(table, cells))
        except RowError as error:
            errors.append(row_error(table, table.row_number(index), error.field, error.reason))


def parse_table(
    parse: Callable[[Row], T],
) -> Callable[[SourceFile, Table, list[DataError]], list[T]]:
    """A table consumer that keeps every row `parse` accepts."""

    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> list[T]:
        return [value for _, value in parse_rows(table, parse, errors)]

    return consume


def row_error(table: Table, row: int, field: str | None, reason: str) -> DataError:
    column = table.column_name(field) if field is not None and field in table.columns else field
    return DataError(file=table.name, row=row, column=column, reason=reason)
