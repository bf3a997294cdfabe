"""Every part of an XLSX workbook is bounded by max_part_bytes before calamine parses it,
whatever size the zip directory claims."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from typing import Any

import pytest
import python_calamine
import xlsxwriter

from chalicelib.intake import schema
from chalicelib.intake.readers import FileRejected, opening, parts, sheetparts, xlsx
from chalicelib.intake.readers import extent as extent_module
from tests.intake.readers import limits, read, read_one, records

MIB = 1024 * 1024
SST = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"


def roster_workbook() -> bytes:
    """A workbook as xlsxwriter writes it, with a shared strings part."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet("成员")
        for row, values in enumerate([["QQ号", "群名片"], ["10001", "张三"], ["10002", "李四"]]):
            sheet.write_row(row, 0, values)
    return buffer.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part's content replaced (deflated)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = content if info.filename == name else source.read(info)
            target.writestr(info.filename, body)
    return out.getvalue()


def padded(part: bytes, size: int) -> bytes:
    """The XML part with a comment after its root element, to `size` bytes or more."""
    return part + b"<!--" + b"x" * size + b"-->"


def claim_size(data: bytes, name: str, size: int, *, local: bool, central: bool) -> bytes:
    """The workbook with the uncompressed size of `name` rewritten in its local header
    and/or its central directory entry: a zip that lies about a part."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    if local:
        struct.pack_into("<I", out, info.header_offset + 22, size)
    if central:
        entry = data.find(b"PK\x01\x02")
        while entry >= 0:
            length = struct.unpack_from("<H", data, entry + 28)[0]
            if data[entry + 46 : entry + 46 + length] == name.encode():
                struct.pack_into("<I", out, entry + 24, size)
            entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(out)


def rejection(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(FileRejected) as caught:
        read(data, schema.ROSTERS, path="rosters/qq/a.xlsx", all_sheets=True, **kwargs)
    return caught.value.reason


def test_a_part_over_max_part_bytes_rejects_the_workbook_naming_part_size_and_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN shared strings that inflate to 3 MB, and a limit of 2 MB
    data = with_part(roster_workbook(), SST, padded(b"<sst/>", 3 * MIB))
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_object", _never_called)
    # WHEN read THEN it is rejected before calamine opens it, naming part, size and limit
    reason = rejection(data, settings=limits(max_part_bytes=2 * MIB))
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后 3 MB,超过 2 MB 的上限,工作簿未读取")


def _never_called(*args: object) -> None:
    raise AssertionError("calamine opened a workbook that should have been rejected")


def test_a_workbook_whose_parts_are_all_within_the_limit_is_read() -> None:
    data = with_part(roster_workbook(), "docProps/app.xml", padded(b"<a/>", MIB))
    table = read_one(data, schema.ROSTERS, settings=limits(max_part_bytes=2 * MIB))
    assert records(table, "member_id") == [("10001",), ("10002",)]


def test_a_part_whose_directory_understates_its_size_is_measured_and_rejected() -> None:
    # GIVEN shared strings of 3 MB that the central directory and local header call 1 KB
    data = with_part(roster_workbook(), SST, padded(b"<sst/>", 3 * MIB))
    data = claim_size(data, SST, 1024, local=True, central=True)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SST).file_size == 1024
    # WHEN read THEN the part is inflated (as a stream) and found over the limit
    reason = rejection(data, settings=limits(max_part_bytes=2 * MIB))
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后超过 2 MB 的上限")
    assert "文件目录中记为 1024 字节,与实际不符" in reason


def test_a_local_header_that_understates_the_size_is_caught_by_the_directory() -> None:
    data = with_part(roster_workbook(), SST, padded(b"<sst/>", 3 * MIB))
    data = claim_size(data, SST, 1024, local=True, central=False)
    assert "解压后 3 MB,超过 2 MB 的上限" in rejection(
        data, settings=limits(max_part_bytes=2 * MIB)
    )


def test_a_sheet_whose_directory_understates_its_size_is_measured_while_scanned() -> None:
    # GIVEN a sheet part of 3 MB that claims 1 KB (sheets are measured by the extent scan)
    sheet = zipfile.ZipFile(io.BytesIO(roster_workbook())).read(SHEET)
    data = with_part(roster_workbook(), SHEET, padded(sheet, 3 * MIB))
    data = claim_size(data, SHEET, 1024, local=True, central=True)
    reason = rejection(data, settings=limits(max_part_bytes=2 * MIB))
    assert reason.startswith(f"工作簿内部文件 {SHEET} 解压后超过 2 MB 的上限")


def test_only_parts_that_could_inflate_past_the_limit_are_inflated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a spy on the parts inflated to be measured
    measured: list[str] = []
    chunks = parts.part_chunks

    def spy(archive: zipfile.ZipFile, part: Any, bounds: parts.PartLimits) -> Any:
        measured.append(part if isinstance(part, str) else part.filename)
        return chunks(archive, part, bounds)

    monkeypatch.setattr(parts, "part_chunks", spy)
    monkeypatch.setattr(extent_module, "part_chunks", spy)
    monkeypatch.setattr(opening, "part_chunks", spy)
    # AND shared strings that compress poorly: 100 KB of random hex, ~50 KB deflated
    strings = zipfile.ZipFile(io.BytesIO(roster_workbook())).read(SST)
    noise = random.Random(1).randbytes(50_000).hex().encode()
    data = with_part(roster_workbook(), SST, strings + b"<!--" + noise + b"-->")
    # WHEN read with a 2 MB limit: 1,032 × 50 KB could exceed it, 1,032 × 1.5 KB not
    read_one(data, schema.ROSTERS, settings=limits(max_part_bytes=2 * MIB))
    # THEN the shared strings and styles are inflated once (calamine reads them as it
    # opens), and the sheet as it is scanned; the theme and the other small parts are not
    assert sorted(measured) == [SST, "xl/styles.xml", SHEET]


def test_workbook_index_parts_over_their_cap_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheetparts, "INDEX_PART_BYTES", 100)
    assert "内部文件 _rels/.rels 有" in rejection(roster_workbook())  # the first one read


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"])
def test_an_index_part_that_does_not_parse_is_rejected(part: str) -> None:
    data = with_part(roster_workbook(), part, b"<workbook><sheets>")
    reason = rejection(data)
    assert reason.startswith(f"不是有效的 Excel 工作簿:内部文件 {part} 无法解析")


def test_a_sheet_whose_part_cannot_be_found_is_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN sheets that calamine lists but whose parts the extent scan cannot find
    monkeypatch.setattr(xlsx, "sheet_parts", lambda archive: {"其他": "xl/worksheets/sheet1.xml"})
    # THEN the workbook is rejected rather than loaded unchecked
    assert rejection(roster_workbook()) == "不是有效的 Excel 工作簿:找不到工作表“成员”的内部文件"


def test_a_truncated_workbook_is_rejected_as_incomplete() -> None:
    data = roster_workbook()
    reason = rejection(data[: len(data) // 2])
    assert reason.startswith("不是有效的 Excel 工作簿:文件不完整或已损坏")
