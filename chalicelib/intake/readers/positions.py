"""The extent of a sheet whose cells calamine places by counting, not by reference.

A cell need not say where it is: `<c>` without `r="B7"` goes where calamine counts
(src/xlsx/cells_reader.rs): the row of the last `<row r="N">` plus the `</row>`s since,
the column after the cell before it in the row. Nor must a reference be upper case
(`r="xfd1048576"` is XFD1048576 to calamine). Such a sheet is parsed here with expat,
element by element, as calamine counts, so a 4 KB sheet cannot place a value at
XFD1048576 unseen. Excel, WPS, LibreOffice and openpyxl write an upper-case `r` first in
every cell: their sheets never come here (extent.py scans them much faster)."""

from __future__ import annotations

import re
import zipfile
from contextlib import closing
from xml.parsers import expat

from chalicelib.intake.readers.parts import PartLimits, part_chunks
from chalicelib.intake.readers.sheetparts import UNSUPPORTED_ENCODING
from chalicelib.intake.readers.table import FileRejected

_REFERENCE = re.compile(r"([A-Za-z]*)([0-9]+)")
_FRAME = frozenset({"c", "row", "sheetData"})  # elements that move calamine's counters


class _Counter:
    """calamine's row and column counters, and the extent of the cells holding a value
    (a cell with any element inside it: `<v>`, `<is>`, `<f>`)."""

    def __init__(self) -> None:
        self.row = self.column = 0  # 0-based, where an unreferenced cell goes
        self.cell: tuple[int, int] | None = None  # (row, column) of the open cell
        self.valued = False
        self.rows = self.columns = 0  # the extent, 1-based
        self.in_sheet_data = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if self.cell is not None:
            if local in _FRAME:  # calamine skips a cell's content; the counter cannot
                raise FileRejected(
                    f"不是有效的 Excel 工作簿:单元格中嵌套了 <{name[:20]}>,无法确定表格范围"
                )
            self.valued = True  # calamine reads any element in a cell as its value
            return
        if not self.in_sheet_data:  # calamine reads cells only from <sheetData> on
            self.in_sheet_data = local == "sheetData"
            return
        reference = attributes.get("r")
        if local == "row" and reference is not None:
            self.row = _position(reference)[0]
        elif local == "c":
            if reference is None:
                self.cell = (self.row, self.column)
            else:
                self.cell = _position(reference, cell=True)
                self.column = self.cell[1]
            self.valued = False

    def end(self, name: str) -> None:
        if not self.in_sheet_data:
            return
        local = _local(name)
        if local == "c" and self.cell is not None:
            if self.valued:
                self.rows = max(self.rows, self.cell[0] + 1)
                self.columns = max(self.columns, self.cell[1] + 1)
            self.cell = None
            self.column += 1
        elif local == "row" and self.cell is None:
            self.row += 1
            self.column = 0


def _local(name: str) -> str:
    """The name after its prefix, as quick-xml (calamine) splits it: at the first colon
    (`x:y:row` is `y:row`, not a row)."""
    return name[name.find(":") + 1 :]


def _position(reference: str, *, cell: bool = False) -> tuple[int, int]:
    """(row, column), 0-based, of `B7` or `b7` (a row's `r` is its number alone)."""
    found = _REFERENCE.fullmatch(reference)
    if found is None or int(found.group(2)) == 0 or (cell and not found.group(1)):
        raise FileRejected(
            f"不是有效的 Excel 工作簿:单元格位置“{reference[:20]}”无效,无法确定表格范围"
        )
    column = 0
    for letter in found.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(found.group(2)) - 1, column - 1


def _refuse_dtd(*_: object) -> None:
    raise FileRejected(
        "不是有效的 Excel 工作簿:工作表含有 DTD(<!DOCTYPE>)声明。Excel 不会写出这样的文件,"
        "它可能被恶意构造(如 XML 实体膨胀攻击),未读取"
    )


def counted_extent(
    archive: zipfile.ZipFile, part: str, max_cells: int, limits: PartLimits
) -> tuple[int, int]:
    """(last row, last column) holding a value, 1-based, as calamine places the cells;
    the parse stops once the rectangle they span is over `max_cells`."""
    counter = _Counter()
    parser = expat.ParserCreate()
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    parser.StartDoctypeDeclHandler = _refuse_dtd
    try:
        with closing(part_chunks(archive, part, limits)) as chunks:
            for chunk in chunks:
                parser.Parse(chunk, False)
                if counter.rows * counter.columns > max_cells:
                    return counter.rows, counter.columns
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise FileRejected(
            f"不是有效的 Excel 工作簿:工作表的 XML 无法解析(第 {error.lineno} 行),未读取"
        ) from None
    except ValueError:  # expat reads no multi-byte legacy encoding (GBK, Big5 ...)
        raise FileRejected(UNSUPPORTED_ENCODING.format(name=part)) from None
    return counter.rows, counter.columns
