"""CSV records read a batch at a time, where one damaged record spoils only its own row.

Most exports are plain: no quote, no NUL, one kind of line break, no line longer than
`max_cell_chars`. Such a text is split at its line breaks and delimiter (`SplitRows`):
exactly the records csv.reader gives (an empty line is an empty record), for about two
thirds of its cost. Any other text is read by csv.reader (`CsvRows`); `text_rows` chooses.

csv.reader parses whole batches at C speed. A record it cannot read (a cell longer than
`max_cell_chars`, Excel's own limit) and a record holding NUL characters (bytes damaged in
transfer) become blank rows and row problems; reading resumes at the next record, found as
csv.reader would find it (a quoted cell may span lines). A file without NUL and without an
oversized cell pays one search for NUL in the whole file, nothing per row."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from itertools import islice

from chalicelib.intake.readers.table import BatchedRows, RowProblem

NUL = "\x00"
UNCLOSED_QUOTE = (
    "此行有一个未闭合的引号,其后 {lines} 行被读成了这一行的一个单元格;此行未读取,其后的行"
    '照常读取。请检查此行中的英文引号(")'
)
NUL_REASON = "此行含有空字符(NUL),文件可能在传输或导出时损坏,此行未读取"
# From after an opening quote to just after its closing quote; `""` is a quote inside.
_QUOTED_TAIL = re.compile(r'[^"]*+(?:""[^"]*+)*+"')


def oversized_reason(max_cell_chars: int) -> str:
    return (
        f"单元格超过 {max_cell_chars} 个字符(Excel 单元格的上限),此行未读取;"
        "请检查该行是否损坏或误粘贴了大段内容"
    )


def text_rows(
    text: str, delimiter: str, max_cell_chars: int, *, max_lines: int, has_nul: bool
) -> BatchedRows:
    """The records of a decoded CSV/TXT text. A text of more than `max_lines` line breaks
    is read by csv.reader a batch at a time: split whole, a hostile file of short lines
    would take ~60 bytes a line."""
    lines = None if has_nul else plain_lines(text, max_cell_chars, max_lines)
    if lines is not None:
        return SplitRows(lines, delimiter)
    return CsvRows(text, delimiter, max_cell_chars, has_nul=has_nul)


def plain_lines(text: str, max_chars: int, max_lines: int) -> list[str] | None:
    """The lines of a text that splitting reads as csv.reader does: no quote (a quoted cell
    may hold delimiters and line breaks), every line break one `\n` or every one `\r\n`
    (to csv.reader a lone `\r` is one too), no line over `max_chars` (so no cell over
    csv.reader's field limit), at most `max_lines` line breaks; else None."""
    if '"' in text or (len(text) > max_lines and text.count("\n") > max_lines):
        return None  # (a text of at most max_lines characters has at most as many breaks)
    windows = "\r" in text
    lines = text.split("\r\n" if windows else "\n")
    if windows and not len(lines) - 1 == text.count("\r") == text.count("\n"):
        return None  # a break other than `\r\n`: each `\r\n` splits off one line
    if lines[-1] == "":
        lines.pop()  # the last line's break ends it; nothing follows
    if lines and max(map(len, lines)) > max_chars:
        return None
    return lines


class SplitRows(BatchedRows):
    """The records of a plain text's lines (`plain_lines`), as csv.reader reads them."""

    def __init__(self, lines: list[str], delimiter: str) -> None:
        super().__init__()
        self.lines = lines
        self.delimiter = delimiter
        self.records = 0  # records read so far

    def read_batch(self, size: int) -> list[list[str]]:
        lines = self.lines[self.records : self.records + size]
        self.records += len(lines)
        delimiter = self.delimiter
        return [line.split(delimiter) if line else [] for line in lines]


class CsvRows(BatchedRows):
    """The records of a decoded CSV/TXT text, numbered from the file's first line."""

    def __init__(
        self, text: str, delimiter: str, max_cell_chars: int, *, has_nul: bool | None = None
    ) -> None:
        """`has_nul`: whether `text` holds a NUL, when the caller already knows."""
        super().__init__()
        self.text = text
        self.delimiter = delimiter
        self.max_cell_chars = max_cell_chars
        self.stream = io.StringIO(text, newline="")
        self.reader = csv.reader(self.stream, delimiter=delimiter)
        self.has_nul = NUL in text if has_nul is None else has_nul
        self.records = 0  # records read so far; the next one is row `records + 1`
        self.width = 0  # cells of the widest record read so far (the header's, at least)

    def read_batch(self, size: int) -> list[list[str]]:
        csv.field_size_limit(self.max_cell_chars)  # process-wide: set again for each batch
        start = self.stream.tell()
        batch: list[list[str]] = []
        clean_from, clean_rows = start, 0  # where the rows read since the last error begin
        lines_before = self.reader.line_num
        while len(batch) < size:
            try:
                batch.extend(islice(self.reader, size - len(batch)))  # keeps rows read
                break
            except csv.Error as error:
                row = self.records + len(batch) + 1
                clean_from = self._skip_record(clean_from, len(batch) - clean_rows, row, error)
                batch.append([])
                clean_rows = len(batch)
        if clean_from == start and self.reader.line_num - lines_before > len(batch):
            batch = self._cut_at_swallowed_rows(batch, start)  # some record spans lines
        if batch:
            self.width = max(self.width, max(map(len, batch)))
        if self.has_nul and self.text.find(NUL, start, self.stream.tell()) >= 0:
            self._blank_rows_with_nul(batch)
        self.records += len(batch)
        return batch

    def _cut_at_swallowed_rows(self, batch: list[list[str]], start: int) -> list[list[str]]:
        """A quote opened and never closed makes csv.reader read the lines after it into
        one cell. The first record holding a cell whose continuation lines look like rows
        (as many delimiters as a row has) becomes a blank row and a row problem, and
        reading resumes on the line after its first."""
        for index, row in enumerate(batch):
            width = max(self.width, *(len(r) for r in batch[:index]), 2)
            column = next(
                (i for i, cell in enumerate(row) if _swallows(cell, self.delimiter, width)), None
            )
            if column is None:
                continue
            self.stream.seek(start)  # re-read the rows before it, to find where it starts
            for _ in range(index):
                next(self.reader)
            line_end = self.text.find("\n", self.stream.tell())
            self.stream.seek(len(self.text) if line_end < 0 else line_end + 1)
            lines = row[column].count("\n")
            self.problems.append(
                RowProblem(self.records + index + 1, column, UNCLOSED_QUOTE.format(lines=lines))
            )
            return [*batch[:index], []]
        return batch

    def _skip_record(self, clean_from: int, clean_rows: int, row: int, error: csv.Error) -> int:
        """Move past the record csv.reader failed on; where the next record starts."""
        self.stream.seek(clean_from)  # re-read the rows before it, to find where it starts
        for _ in range(clean_rows):
            next(self.reader)
        end, column = record_end(self.text, self.stream.tell(), self.delimiter, self.max_cell_chars)
        self.stream.seek(end)
        if "field limit" in str(error):
            reason = oversized_reason(self.max_cell_chars)
        else:
            reason = f"CSV 格式错误:{error},此行未读取"
        self.problems.append(RowProblem(row, column, reason))
        return end

    def _blank_rows_with_nul(self, batch: list[list[str]]) -> None:
        for index, row in enumerate(batch):
            column = next((i for i, cell in enumerate(row) if NUL in cell), None)
            if column is not None:
                batch[index] = []
                self.problems.append(RowProblem(self.records + index + 1, column, NUL_REASON))


def record_end(text: str, start: int, delimiter: str, max_chars: int) -> tuple[int, int | None]:
    """Where the record starting at `start` ends (after its line break), read as csv.reader
    reads the default dialect, and the index of its first cell over `max_chars`."""
    stops = _stops(delimiter)
    position, column, oversized = start, 0, None
    while True:
        cell_start, quotes = position, 0
        if text.startswith('"', position):
            closing = _QUOTED_TAIL.match(text, position + 1)
            if closing is None:  # an unclosed quote runs to the end of the text
                position = len(text)
            else:
                quotes = 2 + text.count('""', position + 1, closing.end() - 1)
                position = closing.end()
        stop = stops.search(text, position)
        cell_end = len(text) if stop is None else stop.start()
        if oversized is None and cell_end - cell_start - quotes > max_chars:
            oversized = column
        if stop is None:
            return len(text), oversized
        position = stop.end()
        if stop.group() != delimiter:
            if stop.group() == "\r" and text.startswith("\n", position):
                position += 1
            return position, oversized
        column += 1


def _swallows(cell: str, delimiter: str, width: int) -> bool:
    """Whether a cell holds lines that look like whole rows of `width` cells."""
    if "\n" not in cell:
        return False
    first = cell.split("\n", 2)[1]
    return first.count(delimiter) >= width - 1


@cache
def _stops(delimiter: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(delimiter)}\r\n]")


def mostly_binary(text: str) -> bool:
    """Whether NUL characters are on more than half of the lines: binary content or UTF-16
    without a BOM, not a few damaged rows."""
    lines = max(text.count("\n"), text.count("\r")) + (not text.endswith(("\n", "\r")))
    damaged, position = 0, text.find(NUL)
    while position >= 0:
        damaged += 1
        if damaged * 2 > lines:
            return True
        line_end = text.find("\n", position)
        if line_end < 0:
            break
        position = text.find(NUL, line_end)
    return False
