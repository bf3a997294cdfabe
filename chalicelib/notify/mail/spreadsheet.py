"""Spreadsheets people open, print and file (the rollup workbook, a digest's member
lists), written with xlsxwriter in memory.

Every string goes through `write_string` after `neutralise`, so no cell is ever a formula
and text that a spreadsheet would read as one (`= + - @`) is prefixed with a quote. Text
wraps in columns of bounded width: rows grow, nothing is clipped. Each sheet prints A4
landscape, one page wide, its header row on every page, page numbers in the footer. The
creation date is given, so the same content gives the same bytes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

import xlsxwriter

from chalicelib.core.values import neutralise

Cell = str | int | float | date | None

MIN_WIDTH, MAX_WIDTH = 6, 24
# The widest a column grows, by header, where MAX_WIDTH is not enough: longer text wraps.
COLUMN_LIMITS = {"单位": 16, "群名称": 28, "群/账号名称": 28, "名称": 28, "账号名称": 28, "问题": 16, "说明": 40, "依据": 20, "原因": 40, "文件": 40}  # fmt: skip
DATE_WIDTH = 12

A4 = 9  # xlsxwriter's paper code
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}  # inches
HEADER_MARGIN = 0.3  # inches from the paper's edge to the page header and footer
HEADER_VALUE_LIMIT = 40  # characters of one data value in the page header (Excel: 255 in all)
FOOTER = "&C第 &P 页 / 共 &N 页"


def display_width(text: str) -> int:
    """Columns the text takes on screen: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def header_text(value: str) -> str:
    """A data value as literal text in a page header: one line, short, `&` (which starts a
    code there) doubled. xlsxwriter counts `&G` and `&[Picture]` as image placeholders even
    after `&&` and then drops the header, so an `&` before those becomes a full-width `＆`."""
    text = " ".join(value.split())
    if len(text) > HEADER_VALUE_LIMIT:
        text = text[: HEADER_VALUE_LIMIT - 1] + "…"
    return re.sub(r"&(?=G|\[Picture\])", "＆", text).replace("&", "&&")


class Sheet:
    """A worksheet that writes typed cells, remembers how wide each column must be and
    which row heads its table."""

    def __init__(self, book: Any, name: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.widths: dict[int, int] = {}
        self.limits: dict[int, int] = {}  # column -> widest it may grow, else MAX_WIDTH
        self.header_row = 0

    def cell(self, row: int, col: int, value: Cell, fmt: str | None = None) -> None:
        """`fmt` names a format; by default text wraps and numbers and dates align top."""
        if isinstance(value, date):
            self.ws.write_datetime(row, col, value, self.formats["date"])
            width = DATE_WIDTH
        elif isinstance(value, str) and value:
            text = neutralise(value)
            self.ws.write_string(row, col, text, self.formats[fmt or "text"])
            width = display_width(text)
        elif isinstance(value, int | float):
            self.ws.write_number(row, col, value, self.formats[fmt or "number"])
            width = len(f"{value:,}") if fmt != "percent" else 6
        else:
            self.ws.write_blank(row, col, None, self.formats[fmt or "text"])
            width = 0
        self.widths[col] = max(self.widths.get(col, MIN_WIDTH), width + 2)

    def row(self, row: int, values: Sequence[Cell], fmt: str | None = None) -> None:
        for col, value in enumerate(values):
            self.cell(row, col, value, fmt)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]], first: int = 0) -> None:
        """A header row at `first`, the rows under it, frozen and filterable."""
        self.header_row = first
        self.limits = {col: COLUMN_LIMITS.get(h, MAX_WIDTH) for col, h in enumerate(headers)}
        self.row(first, headers, "header")
        for offset, values in enumerate(rows, start=first + 1):
            self.row(offset, values)
        self.ws.freeze_panes(first + 1, 0)
        self.ws.autofilter(first, 0, first + max(len(rows), 1), len(headers) - 1)

    def fit(self) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, min(width, self.limits.get(col, MAX_WIDTH)))

    def print_setup(self, header: str) -> None:
        """A4 landscape, one page wide and as many tall as it takes, the header row on
        every page, `header` above and the page numbers below."""
        self.ws.set_paper(A4)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        self.ws.repeat_rows(self.header_row)
        self.ws.set_margins(**MARGINS)
        self.ws.set_header(header, {"margin": HEADER_MARGIN})
        self.ws.set_footer(FOOTER, {"margin": HEADER_MARGIN})
        self.ws.center_horizontally()


def formats(book: Any) -> dict[str, Any]:
    """Headers bold on a fill; body cells boxed and top-aligned, text wrapping."""
    body = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
    header = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"}
    return {
        "header": book.add_format({**header, "text_wrap": True}),
        "text": book.add_format({**body, "text_wrap": True}),
        "number": book.add_format(body),
        "total": book.add_format({**body, "bold": True, "text_wrap": True}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "date": book.add_format({**body, "num_format": "yyyy-mm-dd"}),
        "percent": book.add_format({**body, "num_format": "0.0%"}),
    }


class Book:
    """A workbook in memory: `sheet()` adds sheets, `close()` gives the bytes."""

    def __init__(self, title: str, day: date) -> None:
        self.buffer = BytesIO()
        options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        self.book = xlsxwriter.Workbook(self.buffer, options)
        self.book.set_properties({"title": title, "created": datetime.combine(day, time())})
        self.formats = formats(self.book)
        self.sheets: list[Sheet] = []

    def sheet(self, name: str) -> Sheet:
        sheet = Sheet(self.book, name, self.formats)
        self.sheets.append(sheet)
        return sheet

    def close(self, header: str) -> bytes:
        """Every sheet fitted and set up to print with `header` above each page."""
        for sheet in self.sheets:
            sheet.fit()
            sheet.print_setup(header)
        self.book.close()
        return self.buffer.getvalue()
