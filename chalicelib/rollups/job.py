"""The rollup job: for each office in config/offices.*, build its rollup from the ledger,
the run records, the week's registry and the send log; archive the HTML, the XLSX and the
email under `reports/`; send it once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from chalicelib import schema
from chalicelib.aws.s3source import S3Source
from chalicelib.dates import SHANGHAI
from chalicelib.ledger.models import iso_period
from chalicelib.ledger.store import LedgerStore
from chalicelib.loaders.rows import parse_table
from chalicelib.loaders.tables import read_file
from chalicelib.loaders.units import parse_office
from chalicelib.models import DataError, Office
from chalicelib.pipeline import Clients
from chalicelib.rollups.build import archive_prefix, build_rollup, period_start
from chalicelib.rollups.chart import trend_png
from chalicelib.rollups.mime import build_rollup_message
from chalicelib.rollups.registry import WeekRegistry, registry_key
from chalicelib.rollups.render import render_rollup
from chalicelib.rollups.workbook import build_workbook, workbook_filename
from chalicelib.sending import DigestMessage, DigestSender, SendFailed, SendLog
from chalicelib.settings import Settings


class RollupUnavailable(Exception):
    """No weekly run to report on yet, or no office to send to."""


class RollupSendFailed(Exception):
    def __init__(self, summary: RollupSummary):
        super().__init__(f"rollup {summary.period}: {summary.sent}")
        self.summary = summary


@dataclass
class RollupSummary:
    kind: str
    period: str
    files: list[str] = field(default_factory=list)  # archived (or, dry, local) paths
    sent: dict[str, str] = field(default_factory=dict)  # office -> sent / duplicate / dry run
    errors: list[DataError] = field(default_factory=list)

    def lines(self) -> list[str]:
        sent = "、".join(f"{office} {outcome}" for office, outcome in self.sent.items()) or "无"
        return [
            f"{self.kind} {self.period}:汇总 {len(self.sent)} 份({sent})",
            *(f"  {f}" for f in self.files),
        ]


def run_rollup(
    clients: Clients,
    settings: Settings,
    kind: str,
    today: date,
    now: datetime,
    *,
    dry_run: bool = False,
    out: Path | None = None,
) -> RollupSummary:
    """Build, archive and send the rollups; with `dry_run` write them to `out` only."""
    source = S3Source(clients.s3, settings.data_bucket)
    registry = _latest_registry(clients, settings, today)
    store = LedgerStore(clients.dynamodb, settings.ledger_table)
    entries, runs = list(store.entries().values()), store.runs()
    summary = RollupSummary(kind=kind, period="")
    offices = _offices(source, settings, summary.errors)
    failed = _failed_digests(clients, settings, kind, today)
    prefix = archive_prefix(kind, today)
    for office in offices:
        rollup = build_rollup(kind, today, office, entries, runs, registry, failed)
        summary.period = rollup.period
        rendered = render_rollup(rollup)
        workbook, name = build_workbook(rollup), workbook_filename(rollup)
        content_hash = hashlib.sha256(rollup.model_dump_json().encode()).hexdigest()[:32]
        raw = build_rollup_message(
            rendered,
            chart_png=trend_png(rollup.trend),
            workbook=workbook,
            workbook_name=name,
            sender=settings.sender_email,
            recipients=[office.email],
            sent_at=datetime.combine(today, time(10, 0), SHANGHAI),  # the schedule's time
            message_id=f"{rollup.period}.{content_hash}@qungov",
        )
        files = {
            f"{office.office}.html": rendered.html.encode(),
            name: workbook,
            f"{office.office}.eml": raw,
        }
        if dry_run:
            summary.files += _write_local(out or Path("out/rollup"), prefix, files)
            summary.sent[office.office] = "dry run"
            continue
        for filename, body in files.items():
            clients.s3.put_object(Bucket=settings.data_bucket, Key=prefix + filename, Body=body)
            summary.files.append(prefix + filename)
        if out is not None:
            _write_local(out, prefix, files)
        message = DigestMessage(
            recipient=office.email,
            period=f"{rollup.period}-rollup",
            digest_hash=content_hash,
            eml_key=f"{prefix}{office.office}.eml",
        )
        log = SendLog(clients.dynamodb, settings.ledger_table)
        sender = DigestSender(
            clients.s3, clients.ses, log, settings.data_bucket, settings.sender_email
        )
        try:
            summary.sent[office.office] = sender.send(message, now)
        except SendFailed as failed:  # the other offices still get theirs
            summary.sent[office.office] = f"failed: {failed}"
    if any(outcome.startswith("failed") for outcome in summary.sent.values()):
        raise RollupSendFailed(summary)  # the schedule retries; sent ones are not resent
    return summary


def _write_local(out: Path, prefix: str, files: dict[str, bytes]) -> list[str]:
    folder = out / PurePosixPath(prefix).relative_to("reports")
    folder.mkdir(parents=True, exist_ok=True)
    for filename, body in files.items():
        (folder / filename).write_bytes(body)
    return [str(folder / filename) for filename in files]


def _latest_registry(clients: Clients, settings: Settings, today: date) -> WeekRegistry:
    """The registry of the newest weekly run on or before today."""
    this_week = registry_key(iso_period(today))
    keys = [
        item["Key"]
        for page in clients.s3.get_paginator("list_objects_v2").paginate(
            Bucket=settings.data_bucket, Prefix="registry/"
        )
        for item in page.get("Contents", [])
        if item["Key"] <= this_week
    ]
    if not keys:
        raise RollupUnavailable("还没有可汇总的每周检查结果(registry/ 为空),请先运行每周检查")
    body = clients.s3.get_object(Bucket=settings.data_bucket, Key=max(keys))["Body"].read()
    return WeekRegistry.model_validate_json(body)


def _offices(source: S3Source, settings: Settings, errors: list[DataError]) -> list[Office]:
    files = [f for f in source.list("config/") if PurePosixPath(f.path).stem.lower() == "offices"]
    offices = [
        office
        for file in files
        for table in read_file(
            source, file, schema.OFFICES, settings, errors, parse_table(parse_office, settings)
        )
        for office in table
    ]
    if not offices:
        raise RollupUnavailable("找不到可用的汇总报送部门 config/offices.csv,无法发送汇总")
    return offices


def _failed_digests(clients: Clients, settings: Settings, kind: str, today: date) -> int:
    """Digests of the period whose last attempt failed (each dead-lettered digest is one
    of them: every failed attempt is recorded before SQS gives up on the message)."""
    start = period_start(kind, today)
    weeks = {
        iso_period(date.fromordinal(day)) for day in range(start.toordinal(), today.toordinal() + 1)
    }
    log = SendLog(clients.dynamodb, settings.ledger_table)
    return sum(1 for week in weeks for record in log.records(week) if record.status == "failed")
