"""A unit's uploads and their receipts as the portal shows them (the receipt itself is
written by the upload check: chalicelib/flows/uploads.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from chalicelib.core.layout import receipt_key
from chalicelib.intake.inspection import Receipt
from chalicelib.intake.source import SourceFile

GROUPS_SHOWN = 50
ERRORS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class UploadView:
    key: str
    name: str
    when: str
    status: str


@dataclass(frozen=True, slots=True)
class GroupLine:
    name: str
    group_id: str
    members: int


@dataclass(frozen=True, slots=True)
class ErrorLine:
    place: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReceiptView:
    file: str
    waiting: bool  # not checked yet
    rejected: bool = False
    verdict: str = ""
    lines: Sequence[str] = field(default_factory=tuple)
    groups: Sequence[GroupLine] = field(default_factory=tuple)
    errors: Sequence[ErrorLine] = field(default_factory=tuple)


def upload_views(files: Iterable[SourceFile], receipts: set[str]) -> list[UploadView]:
    """Newest first; a file whose receipt is not written yet is being checked. A file is
    named by its path below the unit's folder (`qq/2026-11/名单.csv`), so that two files of
    one name in two subfolders read as two."""
    views = [
        UploadView(
            key=f.path,
            name=_below_unit(f.path),
            when=f.modified.strftime("%Y-%m-%d %H:%M"),
            status="已检查" if receipt_key(f.path) in receipts else "检查中",
        )
        for f in sorted(files, key=lambda f: f.modified, reverse=True)
    ]
    return views


def receipt_view(key: str, raw: bytes | None) -> ReceiptView:
    if raw is None:
        return ReceiptView(file=key, waiting=True)
    try:
        receipt = Receipt.model_validate_json(raw)
    except ValidationError:
        return ReceiptView(
            file=key, waiting=False, rejected=True, verdict="回执无法读取,请联系管理员。"
        )
    errors = [ErrorLine(_place(e.row, e.column), e.reason) for e in receipt.row_errors]
    if receipt.rejected:
        verdict = f"文件未被接收:{receipt.rejected}"
        if receipt.quarantined_to:
            verdict += "(已移出数据文件夹)"
    else:
        found = f",发现 {len(receipt.groups)} 个群" if receipt.kind != "posts" else ""
        verdict = f"文件已接收:读取 {receipt.rows_read} 行{found}。"
    lines = [*receipt.notes, *receipt.warnings]
    if receipt.error_count:
        lines.append(f"有 {receipt.error_count} 行未能读取(其余各行已读取),原因见下表。")
    for table in receipt.tables:
        lines.append(f"读取方式:{table.format},表头在第 {table.header_row} 行。")
    groups = [GroupLine(g.group_name or "(未知群名)", g.group_id, g.members)
              for g in receipt.groups[:GROUPS_SHOWN]]  # fmt: skip
    return ReceiptView(file=receipt.file, waiting=False, rejected=bool(receipt.rejected),
                       verdict=verdict, lines=lines, groups=groups,
                       errors=errors[:ERRORS_SHOWN])  # fmt: skip


def _place(row: int | None, column: str | None) -> str:
    if row is None:
        return "整个文件"
    return f"第 {row} 行" + (f"“{column}”列" if column else "")


def _below_unit(path: str) -> str:
    """`rosters/qq/U10/old/a.csv` -> `qq/old/a.csv` (the platform, then below the unit)."""
    parts = path.split("/")
    return "/".join([parts[1], *parts[3:]]) if len(parts) > 3 else path
