"""CSV and TXT exports: UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM; comma or
tab separated."""

from __future__ import annotations

import codecs
from pathlib import PurePosixPath

from chalicelib.core.settings import Settings
from chalicelib.intake.readers.csvrows import NUL, mostly_binary, text_rows
from chalicelib.intake.readers.jsontable import NotJson, looks_like_json, read_json_table
from chalicelib.intake.readers.table import FileRejected, Table, locate_table, too_many_rows
from chalicelib.intake.schema import TableSchema

SNIFF_CHARS = 8192
TAB = "\t"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
NOT_TEXT = "不是文本表格:含有二进制内容(如为 UTF-16 编码,请带 BOM 保存;或另存为 CSV/XLSX)"


def decode(data: bytes) -> tuple[str, str]:
    """The text, and the name of its encoding as a user would say it."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 带 BOM"
        except UnicodeDecodeError:
            raise FileRejected(
                "文件以 UTF-8 BOM 开头,但内容不是有效的 UTF-8(请按 UTF-8 或 GB18030 重新保存)"
            ) from None
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileRejected("文件以 UTF-16 BOM 开头,但内容不是有效的 UTF-16") from None
    for encoding, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030/GBK")):
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    if b"\x00" in data:
        raise FileRejected(NOT_TEXT)
    raise FileRejected("无法识别文件编码:支持 UTF-8(可带 BOM)、GB18030/GBK、带 BOM 的 UTF-16")


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_CHARS]
    return TAB if sample.count(TAB) > sample.count(",") else ","


def _json_table(path: str, text: str, schema: TableSchema) -> Table | None:
    """The table of a JSON export; None when the text is not JSON and the file is not
    named .json (a CSV may begin with `[`)."""
    try:
        return read_json_table(path, text, schema)
    except NotJson:
        if PurePosixPath(path).suffix.lower() == ".json":
            raise
        return None


def read_text_table(path: str, data: bytes, schema: TableSchema, settings: Settings) -> Table:
    """The table of a text file. NUL characters on a few lines are damaged rows (reported
    with the table's problems); on most lines they are binary content or UTF-16 without a
    BOM, and the file is rejected."""
    text, encoding = decode(data)
    if not text.strip():
        raise FileRejected("文件为空")
    # One search of the whole file. The bytes are searched ~10× faster than the decoded
    # text, and in UTF-8 and GB18030 a zero byte is always NUL; not so in UTF-16.
    has_nul = NUL in text if data.startswith(UTF16_BOMS) else b"\x00" in data
    if has_nul and mostly_binary(text):
        raise FileRejected(NOT_TEXT)
    table = _json_table(path, text, schema) if looks_like_json(text) else None
    if table is None:
        delimiter = sniff_delimiter(text)
        rows = text_rows(
            text, delimiter, settings.max_cell_chars, max_lines=settings.max_rows, has_nul=has_nul
        )
        table = locate_table(rows, schema, path)
        table.format = f"{'TSV' if delimiter == TAB else 'CSV'}({encoding})"
    table.limit_rows(settings.max_rows, too_many_rows("表格", settings.max_rows))
    width = max(len(table.header), 1)
    table.limit_rows(
        settings.max_cells // width,
        f"表格有 {width} 列,超过 {settings.max_cells} 个单元格的上限"
        f"(最多 {settings.max_cells // width} 行),请拆分后重新上传",
    )
    return table
