"""A rollup as an XLSX workbook: 汇总, 明细, 超期, 登记表 and 趋势 (with a native chart).

Every string goes through `write_string` after `neutralise`, so no cell is ever a formula
and text that a spreadsheet would read as one (`= + - @`) is prefixed with a quote.
Totals are computed here, not as formulas. The creation date is the rollup's day, so the
same rollup always gives the same bytes."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

import xlsxwriter

from chalicelib.digests.models import Unroutable
from chalicelib.models import Category
from chalicelib.rollups.models import InventoryRow, Rollup, RollupItem
from chalicelib.rules import REGISTRY
from chalicelib.values import safe_filename
from chalicelib.vocab import (
    CATEGORY_NAMES,
    FILING_STATUS_NAMES,
    PLATFORM_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
)

Cell = str | int | float | date | None

UNATTRIBUTED = "未归属"
SEVERITIES = (("high", "高"), ("medium", "中"), ("low", "低"))

ITEM_HEADERS = ("单位", "群名称", "平台", "群号", "类别", "问题", "严重程度", "状态", "已持续周数", "首次发现", "说明", "依据")  # fmt: skip
INVENTORY_HEADERS = ("序号", "单位", "名称", "平台", "群号", "类别", "用途", "群主", "人数", "责任人", "备案日期", "状态")  # fmt: skip
TREND_HEADERS = ("周次", "高", "中", "低", "合计")
UNROUTABLE_HEADERS = ("群名称", "平台", "群号", "问题", "原因")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_WIDTH = 12


def neutralise(text: str) -> str:
    """Text a spreadsheet could take for a formula, made inert by a leading quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def display_width(text: str) -> int:
    """Columns the text takes on screen: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def workbook_filename(rollup: Rollup) -> str:
    """群组合规汇总_2026-W47_党委工作部.xlsx, safe as a file name and an attachment name."""
    office = safe_filename(rollup.office)
    return f"群组合规汇总_{rollup.period}_{office}.xlsx"


class _Sheet:
    """A worksheet that writes typed cells and remembers how wide each column must be."""

    def __init__(self, book: Any, name: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.widths: dict[int, int] = {}

    def cell(self, row: int, col: int, value: Cell, fmt: str | None = None) -> None:
        style = self.formats[fmt] if fmt else None
        if value is None or value == "":
            self.ws.write_blank(row, col, None, style)
            width = 0
        elif isinstance(value, str):
            text = neutralise(value)
            self.ws.write_string(row, col, text, style)
            width = display_width(text)
        elif isinstance(value, date):
            self.ws.write_datetime(row, col, value, self.formats["date"])
            width = DATE_WIDTH
        else:
            self.ws.write_number(row, col, value, style)
            width = len(f"{value:,}") if fmt != "percent" else 6
        self.widths[col] = max(self.widths.get(col, MIN_WIDTH), width + 2)

    def row(self, row: int, values: Sequence[Cell], fmt: str | None = None) -> None:
        for col, value in enumerate(values):
            self.cell(row, col, value, fmt)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]], first: int = 0) -> None:
        """A header row at `first`, the rows under it, frozen and filterable."""
        self.row(first, headers, "header")
        for offset, values in enumerate(rows, start=first + 1):
            self.row(offset, values)
        self.ws.freeze_panes(first + 1, 0)
        self.ws.autofilter(first, 0, first + max(len(rows), 1), len(headers) - 1)

    def fit(self) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, min(width, MAX_WIDTH))


def _unit(name: str) -> str:
    return name or UNATTRIBUTED


def _category(category: Category | None) -> str:
    return CATEGORY_NAMES[category] if category else ""


def _item_row(item: RollupItem) -> list[Cell]:
    return [
        _unit(item.unit_name),
        item.group_name or "",
        PLATFORM_NAMES[item.platform],
        item.group_id,
        _category(item.category),
        item.title,
        SEVERITY_NAMES[item.severity],
        STATE_NAMES[item.state],
        item.weeks_open,
        item.first_seen,
        item.message,
        item.clause,
    ]


def _inventory_row(number: int, row: InventoryRow) -> list[Cell]:
    return [
        number,
        _unit(row.unit_name),
        row.group_name,
        PLATFORM_NAMES[row.platform],
        row.group_id,
        _category(row.category),
        row.purpose,
        row.owner,
        row.members,
        row.responsible,
        row.filed_on,
        FILING_STATUS_NAMES[row.filing_status],
    ]


def _summary(sheet: _Sheet, rollup: Rollup) -> None:
    """Headline figures on rows 2–3, the units × rules matrix with totals from row 5."""
    title = f"群组合规汇总 {rollup.period} {rollup.office}"
    sheet.ws.write_string(0, 0, neutralise(title), sheet.formats["title"])
    open_ = rollup.open_by_severity
    headline: list[tuple[str, Cell, str | None]] = [
        ("群组总数", rollup.groups_known, None),
        ("已备案比例", rollup.share_filed, "percent"),
        *((f"未整改问题({zh})", open_.get(label, 0), None) for label, zh in SEVERITIES),
        ("本期新增", rollup.new_since_last, None),
        ("本期已整改", rollup.fixed_since_last, None),
        ("超期(≥6周)", rollup.overdue, None),
        ("无法送达", rollup.unroutable, None),
        ("发送失败的提醒", rollup.failed_digests, None),
    ]
    for col, (label, value, fmt) in enumerate(headline):
        sheet.cell(1, col, label, "header")
        sheet.cell(2, col, value, fmt)

    first = 4
    rule_ids = [rule_id for rule_id, _ in rollup.rules]
    sheet.row(first, ["单位", *(t for _, t in rollup.rules), "合计"], "header")
    column_totals = [0] * len(rule_ids)
    for offset, (unit_id, name) in enumerate(rollup.units, start=first + 1):
        counts = [rollup.matrix.get(unit_id, {}).get(r, 0) for r in rule_ids]
        column_totals = [a + b for a, b in zip(column_totals, counts, strict=True)]
        sheet.row(offset, [_unit(name), *counts])
        sheet.cell(offset, len(rule_ids) + 1, sum(counts), "total")
    last = first + len(rollup.units) + 1
    sheet.row(last, ["合计", *column_totals, sum(column_totals)], "total")
    sheet.ws.freeze_panes(first + 1, 1)


def _trend(book: Any, sheet: _Sheet, rollup: Rollup) -> None:
    rows: list[list[Cell]] = [
        [p.period, *(p.open_by_severity.get(label, 0) for label, _ in SEVERITIES), p.total]
        for p in rollup.trend
    ]
    sheet.table(TREND_HEADERS, rows)
    if not rows:
        return
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    name = sheet.ws.get_name()
    for col, colour in zip((1, 2, 3), ("#C0392B", "#E67E22", "#95A5A6"), strict=True):
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, len(rows), 0],
                "values": [name, 1, col, len(rows), col],
                "fill": {"color": colour},
                "gap": 60,
            }
        )
    chart.set_title({"name": f"近{len(rows)}周未整改问题"})
    chart.set_y_axis({"name": "问题数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    sheet.ws.insert_chart(1, len(TREND_HEADERS) + 1, chart)


def _unroutable_row(item: Unroutable) -> list[Cell]:
    title = REGISTRY[item.rule].meta.title if item.rule in REGISTRY else item.rule
    return [item.group_name or "", PLATFORM_NAMES[item.platform], item.group_id, title, item.reason]


def build_workbook(rollup: Rollup) -> bytes:
    """The XLSX attachment of a rollup, as bytes; deterministic for a given rollup."""
    buffer = BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, options)
    created = datetime.combine(rollup.today, time())
    book.set_properties({"title": workbook_filename(rollup)[:-5], "created": created})
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "total": book.add_format({"bold": True, "top": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "percent": book.add_format({"num_format": "0.0%"}),
    }
    sheets = {
        name: _Sheet(book, name, formats) for name in ("汇总", "明细", "超期", "登记表", "趋势")
    }
    _summary(sheets["汇总"], rollup)
    sheets["明细"].table(ITEM_HEADERS, [_item_row(i) for i in rollup.items])
    sheets["超期"].table(ITEM_HEADERS, [_item_row(i) for i in rollup.overdue_items])
    rows = [_inventory_row(n, r) for n, r in enumerate(rollup.inventory, start=1)]
    sheets["登记表"].table(INVENTORY_HEADERS, rows)
    _trend(book, sheets["趋势"], rollup)
    if rollup.unroutable_items:  # only the office that sees every group is told of them
        sheets["无法送达"] = _Sheet(book, "无法送达", formats)
        sheets["无法送达"].table(
            UNROUTABLE_HEADERS, [_unroutable_row(u) for u in rollup.unroutable_items]
        )
    for sheet in sheets.values():
        sheet.fit()
    book.close()
    return buffer.getvalue()
