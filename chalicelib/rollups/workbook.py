"""A rollup as an XLSX workbook: 汇总, 明细, 超期, 登记表 and 趋势 (with a native chart),
laid out to be printed and filed: A4 landscape, one page wide, the header row on every
page, the report's title, period and office in the page header, page numbers in the footer.

Every string goes through `write_string` after `neutralise`, so no cell is ever a formula
and text that a spreadsheet would read as one (`= + - @`) is prefixed with a quote. Text
wraps in columns of bounded width: rows grow, nothing is clipped. People are masked as
everywhere else in the report (`chalicelib.masking`). Totals are computed here, not as
formulas. The creation date is the rollup's day, so the same rollup gives the same bytes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

import xlsxwriter

from chalicelib.digests.models import Unroutable
from chalicelib.masking import mask_address, mask_name
from chalicelib.models import Category, Severity
from chalicelib.rollups.colors import SEVERITY_COLORS
from chalicelib.rollups.models import InventoryRow, Rollup, RollupItem
from chalicelib.rules import REGISTRY
from chalicelib.values import safe_filename
from chalicelib.vocab import (
    CATEGORY_NAMES,
    FILING_STATUS_NAMES,
    PLATFORM_NAMES,
    ROLLUP_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
)

Cell = str | int | float | date | None

UNATTRIBUTED = "未归属"
SEVERITIES = tuple(sorted(Severity, reverse=True))  # 高, 中, 低: columns, and the chart's stack

ITEM_HEADERS = ("单位", "群名称", "平台", "群号", "类别", "问题", "严重程度", "状态", "已持续周数", "首次发现", "说明", "依据")  # fmt: skip
INVENTORY_HEADERS = ("序号", "单位", "名称", "平台", "群号", "类别", "用途", "群主", "人数", "责任人", "备案日期", "状态")  # fmt: skip
TREND_HEADERS = ("周次", *(SEVERITY_NAMES[s] for s in SEVERITIES), "合计")
UNROUTABLE_HEADERS = ("群名称", "平台", "群号", "问题", "原因")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 6, 24
# The widest a column grows, by header, where MAX_WIDTH is not enough: longer text wraps.
COLUMN_LIMITS = {"单位": 16, "群名称": 28, "名称": 28, "问题": 16, "说明": 40, "依据": 20, "原因": 40}  # fmt: skip
RULE_WIDTH = 10  # a rule's column on 汇总: its title wraps onto two lines
DATE_WIDTH = 12

A4 = 9  # xlsxwriter's paper code
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}  # inches
HEADER_MARGIN = 0.3  # inches from the paper's edge to the page header and footer
HEADER_VALUE_LIMIT = 40  # characters of one data value in the page header (Excel: 255 in all)
FOOTER = "&C第 &P 页 / 共 &N 页"
# Beside the trend table, from row 2: less than a landscape A4 page tall at any scale.
CHART_SIZE = {"width": 680, "height": 380}


def neutralise(text: str) -> str:
    """Text a spreadsheet could take for a formula, made inert by a leading quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


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


def page_header(rollup: Rollup) -> str:
    """群组合规周报 2026-W47 on the left, the sheet's name in the middle, the office right."""
    title = f"群组合规{ROLLUP_NAMES[rollup.kind]} {rollup.period}"
    return f"&L{header_text(title)}&C&A&R{header_text(rollup.office)}"


def workbook_filename(rollup: Rollup) -> str:
    """群组合规汇总_2026-W47_党委工作部.xlsx, safe as a file name and an attachment name."""
    office = safe_filename(rollup.office)
    return f"群组合规汇总_{rollup.period}_{office}.xlsx"


class _Sheet:
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


def _unit(name: str) -> str:
    return name or UNATTRIBUTED


def _category(category: Category | None) -> str:
    return CATEGORY_NAMES[category] if category else ""


def _person(text: str) -> str:
    """A person as the rest of the report shows one: a name by `mask_name`, an address by
    `mask_address`. An owner account reaches the inventory already masked by `mask_id`
    (it holds a `*`) and is kept as it is."""
    if not text or "*" in text:
        return text
    return mask_address(text) if "@" in text else mask_name(text)


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
        _person(row.owner),
        row.members,
        _person(row.responsible),
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
        *((f"未整改问题({SEVERITY_NAMES[s]})", open_.get(s.label, 0), None) for s in SEVERITIES),
        ("本期新增", rollup.new_since_last, None),
        ("本期已整改", rollup.fixed_since_last, None),
        ("超期(≥6周)", rollup.overdue, None),
        ("无法送达", rollup.unroutable, None),
        ("发送失败的提醒", rollup.failed_digests, None),
    ]
    for col, (label, value, fmt) in enumerate(headline):
        sheet.cell(1, col, label, "header")
        sheet.cell(2, col, value, fmt)

    first = sheet.header_row = 4
    rule_ids = [rule_id for rule_id, _ in rollup.rules]  # every rule, even with no findings
    sheet.limits = dict.fromkeys(range(1, len(rule_ids) + 1), RULE_WIDTH)
    sheet.limits[0] = COLUMN_LIMITS["单位"]
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
    """The weekly table, and beside it a chart in the palette of the email's PNG, sized to
    sit whole on the sheet's first printed page."""
    rows: list[list[Cell]] = [
        [p.period, *(p.open_by_severity.get(s.label, 0) for s in SEVERITIES), p.total]
        for p in rollup.trend
    ]
    sheet.table(TREND_HEADERS, rows)
    if not rows:
        return
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    name = sheet.ws.get_name()
    for col, severity in enumerate(SEVERITIES, start=1):
        color = SEVERITY_COLORS[severity]
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, len(rows), 0],
                "values": [name, 1, col, len(rows), col],
                "fill": {"color": color},
                "border": {"color": color},
                "gap": 60,
            }
        )
    chart.set_title({"name": f"近{len(rows)}周未整改问题"})
    chart.set_y_axis({"name": "问题数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size(CHART_SIZE)
    sheet.ws.insert_chart(1, len(TREND_HEADERS) + 1, chart)


def _unroutable_row(item: Unroutable) -> list[Cell]:
    title = REGISTRY[item.rule].meta.title if item.rule in REGISTRY else item.rule
    return [item.group_name or "", PLATFORM_NAMES[item.platform], item.group_id, title, item.reason]


def _formats(book: Any) -> dict[str, Any]:
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


def build_workbook(rollup: Rollup) -> bytes:
    """The XLSX attachment of a rollup, as bytes; deterministic for a given rollup."""
    buffer = BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, options)
    created = datetime.combine(rollup.today, time())
    book.set_properties({"title": workbook_filename(rollup)[:-5], "created": created})
    formats = _formats(book)
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
    header = page_header(rollup)
    for sheet in sheets.values():
        sheet.fit()
        sheet.print_setup(header)
    book.close()
    return buffer.getvalue()
