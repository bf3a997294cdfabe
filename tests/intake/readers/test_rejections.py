"""Files that are not tables, or over a limit, are rejected whole with a clear reason."""

from __future__ import annotations

import codecs
import io
import random
import zipfile
from typing import Any

import pytest

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected
from tests.intake.readers import limits, lines, read, xlsx_bytes


def rejection(
    data: bytes, table_schema: schema.TableSchema = schema.DIRECTORY, **kwargs: Any
) -> str:
    with pytest.raises(FileRejected) as caught:
        tables, _ = read(data, table_schema, **kwargs)
        for table in tables:  # limits on rows are enforced while the rows stream
            list(table.rows)
    assert caught.value.reason == str(caught.value)
    return caught.value.reason


@pytest.mark.parametrize("data", [b"", b" \r\n\t\n  "], ids=["empty", "whitespace"])
def test_rejects_empty_file(data: bytes) -> None:
    assert rejection(data) == "文件为空"


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8,
        codecs.BOM_UTF8 + b"\r\n \r\n",
        codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"),
    ],
    ids=["utf-8-bom-only", "utf-8-bom-blank-lines", "utf-16-bom-blank"],
)
def test_rejects_file_holding_only_a_bom_and_blanks_as_empty(data: bytes) -> None:
    assert rejection(data) == "文件为空"


def test_rejects_binary_garbage_with_nul_bytes() -> None:
    garbage = bytes(random.Random(7).randrange(256) for _ in range(4096)) + b"\x00\x00"
    assert "不是文本表格" in rejection(b"\x00" + garbage)


def test_rejects_utf16_without_bom_with_a_hint_to_save_with_bom() -> None:
    data = lines("学号,姓名,状态", "1,张三,在读").encode("utf-16-le")
    assert "BOM" in rejection(data)


def test_rejects_bytes_that_are_neither_utf8_nor_gb18030() -> None:
    data = lines("学号,姓名,状态", "1,张三,在读").encode("utf-8") + b"\x81\x20\x81\x20\n"
    reason = rejection(data)
    assert "无法识别文件编码" in reason
    assert "UTF-8" in reason and "GB18030" in reason


def test_rejects_utf8_bom_followed_by_gbk_bytes() -> None:
    # GIVEN a file that starts with a UTF-8 BOM but whose text was saved as GBK
    data = codecs.BOM_UTF8 + lines("学号,姓名,状态", "1,张三,在读").encode("gbk")
    # THEN it is rejected (not a crash with UnicodeDecodeError)
    assert "UTF-8" in rejection(data)


def test_rejects_utf16_bom_with_truncated_content() -> None:
    data = codecs.BOM_UTF16_LE + "学号,姓名".encode("utf-16-le") + b"\x00"
    assert "UTF-16" in rejection(data)


@pytest.mark.parametrize(
    "data",
    [
        bytes(random.Random(3).randrange(128, 256) for _ in range(4096)),  # decodes as GB18030
        bytes(random.Random(3).randrange(256) for _ in range(4096)) + b"\x00",
        "<html><table><tr><td>工号</td></tr></table></html>".encode(),  # a web page saved as .xls
    ],
    ids=["high-bytes", "with-nul", "html"],
)
def test_rejects_a_file_named_as_workbook_that_is_not_one_with_a_hint(data: bytes) -> None:
    reason = rejection(data, path="directory/staff.xls")
    assert "文件名为 Excel 工作簿,但内容不是" in reason
    assert "另存为 XLSX 或 CSV" in reason


def test_text_table_named_as_workbook_is_read() -> None:
    # GIVEN a tab-separated export that a web system named .xls
    data = lines("工号\t姓名\t状态", "T1\t张三\t在职").encode("gbk")
    tables, _ = read(data, schema.DIRECTORY, path="directory/export.xls")
    assert [row[0] for row in tables[0].rows] == ["T1"]


@pytest.mark.parametrize("path", ["directory/staff.xlsx", "directory/staff.csv"])
def test_rejects_garbage_behind_a_zip_signature(path: str) -> None:
    reason = rejection(b"PK\x03\x04" + b"not really a zip" * 10, path=path)
    assert "不是有效的 Excel 工作簿" in reason


def test_rejects_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    reason = rejection(buffer.getvalue(), path="directory/a.xlsx")
    assert reason.startswith("这是 ZIP 压缩包(请解压后分别上传其中的表格),不是 Excel 工作簿")


def test_rejects_legacy_xls_signature_with_garbage() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "不是有效的 Excel 工作簿" in rejection(data, path="directory/a.xls")


def test_rejects_file_with_no_member_id_column_naming_table_and_aliases() -> None:
    # GIVEN a roster export without any member id column
    data = lines("昵称,入群时间", "张三,2024-03-05").encode("utf-8")
    # WHEN read THEN the reason names the table and every accepted alias of member_id
    reason = rejection(data, schema.ROSTERS)
    assert "群成员导出" in reason
    assert "前 20 行" in reason
    for alias in schema.ROSTERS.field("member_id").accepted:
        assert alias in reason


def test_rejects_filing_list_missing_filed_on_naming_it() -> None:
    data = lines("平台,群号,单位", "qq,1,计算机学院").encode("utf-8")
    reason = rejection(data, schema.FILINGS)
    assert "群组审备登记表" in reason
    assert "备案日期" in reason and "filed_on" in reason


def test_rejects_header_below_the_twentieth_line() -> None:
    data = ("说明\n" * 20 + lines("学号,姓名,状态", "1,张三,在读")).encode("utf-8")
    assert "找不到" in rejection(data)


def test_a_field_over_max_cell_chars_is_a_row_problem_not_a_rejection() -> None:
    # GIVEN a 200,000-character name on row 2 (over Excel's 32,767) and a good row 3
    data = ('学号,姓名,状态\n1,"' + "x" * 200_000 + '",在读\n2,李四,在读\n').encode("utf-8")
    # WHEN read THEN the file is read: row 2 is blank and reported, row 3 is read
    tables, _ = read(data, schema.DIRECTORY)
    assert [row[0] for row in tables[0].rows] == ["", "2"]
    assert [(p.row, p.column) for p in tables[0].problems] == [(2, 1)]
    assert "单元格超过 32767 个字符" in tables[0].problems[0].reason


def test_rejects_file_over_max_file_bytes_with_the_limit() -> None:
    data = lines("学号,姓名,状态", "1,张三,在读").encode("utf-8")
    reason = rejection(data, settings=limits(max_file_bytes=10))
    assert f"文件大小 {len(data)} 字节" in reason
    assert "10 字节的上限" in reason


def test_accepts_file_of_exactly_max_file_bytes() -> None:
    data = lines("学号,姓名,状态", "1,张三,在读").encode("utf-8")
    tables, _ = read(data, schema.DIRECTORY, settings=limits(max_file_bytes=len(data)))
    assert len(list(tables[0].rows)) == 1


def csv_with_rows(count: int) -> bytes:
    return lines("学号,姓名,状态", *(f"{i},张{i},在读" for i in range(count))).encode("utf-8")


def test_rejects_csv_over_max_rows_with_the_limit() -> None:
    assert "超过 5 行的上限" in rejection(csv_with_rows(6), settings=limits(max_rows=5))


def test_accepts_csv_of_exactly_max_rows() -> None:
    tables, _ = read(csv_with_rows(5), schema.DIRECTORY, settings=limits(max_rows=5))
    assert len(list(tables[0].rows)) == 5


def test_rejects_csv_over_max_cells_with_the_cell_limit() -> None:
    # GIVEN 3 columns and a limit of 12 cells: 4 data rows fit, 5 do not
    reason = rejection(csv_with_rows(5), settings=limits(max_cells=12))
    # THEN the message names the cell limit
    assert "12 个单元格的上限" in reason
    tables, _ = read(csv_with_rows(4), schema.DIRECTORY, settings=limits(max_cells=12))
    assert len(list(tables[0].rows)) == 4


def test_rejects_xlsx_over_max_rows_with_the_limit() -> None:
    data = xlsx_bytes({"名册": [["学号", "姓名", "状态"], *([i, "张", "在读"] for i in range(6))]})
    reason = rejection(data, path="directory/a.xlsx", settings=limits(max_rows=5))
    assert "工作表“名册”超过 5 行的上限" in reason


def test_rejects_xlsx_over_max_cells_with_the_limit() -> None:
    data = xlsx_bytes({"名册": [["学号", "姓名", "状态"], *([i, "张", "在读"] for i in range(6))]})
    reason = rejection(data, path="directory/a.xlsx", settings=limits(max_cells=12))
    assert "7 行 × 3 列" in reason
    assert "12 个单元格的上限" in reason
