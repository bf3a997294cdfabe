"""The part the extent scan measures is the part calamine loads: a workbook cannot show the
scan a small decoy and give calamine another sheet."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pytest

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected
from chalicelib.intake.readers.sheetparts import sheet_parts
from tests.intake.readers import limits, read, read_one
from tests.intake.readers.test_positions import (
    _PARTS,
    WHOLE_GRID,
    calamine_extent,
    reasons_in_a_capped_process,
)

SHEET_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
    'org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>'
)
# A roster of one row, and one whose value at C3 makes it 3 × 3 (over a limit of 4 cells).
SMALL = SHEET_XML.format(
    '<row r="1"><c r="A1" t="inlineStr"><is><t>QQ号</t></is></c></row>'
    '<row r="2"><c r="A2"><v>10001</v></c></row>'
)
LARGE = SHEET_XML.format(
    '<row r="1"><c r="A1" t="inlineStr"><is><t>QQ号</t></is></c></row>'
    '<row r="3"><c r="C3"><v>10001</v></c></row>'
)
WORKBOOK_RELS = _PARTS["xl/_rels/workbook.xml.rels"]
WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def relationship(rid: str, target: str) -> str:
    return f'<Relationship Id="{rid}" Type="{WORKSHEET}" Target="{target}"/>'


def archive(*entries: tuple[str, str | bytes]) -> bytes:
    """An XLSX of `entries` (name, text) after the content types, in order; duplicates kept."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the test
        with zipfile.ZipFile(buffer, "w") as out:
            out.writestr("[Content_Types].xml", _PARTS["[Content_Types].xml"])
            for name, text in entries:
                out.writestr(name, text)
    return buffer.getvalue()


def standard(sheet_entries: list[tuple[str, str | bytes]], *, rels: str = WORKBOOK_RELS) -> bytes:
    return archive(
        ("_rels/.rels", _PARTS["_rels/.rels"]),
        ("xl/workbook.xml", _PARTS["xl/workbook.xml"]),
        ("xl/_rels/workbook.xml.rels", rels),
        *sheet_entries,
    )


def moved_to(folder: str, large: str = LARGE) -> list[tuple[str, str]]:
    """The workbook's index parts and its large sheet under `folder`, as _rels/.rels says."""
    return [
        (
            "_rels/.rels",
            _PARTS["_rels/.rels"].replace('"xl/workbook.xml"', f'"{folder}/workbook.xml"'),
        ),
        (f"{folder}/workbook.xml", _PARTS["xl/workbook.xml"]),
        (f"{folder}/_rels/workbook.xml.rels", WORKBOOK_RELS),
        (f"{folder}/worksheets/sheet1.xml", large),
    ]


def decoys(large: str = LARGE) -> dict[str, bytes]:
    """Workbooks whose sheet 成员 calamine loads from `large`, beside a small decoy."""
    return {
        # _rels/.rels names another folder; xl/ holds a complete small workbook
        "another folder": archive(
            *moved_to("book", large),
            ("xl/workbook.xml", _PARTS["xl/workbook.xml"]),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", SMALL),
        ),
        # two entries differing in case: calamine takes the later one
        "case": standard(
            [("xl/worksheets/sheet1.xml", SMALL), ("xl/worksheets/Sheet1.xml", large)]
        ),
        # the same name twice
        "duplicate": standard(
            [("xl/worksheets/sheet1.xml", SMALL), ("xl/worksheets/sheet1.xml", large)]
        ),
        # a target with a character reference: calamine looks up `sheet&#49;.xml` as written
        "escaped target": standard(
            [("xl/worksheets/sheet1.xml", SMALL), ("xl/worksheets/sheet&#49;.xml", large)],
            rels=WORKBOOK_RELS.replace("worksheets/sheet1.xml", "worksheets/sheet&#49;.xml"),
        ),
        # a Relationship nested in another element: calamine reads it, and the last rId1 wins
        "nested relationship": standard(
            [("xl/worksheets/sheet1.xml", SMALL), ("xl/worksheets/large.xml", large)],
            rels=WORKBOOK_RELS.replace(
                "</Relationships>",
                f"<x>{relationship('rId1', 'worksheets/large.xml')}</x></Relationships>",
            ),
        ),
        # calamine stops at the first </Relationships>, even a prefixed empty one
        "early end": standard(
            [("xl/worksheets/sheet1.xml", SMALL), ("xl/worksheets/large.xml", large)],
            rels=WORKBOOK_RELS.replace(
                "<Relationship ",
                f"{relationship('rId1', 'worksheets/large.xml')}"
                '<x:Relationships xmlns:x="urn:x"/><Relationship ',
                1,
            ),
        ),
        # a raw tab in a name reads as a space to ElementTree; calamine reads both as a tab
        # and loads the first sheet of that name
        "tab in a name": archive(
            ("_rels/.rels", _PARTS["_rels/.rels"]),
            (
                "xl/workbook.xml",
                _PARTS["xl/workbook.xml"].replace(
                    '<sheet name="成员" sheetId="1" r:id="rId1"/>',
                    '<sheet name="成\t员" sheetId="1" r:id="rId2"/>'
                    '<sheet name="成&#9;员" sheetId="2" r:id="rId1"/>',
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                WORKBOOK_RELS.replace(
                    "</Relationships>",
                    f"{relationship('rId2', 'worksheets/large.xml')}</Relationships>",
                ),
            ),
            ("xl/worksheets/sheet1.xml", SMALL),
            ("xl/worksheets/large.xml", large),
        ),
    }


DECOYS = decoys()


@pytest.mark.parametrize("decoy", sorted(DECOYS))
def test_a_decoy_part_does_not_hide_the_sheet_calamine_loads(decoy: str) -> None:
    data = DECOYS[decoy]
    # GIVEN calamine loads the large sheet
    assert calamine_extent(data) == (3, 3)
    # THEN the scan measures that sheet, or the workbook is refused as ambiguous
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        part = sheet_parts(archive)["成员"]
    except FileRejected as refused:
        assert any(word in refused.reason for word in ("两次", "转义", "结构")), refused.reason
    else:
        assert archive.read(part).decode() == LARGE


def test_a_decoy_cannot_bring_a_whole_grid_sheet_past_the_scan(tmp_path: Path) -> None:
    # GIVEN decoys whose real sheet holds values at A1 and XFD1048576: the whole grid
    bomb = SHEET_XML.format(
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    files = {f"{name.replace(' ', '-')}.xlsx": data for name, data in decoys(bomb).items()}
    # WHEN read THEN the process lives and each is refused, before calamine loads the sheet
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert sorted(reasons) == sorted(files)
    assert "READ" not in reasons.values()
    assert reasons["another-folder.xlsx"] == WHOLE_GRID


def test_the_workbook_folder_is_the_one_the_package_relationships_name() -> None:
    data = archive(*moved_to("book"))
    assert sheet_parts(zipfile.ZipFile(io.BytesIO(data))) == {"成员": "book/worksheets/sheet1.xml"}
    table = read_one(data, schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)
    assert table.sheet == "成员"


@pytest.mark.parametrize(
    ("target", "entry"),
    [
        ("worksheets/SHEET1.xml", "xl/worksheets/sheet1.xml"),
        ("worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),
    ],
)
def test_a_part_is_looked_up_as_calamine_looks_it_up(target: str, entry: str) -> None:
    # GIVEN a target in another case, or an archive written with Windows separators
    data = standard([(entry, LARGE)], rels=WORKBOOK_RELS.replace("worksheets/sheet1.xml", target))
    assert calamine_extent(data) == (3, 3)
    # THEN the scan measures that entry: the sheet is refused under 4 cells
    assert sheet_parts(zipfile.ZipFile(io.BytesIO(data))) == {"成员": entry}
    with pytest.raises(FileRejected, match="3 行 × 3 列"):
        read(
            data,
            schema.ROSTERS,
            path="rosters/qq/x.xlsx",
            settings=limits(max_cells=4),
            all_sheets=True,
        )


def test_a_sheet_name_used_twice_is_refused() -> None:
    workbook = _PARTS["xl/workbook.xml"].replace(
        "</sheets>", '<sheet name="成员" sheetId="2" r:id="rId2"/></sheets>'
    )
    rels = WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>',
    )
    data = archive(
        ("_rels/.rels", _PARTS["_rels/.rels"]),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/sheet1.xml", LARGE),
        ("xl/worksheets/sheet2.xml", SMALL),
    )
    with pytest.raises(FileRejected, match="工作表名“成员”出现了两次"):
        sheet_parts(zipfile.ZipFile(io.BytesIO(data)))


def test_a_part_in_a_multi_byte_legacy_encoding_is_refused_with_a_reason(tmp_path: Path) -> None:
    # GIVEN parts declared (and written) in GBK, which expat cannot read
    def in_gbk(text: str) -> bytes:
        return text.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")

    counted = SHEET_XML.format('<row><c t="inlineStr"><is><t>群号</t></is></c></row>')
    files = {
        "gbk-workbook.xlsx": archive(
            ("_rels/.rels", _PARTS["_rels/.rels"]),
            ("xl/workbook.xml", in_gbk(_PARTS["xl/workbook.xml"])),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", SMALL),
        ),
        "gbk-sheet.xlsx": standard([("xl/worksheets/sheet1.xml", in_gbk(counted))]),
    }
    # WHEN read THEN each is refused, naming the part and what to do
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert reasons == {
        "gbk-workbook.xlsx": "不是有效的 Excel 工作簿:内部文件 xl/workbook.xml 声明了 GBK 等旧式编码"
        "(Excel 只写 UTF-8),请用 Excel 打开后另存为 .xlsx 再上传",
        "gbk-sheet.xlsx": "不是有效的 Excel 工作簿:内部文件 xl/worksheets/sheet1.xml 声明了 GBK 等"
        "旧式编码(Excel 只写 UTF-8),请用 Excel 打开后另存为 .xlsx 再上传",
    }
