"""Validation of one uploaded object with the same readers as the weekly scan.

An upload under rosters/, directory/, filings/, waivers/ or config/ gets a receipt at
`receipts/<key>.json` (rows read, row errors, or why the file was rejected); a file
rejected whole is moved to `quarantine/<key>`, so the next scan never sees it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from pydantic import Field

from chalicelib import schema
from chalicelib.aws.s3source import S3Objects, S3Source
from chalicelib.loaders.directory import DirectoryBuilder
from chalicelib.loaders.filings import parse_filing, parse_waiver
from chalicelib.loaders.rows import is_blank, parse_table
from chalicelib.loaders.tables import FILE_GONE, Consume, read_file
from chalicelib.loaders.units import UnitIndex, parse_office, read_units
from chalicelib.models import DataError, Frozen
from chalicelib.readers import Table
from chalicelib.roster_rows import RosterCells, read_groups
from chalicelib.scan import ScanAborted, load_units
from chalicelib.settings import Settings
from chalicelib.source import DataSource, SourceFile

KINDS = ("rosters", "directory", "filings", "waivers", "config")
RECEIPTS, QUARANTINE = "receipts/", "quarantine/"
MAX_RECEIPT_ERRORS = 500  # a receipt lists the first errors and counts them all
SHOWN_ERRORS = 3  # in the one-line log summary


class Receipt(Frozen):
    file: str
    kind: str
    rows_read: int = 0
    row_errors: list[DataError] = Field(default_factory=list)
    error_count: int = 0
    rejected: str | None = None
    quarantined_to: str | None = None
    notes: list[str] = Field(default_factory=list)


def upload_kind(key: str) -> str | None:
    """The data-root folder an object belongs to; None for everything else (receipts/,
    quarantine/, reports/, outbox/, folder markers)."""
    folder, slash, rest = key.partition("/")
    if not slash or not rest or key.endswith("/") or folder not in KINDS:
        return None
    return folder


def s3_objects_in(message_body: str) -> list[tuple[str, str]]:
    """(bucket, key) of every object created in an S3 event notification read from SQS
    (directly or through SNS); `s3:TestEvent` and other events give nothing."""
    message = json.loads(message_body)
    if isinstance(message, dict) and message.get("Type") == "Notification":
        message = json.loads(message["Message"])  # delivered through an SNS topic
    if not isinstance(message, dict) or message.get("Event") == "s3:TestEvent":
        return []
    objects = []
    for record in message.get("Records", []):
        event = str(record.get("eventName", "")).removeprefix("s3:")
        if event.startswith("ObjectCreated:"):
            where = record["s3"]
            # Keys arrive URL-encoded, with `+` for a space.
            objects.append((where["bucket"]["name"], unquote_plus(where["object"]["key"])))
    return objects


def validate_upload(
    s3: Any,  # boto3 S3 client
    bucket: str,
    key: str,
    settings: Settings,
    *,
    today: date | None = None,
) -> Receipt | None:
    """Check one uploaded object, write its receipt, quarantine it when rejected whole.

    None when the key is not a data-root file or the object is gone (a replayed message
    after it was quarantined). `today` (for waiver expiry) defaults to the upload's date."""
    if upload_kind(key) is None:
        return None
    objects = S3Objects(s3, bucket)
    file = objects.stat(key)
    if file is None:
        return None
    source = S3Source(s3, bucket)
    receipt = check_file(source, file, settings, today or file.modified.date())
    if receipt.rejected == FILE_GONE:  # moved or deleted since it was stat'ed: nothing to do
        return None
    if receipt.rejected is not None:
        receipt = receipt.model_copy(update={"quarantined_to": QUARANTINE + key})
        objects.move(key, QUARANTINE + key)
    body = json.dumps(receipt.model_dump(mode="json"), ensure_ascii=False, indent=2)
    objects.put(RECEIPTS + key + ".json", body.encode(), "application/json; charset=utf-8")
    return receipt


def check_file(source: DataSource, file: SourceFile, settings: Settings, today: date) -> Receipt:
    """The receipt of one data-root file, read exactly as the scan reads it."""
    kind = upload_kind(file.path) or ""
    notes: list[str] = []
    plan = _plan(kind, file, source, settings, today, notes)
    if plan is None:
        notes.append("config/ 下只读取 units(单位名录)和 offices(汇总报送部门),此文件不会被使用")
        return Receipt(file=file.path, kind=kind, notes=notes)
    errors: list[DataError] = []
    counter = _RowCounter()
    tables = read_file(
        source,
        file,
        plan.schema,
        settings,
        errors,
        counter.wrap(plan.consume),
        all_sheets=plan.all_sheets,
    )
    if not tables:  # rejected whole, or not one sheet of it is a table
        reasons = [e.reason for e in errors if e.rejects_file] or ["文件中没有可读取的表格"]
        return Receipt(file=file.path, kind=kind, rejected=";".join(reasons), notes=notes)
    return Receipt(
        file=file.path,
        kind=kind,
        rows_read=counter.rows,
        row_errors=errors[:MAX_RECEIPT_ERRORS],
        error_count=len(errors),
        notes=notes,
    )


@dataclass(frozen=True)
class _Plan:
    schema: schema.TableSchema
    consume: Consume[object]
    all_sheets: bool = False


def _plan(
    kind: str,
    file: SourceFile,
    source: DataSource,
    settings: Settings,
    today: date,
    notes: list[str],
) -> _Plan | None:
    if kind == "rosters":
        cells = RosterCells(today, settings)
        return _Plan(
            schema.ROSTERS, lambda f, t, e: read_groups(f, t, e, cells)[1], all_sheets=True
        )
    if kind == "waivers":
        return _Plan(
            schema.WAIVERS, parse_table(lambda row: parse_waiver(row, today, settings), settings)
        )
    if kind == "config":
        stem = PurePosixPath(file.path).stem.lower()
        if stem == "units":
            return _Plan(schema.UNITS, read_units(settings))
        if stem == "offices":
            return _Plan(schema.OFFICES, parse_table(parse_office, settings))
        return None
    units = _units(source, settings, notes)
    if kind == "directory":
        return _Plan(schema.DIRECTORY, DirectoryBuilder(units, settings).read)
    return _Plan(schema.FILINGS, parse_table(lambda row: parse_filing(row, units, today), settings))


def _units(source: DataSource, settings: Settings, notes: list[str]) -> UnitIndex:
    """The bucket's unit list; without one, every unit cell is accepted and a note says so."""
    try:
        return load_units(source, settings, [])  # the unit list's own errors are its receipt's
    except ScanAborted as aborted:
        notes.append(f"单位名录无法读取,本次未核对“单位”列:{aborted}")
        return _UncheckedUnits()


class _UncheckedUnits(UnitIndex):
    def __init__(self) -> None:
        super().__init__([])

    def resolve(self, reference: str) -> str | None:
        return reference.strip() or None


class _RowCounter:
    """Counts the non-blank data rows the consumer reads, without a second pass."""

    def __init__(self) -> None:
        self.rows = 0

    def wrap(self, consume: Consume[object]) -> Consume[object]:
        def counted(file: SourceFile, table: Table, errors: list[DataError]) -> object:
            table.source = self._count(table.source)
            return consume(file, table, errors)

        return counted

    def _count(self, rows: Iterator[list[str]]) -> Iterator[list[str]]:
        for row in rows:
            if not is_blank(row):
                self.rows += 1
            yield row


def format_receipt(receipt: Receipt) -> str:
    """One paragraph in Chinese for the logs."""
    if receipt.rejected is not None:
        text = f"{receipt.file}:已拒收:{receipt.rejected}"
        if receipt.quarantined_to:
            text += f",文件已移到 {receipt.quarantined_to}"
    else:
        text = f"{receipt.file}:读取 {receipt.rows_read} 行"
        bad_rows = sum(1 for e in receipt.row_errors if e.row is not None)
        bad_rows += receipt.error_count - len(receipt.row_errors)  # those not listed
        sheets = receipt.error_count - bad_rows
        if bad_rows:
            text += f",{bad_rows} 行有错误"
        if sheets:
            text += f",{sheets} 个工作表无法读取"
        if receipt.error_count:
            shown = ";".join(_describe(receipt.file, e) for e in receipt.row_errors[:SHOWN_ERRORS])
            more = ";…" if receipt.error_count > SHOWN_ERRORS else ""
            text += f"({shown}{more})"
        else:
            text += ",没有发现错误"
    return "。".join([text, *receipt.notes]) + "。"


def _describe(path: str, error: DataError) -> str:
    where = ""
    if error.file != path and error.file.startswith(path + "#"):
        where = f"工作表“{error.file[len(path) + 1 :]}”"
    if error.row is not None:
        where += f"第 {error.row} 行"
    if error.column:
        where += f"“{error.column}”"
    return f"{where}:{error.reason}" if where else error.reason
