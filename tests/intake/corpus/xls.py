"""A legacy Excel 97-2003 workbook (.xls), as xlwt writes one: a compound file (CFB) whose
Workbook stream holds BIFF8 records, every cell a string from the shared string table.
Only the records a reader needs are written; no dependency beyond `struct`.

References: [MS-CFB] (compound file header, FAT, directory entries) and [MS-XLS] (BOF,
CODEPAGE, BOUNDSHEET8, SST, DIMENSIONS, LABELSST, EOF)."""

from __future__ import annotations

import struct
from collections.abc import Sequence

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_STREAM_CUTOFF = 4096  # a smaller stream would go to the mini stream: pad up to it


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(substream: int) -> bytes:
    """BIFF8 BOF: version 0x0600; 0x0005 workbook globals, 0x0010 worksheet."""
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 6))


def _unicode_string(text: str) -> bytes:
    """XLUnicodeString, always stored as UTF-16 (fHighByte = 1)."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def biff8_workbook(sheet: str, rows: Sequence[Sequence[str | None]]) -> bytes:
    """The Workbook stream of a one-sheet workbook of text cells."""
    strings: dict[str, int] = {}
    cells = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                index = strings.setdefault(value, len(strings))
                cells.append(_record(0x00FD, struct.pack("<HHHI", r, c, 0, index)))
    shared = _record(
        0x00FC,
        struct.pack("<II", len(cells), len(strings)) + b"".join(map(_unicode_string, strings)),
    )
    name = struct.pack("<BB", len(sheet), 1) + sheet.encode("utf-16-le")
    width = max(map(len, rows))
    worksheet = (
        _bof(0x0010)
        + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        + b"".join(cells)
        + _record(0x000A, b"")
    )

    def globals_(sheet_at: int) -> bytes:
        return (
            _bof(0x0005)
            + _record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
            + _record(0x0085, struct.pack("<IBB", sheet_at, 0, 0) + name)  # BOUNDSHEET8
            + shared
            + _record(0x000A, b"")
        )

    return globals_(len(globals_(0))) + worksheet


def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    raw = (name + "\0").encode("utf-16-le") if name else b""
    return (
        raw.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(raw), kind, 1, NO_STREAM, NO_STREAM, child)
        + b"\0" * 36  # CLSID, state bits, creation and modification times
        + struct.pack("<IQ", start, size)
    )


def compound_file(workbook: bytes) -> bytes:
    """A CFB (version 3) holding one stream, Workbook: sector 0 is the FAT, the stream
    follows, the directory (Root Entry, Workbook) is the last sector."""
    stream = workbook.ljust(MINI_STREAM_CUTOFF, b"\0")
    stream += b"\0" * (-len(stream) % SECTOR)
    sectors = len(stream) // SECTOR
    directory_at = 1 + sectors
    fat = [FAT_SECTOR, *range(2, sectors + 1), END_OF_CHAIN, END_OF_CHAIN]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<109I", 0, *[FREE] * 108)
    )
    directory = (
        _directory_entry("Root Entry", 5, 1, END_OF_CHAIN, 0)
        + _directory_entry("Workbook", 2, NO_STREAM, 1, len(stream))
        + _directory_entry("", 0, NO_STREAM, 0, 0) * 2
    )
    assert len(header) == SECTOR and len(directory) == SECTOR
    return header + struct.pack(f"<{len(fat)}I", *fat) + stream + directory


def legacy_xls(sheet: str, rows: Sequence[Sequence[str | None]]) -> bytes:
    return compound_file(biff8_workbook(sheet, rows))
