"""The split path (SplitRows: a text without quotes, NUL, mixed line breaks or overlong
lines) must read every text exactly as csv.reader reads it; any other text takes
csv.reader itself (CsvRows)."""

from __future__ import annotations

import csv
import io
import random

import pytest

from chalicelib.intake.readers.csvrows import CsvRows, SplitRows, plain_lines, text_rows
from chalicelib.intake.readers.table import BatchedRows

# Cells with what splitting could get wrong: spaces, tabs, both delimiters, empty cells,
# CJK, a form feed and a Unicode line separator (not line breaks to csv.reader).
PIECES = ["", " ", "a", "张三", "1234567890", "\t", ",", "  x ", "\x0c", "\u2028", "wxid_a1", "；"]


def _random_text(rng: random.Random, delimiter: str) -> str:
    lines = []
    for _ in range(rng.randrange(0, 40)):
        if rng.random() < 0.1:
            lines.append("")  # a blank line: csv.reader gives an empty record
            continue
        cells = ["".join(rng.choices(PIECES, k=rng.randrange(0, 4))) for _ in range(5)]
        lines.append(delimiter.join(cells))
    line_break = rng.choice(["\n", "\r\n"])
    return line_break.join(lines) + (line_break if rng.random() < 0.7 else "")


def _read_all(rows: BatchedRows, size: int) -> list[list[str]]:
    records: list[list[str]] = []
    while batch := rows.read_batch(size):
        records.extend(batch)
    return records


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_split_path_reads_every_text_as_csv_reader_does(delimiter: str) -> None:
    rng = random.Random(21)
    for _ in range(500):
        text = _random_text(rng, delimiter)
        rows = text_rows(text, delimiter, 1000, max_lines=1000, has_nul=False)
        assert isinstance(rows, SplitRows)  # the split path is taken
        expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert _read_all(rows, rng.randrange(1, 7)) == expected, repr(text)
        assert rows.records == len(expected)
        assert rows.problems == []


@pytest.mark.parametrize(
    "text",
    [
        'a,"b,c"\n1,2\n',  # a quoted cell holds the delimiter
        'a,b\n"1\n2",3\n',  # ... or a line break
        "a,b\r1,2\r",  # old Mac line ends
        "a,b\r\n1,2\n3,4\r\n",  # Windows and Unix line ends mixed
        "a,b\r\n1,\r2\r\n",  # a lone carriage return among Windows line ends
        "a,b\n1,\x002\n",  # a NUL: damaged bytes, reported by csv.reader's path
        "a,b\n" + "x" * 50 + ",1\n",  # a line over the cell limit
    ],
)
def test_texts_splitting_could_misread_take_csv_reader(text: str) -> None:
    rows = text_rows(text, ",", 40, max_lines=1000, has_nul="\x00" in text)
    assert isinstance(rows, CsvRows)
    assert _read_all(rows, 1000)  # csv.reader's path reads it (see test_damaged_rows.py)


def test_a_line_at_the_cell_limit_is_split_and_one_over_is_not() -> None:
    assert plain_lines("a,b\n" + "x" * 40 + "\n", 40, 10) is not None
    assert plain_lines("a,b\n" + "x" * 41 + "\n", 40, 10) is None


def test_a_text_of_more_lines_than_the_limit_is_read_a_batch_at_a_time() -> None:
    """A hostile file of millions of short lines is not split whole (memory)."""
    text = "a\n" * 11
    assert isinstance(text_rows(text, ",", 40, max_lines=11, has_nul=False), SplitRows)
    rows = text_rows(text, ",", 40, max_lines=10, has_nul=False)
    assert isinstance(rows, CsvRows)
    assert _read_all(rows, 4) == [["a"]] * 11
