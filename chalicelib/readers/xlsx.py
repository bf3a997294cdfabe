"""XLSX (and legacy XLS) workbooks, read with python-calamine: the first sheet, or every
sheet for rosters. Ids stay strings: a QQ number in a number cell reads `12345`, not
`12345.0`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import python_calamine as calamine

from chalicelib.readers.table import FileRejected, Table, limited, locate_table
from chalicelib.schema import TableSchema
from chalicelib.settings import Settings

_UNREADABLE = (
    calamine.CalamineError,
    calamine.ZipError,
    calamine.XmlError,
    calamine.PasswordError,
    ValueError,
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
    try:
        workbook = calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except _UNREADABLE as error:
        raise FileRejected(f"不是有效的 Excel 工作簿:{error}") from None
    names = [m.name for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    if not all_sheets:
        names = names[:1]
    tables: list[Table] = []
    problems: list[str] = []
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except _UNREADABLE as error:
            problems.append(f"工作表“{name}”无法读取:{error}")
            continue
        if sheet.total_height * sheet.total_width > settings.max_cells:
            raise FileRejected(
                f"工作表“{name}”有 {sheet.total_height} 行 × {sheet.total_width} 列,"
                f"超过 {settings.max_cells} 个单元格的上限"
            )
        if sheet.height == 0 and all_sheets:
            continue  # an empty extra sheet in a roster workbook is not an error
        try:
            table = locate_table(_text_rows(sheet), schema, path, sheet=name)
        except FileRejected as rejected:
            if not all_sheets:
                raise
            problems.append(rejected.reason)
            continue
        table.rows = limited(table.rows, settings.max_rows, f"工作表“{name}”")
        tables.append(table)
    if not tables and not problems:
        raise FileRejected("工作簿中没有任何数据")
    return tables, problems


def _text_rows(sheet: Any) -> Iterator[list[str]]:
    for row in sheet.iter_rows():
        yield [c if c.__class__ is str else cell_text(c) for c in row]
