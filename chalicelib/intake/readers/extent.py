"""The extent of an XLSX sheet, measured before calamine loads it.

calamine allocates a sheet's whole rectangle (last row × last column) at once, so one stray
value at XFD1048576 asks for ~500 GB and aborts the process, beyond any `except`. The sheet's
XML is scanned first for the last row and column holding a value (cells without a value, as
calamine does, are ignored), and a sheet over `max_cells` is rejected before it is loaded.
A `<dimension>` claiming a larger extent is ignored, as calamine ignores it.
Which part is a sheet's is found as calamine finds it: sheetparts.py."""

from __future__ import annotations

import re
import zipfile
from contextlib import closing

from chalicelib.intake.readers.parts import PartLimits, part_chunks
from chalicelib.intake.readers.positions import counted_extent

TAIL_BYTES = 4096
# Each cell beyond the extent builds a new pattern (~0.3 ms): an export's extent grows a
# few times (its first row's columns); a sheet whose every cell grows it is counted in one
# linear pass instead (positions.py), not with a pattern per cell
MAX_GROWTHS = 256
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
# Whitespace becomes a space and a prefix's colon a `<` (`<x:c r=` reads `<x<c r=`), so
# that every cell's tag begins with the literal `<c`: fast to find.
_SPACES = bytes.maketrans(b"\t\r\n:", b"   <")
# The rest of a cell's tag as every exporter writes it: attributes, none of them another
# `r` (calamine takes the last of two), each after a space, then `>` or `/>`.
_PLAIN_TAIL = rb"""(?: +(?!r[ =])[^ =>"'/]+ *= *(?:"[^"]*"|'[^']*'))* */?>"""
# A cell placed by its reference: `<c r="B7" ...>`; any other calamine places by counting
# (`<c>`, `<c s="1" r="B7">`, `<c r="b7">`), or it is not plain (`<c r="B1"r="B9">`): parsed
# as calamine parses it (positions.py).
_PLACED_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?=%s)' % _PLAIN_TAIL)
# The rest of a cell that holds no value: attributes, then `/>` or `></c>` (`<c r="B7"
# s="1"/>`). A tag not shown empty this way (an attribute value holding `>`, say) is taken
# to hold one.
_EMPTY = rb"""(?: +[^ =>"']+ *= *(?:"[^">]*"|'[^'>]*'))* *(?:/>|></(?:[^<> ]+<)?c>)"""
_LAST_VALUE_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?!%s)' % _EMPTY)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


def _up_to(token: str, alphabet: str) -> str:
    """A regex for the strings over `alphabet` that sort up to `token` by (length, text),
    those of its length first (most cells of a sheet are in its last rows): fast to
    refuse."""
    every = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = []
    for index, char in enumerate(token):
        below = alphabet[: alphabet.index(char)]
        if below:
            options.append(
                f"{token[:index]}[{below[0]}-{below[-1]}]{every}{{{len(token) - index - 1}}}"
            )
    options.append(token)
    if len(token) > 1:
        options.append(f"{every}{{1,{len(token) - 1}}}")
    return "(?:" + "|".join(options) + ")"


def _outside(rows: int, columns: int) -> re.Pattern[bytes]:
    """The cells not shown, by an upper-case reference first in their tag, to lie within
    `rows` × `columns`: value cells beyond, and every cell calamine places by counting."""
    column = _up_to(column_letters(columns), _LETTERS).encode() if columns else b"(?!)"
    row = _up_to(str(rows), _DIGITS).encode() if rows else b"(?!)"
    return re.compile(
        rb'<c(?=[ >/])(?! r="%s%s"%s)(?! r="[A-Z]+\d+"%s)' % (column, row, _PLAIN_TAIL, _EMPTY)
    )


def sheet_extent(
    archive: zipfile.ZipFile, part: str, max_cells: int, limits: PartLimits
) -> tuple[int, int]:
    """(last row, last column) holding a value, 1-based; the scan stops at the first chunk
    after which the rectangle they span is over `max_cells`. The part is measured as it is
    read: FileRejected once it inflates beyond its `limits`. A sheet with a cell placed by
    counting is parsed as calamine counts (positions.py)."""
    rows = columns = growths = 0
    with closing(part_chunks(archive, part, limits)) as chunks:
        carry = b""
        while True:
            chunk = next(chunks, b"")
            buffer = carry + chunk
            cut = buffer.rfind(b"<") if chunk else -1  # a tag is never split between chunks
            buffer, carry = (buffer[:cut], buffer[cut:]) if cut > 0 else (buffer, b"")
            buffer = buffer.translate(_SPACES)
            for last in _LAST_VALUE_CELL.finditer(buffer, max(0, len(buffer) - TAIL_BYTES)):
                rows = max(rows, int(last.group(2)))  # rows are in order: the last is the most
            position = 0
            while found := _outside(rows, columns).search(buffer, position):
                cell = _PLACED_CELL.match(buffer, found.start())
                growths += 1
                if cell is None or growths > MAX_GROWTHS:
                    return counted_extent(archive, part, max_cells, limits)
                rows = max(rows, int(cell.group(2)))
                columns = max(columns, column_number(cell.group(1).decode()))
                position = cell.end()
            if not chunk or rows * columns > max_cells:
                return rows, columns
