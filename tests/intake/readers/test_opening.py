"""The shared strings and styles calamine reads as it opens a workbook cannot make it
reserve or scan far beyond their size: the file is refused before calamine opens it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import xlsxwriter

from chalicelib.intake import schema
from tests.intake.readers import read_one
from tests.intake.readers.test_positions import _PARTS, SHEET, reasons_in_a_capped_process
from tests.intake.readers.test_sheetparts import SMALL

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_parts(extra: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in {**_PARTS, SHEET: SMALL, **extra}.items():
            out.writestr(name, text)
    return buffer.getvalue()


def test_opening_parts_asking_far_beyond_their_size_are_refused(tmp_path: Path) -> None:
    # GIVEN 300 bytes of shared strings claiming 10^10 of them (240 GB reserved at opening),
    # and styles whose one 10^6-character format 10^4 cell formats use (minutes of scanning)
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="10000000000"><si><t>s</t></si></sst>'
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="'
        + "0" * 1_000_000
        + '"/></numFmts><cellXfs count="10000">'
        + '<xf numFmtId="164"/>' * 10_000
        + "</cellXfs></styleSheet>"
    )
    files = {
        "strings.xlsx": with_parts({"xl/sharedStrings.xml": strings}),
        "styles.xlsx": with_parts({"xl/styles.xml": styles}),
    }
    assert all(len(data) < 5_000 for data in files.values())
    # WHEN read THEN the process lives, and says why each is refused
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert reasons["strings.xlsx"].startswith(
        "不是有效的 Excel 工作簿:内部文件 xl/sharedStrings.xml 声称有 10000000000 个不同的文本"
    )
    assert reasons["styles.xlsx"].startswith(
        "不是有效的 Excel 工作簿:内部文件 xl/styles.xml 的数字格式长达 1000000 个字符"
    )


def test_a_workbook_with_many_strings_and_formats_reads() -> None:
    # GIVEN an export with 2,000 distinct strings and a few number formats, as Excel writes
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("成员")
    sheet.write_row(0, 0, ["QQ号", "群名片", "入群时间"])
    date = book.add_format({"num_format": 'yyyy"年"m"月"d"日";@'})
    for row in range(1, 2001):
        sheet.write_string(row, 0, str(10000 + row))
        sheet.write_string(row, 1, f"成员{row}")
        sheet.write_number(row, 2, 45000 + row, date)
    book.close()
    table = read_one(buffer.getvalue(), schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)
    assert sum(1 for _ in table.rows) == 2000
