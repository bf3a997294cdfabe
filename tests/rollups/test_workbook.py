from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from chalicelib.rollups.models import Rollup
from chalicelib.rollups.workbook import (
    INVENTORY_HEADERS,
    ITEM_HEADERS,
    build_workbook,
    display_width,
    neutralise,
    workbook_filename,
)
from chalicelib.vocab import FILING_STATUS_NAMES, SEVERITY_NAMES
from tests.rollups.sample import HYPERLINK, TODAY, sample_rollup

SHEETS = ["汇总", "明细", "超期", "登记表", "趋势"]
MATRIX_HEADER_ROW = 5  # 1-based row of the units × rules header on 汇总


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
        "群组合规汇总_2026-11_学生处_资助.xlsx"
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

    # THEN it was read: a PDF of its sheets came out
    assert (tmp_path / "rollup.pdf").stat().st_size > 10_000
