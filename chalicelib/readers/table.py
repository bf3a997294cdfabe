"""A table read from a file (a CSV/TXT file or one XLSX sheet): its header, the values of
any `群号:` style lines above the header, and its data rows as lists of strings."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from chalicelib.schema import TableSchema, normalize_header

HEADER_SEARCH_ROWS = 20
BATCH_ROWS = 1_000

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
}
_PREAMBLE_LINE = re.compile(r"\s*([^:：]+?)\s*[:：]\s*(.*?)\s*")


class FileRejected(Exception):
    """A file (or sheet) that cannot be read as a table; `reason` is for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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

    def limit_rows(self, max_rows: int, reason: str) -> None:
        """Reject the table with `reason` once it has more than `max_rows` data rows."""
        if max_rows < self.max_rows:
            self.max_rows, self.row_limit_reason = max_rows, reason

    def batches(self, size: int | None = None) -> Iterator[list[list[str]]]:
        """The data rows in lists of `size`, each row at least as wide as the header: the
        row limit and CSV errors are checked once per batch, not per row."""
        count = 0
        while True:
            try:
                batch = list(islice(self.source, size or BATCH_ROWS))
            except csv.Error as error:
                raise FileRejected(f"CSV 格式错误:{error}") from None
            if not batch:
                return
            count += len(batch)
            if count > self.max_rows:
                raise FileRejected(self.row_limit_reason)
            yield _padded(batch, len(self.header))

    @property
    def rows(self) -> Iterator[list[str]]:
        return chain.from_iterable(self.batches())

    @property
    def name(self) -> str:
        return self.path if self.sheet is None else f"{self.path}#{self.sheet}"

    def column_name(self, field_name: str) -> str:
        return self.header[self.columns[field_name]].strip()

    def row_number(self, index: int) -> int:
        """Row number as a spreadsheet shows it, for the index-th data row (0-based)."""
        return self.header_row + 1 + index


def locate_table(
    rows: Iterable[list[str]], schema: TableSchema, path: str, sheet: str | None = None
) -> Table:
    """Find the header within the first rows; lines above it may carry `群号:` values."""
    iterator = iter(rows)
    meta: dict[str, str] = {}
    for row_number, row in enumerate(islice(iterator, HEADER_SEARCH_ROWS), start=1):
        columns = schema.locate(row)
        if all(f.name in columns for f in schema.required):
            return Table(path, sheet, row, row_number, columns, iterator, meta)
        meta.update(_preamble_values(row))
    missing = "、".join(f"{f.aliases[0] if f.aliases else f.name}" for f in schema.required)
    accepted = ";".join(f"{f.name}: {'/'.join(f.accepted)}" for f in schema.required)
    where = (
        f"前 {HEADER_SEARCH_ROWS} 行"
        if sheet is None
        else f"工作表“{sheet}”前 {HEADER_SEARCH_ROWS} 行"
    )
    raise FileRejected(
        f"不是有效的{schema.title}:{where}中找不到含必需列({missing})的表头。可用列名 {accepted}"
    )


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


def _padded(batch: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut short by the export get empty cells, so every column can be indexed."""
    if min(map(len, batch)) >= width:
        return batch
    return [row + [""] * (width - len(row)) if len(row) < width else row for row in batch]
