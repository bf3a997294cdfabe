"""Builders for reader and loader tests: real file bytes, made in the test that reads them."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl

from chalicelib.core.settings import Settings
from chalicelib.intake.readers import Table, read_tables
from chalicelib.intake.schema import TableSchema

# Every default passed explicitly, so that environment variables never leak into tests.
DEFAULT_SETTINGS = Settings(**{name: f.default for name, f in Settings.model_fields.items()})


def limits(**overrides: int) -> Settings:
    """Default settings with some input limits lowered."""
    return DEFAULT_SETTINGS.model_copy(update=overrides)


def lines(*rows: str, newline: str = "\n") -> str:
    return newline.join(rows) + newline


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    """A workbook with one sheet per entry, rows written from A1 (None leaves a cell empty)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(
    data: bytes,
    schema: TableSchema,
    *,
    path: str = "data/file.csv",
    settings: Settings = DEFAULT_SETTINGS,
    all_sheets: bool = False,
) -> tuple[list[Table], list[str]]:
    return read_tables(path, data, schema, settings, all_sheets=all_sheets)


def read_one(data: bytes, schema: TableSchema, **kwargs: Any) -> Table:
    tables, problems = read(data, schema, **kwargs)
    assert problems == []
    assert len(tables) == 1
    return tables[0]


def records(table: Table, *fields: str) -> list[tuple[str, ...]]:
    """The data rows as tuples of the given fields ('' where a row is short)."""
    out = []
    for row in table.rows:
        out.append(
            tuple(row[table.columns[f]] if table.columns[f] < len(row) else "" for f in fields)
        )
    return out
