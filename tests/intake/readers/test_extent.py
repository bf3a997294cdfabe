"""The extent of a sheet measured from its XML, before calamine loads it whole."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from chalicelib.intake.readers import FileRejected
from chalicelib.intake.readers.extent import (
    column_letters,
    column_number,
    sheet_extent,
)
from chalicelib.intake.readers.parts import PartLimits
from chalicelib.intake.readers.sheetparts import sheet_parts

SHEET_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<x:sheetData>{rows}</x:sheetData></x:worksheet>"
)


def archive_with_sheet(rows_xml: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_XML.format(rows=rows_xml))
    return zipfile.ZipFile(buffer)


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")],
)
def test_column_letters_and_numbers_round_trip(number: int, letters: str) -> None:
    assert column_letters(number) == letters
    assert column_number(letters) == number


def test_finds_last_row_and_column_holding_a_value() -> None:
    archive = archive_with_sheet(
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="7"><x:c r="B7"><x:v>2</x:v></x:c><x:c r="Z7" s="1"/></x:row>'
        '<x:row r="9" ht="30" customHeight="1"></x:row>'
    )
    # THEN the bold-but-empty Z7 and the value-less row 9 do not count (as in calamine)
    assert sheet_extent(archive, "xl/worksheets/sheet1.xml", 10**9, PartLimits(10**9)) == (7, 3)


def test_finds_a_stray_cell_early_in_an_unsorted_sheet_with_odd_whitespace() -> None:
    # GIVEN a far cell listed first, its attributes split by a newline and a tab
    archive = archive_with_sheet(
        '<x:row r="1"><x:c\nr="AB500"\tt="n"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>2</x:v></x:c></x:row>'
    )
    assert sheet_extent(archive, "xl/worksheets/sheet1.xml", 10**9, PartLimits(10**9)) == (500, 28)


def test_empty_sheet_has_no_extent() -> None:
    archive = archive_with_sheet("")
    assert sheet_extent(archive, "xl/worksheets/sheet1.xml", 10, PartLimits(10**9)) == (0, 0)


def test_maps_sheet_names_to_parts_with_absolute_and_relative_targets() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "成员"
    workbook.create_sheet("说明")
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    assert sheet_parts(source) == {
        "成员": "xl/worksheets/sheet1.xml",
        "说明": "xl/worksheets/sheet2.xml",
    }
    # WHEN the relationships name parts relative to xl/, as Excel writes them
    # (openpyxl writes absolute part names)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/_rels/workbook.xml.rels":
                assert b'Target="/xl/worksheets/sheet2.xml"' in content
                content = content.replace(b'Target="/xl/worksheets/', b'Target="worksheets/')
            target.writestr(item, content)
    # THEN the same parts are found
    assert sheet_parts(zipfile.ZipFile(rewritten))["说明"] == "xl/worksheets/sheet2.xml"


def test_archive_without_workbook_part_maps_no_sheets() -> None:
    assert sheet_parts(archive_with_sheet("")) == {}


def test_maps_sheets_of_a_strict_open_xml_workbook() -> None:
    # GIVEN a workbook saved as "Strict Open XML": r:id in the ISO relationships namespace
    workbook = openpyxl.Workbook()
    workbook.active.title = "成员"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/workbook.xml":
                content = content.replace(
                    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    b"http://purl.oclc.org/ooxml/officeDocument/relationships",
                )
            target.writestr(item, content)
    # THEN its sheet is found all the same
    assert sheet_parts(zipfile.ZipFile(rewritten)) == {"成员": "xl/worksheets/sheet1.xml"}


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"])
def test_an_index_part_with_a_dtd_is_rejected_unparsed(part: str) -> None:
    # GIVEN a DTD declaring one harmless entity (Excel never writes a DTD)
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == part:
                content = b'<!DOCTYPE x [<!ENTITY e "e">]>' + content.split(b"?>", 1)[-1]
            target.writestr(item, content)
    with pytest.raises(FileRejected, match="DTD"):
        sheet_parts(zipfile.ZipFile(rewritten))
