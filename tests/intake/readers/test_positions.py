"""Sheets whose cells calamine places by counting: the extent measured before loading is
the extent calamine then gives, and a tiny sheet cannot place a value at XFD1048576."""

from __future__ import annotations

import io
import random
import resource
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from unittest import mock

import pytest
import python_calamine

from chalicelib.core.settings import Settings
from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected, extent, read_tables
from chalicelib.intake.readers.extent import column_letters, sheet_extent
from chalicelib.intake.readers.parts import PartLimits

SHEET = "xl/worksheets/sheet1.xml"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        '" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="成员" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
        'worksheets/sheet1.xml"/></Relationships>'
    ),
}


def workbook(sheet_data: str, *, prefix: str = "") -> bytes:
    """A minimal XLSX whose one sheet's <sheetData> is `sheet_data`, written by hand: the
    writers we test with always place cells by reference."""
    xmlns = f"xmlns{':' + prefix.rstrip(':') if prefix else ''}"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {xmlns}="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><{prefix}sheetData>{sheet_data}'
        f"</{prefix}sheetData></{prefix}worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr(SHEET, sheet)
    return buffer.getvalue()


def measured(data: bytes) -> tuple[int, int]:
    return sheet_extent(zipfile.ZipFile(io.BytesIO(data)), SHEET, 10**12, PartLimits(10**9))


def calamine_extent(data: bytes) -> tuple[int, int]:
    sheet = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data)).get_sheet_by_index(0)
    end = sheet.end
    return (0, 0) if end is None else (end[0] + 1, end[1] + 1)


def random_sheet(rng: random.Random, prefix: str) -> str:
    """Rows and cells with and without references (upper or lower case), empty and
    self-closing ones, the way a hand-rolled writer might mix them."""
    rows = []
    row_number = 0
    for _ in range(rng.randint(0, 6)):
        row_number += rng.randint(1, 3)
        cells = []
        column = 0
        for _ in range(rng.randint(0, 6)):
            column += rng.randint(1, 3)
            reference = f"{column_letters(column)}{rng.choice([row_number, row_number + 2])}"
            attribute = rng.choice(
                ["", f' r="{reference}"', f' r="{reference.lower()}"', f' r="{reference}" s="1"']
            )
            body = rng.choice(["<v>1</v>", '<is><t x="/>">名</t></is>', "", None])
            c = f"{prefix}c"
            if body is None:
                cells.append(f"<{c}{attribute}/>")
            else:
                body = body.replace("<", f"<{prefix}").replace(f"<{prefix}/", f"</{prefix}")
                cells.append(f"<{c}{attribute}>{body}</{c}>")
        row = f"{prefix}row"
        opening = rng.choice([f"<{row}>", f'<{row} r="{row_number}">'])
        rows.append(f"{opening}{''.join(cells)}</{row}>" if cells else opening[:-1] + "/>")
    return "".join(rows)


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_measured_extent_is_calamines_for_cells_placed_by_counting(prefix: str) -> None:
    rng = random.Random(7)
    compared = 0
    for _ in range(300):
        data = workbook(random_sheet(rng, prefix), prefix=prefix)
        expected = calamine_extent(data)
        assert measured(data) == expected, data
        compared += expected != (0, 0)
    assert compared > 150  # most sheets hold values, so the comparison says something


@pytest.mark.parametrize(
    ("sheet_data", "extent"),
    [
        # no reference: calamine counts the columns of the row
        ('<row r="3"><c><v>1</v></c><c/><c><v>2</v></c></row>', (3, 3)),
        # a lower-case reference is a reference
        ('<row r="1"><c r="c5"><v>1</v></c></row>', (5, 3)),
        # a row without r comes after the row before it
        ('<row r="4"><c r="A4"><v>1</v></c></row><row><c><v>2</v></c></row>', (5, 1)),
        # an upper-case reference after other attributes
        ('<row r="2"><c s="1" r="D2"><v>1</v></c></row>', (2, 4)),
    ],
)
def test_cells_placed_by_counting_are_where_calamine_puts_them(
    sheet_data: str, extent: tuple[int, int]
) -> None:
    data = workbook(sheet_data)
    assert measured(data) == calamine_extent(data) == extent


def test_a_value_cell_whose_attribute_holds_a_slash_and_bracket_counts() -> None:
    # GIVEN a far cell whose tag only looks self-closing to a careless scan
    data = workbook('<row r="1"><c r="A1"><v>1</v></c><c r="AB9" x="/>"><v>2</v></c></row>')
    assert measured(data) == calamine_extent(data) == (9, 28)


def test_a_sheet_with_a_dtd_is_refused_when_its_cells_are_counted() -> None:
    data = workbook("<row><c><v>1</v></c></row>")
    archive = zipfile.ZipFile(io.BytesIO(data))
    xml = archive.read(SHEET).replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet', 1
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name in archive.namelist():
            out.writestr(name, xml if name == SHEET else archive.read(name))
    with pytest.raises(FileRejected, match="DTD"):
        measured(buffer.getvalue())


def test_damaged_xml_in_a_counted_sheet_is_refused_with_a_reason() -> None:
    with pytest.raises(FileRejected, match="XML 无法解析"):
        measured(workbook("<row><c><v>1</v></c></rw>"))


def test_an_invalid_reference_is_refused_with_a_reason() -> None:
    with pytest.raises(FileRejected, match="单元格位置“A0”无效"):
        measured(workbook('<row><c r="A0"><v>1</v></c><c s="1"><v>2</v></c></row>'))


# Each of these few-KB sheets asks calamine for a 1048576 × 16384 grid (~550 GB): before
# the fix, reading one aborted the whole process, beyond any `except`.
BOMBS = {
    "unreferenced.xlsx": '<row><c t="inlineStr"><is><t>x</t></is></c>'
    + "<c/>" * 16382
    + '<c><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>',
    "lower-case.xlsx": '<row r="1"><c r="A1"><v>1</v></c></row>'
    '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "counted-after-far-row.xlsx": '<row r="1"><c r="XFD1"><v>1</v></c></row>'
    '<row r="1048576"><c t="inlineStr"><is><t>y</t></is></c></row>',
    "prefixed.xlsx": '<x:row r="1048576"><x:c r="A1048576"/><x:c/>'
    + "<x:c/>" * 16381
    + "<x:c><x:v>1</x:v></x:c></x:row>",
    # quick-xml's local name is after the first colon: `x:y:row` is not a row to calamine
    "double-prefix.xlsx": '<row r="1"><c r="A1"><v>1</v></c></row>'
    '<row r="1048576"><x:y:row r="1"/><c r="XFC1"/><c><v>1</v></c></row>',
}


def reasons_in_a_capped_process(folder: Path, files: dict[str, bytes]) -> dict[str, str]:
    """Each roster file read in a process held to 2 GB, so that a regression aborts it and
    not the test run: file name -> why it was rejected ("READ" when it was not)."""
    for name, data in files.items():
        (folder / name).write_bytes(data)
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from chalicelib.core.settings import Settings
        from chalicelib.intake import schema
        from chalicelib.intake.readers import FileRejected, read_tables
        for path in sorted(Path(sys.argv[1]).iterdir()):
            try:
                read_tables(f"rosters/qq/{path.name}", path.read_bytes(), schema.ROSTERS,
                            Settings(), all_sheets=True)
                print(path.name, "READ")
            except FileRejected as rejected:
                print(path.name, rejected.reason)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)),
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


WHOLE_GRID = "工作表“成员”有 1048576 行 × 16384 列,超过 20000000 个单元格的上限"


def test_tiny_sheets_that_ask_for_the_whole_grid_are_rejected_before_loading(
    tmp_path: Path,
) -> None:
    # GIVEN each bomb as an upload
    files = {}
    for name, sheet_data in BOMBS.items():
        files[name] = workbook(sheet_data, prefix="x:" if sheet_data.startswith("<x:") else "")
        assert len(files[name]) < 20_000
    # WHEN read THEN the process lives, and says of each that the sheet is over the limit
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert reasons == {name: WHOLE_GRID for name in BOMBS}


def test_an_ordinary_counted_sheet_is_read_whole() -> None:
    # GIVEN a roster written without references, as some hand-rolled exporters do
    header = "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in ("群号", "QQ号"))
    rows = "".join(f"<row><c><v>700</v></c><c><v>{10000 + i}</v></c></row>" for i in range(3))
    data = workbook(f"<row>{header}</row>{rows}")
    tables, problems = read_tables(
        "rosters/qq/x.xlsx", data, schema.ROSTERS, Settings(), all_sheets=True
    )
    assert problems == []
    assert [row[:2] for row in tables[0].rows] == [["700", f"{10000 + i}"] for i in range(3)]


# calamine keeps the last of two `r` attributes, and quick-xml needs no space between them.
TWO_REFERENCES = {
    "spaced.xlsx": '<c r="B1" r="XFD1048576"><v>1</v></c>',
    "unspaced.xlsx": '<c r="B1"r="XFD1048576"><v>1</v></c>',
    "after-a-quoted-bracket.xlsx": '<c r="B1" x=">" r="XFD1048576"><v>1</v></c>',
    "spaced-equals.xlsx": '<c r="B1" r ="XFD1048576"><v>1</v></c>',
}


def test_a_cell_with_two_references_is_refused_not_measured_by_the_first(
    tmp_path: Path,
) -> None:
    # GIVEN sheets whose second cell says B1 first and XFD1048576 last
    files = {
        name: workbook(f'<row r="1"><c r="A1"><v>1</v></c>{cell}</row>')
        for name, cell in TWO_REFERENCES.items()
    }
    # WHEN read THEN the process lives, and each is refused as malformed
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert set(reasons) == set(files)
    for reason in reasons.values():
        assert reason.startswith("不是有效的 Excel 工作簿:工作表的 XML 无法解析"), reason


def test_a_plain_cell_with_other_attributes_stays_on_the_fast_scan() -> None:
    # GIVEN cells as exporters write them: style, type, and attributes of later versions
    data = workbook(
        '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>x</t></is></c>'
        '<c r="B1" cm="1" vm = \'2\'><v>1</v></c><c r="C1" s="3"/></row>'
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    with mock.patch.object(extent, "counted_extent", side_effect=AssertionError("slow path")):
        assert sheet_extent(archive, SHEET, 100, PartLimits(10**9)) == (1, 2)


# calamine skips a cell's content and every element before <sheetData>: a counter that
# read a <c> or <row> there would lose its place
ROW_IN_A_FORMULA = (
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
    '<c r="A1"><f><c/><row r="1"></row></f></c><c r="XFC1"/><c><v>1</v></c></row>'
)


def test_cells_and_rows_out_of_calamines_frame_are_refused_or_ignored(tmp_path: Path) -> None:
    wrapped = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main"><c><sheetData><row r="1048576"><c r="XFD1048576"><v>1'
        '</v></c></row><row r="1"><c><v>1</v></c></row></sheetData></c></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {**_PARTS, SHEET: wrapped}.items():
            archive.writestr(name, text)
    files = {"row-in-a-formula.xlsx": workbook(ROW_IN_A_FORMULA),
             "cell-around-sheet-data.xlsx": buffer.getvalue()}  # fmt: skip
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert reasons == {
        "row-in-a-formula.xlsx": "不是有效的 Excel 工作簿:单元格中嵌套了 <c>,无法确定表格范围",
        "cell-around-sheet-data.xlsx": WHOLE_GRID,
    }


def test_a_sheet_whose_every_cell_grows_the_extent_builds_few_patterns() -> None:
    # GIVEN one row of 20,000 value cells, each one column further (a pattern per cell
    # took 11 s for 40,000)
    cells = "".join(f'<c r="{column_letters(i)}1"><v>1</v></c>' for i in range(1, 20_001))
    archive = zipfile.ZipFile(io.BytesIO(workbook(f'<row r="1">{cells}</row>')))
    built = []
    real_outside = extent._outside

    def counting(rows: int, columns: int) -> object:
        built.append((rows, columns))
        return real_outside(rows, columns)

    # WHEN measured THEN the extent is exact, from a bounded number of patterns
    with mock.patch.object(extent, "_outside", counting):
        assert sheet_extent(archive, SHEET, 10**9, PartLimits(10**9)) == (1, 20_000)
    assert len(built) <= extent.MAX_GROWTHS + 1
