"""A file that zipfile and calamine's zip crate would read as different archives, or that
calamine would open as another format, is refused before calamine sees it: else a small
decoy sheet could pass the extent scan while calamine loads a whole-grid one."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected
from tests.intake.readers import read_one
from tests.intake.readers.test_positions import _PARTS, SHEET, reasons_in_a_capped_process
from tests.intake.readers.test_sheetparts import LARGE, SHEET_XML, SMALL

# values at A1 and XFD1048576: calamine asks for the whole grid (~550 GB) and aborts
WHOLE_GRID = SHEET_XML.format(
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)
NOT_ONE_ARCHIVE = "不是有效的 Excel 工作簿:文件不是单一、完整的压缩包"


def workbook(
    sheet: str = SMALL, *, extra: dict[str, bytes] | None = None, comment: bytes = b""
) -> bytes:
    """An XLSX of the standard parts and `sheet`, with the entries in `extra` beside them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in {**_PARTS, SHEET: sheet}.items():
            out.writestr(name, text)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
        out.comment = comment
    return buffer.getvalue()


def unicode_path(raw: str, shown: str) -> bytes:
    """An Info-ZIP Unicode Path field (0x7075): the zip crate reads the entry named `raw`
    as `shown`; zipfile ignores it."""
    body = b"\x01" + struct.pack("<I", zlib.crc32(raw.encode())) + shown.encode()
    return struct.pack("<HH", 0x7075, len(body)) + body


def renamed_by_the_zip_crate() -> bytes:
    """The sheet zipfile reads is a decoy; the crate reads the entry zzz.xml as the sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in _PARTS.items():
            out.writestr(name, text)
        for raw, shown, text in [
            (SHEET, "xl/worksheets/decoy.xml", SMALL),
            ("xl/worksheets/zzz.xml", SHEET, WHOLE_GRID),
        ]:
            info = zipfile.ZipInfo(raw)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.extra = unicode_path(raw, shown)
            out.writestr(info, text)
    return buffer.getvalue()


def two_archives() -> bytes:
    """The whole-grid workbook, then a decoy whose end record claims a comment that is not
    there: zipfile takes the decoy's end record, the zip crate skips it for the first."""
    decoy = bytearray(workbook(SMALL))
    struct.pack_into("<H", decoy, decoy.rfind(b"PK\x05\x06") + 20, 200)
    return workbook(WHOLE_GRID) + bytes(decoy)


def ods_inside() -> bytes:
    """A zip calamine opens as ODS (no _rels/.rels), one table of 98M cells, which calamine
    reads whole as it opens the file, before any sheet could be measured."""
    table = (
        '<table:table table:name="T"><table:table-row table:number-rows-repeated="6000">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
        'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
        'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
        f'text:1.0"><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("META-INF/manifest.xml", "<manifest/>")
        out.writestr("content.xml", content)
        out.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_archives_the_two_zip_readers_read_apart_are_refused_before_loading(
    tmp_path: Path,
) -> None:
    # GIVEN few-KB files in which calamine would find a whole-grid sheet, zipfile a decoy
    files = {
        "unicode-path.xlsx": renamed_by_the_zip_crate(),
        "two-archives.xlsx": two_archives(),
        "ods-inside.xlsx": ods_inside(),
    }
    # WHEN read THEN the process lives, and says why each is refused
    reasons = reasons_in_a_capped_process(tmp_path, files)
    assert reasons == {
        "unicode-path.xlsx": "不是有效的 Excel 工作簿:内部文件 xl/worksheets/sheet1.xml 带有另一个"
        "名字(Unicode Path 扩展字段),不同的读取程序会读到不同的文件,未读取",
        "two-archives.xlsx": NOT_ONE_ARCHIVE + "(前后附有其他数据,或含有多个压缩包目录),"
        "无法确定其内容,未读取。请用 Excel 打开后另存为 .xlsx 再上传",
        "ods-inside.xlsx": "不是有效的 Excel 工作簿:内含 content.xml,这是其他表格格式"
        "(.ods / .xlsb)的内容。请用 Excel 打开后另存为 .xlsx 再上传",
    }


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04" + b"\0" * 100 + workbook(), id="data before the archive"),
        pytest.param(workbook() + b"\0" * 10, id="data after its end record"),
        pytest.param(workbook() + workbook(), id="two whole archives"),
    ],
)
def test_a_file_that_is_not_one_plain_archive_is_refused(data: bytes) -> None:
    with pytest.raises(FileRejected, match=NOT_ONE_ARCHIVE):
        read_one(data, schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)


def test_an_xlsb_workbook_beside_the_xlsx_parts_is_refused() -> None:
    # calamine tries XLSB when its XLSX reading fails (say, on damaged styles)
    data = workbook(LARGE, extra={"xl/workbook.bin": b"\x83\x01\x00"})
    with pytest.raises(FileRejected, match=r"内含 xl/workbook.bin,这是其他表格格式"):
        read_one(data, schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)


def test_a_workbook_without_its_package_relationships_is_refused_before_calamine() -> None:
    parts = {name: text for name, text in _PARTS.items() if name != "_rels/.rels"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, text in {**parts, SHEET: SMALL}.items():
            out.writestr(name, text)
    with pytest.raises(FileRejected, match="找不到工作表目录"):
        read_one(buffer.getvalue(), schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)


def test_an_archive_comment_and_other_extra_fields_are_read_as_usual() -> None:
    # GIVEN a workbook with a zip comment and an entry carrying an extended timestamp field
    stamp = struct.pack("<HHBI", 0x5455, 5, 1, 1_700_000_000)
    buffer = io.BytesIO(workbook(comment="导出工具 v1".encode()))
    with zipfile.ZipFile(buffer, "a") as out:
        info = zipfile.ZipInfo("docProps/app.xml")
        info.extra = stamp
        out.writestr(info, "<Properties/>")
    # THEN it reads
    table = read_one(buffer.getvalue(), schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)
    assert [row[0] for row in table.rows] == ["10001"]


def _stored(parts: list[tuple[bytes, bytes]], base: int = 0, flags: int = 0) -> tuple[bytes, bytes]:
    """Stored entries written by hand (local headers and data; directory), at `base`."""
    body, directory = b"", b""
    for name, data in parts:
        crc, size = zlib.crc32(data), len(data)
        fields = (20, flags, 0, 0, 0x21, crc, size, size, len(name))
        directory += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIH", *fields)
        directory += struct.pack("<HHHHII", 0, 0, 0, 0, 0, base + len(body)) + name
        body += struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIH", *fields)
        body += struct.pack("<H", 0) + name + data
    return body, directory


def _end_record(entries: int, directory: bytes, offset: int) -> bytes:
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(directory), offset, 0)


def _parts(sheet: str, name: bytes = SHEET.encode()) -> list[tuple[bytes, bytes]]:
    index = [(n.encode(), t.encode()) for n, t in _PARTS.items()]
    return [*index, (name, sheet.encode())]


def zip64_record_only_zipfile_reads() -> bytes:
    """Two directories: the plain end record names the whole-grid one (the zip crate reads
    it), a zip64 record before it the decoy one (zipfile obeys it whenever it is there)."""
    decoy, decoy_directory = _stored(_parts(SMALL))
    grid, grid_directory = _stored(_parts(WHOLE_GRID), base=len(decoy))
    body = decoy + grid
    grid_at = len(body)
    body += grid_directory
    decoy_at = len(body)
    body += decoy_directory
    count = len(_PARTS) + 1
    record_at = len(body)
    body += struct.pack(
        "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(decoy_directory), decoy_at
    )
    body += struct.pack("<IIQI", 0x07064B50, 0, record_at, 1)
    return body + _end_record(count, grid_directory, grid_at)


def test_a_zip64_record_the_zip_crate_ignores_is_refused(tmp_path: Path) -> None:
    reasons = reasons_in_a_capped_process(
        tmp_path, {"zip64.xlsx": zip64_record_only_zipfile_reads()}
    )
    assert reasons["zip64.xlsx"].startswith(NOT_ONE_ARCHIVE)


def test_an_unflagged_non_ascii_name_is_refused() -> None:
    # the zip crate looks `sç.xml` up by its UTF-8 bytes; zipfile reads the bytes as CP437
    body, directory = _stored(_parts(SMALL, "xl/worksheets/sç.xml".encode()))
    data = body + directory + _end_record(len(_PARTS) + 1, directory, len(body))
    with pytest.raises(FileRejected, match="未标明编码"):
        read_one(data, schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)


def test_a_name_flagged_utf8_that_is_not_is_refused_as_damaged() -> None:
    body, directory = _stored(_parts(SMALL, b"xl/worksheets/\xff.xml"), flags=0x800)
    data = body + directory + _end_record(len(_PARTS) + 1, directory, len(body))
    with pytest.raises(FileRejected, match="文件不完整或已损坏"):
        read_one(data, schema.ROSTERS, path="rosters/qq/x.xlsx", all_sheets=True)
