"""Read any file of the data root as tables: XLSX by its zip signature, else text."""

from __future__ import annotations

from pathlib import PurePosixPath

from chalicelib.core.settings import Settings
from chalicelib.intake.readers.table import FileRejected, RowProblem, Table, not_a_table
from chalicelib.intake.readers.text import read_text_table
from chalicelib.intake.readers.xlsx import read_workbook
from chalicelib.intake.schema import TableSchema

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")

__all__ = ["FileRejected", "RowProblem", "Table", "check_size", "not_a_table", "read_tables"]


def check_size(size: int, settings: Settings) -> None:
    if size > settings.max_file_bytes:
        raise FileRejected(
            f"文件大小 {size} 字节,超过 {settings.max_file_bytes} 字节的上限,请拆分后重新上传"
        )


def read_tables(
    path: str, data: bytes, schema: TableSchema, settings: Settings, *, all_sheets: bool = False
) -> tuple[list[Table], list[str]]:
    """The tables of one file and the reasons for parts (sheets) that are not tables.

    Raises FileRejected when the file as a whole cannot be read."""
    check_size(len(data), settings)
    if not data.strip():
        raise FileRejected("文件为空")
    reason = not_a_table(data)
    if reason is not None:
        raise FileRejected(reason)
    if data.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)):
        return read_workbook(path, data, schema, settings, all_sheets=all_sheets)
    try:
        return [read_text_table(path, data, schema, settings)], []
    except FileRejected as rejected:
        if PurePosixPath(path).suffix.lower() in WORKBOOK_SUFFIXES:
            raise FileRejected(
                f"{rejected.reason}(文件名为 Excel 工作簿,但内容不是;"
                "请用 Excel 或 WPS 打开后另存为 XLSX 或 CSV)"
            ) from None
        raise
