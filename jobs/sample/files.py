"""Deterministic writers for the sample data root: delimited text in a chosen encoding, a
minimal XLSX (inline strings, real date cells), raw bytes. Every file gets a fixed
modification time, so the same seed and day give the same bytes and the same times."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

SHANGHAI = timezone(timedelta(hours=8))
EXCEL_EPOCH = date(1899, 12, 30)

Cell = str | int | float | date | None
"""A workbook cell; a `datetime` (a `date` subclass) is written as a date-time cell."""
Sheet = tuple[str, Sequence[Sequence[Cell]]]


def excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def slash_date(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def unix_seconds(moment: datetime) -> int:
    """Seconds since the epoch of a naive Asia/Shanghai time."""
    return int(moment.replace(tzinfo=SHANGHAI).timestamp())


class DataRoot:
    """Writes files under `root` and stamps each with a fixed modification time."""

    def __init__(self, root: Path, stamp: datetime):
        self.root = root
        self.stamp = stamp
        self.files: list[str] = []

    def table(
        self,
        rel: str,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        encoding: str = "utf-8",
        delimiter: str = ",",
        preamble: Sequence[str] = (),
        stamp: datetime | None = None,
    ) -> None:
        path = self._prepare(rel)
        with path.open("w", encoding=encoding, newline="") as handle:
            for line in preamble:
                handle.write(line + "\r\n")
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
        self._stamp(path, rel, stamp)

    def workbook(self, rel: str, sheets: Sequence[Sheet], *, stamp: datetime | None = None) -> None:
        self.raw(rel, xlsx_bytes(sheets, stamp or self.stamp), stamp=stamp)

    def raw(self, rel: str, data: bytes, *, stamp: datetime | None = None) -> None:
        path = self._prepare(rel)
        path.write_bytes(data)
        self._stamp(path, rel, stamp)

    def _prepare(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _stamp(self, path: Path, rel: str, stamp: datetime | None) -> None:
        seconds = unix_seconds(stamp or self.stamp)
        os.utime(path, (seconds, seconds))
        self.files.append(rel)


# --- XLSX -----------------------------------------------------------------------------

_NS = "http://schemas.openxmlformats.org"
_PACKAGE_RELS = f"{_NS}/package/2006/relationships"
_DOC_RELS = f"{_NS}/officeDocument/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
_DATE_STYLE, _DATETIME_STYLE = 1, 2


def xlsx_bytes(sheets: Sequence[Sheet], stamp: datetime) -> bytes:
    """An XLSX workbook with one worksheet per (name, rows); zip entries carry `stamp`."""
    parts: dict[str, str] = {
        "[Content_Types].xml": _content_types(len(sheets)),
        "_rels/.rels": _rels([("officeDocument", "xl/workbook.xml")], _PACKAGE_RELS),
        "xl/workbook.xml": _workbook_xml([name for name, _ in sheets]),
        "xl/_rels/workbook.xml.rels": _rels(
            [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
            + [("styles", "styles.xml")],
            _PACKAGE_RELS,
        ),
        "xl/styles.xml": _STYLES,
    }
    for number, (_, rows) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{number}.xml"] = _sheet_xml(rows)
    buffer = io.BytesIO()
    when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _content_types(sheet_count: int) -> str:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{main}.worksheet+xml"/>'
        for i in range(1, sheet_count + 1)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
        f"{overrides}</Types>"
    )


def _rels(targets: list[tuple[str, str]], namespace: str) -> str:
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{_DOC_RELS}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'{_XML_HEAD}<Relationships xmlns="{namespace}">{items}</Relationships>'


def _workbook_xml(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_DOC_RELS}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _sheet_xml(rows: Sequence[Sequence[Cell]]) -> str:
    body = "".join(
        f'<row r="{r}">{"".join(_cell_xml(c, r, v) for c, v in enumerate(row))}</row>'
        for r, row in enumerate(rows, start=1)
    )
    return (
        f'{_XML_HEAD}<worksheet xmlns="{_NS}/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def _cell_xml(column: int, row: int, value: Cell) -> str:
    ref = f"{_column_letters(column)}{row}"
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        serial = excel_serial(value.date()) + (value.hour * 60 + value.minute) / 1440
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{excel_serial(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
