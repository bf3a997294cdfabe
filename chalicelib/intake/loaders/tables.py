"""Read one file of the data root as tables (chalicelib/intake/catalogue.py reads a
folder's files, one at a time, with this).

A file is all or nothing: when any of its tables is rejected (not a table, over a limit),
none of its rows are kept and one error names the file and the reason. Within a file that
is read, a row the reader could not read (a NUL byte, an oversized cell) is a row error,
like a row its consumer refuses; every other row is read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.intake.readers import FileRejected, Table, check_size, read_tables
from chalicelib.intake.schema import TableSchema
from chalicelib.intake.source import DataSource, SourceFile, SourceFileGone

T = TypeVar("T")
Consume = Callable[[SourceFile, Table, list[DataError]], T]

FILE_GONE = "文件在读取时已不存在(可能已被移走或删除),本次未读取;如仍需检查,请重新上传"
LITTER = (
    "这是操作系统或办公软件自动生成的文件(如 .DS_Store、Thumbs.db、以 ~$ 开头的 Excel 锁定文件),"
    "不是数据表,已跳过;可以删除"
)
# Files a computer leaves beside the real ones: Finder's folder settings and the copies
# macOS writes of a file's metadata (`._名册.xlsx`), Explorer's thumbnails and folder
# settings, the lock files of an open workbook (Excel `~$`, LibreOffice `.~lock.…#`).
_LITTER_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_LITTER_PREFIXES = ("~$", "._", ".~lock.")


def is_litter(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name.casefold() in _LITTER_NAMES or name.startswith(_LITTER_PREFIXES)


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
    if is_litter(file.path):  # not a table: rejecting it would hold the week's findings
        errors.append(DataError(file=file.path, reason=LITTER, warning=True))
        return []
    row_errors: list[DataError] = []
    results: list[T] = []
    try:
        check_size(file.size, settings)  # before reading it into memory
        tables, problems = read_tables(
            file.path,
            source.read(file.path, at_most=settings.max_file_bytes),
            schema,
            settings,
            all_sheets=all_sheets,
        )
        for table in tables:
            table_errors: list[DataError] = []
            results.append(consume(file, table, table_errors))
            row_errors.extend(_in_row_order(table_errors, reader_errors(table)))
            row_errors.extend(
                DataError(file=table.name, reason=warning, warning=True)
                for warning in table.warnings
            )
    except SourceFileGone:
        errors.append(DataError(file=file.path, reason=FILE_GONE))
        return []
    except FileRejected as rejected:
        errors.append(DataError(file=file.path, reason=rejected.reason))
        return []
    errors.extend(DataError(file=file.path, reason=problem) for problem in problems)
    errors.extend(row_errors)
    return results


def reader_errors(table: Table) -> list[DataError]:
    """The rows of `table` the reader could not read, as row errors."""
    return [
        DataError(
            file=table.name,
            row=problem.row,
            column=_column(table, problem.column, problem.row),
            reason=problem.reason,
        )
        for problem in table.problems
    ]


def _column(table: Table, index: int | None, row: int) -> str | None:
    if index is None or index >= len(table.header) or row <= table.header_row:
        return None
    return table.header[index].strip() or None


def _in_row_order(consumed: list[DataError], read: list[DataError]) -> list[DataError]:
    """The consumer's errors (already in row order) and the reader's, merged by row."""
    if not read:
        return consumed
    return sorted(consumed + read, key=lambda error: error.row or 0)
