"""XLSX workbooks: which sheets are read, how cells become text, preambles, limits."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.styles import Font

from chalicelib.core.dates import parse_date, parse_datetime
from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected
from tests.intake.readers import limits, read, read_one, records, xlsx_bytes

ROSTER_HEADER: list[object] = ["QQ号", "群名片", "身份"]


def roster_sheet(*member_ids: object) -> list[list[object]]:
    return [ROSTER_HEADER, *([member_id, "某人", "成员"] for member_id in member_ids)]


def test_reads_only_the_first_sheet_for_tables_other_than_rosters() -> None:
    # GIVEN a directory workbook whose second sheet is also a valid directory
    data = xlsx_bytes(
        {
            "教职工": [["工号", "姓名", "状态"], ["T1", "张三", "在职"]],
            "学生": [["学号", "姓名", "状态"], ["S1", "李四", "在读"]],
        }
    )
    # WHEN read without all_sheets
    table = read_one(data, schema.DIRECTORY, path="directory/people.xlsx")
    # THEN only the first sheet is a table, named after its file and sheet
    assert table.sheet == "教职工"
    assert table.name == "directory/people.xlsx#教职工"
    assert records(table, "person_id") == [("T1",)]


def test_reads_every_sheet_of_a_roster_workbook() -> None:
    data = xlsx_bytes({"群1": roster_sheet("10001"), "群2": roster_sheet("20001", "20002")})
    tables, problems = read(data, schema.ROSTERS, path="rosters/qq/all.xlsx", all_sheets=True)
    assert problems == []
    assert [t.sheet for t in tables] == ["群1", "群2"]
    assert [records(t, "member_id") for t in tables] == [[("10001",)], [("20001",), ("20002",)]]


def test_skips_an_empty_extra_sheet_without_a_problem() -> None:
    data = xlsx_bytes({"群1": roster_sheet("10001"), "Sheet2": [], "Sheet3": []})
    tables, problems = read(data, schema.ROSTERS, all_sheets=True)
    assert [t.sheet for t in tables] == ["群1"]
    assert problems == []


def test_reports_a_sheet_without_header_while_other_sheets_load() -> None:
    # GIVEN a roster workbook whose second sheet is a note, not a member list
    data = xlsx_bytes(
        {
            "群1": roster_sheet("10001"),
            "说明": [["本表由系统导出"], ["请勿修改"]],
            "群3": roster_sheet("30001"),
        }
    )
    # WHEN every sheet is read
    tables, problems = read(data, schema.ROSTERS, all_sheets=True)
    # THEN the two member lists load and the note is one problem naming its sheet
    assert [t.sheet for t in tables] == ["群1", "群3"]
    assert len(problems) == 1
    assert "工作表“说明”" in problems[0]
    assert "member_id" in problems[0]


def test_rejects_workbook_whose_only_sheets_are_empty() -> None:
    with pytest.raises(FileRejected, match="工作簿中没有任何数据"):
        read(xlsx_bytes({"Sheet1": [], "Sheet2": []}), schema.ROSTERS, all_sheets=True)


def test_rejects_workbook_whose_first_sheet_has_no_header_for_other_tables() -> None:
    data = xlsx_bytes({"Sheet1": [["备注"]], "名册": [["工号", "姓名", "状态"]]})
    with pytest.raises(FileRejected, match="工作表“Sheet1”"):
        read(data, schema.DIRECTORY)


def test_ids_in_cells_read_as_a_spreadsheet_shows_them() -> None:
    # GIVEN ids typed as numbers, as text with a leading zero, and a 10-digit QQ number
    data = xlsx_bytes({"成员": roster_sheet(12345, "012345", 9876543210, 1.0)})
    # WHEN read
    table = read_one(data, schema.ROSTERS, all_sheets=True)
    # THEN number cells lose no digits and gain no `.0`; text cells keep their zero
    assert records(table, "member_id") == [("12345",), ("012345",), ("9876543210",), ("1",)]


def test_other_cell_types_become_plain_text() -> None:
    data = xlsx_bytes({"成员": [[*ROSTER_HEADER, "备注"], [10001, 3.5, True, None]]})
    rows = list(read_one(data, schema.ROSTERS).rows)
    assert rows == [["10001", "3.5", "TRUE", ""]]


def test_date_cells_and_serial_numbers_parse_as_dates() -> None:
    # GIVEN join times as Excel date cells and as serial numbers in plain number cells
    header = ["QQ号", "入群时间", "最后发言时间"]
    data = xlsx_bytes(
        {
            "成员": [
                header,
                [10001, datetime(2024, 3, 5, 10, 30), date(2026, 11, 13)],
                [10002, 45356, 45356.75],
            ]
        }
    )
    # WHEN read
    rows = records(read_one(data, schema.ROSTERS), "joined_at", "last_spoke_at")
    # THEN every cell is text the date parser understands
    assert parse_datetime(rows[0][0]) == datetime(2024, 3, 5, 10, 30)
    assert parse_date(rows[0][1]) == date(2026, 11, 13)
    assert parse_date(rows[1][0]) == date(2024, 3, 5)
    assert parse_datetime(rows[1][1]) == datetime(2024, 3, 5, 18, 0)


@pytest.mark.parametrize(
    "preamble",
    [
        [["群号", 123456]],
        [["群号:", "123456"]],
        [["群号:123456"]],
        [["群号：123456"]],
    ],
    ids=["two-cells-number", "two-cells-colon", "one-cell", "one-cell-full-width"],
)
def test_preamble_rows_above_header_become_meta(preamble: list[list[object]]) -> None:
    # GIVEN a group id above the header, then a blank row, then the header on row 3
    data = xlsx_bytes({"成员": [*preamble, [], *roster_sheet(10001, 10002)]})
    # WHEN read
    table = read_one(data, schema.ROSTERS, all_sheets=True)
    # THEN the id is meta and the rows are numbered as the spreadsheet shows them
    assert table.meta == {"group_id": "123456"}
    assert table.header_row == 3
    assert [table.row_number(i) for i in range(2)] == [4, 5]


def test_leading_empty_rows_and_columns_keep_spreadsheet_row_numbers() -> None:
    # GIVEN a header in B3 (rows 1-2 and column A empty)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for column, value in zip("BCD", ROSTER_HEADER, strict=True):
        sheet[f"{column}3"] = value
    sheet["B4"], sheet["B5"] = 10001, 10002
    buffer = io.BytesIO()
    workbook.save(buffer)
    # WHEN read
    table = read_one(buffer.getvalue(), schema.ROSTERS)
    # THEN the header is row 3 and the members are rows 4 and 5
    assert table.header_row == 3
    assert records(table, "member_id") == [("10001",), ("10002",)]
    assert [table.row_number(i) for i in range(2)] == [4, 5]


def workbook_with(cells: dict[str, object], *, styled: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in roster_sheet(10001, 10002):
        sheet.append(row)
    for ref, value in cells.items():
        sheet[ref] = value
    if styled is not None:
        sheet[styled].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_rejects_a_stray_far_cell_before_loading_the_sheet() -> None:
    # GIVEN a small workbook with one stray value at the last cell of the grid
    # (loading it whole would ask for ~500 GB and abort the process)
    data = workbook_with({"XFD1048576": "x"})
    # WHEN read THEN it is rejected with the extent and the limit
    with pytest.raises(FileRejected) as rejected:
        read(data, schema.ROSTERS, all_sheets=True)
    assert "1048576 行 × 16384 列" in rejected.value.reason
    assert "20000000 个单元格的上限" in rejected.value.reason


def test_formatted_empty_cells_do_not_count_towards_max_cells() -> None:
    # GIVEN 3 rows × 3 columns of data and a bold but empty cell at Z500
    data = workbook_with({}, styled="Z500")
    # WHEN read with room for 9 cells THEN the sheet is accepted
    table = read_one(data, schema.ROSTERS, settings=limits(max_cells=9))
    assert len(list(table.rows)) == 2


def test_a_stray_cell_on_an_unread_sheet_does_not_reject_the_file() -> None:
    # GIVEN a units-like workbook: the first sheet is read, the second holds a stray cell
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名", "状态"])
    workbook.active.append(["T1", "张三", "在职"])
    workbook.create_sheet("草稿")["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    # WHEN read without all_sheets THEN the first sheet loads
    table = read_one(buffer.getvalue(), schema.DIRECTORY)
    assert records(table, "person_id") == [("T1",)]


def corrupt_part(data: bytes, part: str) -> bytes:
    """The workbook with the compressed bytes of one part overwritten in the middle."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(part)
    header_length = 30 + len(info.filename.encode()) + len(info.extra)
    start = info.header_offset + header_length + info.compress_size // 2
    return data[:start] + b"\xff" * 8 + data[start + 8 :]


def test_rejects_a_workbook_whose_sheet_data_is_corrupt() -> None:
    # GIVEN a workbook whose sheet XML was damaged in transfer
    data = corrupt_part(
        xlsx_bytes({"成员": roster_sheet(*range(1000))}), "xl/worksheets/sheet1.xml"
    )
    # WHEN read THEN it is rejected with a reason, not an unexpected exception
    with pytest.raises(FileRejected, match="不是有效的 Excel 工作簿"):
        read(data, schema.ROSTERS, all_sheets=True)


def test_a_sheet_whose_header_repeats_a_column_of_ours_is_a_problem_naming_sheet_and_column() -> (
    None
):
    # GIVEN a roster workbook: one good sheet, one with 群名片 written twice
    data = xlsx_bytes(
        {"群1": roster_sheet("10001"), "群2": [["QQ号", "群名片", "群名片"], [20001, "a", "b"]]}
    )
    # WHEN every sheet is read THEN the good one loads and the other is one problem
    tables, problems = read(data, schema.ROSTERS, all_sheets=True)
    assert [t.sheet for t in tables] == ["群1"]
    assert problems == [
        "工作表“群2”表头中“群名片”列出现了 2 次,无法确定使用哪一列。请删除或重命名重复的列后重新上传"
    ]
