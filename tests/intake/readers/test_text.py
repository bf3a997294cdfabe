"""CSV/TXT exports: encodings, separators, line endings, quoting, QQ-style preambles."""

from __future__ import annotations

import codecs

import pytest

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected
from tests.intake.readers import lines, read_one, records

DIRECTORY_CSV = lines(
    "学号,姓名,状态,单位", "2021001,张三,在读,计算机学院", "2021002,李四,毕业,外国语学院"
)
DIRECTORY_ROWS = [
    ("2021001", "张三", "在读", "计算机学院"),
    ("2021002", "李四", "毕业", "外国语学院"),
]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(DIRECTORY_CSV.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + DIRECTORY_CSV.encode("utf-8"), id="utf-8-bom"),
        pytest.param(DIRECTORY_CSV.encode("gb18030"), id="gb18030"),
        pytest.param(DIRECTORY_CSV.encode("gbk"), id="gbk"),
        pytest.param(codecs.BOM_UTF16_LE + DIRECTORY_CSV.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + DIRECTORY_CSV.encode("utf-16-be"), id="utf-16-be-bom"),
    ],
)
def test_reads_chinese_headers_and_names_in_every_supported_encoding(data: bytes) -> None:
    # GIVEN a directory with Chinese headers and names, in one of the accepted encodings
    # WHEN it is read
    table = read_one(data, schema.DIRECTORY)
    # THEN the header is found (the BOM is not part of the first column) and names are intact
    assert table.header == ["学号", "姓名", "状态", "单位"]
    assert table.column_name("person_id") == "学号"
    assert records(table, "person_id", "name", "status", "unit") == DIRECTORY_ROWS


def test_reads_gb18030_only_characters() -> None:
    # GIVEN a name with a character outside GBK (𠀀, CJK extension B), saved as GB18030
    data = lines("学号,姓名,状态", "1,王𠀀,在读").encode("gb18030")
    # WHEN read THEN it round-trips
    assert records(read_one(data, schema.DIRECTORY), "name") == [("王𠀀",)]


def test_reads_tab_separated_file() -> None:
    data = DIRECTORY_CSV.replace(",", "\t").encode("utf-8")
    table = read_one(data, schema.DIRECTORY)
    assert records(table, "person_id", "name", "status", "unit") == DIRECTORY_ROWS


def test_reads_crlf_line_endings_without_stray_carriage_returns() -> None:
    data = lines("学号,姓名,状态", "1,张三,在读", "2,李四,离职", newline="\r\n").encode("utf-8")
    table = read_one(data, schema.DIRECTORY)
    assert table.header == ["学号", "姓名", "状态"]
    assert records(table, "person_id", "name", "status") == [
        ("1", "张三", "在读"),
        ("2", "李四", "离职"),
    ]


def test_quoted_fields_keep_commas_and_newlines_and_rows_count_as_records() -> None:
    # GIVEN a quoted name holding a comma and a quoted purpose spanning two lines
    text = lines(
        "平台,群号,群名称,单位,备案日期,用途",
        'qq,1001,"计科,2101班",计算机学院,2024-03-05,"通知\r\n答疑"',
        "qq,1002,网络2102班,计算机学院,2024-03-06,通知",
        newline="\r\n",
    )
    # WHEN read
    table = read_one(text.encode("utf-8"), schema.FILINGS)
    # THEN the fields are intact, and the row after the multi-line record is row 3
    # (a spreadsheet shows one row per record)
    rows = list(table.rows)
    assert rows[0][table.columns["group_name"]] == "计科,2101班"
    assert rows[0][table.columns["purpose"]] == "通知\r\n答疑"
    assert rows[1][table.columns["group_id"]] == "1002"
    assert [table.row_number(i) for i in range(len(rows))] == [2, 3]


def test_ids_stay_strings_with_leading_zeros() -> None:
    data = lines("学号,姓名,状态,QQ号", "0021001,张三,在读,012345").encode("utf-8")
    assert records(read_one(data, schema.DIRECTORY), "person_id", "qq") == [("0021001", "012345")]


def test_first_row_after_header_is_row_two() -> None:
    table = read_one(DIRECTORY_CSV.encode("utf-8"), schema.DIRECTORY)
    assert table.header_row == 1
    assert table.row_number(0) == 2


def test_blank_lines_keep_the_row_numbers_a_spreadsheet_shows() -> None:
    # GIVEN a blank line between two data rows
    data = lines("学号,姓名,状态", "1,张三,在读", "", "2,李四,在读").encode("utf-8")
    table = read_one(data, schema.DIRECTORY)
    # WHEN the rows are read THEN the blank line is an (empty) row 3 and 李四 is on row 4
    rows = list(table.rows)
    assert not any(rows[1])
    assert table.row_number(2) == 4


@pytest.mark.parametrize("colon", [":", "："])
def test_qq_export_preamble_lines_become_table_meta(colon: str) -> None:
    # GIVEN a QQ-style export: 3 preamble lines and a blank line above a tab-separated header
    text = lines(
        f"群名称{colon}计科2101班级群",
        f"群号{colon}123456",
        f"导出时间{colon}2026-11-14 09:30",
        "",
        "QQ号\t群名片\t身份\t入群时间\t最后发言时间",
        "10001\t张三\t群主\t2024-03-05 10:00\t2026-11-13 20:00",
        "10002\t李四\t成员\t2024-03-06\t从未发言",
    )
    # WHEN read as a roster
    table = read_one(text.encode("utf-8"), schema.ROSTERS)
    # THEN the preamble values are the table's meta, and rows number from the file's first line
    assert table.meta == {
        "group_name": "计科2101班级群",
        "group_id": "123456",
        "exported_at": "2026-11-14 09:30",
    }
    assert table.header_row == 5
    assert table.column_name("member_id") == "QQ号"
    assert records(table, "member_id", "role") == [("10001", "群主"), ("10002", "成员")]
    assert [table.row_number(i) for i in range(2)] == [6, 7]


def test_preamble_with_spaces_around_colon_and_in_gbk() -> None:
    text = lines(" 群号 : 654321 ", "成员账号,昵称", "1,a")
    table = read_one(text.encode("gbk"), schema.ROSTERS)
    assert table.meta == {"group_id": "654321"}
    assert table.row_number(0) == 3


def test_preamble_lines_without_known_keys_are_ignored() -> None:
    text = lines("说明:本表由系统导出", "群号:", "成员账号,昵称", "1,a")
    table = read_one(text.encode("utf-8"), schema.ROSTERS)
    assert table.meta == {}
    assert table.header_row == 3


def test_unknown_extra_columns_are_ignored() -> None:
    data = lines("序号,学号,备注,姓名,状态,手机", "1,2021001,x,张三,在读,138").encode("utf-8")
    table = read_one(data, schema.DIRECTORY)
    assert table.columns == {"person_id": 1, "name": 3, "status": 4}
    assert records(table, "person_id", "name", "status") == [("2021001", "张三", "在读")]


def test_of_two_columns_for_the_same_field_the_preferred_alias_wins() -> None:
    # GIVEN both 学号 and 工号 columns (two aliases of person_id)
    data = lines("学号,工号,姓名,状态", "S1,T1,张三,在读").encode("utf-8")
    # THEN the one listed first in the schema is used, whatever the column order
    assert records(read_one(data, schema.DIRECTORY), "person_id") == [("T1",)]


def test_a_column_of_ours_written_twice_rejects_the_file_naming_it() -> None:
    # GIVEN a roster whose header has QQ号 twice (which one holds the members?)
    data = lines("QQ号,群名片,QQ号", "10001,张三,20001").encode("utf-8")
    # WHEN read THEN it is rejected, naming the column and how often it appears
    with pytest.raises(FileRejected) as rejected:
        read_one(data, schema.ROSTERS)
    assert rejected.value.reason.startswith("表头中“QQ号”列出现了 2 次,无法确定使用哪一列")


def test_two_aliases_of_one_field_and_repeated_unknown_columns_are_read() -> None:
    # GIVEN 群名片 and 昵称 (both display_name) and two 备注 columns
    data = lines("QQ号,群名片,昵称,备注,备注", "10001,张三,小张,a,b").encode("utf-8")
    # THEN the first alias is used and the unknown columns are ignored
    table = read_one(data, schema.ROSTERS)
    assert table.columns == {"member_id": 0, "display_name": 1}


def test_header_only_file_is_a_table_without_rows() -> None:
    table = read_one(lines("学号,姓名,状态").encode("utf-8"), schema.DIRECTORY)
    assert list(table.rows) == []
