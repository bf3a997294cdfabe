"""Column-wise checks for the large tables (rosters, directory).

A batch of rows is checked once per distinct value of each column: an export repeats its
dates, roles and statuses, so the cost per row stays close to the CSV parse itself. Only
when some value is bad are the rows walked one by one, to report each bad row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import itemgetter

from chalicelib.dates import DateFormatError, parse_date
from chalicelib.loaders.rows import row_error
from chalicelib.models import DataError
from chalicelib.readers import Table

ColumnCheck = Callable[[set[str]], dict[str, str]]
"""Distinct values of a column -> {bad value: reason}."""


def each_value(check: Callable[[str], str | None]) -> ColumnCheck:
    def check_column(values: set[str]) -> dict[str, str]:
        reasons = {}
        for value in values:
            reason = check(value)
            if reason is not None:
                reasons[value] = reason
        return reasons

    return check_column


def not_blank(reason: str) -> ColumnCheck:
    def check_column(values: set[str]) -> dict[str, str]:
        if all(map(str.strip, values)):  # at C speed: ids are many and distinct
            return {}
        return {value: reason for value in values if not value.strip()}

    return check_column


def words(known: Mapping[str, object], reason: Callable[[str], str]) -> ColumnCheck:
    """Values that are empty or, trimmed and case-folded, one of the known words."""
    return each_value(
        lambda v: None if not v.strip() or v.strip().casefold() in known else reason(v)
    )


class BatchCheck:
    """The checks of one table's columns, applied to batches of its rows."""

    def __init__(self, table: Table, checks: Mapping[str, ColumnCheck]):
        self.table = table
        self.checks = {f: c for f, c in checks.items() if f in table.columns}
        self.bad: dict[str, dict[str, str]] = {}

    def distinct(self, cells: Sequence[Sequence[str]]) -> dict[str, set[str]]:
        """Distinct values of each checked column of a batch (`cells`: its columns, see
        `transpose`); problems are left in `bad`."""
        self.bad = {}
        values: dict[str, set[str]] = {}
        for name, check in self.checks.items():
            values[name] = set(cells[self.table.columns[name]])
            reasons = check(values[name])
            if reasons:
                self.bad[name] = reasons
        return values

    def drop_bad_rows(
        self,
        rows: list[list[str]],
        row_number: Callable[[list[str]], int],
        errors: list[DataError],
    ) -> list[list[str]]:
        """The good rows; each bad one is reported with its row number, column and reason."""
        kept = []
        for row in rows:
            problem = self._first_problem(row)
            if problem is None:
                kept.append(row)
            elif any(cell.strip() for cell in row):  # a blank line is no error
                errors.append(row_error(self.table, row_number(row), *problem))
        return kept

    def _first_problem(self, row: list[str]) -> tuple[str, str] | None:
        for name, reasons in self.bad.items():
            reason = reasons.get(row[self.table.columns[name]])
            if reason is not None:
                return name, reason
        return None


def padded(batch: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut short by the export get empty cells, so every column can be indexed."""
    if not batch or min(map(len, batch)) >= width:
        return batch
    return [row + [""] * (width - len(row)) if len(row) < width else row for row in batch]


def transpose(rows: list[list[str]], width: int) -> list[tuple[str, ...]]:
    """The columns of padded rows, in one pass at C speed."""
    return list(zip(*rows, strict=False)) if rows else [()] * width


def row_numbers(table: Table, batch: list[list[str]], start: int) -> Callable[[list[str]], int]:
    """Row number (as a spreadsheet shows it) of a row of `batch`, whose first row is the
    `start`-th data row of the table. Built only when a batch has bad rows."""
    offsets = {id(row): offset for offset, row in enumerate(batch)}
    return lambda row: table.row_number(start + offsets[id(row)])


# Date columns. Exports mostly write `YYYY-MM-DD[ HH:MM[:SS]]`: such a column is checked
# once per distinct day, and its earliest and latest day are found by sorting text.

NEVER = {"", "从未发言", "未发言", "never"}
DAY_PREFIX = itemgetter(slice(0, 10))
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


_GOOD_DAYS: set[str] = set()  # `YYYY-MM-DD` texts already found to be real dates
_GOOD_DAYS_MAX = 100_000


def _is_iso_day(text: str) -> bool:
    if not _ISO_DAY.fullmatch(text):
        return False
    try:
        parse_date(text)
    except DateFormatError:
        return False
    if len(_GOOD_DAYS) < _GOOD_DAYS_MAX:
        _GOOD_DAYS.add(text)
    return True


def _iso_days(values: set[str]) -> set[str] | None:
    """The distinct days of values written `YYYY-MM-DD...`, without empty and `never`
    values; None when some value is written otherwise."""
    days = set(map(DAY_PREFIX, values)) - NEVER
    if days <= _GOOD_DAYS or all(map(_is_iso_day, days - _GOOD_DAYS)):
        return days
    return None


def _date_problem(value: str) -> str | None:
    if value.strip().casefold() in NEVER:
        return None
    try:
        parse_date(value)
    except DateFormatError as error:
        return str(error)
    return None


def check_days(values: set[str]) -> dict[str, str]:
    """A date column: empty and `never` (从未发言) values are fine."""
    if _iso_days(values) is not None:
        return {}
    return each_value(_date_problem)(values)


def is_iso_day_column(values: set[str]) -> bool:
    return _iso_days(values) is not None


def parse_day(value: str) -> date | None:
    """The day of a checked date cell; None for empty and `never` (从未发言)."""
    return None if value.strip().casefold() in NEVER else parse_date(value)
