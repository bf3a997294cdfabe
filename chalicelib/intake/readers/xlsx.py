"""XLSX (and legacy XLS) workbooks, read with python-calamine: the first sheet, or every
sheet for rosters. Ids stay strings: a QQ number in a number cell reads `12345`, not
`12345.0`.

Before calamine parses anything of an XLSX, every part of its zip is bounded by
`max_part_bytes` (parts.py) and each sheet to be read by `max_cells` (extent.py)."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

import python_calamine as calamine

from chalicelib.core.settings import Settings
from chalicelib.intake.readers.archive import check_one_archive
from chalicelib.intake.readers.extent import sheet_extent
from chalicelib.intake.readers.opening import check_opening_parts
from chalicelib.intake.readers.parts import (
    PartLimits,
    check_claimed_sizes,
    check_real_sizes,
)
from chalicelib.intake.readers.sheetparts import sheet_parts
from chalicelib.intake.readers.table import (
    ACCEPTED,
    FileRejected,
    Table,
    locate_table,
    too_many_rows,
)
from chalicelib.intake.schema import TableSchema

_UNREADABLE = (
    calamine.CalamineError,
    calamine.ZipError,
    calamine.XmlError,
    calamine.PasswordError,
    ValueError,
)
# NotImplementedError: a compression method zipfile lacks; RuntimeError: an encrypted part.
# UnicodeDecodeError: an entry flagged UTF-8 whose name is not.
_BROKEN_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
)


def cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_workbook(
    path: str, data: bytes, schema: TableSchema, settings: Settings, *, all_sheets: bool
) -> tuple[list[Table], list[str]]:
    """Tables of the workbook, and the reasons for sheets that are not tables."""
    archive, parts = _checked_archive(data, settings)
    if archive is not None and not any(
        n.lower().endswith("workbook.xml") for n in archive.namelist()
    ):
        raise FileRejected(f"{_zip_kind(archive.namelist())},不是 Excel 工作簿。{ACCEPTED}")
    if archive is not None and not parts:  # calamine would try it as another format
        raise FileRejected(
            "不是有效的 Excel 工作簿:找不到工作表目录(_rels/.rels 与 workbook.xml),"
            "请用 Excel 打开后另存为 .xlsx 再上传"
        )
    try:
        with _no_panic():
            workbook = calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except _UNREADABLE:
        # calamine's own words are English ("Cannot detect file format"): not shown to units
        raise FileRejected(
            "不是有效的 Excel 工作簿:无法识别文件格式,请用 Excel 打开后另存为 .xlsx 再上传"
        ) from None
    names = [m.name for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    if not all_sheets:
        names = names[:1]
    tables: list[Table] = []
    problems: list[str] = []
    for name in names:
        if archive is not None:
            _check_cells(name, *_scan_extent(archive, parts.get(name), name, settings), settings)
        try:
            with _no_panic():
                sheet = workbook.get_sheet_by_name(name)
        except _UNREADABLE as error:
            problems.append(f"工作表“{name}”无法读取:{error}")
            continue
        end = sheet.end or (-1, -1)  # 0-based index of the last row and column
        _check_cells(name, end[0] + 1, end[1] + 1, settings)
        if sheet.height == 0 and all_sheets:
            continue  # an empty extra sheet in a roster workbook is not an error
        try:
            table = locate_table(_text_rows(sheet), schema, path, sheet=name)
        except FileRejected as rejected:
            if not all_sheets:
                raise
            problems.append(rejected.reason)
            continue
        table.limit_rows(settings.max_rows, too_many_rows(f"工作表“{name}”", settings.max_rows))
        table.format = "XLSX 工作簿" if archive is not None else "XLS 工作簿(旧版 Excel)"
        tables.append(table)
    if not tables and not problems:
        raise FileRejected("工作簿中没有任何数据")
    return tables, problems


def _zip_kind(names: list[str]) -> str:
    if any(name.startswith("word/") for name in names):
        return "这是 Word 文档"
    if any(name.startswith("ppt/") for name in names):
        return "这是 PowerPoint 演示文稿"
    return "这是 ZIP 压缩包(请解压后分别上传其中的表格)"


def part_limits(settings: Settings) -> PartLimits:
    return PartLimits(settings.max_part_bytes, settings.max_part_ratio, settings.max_strings_bytes)


def _checked_archive(
    data: bytes, settings: Settings
) -> tuple[zipfile.ZipFile | None, dict[str, str]]:
    """The archive of an XLSX workbook, every part checked against `max_part_bytes`, and its
    sheets' XML parts; (None, {}) for a legacy .xls, whose format caps a sheet at
    65,536 × 256 cells."""
    if not data.startswith(b"PK"):
        return None, {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        check_one_archive(data, archive)
        check_claimed_sizes(archive, part_limits(settings))
        parts = sheet_parts(archive)
        opening = check_opening_parts(archive, part_limits(settings))
        check_real_sizes(archive, part_limits(settings), measured_later={*parts.values(), *opening})
        return archive, parts
    except _BROKEN_ZIP as error:
        raise _broken(error) from None


def _scan_extent(
    archive: zipfile.ZipFile, part: str | None, name: str, settings: Settings
) -> tuple[int, int]:
    """The sheet's extent, measured before it is loaded; a sheet whose part cannot be
    found is not loaded unchecked."""
    missing = FileRejected(f"不是有效的 Excel 工作簿:找不到工作表“{name}”的内部文件")
    if part is None:
        raise missing
    try:
        return sheet_extent(archive, part, settings.max_cells, part_limits(settings))
    except KeyError:
        raise missing from None
    except _BROKEN_ZIP as error:
        raise _broken(error) from None


def _check_cells(name: str, rows: int, columns: int, settings: Settings) -> None:
    if rows * columns > settings.max_cells:
        raise FileRejected(
            f"工作表“{name}”有 {rows} 行 × {columns} 列,超过 {settings.max_cells} 个单元格的上限"
        )


def _text_rows(sheet: Any) -> Iterator[list[str]]:
    with _no_panic():
        for row in sheet.iter_rows():
            # cell_text, with its two commonest cases inline: text, a whole number (an id)
            yield [
                c if c.__class__ is str
                else str(int(c)) if c.__class__ is float and c.is_integer()
                else cell_text(c)
                for c in row
            ]  # fmt: skip


@contextmanager
def _no_panic() -> Iterator[None]:
    """calamine panics (a Rust panic, raised as pyo3's PanicException, a BaseException that
    no `except Exception` catches) on some damaged workbooks, e.g. a truncated .xls: the
    file is rejected like any broken workbook, and the scan goes on."""
    try:
        yield
    except BaseException as error:
        if type(error).__name__ != "PanicException":
            raise
        raise FileRejected("不是有效的 Excel 工作簿:文件不完整或已损坏,读取时出错") from None


def _broken(error: Exception) -> FileRejected:
    """The zip's own message is English ("File is not a zip file"): not shown to units."""
    return FileRejected("不是有效的 Excel 工作簿:文件不完整或已损坏,无法解压,请重新导出后上传")
