"""A table read from a file (a CSV/TXT file or one XLSX sheet): its header, the values of
any `群号:` style lines above the header, and its data rows as lists of strings."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from chalicelib.intake.schema import TableSchema, export_tool, normalize_header

# What people upload instead of a table, by the first bytes of the file.
NOT_TABLES = (
    (b"%PDF", "这是 PDF 文件"),
    (b"\x89PNG", "这是图片(PNG)"),
    (b"\xff\xd8\xff", "这是图片(JPEG)"),
    (b"GIF8", "这是图片(GIF)"),
    (b"Rar!", "这是 RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "这是 7z 压缩包"),
    (b"\x1f\x8b", "这是 gzip 压缩文件"),
)
ACCEPTED = "请上传系统导出的 CSV 或 Excel(.xlsx)表格,不要上传截图、PDF 或压缩包"


def not_a_table(data: bytes) -> str | None:
    """Why a file is no table at all (a PDF, a picture, an archive), by its first bytes."""
    what = next((what for signature, what in NOT_TABLES if data.startswith(signature)), None)
    return f"{what},不是表格。{ACCEPTED}" if what is not None else None


HEADER_SEARCH_ROWS = 20
BATCH_ROWS = 1_000
_ADDRESS = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}")

# `群号:123456` lines that QQ-style exports put above the header.
PREAMBLE_KEYS = {
    "群号": "group_id",
    "群id": "group_id",
    "group_id": "group_id",
    "群名称": "group_name",
    "群名": "group_name",
    "group_name": "group_name",
    "导出时间": "exported_at",
    "exported_at": "exported_at",
    "平台": "platform",
    "platform": "platform",
    # a post export's account (新媒体发布记录)
    "公众号": "account_name",
    "账号名称": "account_name",
    "账号": "account_name",
    "原始id": "account_id",
    "账号id": "account_id",
    "uid": "account_id",
}
_PREAMBLE_LINE = re.compile(r"\s*([^:：]+?)\s*[:：]\s*(.*?)\s*")


class FileRejected(Exception):
    """A file (or sheet) that cannot be read as a table; `reason` is for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row the reader could not read (damaged bytes, an oversized cell): it reaches the
    consumers as a blank row, so every other row keeps its number."""

    row: int  # as a spreadsheet shows it: the file's first line is 1
    column: int | None  # index of the offending cell, when known
    reason: str


class BatchedRows(Iterator[list[str]]):
    """Rows that a reader produces a batch at a time. `Table.batches` takes whole batches
    (no per-row Python call on the hot path); iterating row by row (the header search,
    a wrapper that counts rows) takes rows from the same batches."""

    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self._pending: list[list[str]] = []
        self._next = 0

    def read_batch(self, size: int) -> list[list[str]]:
        """Up to `size` rows; an empty list at the end."""
        raise NotImplementedError

    def batch(self, size: int) -> list[list[str]]:
        if self._next < len(self._pending):  # rows left over by row-by-row iteration
            rest = self._pending[self._next :]
            self._pending, self._next = [], 0
            return rest
        return self.read_batch(size)

    def unread(self) -> None:
        """Give back the row `next` returned last (a header search looked one row ahead)."""
        assert self._next > 0, "nothing to give back"
        self._next -= 1

    def __next__(self) -> list[str]:
        if self._next >= len(self._pending):
            self._pending, self._next = self.read_batch(BATCH_ROWS), 0
            if not self._pending:
                raise StopIteration
        self._next += 1
        return self._pending[self._next - 1]


@dataclass
class Table:
    path: str
    sheet: str | None
    header: list[str]
    header_row: int
    columns: dict[str, int]
    source: Iterator[list[str]] = field(repr=False)
    """The data rows below the header, read once."""
    meta: dict[str, str] = field(default_factory=dict)
    max_rows: int = sys.maxsize
    row_limit_reason: str = ""
    problems: list[RowProblem] = field(default_factory=list)
    """Rows the reader could not read, found as the rows stream; complete once read."""
    tool: str | None = None
    """The tool the table was exported from, when known (it gives role codes a meaning)."""
    format: str = ""
    """How the file was read, in words: `CSV(UTF-8,逗号分隔)`, `XLSX`, `JSON(OneBot)`."""
    warnings: list[str] = field(default_factory=list)
    """What a user should know of the header: columns that look like ours but are not used."""
    labels: dict[str, str] = field(default_factory=dict, repr=False)
    """Each field of the schema by its Chinese name, for errors about a column it lacks."""
    address_names: str = ""
    """The accepted names of the schema's address columns ("" when it has none): an unread
    column full of addresses is reported with them."""

    def limit_rows(self, max_rows: int, reason: str) -> None:
        """Reject the table with `reason` once it has more than `max_rows` data rows."""
        if max_rows < self.max_rows:
            self.max_rows, self.row_limit_reason = max_rows, reason

    def batches(self, size: int | None = None) -> Iterator[list[list[str]]]:
        """The data rows in lists of `size`, each row at least as wide as the header: the
        row limit is checked once per batch, not per row."""
        source, size = self.source, size or BATCH_ROWS
        take = source.batch if isinstance(source, BatchedRows) else _taker(source)
        count = 0
        while True:
            batch = take(size)
            if not batch:
                return
            if count == 0 and self.address_names:
                self._note_unread_addresses(batch)
            first = count
            count += len(batch)
            if count > self.max_rows:
                raise FileRejected(self.row_limit_reason)
            if max(map(len, batch)) > self.named_width:
                self._blank_shifted_rows(batch, first, self.named_width)
            yield _padded(batch, len(self.header))

    def _note_unread_addresses(self, batch: list[list[str]]) -> None:
        """A column not read whose first values are mostly email addresses is a warning:
        the addresses were meant for us under a name we do not accept (联系人邮件 …)."""
        used = set(self.columns.values())
        for index, name in enumerate(self.header):
            if index in used:
                continue
            values = [
                row[index].strip() for row in batch if index < len(row) and row[index].strip()
            ]
            found = sum(1 for value in values if _ADDRESS.fullmatch(value))
            if found >= 2 and found * 5 >= len(values) * 4:
                written = name.strip() or f"第 {index + 1} 列"
                self.warnings.append(
                    f"“{written}”列的内容看起来是邮箱地址,但该列没有被读取;"
                    f"如果是联系邮箱,请把列名改为:{self.address_names}"
                )

    @property
    def named_width(self) -> int:
        """Columns up to the header's last named one (an export's trailing comma adds an
        unnamed, always empty, column)."""
        named = [i for i, cell in enumerate(self.header) if cell.strip()]
        return named[-1] + 1 if named else 0

    def _blank_shifted_rows(self, batch: list[list[str]], first: int, width: int) -> None:
        """A row with more (non-empty) cells than the header has its cells shifted, most
        often by an unquoted comma in a name: read as it is, every cell after the comma
        would be taken for the next column's. It becomes a blank row and a row problem."""
        for index, row in enumerate(batch):
            extra = [cell for cell in row[width:] if cell.strip()]
            if extra:
                batch[index] = []
                self.problems.append(
                    RowProblem(
                        self.row_number(first + index),
                        None,
                        f"此行比表头多出 {len(extra)} 个单元格,可能是某个单元格中含有"
                        "未加引号的逗号(如昵称中的逗号),各列已错位;此行未读取",
                    )
                )

    @property
    def rows(self) -> Iterator[list[str]]:
        return chain.from_iterable(self.batches())

    @property
    def name(self) -> str:
        return self.path if self.sheet is None else f"{self.path}#{self.sheet}"

    def column_name(self, field_name: str) -> str:
        """The column as the file writes it; a field the file lacks (a rule may require a
        cell of it: 临时群 without 截止日期) by the schema's Chinese name."""
        if field_name not in self.columns:
            return self.labels.get(field_name, field_name)
        return self.header[self.columns[field_name]].strip()

    def row_number(self, index: int) -> int:
        """Row number as a spreadsheet shows it, for the index-th data row (0-based)."""
        return self.header_row + 1 + index


def locate_table(
    rows: Iterable[list[str]], schema: TableSchema, path: str, sheet: str | None = None
) -> Table:
    """Find the header within the first rows; lines above it may carry `群号:` values.

    A header that names one of the schema's columns twice is rejected: which of the two
    holds the data cannot be known."""
    iterator = iter(rows)
    meta: dict[str, str] = {}
    for row_number, row in enumerate(islice(iterator, HEADER_SEARCH_ROWS), start=1):
        columns = schema.locate(row)
        if all(f.name in columns for f in schema.required):
            header, header_row, iterator = _second_header_row(schema, row, row_number, iterator)
            columns = schema.locate(header)
            repeated = schema.repeated(header)
            if repeated:
                raise FileRejected(_repeated_columns(repeated, sheet))
            problems = iterator.problems if isinstance(iterator, BatchedRows) else []
            warnings = [
                f"“{written}”列看起来是“{schema.field(name).label}”,但不是可识别的列名,"
                f"未使用;可识别的列名:{'、'.join(schema.field(name).accepted)}"
                for written, name in schema.lookalikes(header, columns)
            ]
            return Table(
                path,
                sheet,
                header,
                header_row,
                columns,
                iterator,
                meta,
                problems=problems,
                tool=export_tool(header),
                warnings=warnings,
                labels={f.name: f.label for f in schema.fields},
                address_names=schema.address_names,
            )
        meta.update(_preamble_values(row))
    missing = "、".join(f"{f.aliases[0] if f.aliases else f.name}" for f in schema.required)
    accepted = ";".join(f"{f.name}: {'/'.join(f.accepted)}" for f in schema.required)
    raise FileRejected(
        f"不是有效的{schema.title}:{_where(sheet)}前 {HEADER_SEARCH_ROWS} 行中找不到含必需列"
        f"({missing})的表头。可用列名 {accepted}"
    )


def _second_header_row(
    schema: TableSchema, header: list[str], row_number: int, rows: Iterator[list[str]]
) -> tuple[list[str], int, Iterator[list[str]]]:
    """The header, combined with the row below it when that row is a second header row:
    merged headings such as 联系方式 above QQ号 / 微信号 / 企业微信. It is one when it names a
    column of ours that the first row does not, and leaves the required columns blank
    (a data row fills them). Returns the header, its last row number, and the rows left."""
    below = next(rows, None)
    if below is not None:
        located = schema.locate(header)
        names_new = any(
            cell.strip() and schema.is_header_name(cell) and schema.locate([cell]).keys() - located
            for cell in below
        )
        required_blank = all(
            located[f.name] >= len(below) or not below[located[f.name]].strip()
            for f in schema.required
        )
        if names_new and required_blank:
            width = max(len(header), len(below))
            padded = [*header, *[""] * (width - len(header))]
            combined = [
                cell if index >= len(below) or not below[index].strip() else below[index]
                for index, cell in enumerate(padded)
            ]
            return combined, row_number + 1, rows
        rows = _give_back(below, rows)
    return header, row_number, rows


def _give_back(row: list[str], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    if isinstance(rows, BatchedRows):
        rows.unread()
        return rows
    return chain([row], rows)


def _where(sheet: str | None) -> str:
    return "" if sheet is None else f"工作表“{sheet}”"


def _repeated_columns(repeated: dict[str, int], sheet: str | None) -> str:
    names = "、".join(f"“{name}”列出现了 {count} 次" for name, count in repeated.items())
    return f"{_where(sheet)}表头中{names},无法确定使用哪一列。请删除或重命名重复的列后重新上传"


def _preamble_values(row: list[str]) -> dict[str, str]:
    cells = [c.strip() for c in row if c and c.strip()]
    if not cells:
        return {}
    if len(cells) >= 2 and normalize_header(cells[0].rstrip(":：")) in PREAMBLE_KEYS:
        return {PREAMBLE_KEYS[normalize_header(cells[0].rstrip(":："))]: cells[1]}
    match = _PREAMBLE_LINE.fullmatch(cells[0])
    if match and normalize_header(match.group(1)) in PREAMBLE_KEYS and match.group(2):
        return {PREAMBLE_KEYS[normalize_header(match.group(1))]: match.group(2)}
    return {}


def too_many_rows(what: str, max_rows: int) -> str:
    return f"{what}超过 {max_rows} 行的上限,请拆分后重新上传"


def _taker(source: Iterator[list[str]]) -> Callable[[int], list[list[str]]]:
    def take(size: int) -> list[list[str]]:
        return list(islice(source, size))

    return take


def _padded(batch: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut short by the export get empty cells, so every column can be indexed."""
    if min(map(len, batch)) >= width:
        return batch
    return [row + [""] * (width - len(row)) if len(row) < width else row for row in batch]
