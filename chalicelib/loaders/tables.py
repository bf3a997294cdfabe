"""Read every file under a data-root folder as tables, one file at a time.

A file is all or nothing: when any of its tables is rejected (not a table, over a limit),
none of its rows are kept and one error names the file and the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from chalicelib.models import DataError
from chalicelib.readers import FileRejected, Table, check_size, read_tables
from chalicelib.schema import TableSchema
from chalicelib.settings import Settings
from chalicelib.source import DataSource, SourceFile

T = TypeVar("T")
Consume = Callable[[SourceFile, Table, list[DataError]], T]


def read_folder(
    source: DataSource,
    prefix: str,
    schema: TableSchema,
    settings: Settings,
    errors: list[DataError],
    consume: Consume[T],
    *,
    all_sheets: bool = False,
) -> Iterator[T]:
    """What `consume` made of each table of each file under `prefix`, file by file."""
    for file in source.list(prefix):
        yield from read_file(source, file, schema, settings, errors, consume, all_sheets=all_sheets)


def read_file(
    source: DataSource,
    file: SourceFile,
    schema: TableSchema,
    settings: Settings,
    errors: list[DataError],
    consume: Consume[T],
    *,
    all_sheets: bool = False,
) -> list[T]:
    row_errors: list[DataError] = []
    try:
        check_size(file.size, settings)  # before reading it into memory
        tables, problems = read_tables(
            file.path, source.read(file.path), schema, settings, all_sheets=all_sheets
        )
        results = [consume(file, table, row_errors) for table in tables]
    except FileRejected as rejected:
        errors.append(DataError(file=file.path, reason=rejected.reason))
        return []
    errors.extend(DataError(file=file.path, reason=problem) for problem in problems)
    errors.extend(row_errors)
    return results
