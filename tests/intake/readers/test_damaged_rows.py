"""CSV/TXT rows the reader cannot read (a NUL byte, an oversized cell) are row problems:
the row reaches the consumers blank, every other row is read with its own number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected, RowProblem, Table
from chalicelib.intake.readers.csvrows import (
    NUL_REASON,
    mostly_binary,
    oversized_reason,
    record_end,
)
from chalicelib.intake.readers.table import BATCH_ROWS
from tests.intake.readers import limits, lines, read_one

HEADER = "QQ号,群名片"


def roster(*rows: str) -> bytes:
    return lines(HEADER, *rows).encode("utf-8")


def member_rows(count: int) -> list[str]:
    """Data rows `10002,成员2` ... : member 10000+n is on spreadsheet row n."""
    return [f"{10000 + n},成员{n}" for n in range(2, count + 2)]


def members(table: Table) -> list[str]:
    return [row[0] for row in table.rows]


def test_a_nul_byte_blanks_its_row_only_and_names_row_and_column() -> None:
    # GIVEN rows 2-6, row 4 damaged by a NUL byte in its second cell
    rows = member_rows(5)
    rows[2] = "10004,成\x00员4"
    # WHEN read
    table = read_one(roster(*rows), schema.ROSTERS)
    # THEN row 4 is blank, the others keep their numbers, and the problem names row 4
    assert members(table) == ["10002", "10003", "", "10005", "10006"]
    assert [table.row_number(i) for i in (2, 3)] == [4, 5]
    assert table.problems == [RowProblem(row=4, column=1, reason=NUL_REASON)]


def test_nul_bytes_on_several_rows_of_a_long_file_are_found_in_every_batch() -> None:
    rows = member_rows(2500)
    for row in (10, 1_001, 2_400):  # spreadsheet rows, in three different batches
        rows[row - 2] = f"{10000 + row}\x00,x"
    table = read_one(roster(*rows), schema.ROSTERS)
    read = members(table)
    assert sum(1 for m in read if m) == 2497
    assert [(p.row, p.column) for p in table.problems] == [(10, 0), (1_001, 0), (2_400, 0)]


def test_nul_on_most_lines_is_binary_content_and_rejects_the_file() -> None:
    # GIVEN a UTF-16 export saved without a BOM: ASCII text decodes as UTF-8 with NULs
    data = lines(HEADER.replace("号", ""), "10001,a", "10002,b").encode("utf-16-le")
    with pytest.raises(FileRejected, match="不是文本表格"):
        read_one(data, schema.ROSTERS)


@pytest.mark.parametrize(
    ("text", "binary"),
    [
        ("a\nb\x00\nc\nd\n", False),  # one line of five
        ("a\x00\nb\x00\nc\n", True),  # two lines of four
        ("a\x00b\x00c\x00\n" + "x\n" * 10, False),  # many NULs, but on one line
        ("\x00\n" * 3, True),
    ],
)
def test_mostly_binary_counts_lines_holding_a_nul(text: str, binary: bool) -> None:
    assert mostly_binary(text) is binary


def test_a_cell_over_max_cell_chars_blanks_its_row_only() -> None:
    # GIVEN row 3 with a 50-character name and a 10-character limit
    rows = member_rows(4)
    rows[1] = "10003," + "长" * 50
    # WHEN read
    table = read_one(roster(*rows), schema.ROSTERS, settings=limits(max_cell_chars=10))
    # THEN row 3 is blank and named, the rows after it are read
    assert members(table) == ["10002", "", "10004", "10005"]
    assert table.problems == [RowProblem(row=3, column=1, reason=oversized_reason(10))]
    assert "单元格超过 10 个字符" in table.problems[0].reason


def test_a_cell_of_exactly_max_cell_chars_is_read() -> None:
    table = read_one(
        roster("10002," + "长" * 10), schema.ROSTERS, settings=limits(max_cell_chars=10)
    )
    assert list(table.rows) == [["10002", "长" * 10]]
    assert table.problems == []


def test_an_oversized_quoted_cell_spanning_lines_is_skipped_as_one_record() -> None:
    # GIVEN row 3 holding a quoted cell with line breaks (and a quote), over the limit
    rows = member_rows(3)
    rows[1] = '10003,"第一行\n第二行 ""引号"" ' + "长" * 30 + '\n第三行"'
    # WHEN read
    table = read_one(roster(*rows), schema.ROSTERS, settings=limits(max_cell_chars=20))
    # THEN its continuation lines do not become rows: the next record is row 4
    assert members(table) == ["10002", "", "10004"]
    assert table.row_number(2) == 4
    assert [(p.row, p.column) for p in table.problems] == [(3, 1)]


def test_an_oversized_cell_whose_quote_never_closes_takes_the_rest_of_the_file() -> None:
    # csv.reader reads everything after an unclosed quote as one cell: so does the skip
    rows = member_rows(4)
    rows[1] = '10003,"' + "长" * 30
    table = read_one(roster(*rows), schema.ROSTERS, settings=limits(max_cell_chars=20))
    assert members(table) == ["10002", ""]
    assert [(p.row, p.column) for p in table.problems] == [(3, 1)]


def test_oversized_cells_in_a_row_and_across_a_batch_boundary() -> None:
    # GIVEN oversized cells on two consecutive rows, then on the last row of a batch
    # and the first row of the next
    rows = member_rows(BATCH_ROWS + 10)
    bad = [5, 6, BATCH_ROWS, BATCH_ROWS + 1, BATCH_ROWS + 2]  # spreadsheet rows
    for row in bad:
        rows[row - 2] = f"{10000 + row},{'x' * 30}"
    table = read_one(roster(*rows), schema.ROSTERS, settings=limits(max_cell_chars=20))
    read = members(table)
    # THEN exactly those rows are blank, every other row holds its own member
    assert [table.row_number(i) for i, m in enumerate(read) if not m] == bad
    assert all(m == str(10000 + table.row_number(i)) for i, m in enumerate(read) if m)
    assert [p.row for p in table.problems] == bad


def test_rows_read_one_by_one_through_a_wrapper_are_the_same_rows() -> None:
    # GIVEN a consumer that wraps the table's rows (as upload receipts count them)
    rows = member_rows(1_500)
    rows[1_200] = "10001202,\x00"
    rows[3] = "10005," + "x" * 30
    table = read_one(roster(*rows), schema.ROSTERS, settings=limits(max_cell_chars=20))

    def passed_on(source: Iterator[list[str]]) -> Iterator[list[str]]:
        yield from source

    table.source = passed_on(table.source)
    # WHEN read THEN the rows and the problems are the same as read in batches
    read = members(table)
    assert len(read) == 1_500
    assert [table.row_number(i) for i, m in enumerate(read) if not m] == [5, 1_202]
    assert [p.row for p in table.problems] == [5, 1_202]


def test_two_tables_read_in_turn_each_keep_their_own_cell_limit() -> None:
    # csv.field_size_limit is process-wide: each table sets its own before each batch
    # GIVEN a table whose 5-digit member ids are over its limit of 4, and one without
    strict = read_one(
        roster(*member_rows(3_000)), schema.ROSTERS, settings=limits(max_cell_chars=4)
    )
    loose = read_one(roster(*member_rows(3_000)), schema.ROSTERS)
    strict_batches, loose_batches = strict.batches(), loose.batches()
    # WHEN their batches are read in turn THEN each is read under its own limit
    assert all(any(row) for row in next(loose_batches))
    assert not any(any(row) for row in next(strict_batches))
    assert all(any(row) for row in next(loose_batches))


def test_problems_above_the_header_are_kept_with_their_row_numbers() -> None:
    text = lines("说明\x00", "群号:123456", HEADER, "10004,a")
    table = read_one(text.encode("utf-8"), schema.ROSTERS)
    assert table.header_row == 3
    assert members(table) == ["10004"]
    assert [(p.row, p.column) for p in table.problems] == [(1, 0)]


@pytest.mark.parametrize(
    ("text", "end", "oversized"),
    [
        ("a,b\nc,d\n", 4, None),
        ("a,b\r\nc,d\n", 5, None),
        ("a,b\rc,d\n", 4, None),
        ('a,"b\n,c",d\ne\n', 11, None),
        ('a,"x""y"tail,d\ne\n', 15, None),
        ('a,"' + "x" * 12 + '"\ne\n', 17, 1),
        ('"' + "x" * 8 + '""x",b\ne', 16, None),  # 10 characters: `""` is one quote
        ('"' + "x" * 9 + '""x",b\ne', 17, 0),
        ("a,b", 3, None),
        ('a,"open\nto the end', 18, 1),
        ("a," + "x" * 11 + ",b\n", 16, 1),
    ],
)
def test_record_end_finds_where_csv_reader_ends_the_record(
    text: str, end: int, oversized: int | None
) -> None:
    assert record_end(text, 0, ",", 10) == (end, oversized)
    # the next record starts where csv.reader would start it
    reader = csv.reader(io.StringIO(text, newline=""))
    stream_text = text[end:]
    expected_rest = list(csv.reader(io.StringIO(stream_text, newline="")))
    csv.field_size_limit(1 << 20)
    assert list(reader)[1:] == expected_rest


def test_an_unclosed_quote_loses_its_row_only_not_every_row_after_it() -> None:
    # Reproduces (review): a nickname cell `"阿杰` made csv.reader read rows 3 to 13 into
    # one cell, in silence: the group had 2 members instead of 13.
    rows = member_rows(12)
    rows[1] = '10003,"阿杰'
    # WHEN read
    table = read_one(roster(*rows), schema.ROSTERS)
    # THEN row 3 is a blank row and a row problem; every other row is read
    assert members(table) == ["10002", "", *(f"{10000 + n}" for n in range(4, 14))]
    (problem,) = table.problems
    assert (problem.row, problem.column) == (3, 1) and "未闭合的引号" in problem.reason


def test_a_quoted_cell_with_a_line_break_in_free_text_is_read_as_one_cell() -> None:
    data = lines(
        "platform,group_id,unit,filed_on,purpose",
        'qq,123456,CS,2026-01-01,"用于通知,',
        '发布作业"',
        "qq,123457,CS,2026-01-01,x",
    ).encode()

    table = read_one(data, schema.FILINGS)

    assert [row[4] for row in table.rows] == ["用于通知,\n发布作业", "x"]
    assert table.problems == []
