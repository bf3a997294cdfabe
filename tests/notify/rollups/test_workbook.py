from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from chalicelib.core.masking import mask_name
from chalicelib.core.models import Severity
from chalicelib.core.values import neutralise, safe_filename
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.notify.mail.spreadsheet import (
    COLUMN_LIMITS,
    MAX_WIDTH,
    display_width,
    header_text,
)
from chalicelib.notify.rollups.colors import SEVERITY_COLORS
from chalicelib.notify.rollups.models import Rollup
from chalicelib.notify.rollups.workbook import (
    INVENTORY_HEADERS,
    ITEM_HEADERS,
    build_workbook,
    workbook_filename,
)
from chalicelib.notify.wording import FILING_STATUS_NAMES, SEVERITY_NAMES
from tests.notify.rollups.sample import HYPERLINK, INVENTORY_ROWS, ITEMS, TODAY, sample_rollup

SHEETS = ["汇总", "明细", "超期", "登记表", "趋势", "制度依据"]
MATRIX_HEADER_ROW = 5  # 1-based row of the units × rules header on 汇总
A4_SHORT_SIDE = 8.27  # inches: the height of a landscape A4 page
DEFAULT_ROW_HEIGHT = 15  # points
CHART_NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


@pytest.fixture(scope="module")
def rollup() -> Rollup:
    return sample_rollup()


@pytest.fixture(scope="module")
def data(rollup: Rollup) -> bytes:
    return build_workbook(rollup)


@pytest.fixture(scope="module")
def book(data: bytes) -> Workbook:
    return load_workbook(BytesIO(data), data_only=False)


def rows(ws: Worksheet, first: int = 2, width: int | None = None) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(min_row=first, max_col=width, values_only=True)]


def matrix(ws: Worksheet, rollup: Rollup) -> list[tuple[Any, ...]]:
    """The units × rules table of 汇总: header, one row per unit, totals."""
    return rows(ws, MATRIX_HEADER_ROW, width=len(rollup.rules) + 2)


def all_cells(book: Workbook) -> Iterator[Any]:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from row


def sheet_header_xml(data: bytes, sheet: int = 1) -> str:
    """The raw page header of a worksheet, as Excel reads it (codes and `&&` included)."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        xml = archive.read(f"xl/worksheets/sheet{sheet}.xml").decode()
    found = re.search(r"<oddHeader>(.*?)</oddHeader>", xml)
    assert found, "no page header"
    return ElementTree.fromstring(found.group(0)).text or ""


# -- structure ---------------------------------------------------------------------------


def test_sheets_come_in_the_agreed_order(book: Workbook) -> None:
    assert book.sheetnames == SHEETS


def test_tables_have_chinese_headers_in_bold_with_fill(book: Workbook) -> None:
    assert rows(book["明细"], 1)[0] == ITEM_HEADERS
    assert rows(book["超期"], 1)[0] == ITEM_HEADERS
    assert rows(book["登记表"], 1)[0] == INVENTORY_HEADERS
    assert rows(book["趋势"], 1)[0] == ("周次", "高", "中", "低", "合计")
    header = book["明细"]["A1"]
    assert header.font.bold
    assert header.fill.fgColor.rgb.endswith("DDEBF7")


def test_header_rows_are_frozen(book: Workbook) -> None:
    assert book["汇总"].freeze_panes == f"B{MATRIX_HEADER_ROW + 1}"
    for name in SHEETS[1:]:
        assert book[name].freeze_panes == "A2"


def test_name_and_message_columns_are_wider_than_short_ones(book: Workbook) -> None:
    ws = book["明细"]
    width = {c: ws.column_dimensions[c].width for c in "ABCGK"}
    assert width["B"] > width["C"]  # 群名称 > 平台
    assert width["K"] > width["G"]  # 说明 > 严重程度
    assert width["B"] >= display_width("信息工程学院教职工工作群")
    assert all(w <= 60 for w in width.values())


# -- printing ----------------------------------------------------------------------------


def test_every_sheet_prints_on_a4_landscape_one_page_wide(book: Workbook) -> None:
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert int(setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1) == 1  # 1 is the default, which the XML leaves out
        assert setup.fitToHeight == 0  # as many pages tall as it takes
        margins = ws.page_margins
        assert 0.4 <= margins.left == margins.right <= 1
        assert margins.header < margins.top and margins.footer < margins.bottom


def test_every_sheet_repeats_its_header_row_on_each_printed_page(book: Workbook) -> None:
    assert book["汇总"].print_title_rows == f"${MATRIX_HEADER_ROW}:${MATRIX_HEADER_ROW}"
    for name in SHEETS[1:]:
        assert book[name].print_title_rows == "$1:$1"


def test_pages_are_headed_with_title_period_office_and_numbered(book: Workbook) -> None:
    for ws in book.worksheets:
        assert ws.oddHeader.left.text == "群组合规周报 11月16日–11月22日(2026-W47)"
        assert ws.oddHeader.center.text == "&A"  # the sheet's name
        assert ws.oddHeader.right.text == "党委工作部"
        assert ws.oddFooter.center.text == "第 &P 页 / 共 &N 页"


def test_a_monthly_rollup_is_headed_as_such() -> None:
    data = build_workbook(sample_rollup(kind="month", period="2026-11"))
    assert sheet_header_xml(data).startswith("&L群组合规月报 2026年11月(2026-11)&C")


def test_office_with_ampersands_stays_literal_in_the_page_header() -> None:
    # GIVEN an office name from the CSV with `&`, and `&G` (an image code to xlsxwriter)
    rollup = sample_rollup(office="研发&G中心 R&D")

    # WHEN the workbook is built, with any warning (a dropped header) an error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = build_workbook(rollup)

    # THEN every sheet's header has it, `&` doubled, `&G` not read as a code
    for sheet in range(1, len(SHEETS) + 1):
        assert sheet_header_xml(data, sheet).endswith("&R研发＆G中心 R&&D")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("党委工作部", "党委工作部"),
        ("R&D", "R&&D"),
        ("&P&N", "&&P&&N"),
        ("研发&G中心", "研发＆G中心"),
        ("图&[Picture]", "图＆[Picture]"),
        ("党委\n工作部", "党委 工作部"),
        ("学院" * 30, "学院" * 19 + "学…"),
    ],
)
def test_header_text_is_literal_one_line_and_short(value: str, expected: str) -> None:
    assert header_text(value) == expected


def test_a_long_office_name_keeps_the_header_within_excels_limit() -> None:
    data = build_workbook(sample_rollup(office="&" * 300))
    header = sheet_header_xml(data)
    assert len(header) <= 255
    assert "&&&&&&" in header


def test_text_cells_wrap_and_align_top_so_rows_grow_instead_of_clipping(book: Workbook) -> None:
    title = book["汇总"]["A1"]  # above the tables: it spreads to the right instead
    for ws in book.worksheets:
        texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        texts = [c for c in texts if c is not title]
        assert texts and all(c.alignment.wrap_text for c in texts), ws.title
        assert not any(d.customHeight for d in ws.row_dimensions.values()), ws.title
    message = book["明细"]["K2"]
    assert message.alignment.wrap_text and message.alignment.vertical == "top"


def test_long_text_columns_are_bounded_in_width() -> None:
    # GIVEN findings and groups with long messages, names and purposes
    long = "群成员 512 人,超过上限 500 人,请在两周内移出或说明理由。" * 6
    rollup = sample_rollup(
        items=tuple(i.model_copy(update={"message": long, "group_name": long}) for i in ITEMS),
        inventory=tuple(r.model_copy(update={"purpose": long}) for r in INVENTORY_ROWS),
    )

    # WHEN the workbook is built
    book = load_workbook(BytesIO(build_workbook(rollup)))

    # THEN those columns stop at their limits (用途 at the default), none grows wider
    details, registry = book["明细"], book["登记表"]
    assert int(details.column_dimensions["K"].width) == COLUMN_LIMITS["说明"]
    assert int(details.column_dimensions["B"].width) == COLUMN_LIMITS["群/账号名称"]
    assert int(registry.column_dimensions["G"].width) == MAX_WIDTH
    widest = max(COLUMN_LIMITS.values())
    for ws in book.worksheets:
        assert all(int(d.width) <= widest for d in ws.column_dimensions.values())


def test_chart_sits_whole_on_the_first_printed_page_of_its_sheet(book: Workbook) -> None:
    # the chart starts under the header row and ends well within one landscape A4 page;
    # fit-to-width only ever shrinks the sheet, so it cannot reach the next page
    ws = book["趋势"]
    anchor = ws._charts[0].anchor
    margins = ws.page_margins
    printable = (A4_SHORT_SIDE - margins.top - margins.bottom) * 72
    assert anchor._from.row == 1
    assert (anchor.to.row + 1) * DEFAULT_ROW_HEIGHT <= printable
    assert not ws.row_breaks.brk


def test_chart_series_have_the_colors_of_the_email_chart(data: bytes) -> None:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        chart = ElementTree.fromstring(archive.read("xl/charts/chart1.xml"))
    series = {
        ser.findtext("c:tx//c:v", namespaces=CHART_NS): ser.find(
            "c:spPr/a:solidFill/a:srgbClr", CHART_NS
        )
        for ser in chart.iterfind(".//c:ser", CHART_NS)
    }
    fills = {name: fill.get("val") for name, fill in series.items() if fill is not None}
    assert fills == {
        SEVERITY_NAMES[s]: SEVERITY_COLORS[s].lstrip("#").upper()
        for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
    }


# -- 汇总 --------------------------------------------------------------------------------


def test_headline_figures_equal_the_rollup(book: Workbook, rollup: Rollup) -> None:
    labels, values = rows(book["汇总"], 2)[:2]
    figures = dict(zip(labels, values, strict=False))
    assert figures["群组总数"] == rollup.groups_known == 6
    assert figures["已备案比例"] == pytest.approx(rollup.share_filed)
    assert book["汇总"]["B3"].number_format == "0.0%"
    assert figures["未整改问题(高)"] == rollup.open_by_severity["high"]
    assert figures["未整改问题(中)"] == rollup.open_by_severity["medium"]
    assert figures["未整改问题(低)"] == rollup.open_by_severity["low"]
    assert figures["本期新增"] == rollup.new_since_last
    assert figures["本期已整改"] == rollup.fixed_since_last
    assert figures["超期(≥6周)"] == rollup.overdue
    assert figures["无法送达"] == rollup.unroutable
    assert figures["发送失败的提醒"] == rollup.failed_digests


def test_matrix_and_totals_equal_the_rollup(book: Workbook, rollup: Rollup) -> None:
    table = matrix(book["汇总"], rollup)
    header, body, totals = table[0], table[1:-1], table[-1]
    assert header == ("单位", *(title for _, title in rollup.rules), "合计")
    assert [r[0] for r in body] == [name for _, name in rollup.units]
    rule_ids = [rule_id for rule_id, _ in rollup.rules]
    for (unit_id, _), row in zip(rollup.units, body, strict=True):
        expected = [rollup.matrix[unit_id][r] for r in rule_ids]
        assert list(row[1:-1]) == expected
        assert row[-1] == sum(expected)
    assert totals[0] == "合计"
    for col, rule_id in enumerate(rule_ids, start=1):
        assert totals[col] == sum(rollup.matrix[u][rule_id] for u, _ in rollup.units)
    open_total = sum(rollup.open_by_severity.values())
    assert totals[-1] == open_total == 6


def test_summary_has_a_column_for_every_rule_even_with_no_findings() -> None:
    rules = tuple((rule_id, rule.meta.title) for rule_id, rule in REGISTRY.items())
    rollup = sample_rollup(rules=rules, matrix={}, items=(), open_by_severity={})

    table = matrix(load_workbook(BytesIO(build_workbook(rollup)))["汇总"], rollup)

    assert len(rules) == 13 + 7  # the group rules, then the account rules
    assert table[0] == ("单位", *(title for _, title in rules), "合计")
    assert all(set(row[1:]) == {0} for row in table[1:])


# -- 明细, 超期, 登记表 ---------------------------------------------------------------------


def test_details_list_every_open_and_waived_finding(book: Workbook, rollup: Rollup) -> None:
    body = rows(book["明细"])
    assert len(body) == len(rollup.items)
    for item, row in zip(rollup.items, body, strict=True):
        assert row[1] == neutralise(item.group_name or "")
        assert row[3] == item.group_id
        assert row[5] == item.title
        assert row[6] == SEVERITY_NAMES[item.severity]
        assert row[8] == item.weeks_open
        assert row[9] == datetime.combine(item.first_seen, datetime.min.time())
    states = {row[1]: row[7] for row in body}
    assert states["2024级电子商务1班"] == "已豁免"
    assert states["信息工程学院教职工工作群"] == "未整改"
    assert {row[2] for row in body} >= {"QQ群", "微信群", "钉钉群"}
    assert {row[4] for row in body} >= {"工作群", "社团群", "班级群", "临时群"}


def test_overdue_sheet_lists_open_findings_of_six_weeks_or_more(
    book: Workbook, rollup: Rollup
) -> None:
    body = rows(book["超期"])
    assert len(body) == len(rollup.overdue_items) == rollup.overdue == 2
    assert [r[1] for r in body] == [neutralise(i.group_name or "") for i in rollup.overdue_items]
    assert all(r[7] == "未整改" and r[8] >= 6 for r in body)


def test_registry_lists_every_known_group_numbered_from_one(book: Workbook, rollup: Rollup) -> None:
    body = rows(book["登记表"])
    assert [r[0] for r in body] == list(range(1, len(rollup.inventory) + 1))
    for entry, row in zip(rollup.inventory, body, strict=True):
        assert row[2] == neutralise(entry.group_name)
        assert row[4] == entry.group_id
        assert row[8] == entry.members
        assert row[11] == FILING_STATUS_NAMES[entry.filing_status]
    unfiled = body[1]
    assert unfiled[8] is None and unfiled[10] is None and unfiled[5] is None
    assert unfiled[7] == "13****89"


def test_registry_masks_people_as_the_rest_of_the_report(book: Workbook) -> None:
    body = rows(book["登记表"])
    assert (body[0][7], body[0][9]) == ("张*", "李*") == (mask_name("张三"), mask_name("李四"))
    assert body[1][7] == "13****89"  # an owner account, masked by mask_id upstream: kept
    texts = {c.value for c in all_cells(book)}
    assert not texts & {"张三", "李四"}


@pytest.mark.parametrize(
    ("owner", "responsible", "shown"),
    [
        ("欧阳娜娜", "zhang.san@example.edu.cn", ("欧**娜", "z***@example.edu.cn")),
        ("王", "", ("*", None)),
        ("Zhang San", "Li Si", ("Z*******n", "L***i")),
    ],
)
def test_registry_masks_names_and_addresses(
    owner: str, responsible: str, shown: tuple[str, str | None]
) -> None:
    entry = INVENTORY_ROWS[0].model_copy(update={"owner": owner, "responsible": responsible})
    ws = load_workbook(BytesIO(build_workbook(sample_rollup(inventory=(entry,)))))["登记表"]
    assert (ws["H2"].value, ws["J2"].value) == shown


def test_dates_are_real_dates_in_iso_format(book: Workbook) -> None:
    for ws, col in ((book["明细"], "J"), (book["登记表"], "K")):
        cells = [c for c in ws[col][1:] if c.value is not None]
        assert cells
        assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in cells)
    assert book["登记表"]["K2"].value == datetime(2026, 3, 2)


def test_group_ids_stay_text_with_leading_zeros(book: Workbook) -> None:
    assert book["明细"]["D2"].value == "0012345"
    assert book["明细"]["D2"].data_type == "s"
    assert book["登记表"]["E2"].value == "0012345"
    assert all(c.data_type == "s" for c in book["登记表"]["E"][1:])


def test_counts_are_numbers(book: Workbook) -> None:
    assert all(isinstance(c.value, int) for c in book["明细"]["I"][1:])
    assert all(c.data_type == "n" for c in book["登记表"]["A"][1:])


# -- 趋势 --------------------------------------------------------------------------------


def test_trend_sheet_has_weekly_counts_and_a_native_chart(
    book: Workbook, data: bytes, rollup: Rollup
) -> None:
    body = rows(book["趋势"])
    assert len(body) == len(rollup.trend) == 12
    for point, row in zip(rollup.trend, body, strict=True):
        by = point.open_by_severity
        assert row == (point.period, by["high"], by["medium"], by["low"], point.total)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "近12周未整改问题" in chart
    assert '<c:grouping val="stacked"/>' in chart
    assert len(book["趋势"]._charts) == 1


# -- safety --------------------------------------------------------------------------------


def test_hostile_text_is_stored_as_quoted_strings(book: Workbook) -> None:
    texts = [c.value for c in all_cells(book) if isinstance(c.value, str)]
    assert "'" + HYPERLINK in texts
    assert "'+1 经管学院临时通知群" in texts
    assert "'-1 社团活动" in texts
    assert "'@SUM 2024级会计2班" in texts
    assert "<script>alert(1)</script>" in texts  # not a formula: left as it is
    assert not [t for t in texts if t[:1] in "=+-@"]


def test_no_cell_is_a_formula(book: Workbook) -> None:
    assert [c.coordinate for c in all_cells(book) if c.data_type == "f"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("信息=工程", "信息=工程"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_only_leading_triggers(text: str, expected: str) -> None:
    assert neutralise(text) == expected


# -- bytes, names, edge cases --------------------------------------------------------------


def test_same_rollup_gives_the_same_bytes_dated_on_its_day(data: bytes, rollup: Rollup) -> None:
    assert build_workbook(rollup) == data
    with zipfile.ZipFile(BytesIO(data)) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert f"{TODAY.isoformat()}T00:00:00Z" in core


def test_empty_rollup_still_builds() -> None:
    empty = sample_rollup(
        groups_known=0,
        groups_filed=0,
        open_by_severity={},
        matrix={},
        items=(),
        inventory=(),
        trend=(),
        overdue=0,
    )
    book = load_workbook(BytesIO(build_workbook(empty)))
    assert book.sheetnames == SHEETS
    assert rows(book["明细"]) == [] and rows(book["登记表"]) == []
    totals = matrix(book["汇总"], empty)[-1]
    assert totals[0] == "合计" and set(totals[1:]) == {0}
    assert book["汇总"]["B3"].value == 1.0  # nothing known: nothing unfiled


def test_unattributed_unit_is_named() -> None:
    rollup = sample_rollup(
        units=(("U01", "信息工程学院"), ("", "未归属")), matrix={"": {"unfiled": 1}}
    )
    ws = load_workbook(BytesIO(build_workbook(rollup)))["汇总"]
    body = matrix(ws, rollup)[1:]
    assert body[1][0] == "未归属" and body[1][1] == 1


def test_filename_names_period_and_office() -> None:
    assert workbook_filename(sample_rollup()) == "群组合规汇总_2026-W47_党委工作部.xlsx"
    assert workbook_filename(sample_rollup(period="2026-11", office="学生处/资助")) == (
        f"群组合规汇总_2026-11_{safe_filename('学生处/资助')}.xlsx"
    )


def test_display_width_counts_cjk_double() -> None:
    assert display_width("QQ群") == 4
    assert display_width("2026-W47") == 8


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_workbook_opens_in_libreoffice(tmp_path: Path) -> None:
    # GIVEN the workbook of a rollup with hostile cells
    book = tmp_path / "rollup.xlsx"
    book.write_bytes(build_workbook(sample_rollup()))

    # WHEN LibreOffice converts it, headless
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )

    # THEN it was read, and it prints a page per sheet: nothing, not the chart, spills over
    pdf = (tmp_path / "rollup.pdf").read_bytes()
    assert len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(SHEETS)
