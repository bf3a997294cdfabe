"""The rollup job: for each office in config/offices.*, build its rollup from the ledger,
the run records, the week's inventory and the send log; archive the HTML, the XLSX and the
email under `reports/`; send it once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from pathlib import Path, PurePosixPath

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.actions import DynamoActionLog
from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.mailhealth import DynamoMailHealthLog
from chalicelib.aws.portalkeys import ssm_keyring
from chalicelib.aws.s3objects import S3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import SHANGHAI, iso_period
from chalicelib.core.errors import describe
from chalicelib.core.layout import INVENTORY, inventory_key, report_prefix
from chalicelib.core.masking import mask_address
from chalicelib.core.models import DataError, Office, RollupKind
from chalicelib.core.settings import Settings
from chalicelib.core.values import safe_filename
from chalicelib.flows.mailtransport import mail_transport
from chalicelib.intake.config import load_offices, supervisor
from chalicelib.intake.source import BucketObjects, DataSource
from chalicelib.ledger.actions import ActionLog, InMemoryActionLog, UnitAction
from chalicelib.ledger.models import RunRecord, RunStatus
from chalicelib.ledger.store import Ledger
from chalicelib.notify.mail.mime import preview_html
from chalicelib.notify.mailer import Mailer
from chalicelib.notify.mailhealth import MailHealthLog, Undeliverable
from chalicelib.notify.robots.report import robot_line
from chalicelib.notify.rollups.build import (
    build_rollup,
    period_start,
    rollup_period,
)
from chalicelib.notify.rollups.chart import trend_png
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.rollups.mime import build_rollup_message
from chalicelib.notify.rollups.models import Rollup
from chalicelib.notify.rollups.render import render_rollup
from chalicelib.notify.rollups.workbook import build_workbook, workbook_filename
from chalicelib.notify.sending import (
    MailMessage,
    MailTransport,
    SendFailed,
    SendKind,
    SendLog,
    SendRecord,
    SendStatus,
)
from chalicelib.notify.wording import SEND_KIND_NAMES
from chalicelib.portal.links import Links
from chalicelib.portal.tokens import Keyring

# The archived files' types, so that a report opened from the S3 console shows as itself.
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".eml": "message/rfc822",
}


@dataclass(frozen=True)
class RollupPorts:
    """What the rollups read (never a re-scan) and where they go."""

    source: DataSource  # config/offices.*
    objects: BucketObjects  # the weekly inventories; the archive under reports/
    ledger: Ledger  # read only: entries and run records
    send_log: SendLog
    transport: MailTransport
    health: MailHealthLog  # addresses that bounced or were refused: listed, not mailed
    actions: ActionLog = field(default_factory=InMemoryActionLog)  # 本周单位反馈
    keyring: Callable[[], Keyring] | None = None  # signs the offices' links; None: no links


def ports(clients: Clients, settings: Settings) -> RollupPorts:
    """The rollups on AWS: the data bucket, the ledger table, SES."""
    return RollupPorts(
        source=S3Source(clients.s3, settings.data_bucket),
        objects=S3Objects(clients.s3, settings.data_bucket),
        ledger=DynamoLedger(clients.dynamodb, settings.ledger_table),
        send_log=DynamoSendLog(clients.dynamodb, settings.ledger_table),
        transport=mail_transport(clients, settings),
        health=DynamoMailHealthLog(clients.dynamodb, settings.ledger_table),
        actions=DynamoActionLog(clients.dynamodb, settings.ledger_table),
        keyring=partial(ssm_keyring, clients.ssm, settings.portal_key_parameter),
    )


class RollupUnavailable(Exception):
    """No weekly run to report on yet, or no office to send to."""


class RollupSendFailed(Exception):
    def __init__(self, summary: RollupSummary):
        super().__init__(f"rollup {summary.period}: {summary.sent}")
        self.summary = summary


@dataclass
class RollupSummary:
    kind: RollupKind
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
    ports: RollupPorts,
    settings: Settings,
    kind: RollupKind,
    today: date,
    now: datetime,
    *,
    dry_run: bool = False,
    out: Path | None = None,
    resend: str | None = None,
) -> RollupSummary:
    """Build, archive and send the rollups; with `dry_run` write them to `out` only.

    Each office is isolated: one whose rollup cannot be built, archived or sent is
    recorded as failed and the others still get theirs; the schedule then retries, and
    an office already served is not served twice (one send per office, period and kind)
    unless an operator asks for a `resend` (a label for it, part of the send's kind)."""
    inventory = _latest_inventory(ports.objects, today)
    entries, runs = list(ports.ledger.entries().values()), ports.ledger.runs()
    summary = RollupSummary(kind=kind, period=rollup_period(kind, today))
    offices = load_offices(ports.source, settings, summary.errors)
    if not offices:
        raise RollupUnavailable("找不到可用的汇总报送部门 config/offices.csv,无法发送汇总")
    job = _Delivery(
        ports, settings, kind, today, now, dry_run, out, summary, supervisor(offices), resend
    )
    undelivered = _undelivered(ports.send_log, kind, today, now)
    problems = [
        *_run_problems(runs, kind, today),
        *(_office_problem(error) for error in summary.errors),
        *undelivered.lines,
        *(_undeliverable_line(item) for item in ports.health.all()),
    ]
    links, actions = _portal(ports, settings, today, problems)
    for office in offices:
        try:
            rollup = build_rollup(
                kind,
                today,
                office,
                entries,
                runs,
                inventory,
                undelivered.digests,
                problems=problems,
                actions=actions,
            )
            if links is not None:
                rollup = rollup.model_copy(update={"portal_link": links.office(office)})
            summary.sent[office.office] = job.deliver(office, rollup)
        except (SendFailed, ValueError, OSError, ClientError, BotoCoreError) as failed:
            summary.sent[office.office] = f"failed: {describe(failed)}"
    if any(outcome.startswith("failed") for outcome in summary.sent.values()):
        raise RollupSendFailed(summary)  # the schedule retries; sent ones are not resent
    return summary


@dataclass
class _Delivery:
    """Where one run of the rollup job renders, archives and sends each office's rollup."""

    ports: RollupPorts
    settings: Settings
    kind: RollupKind
    today: date
    now: datetime
    dry_run: bool
    out: Path | None
    summary: RollupSummary
    contact: Office | None  # named in every rollup's footer
    resend: str | None = None

    def deliver(self, office: Office, rollup: Rollup) -> str:
        """Render, archive and send one office's rollup; its outcome."""
        prefix = report_prefix(self.kind, self.today)
        rendered = render_rollup(rollup, self.contact)
        workbook, name = build_workbook(rollup), workbook_filename(rollup)
        content_hash = hashlib.sha256(rollup.model_dump_json().encode()).hexdigest()[:32]
        raw = build_rollup_message(
            rendered,
            chart_png=trend_png(rollup.trend),
            workbook=workbook,
            workbook_name=name,
            sender=self.settings.sender_email,
            recipients=[office.email],
            sent_at=datetime.combine(self.today, time(10, 0), SHANGHAI),  # the schedule's time
            message_id=f"{rollup.period}.{content_hash}@qungov",
        )
        stem = safe_filename(office.office)
        # the archived page opens from disk or S3: its chart inline as a data: URI
        page = preview_html(raw).encode()
        files = {f"{stem}.html": page, name: workbook, f"{stem}.eml": raw}
        if self.dry_run:
            self.summary.files += _write_local(self.out or Path("out/rollup"), prefix, files)
            return "dry run"
        archive = self.ports.objects
        for filename, body in files.items():
            archive.put(prefix + filename, body, _CONTENT_TYPES[PurePosixPath(filename).suffix])
            self.summary.files.append(prefix + filename)
        if self.out is not None:
            _write_local(self.out, prefix, files)
        message = MailMessage(
            recipient=office.email,
            period=rollup.period,
            kind=f"rollup-{self.kind}:{office.office}"
            + (f"-resend-{self.resend}" if self.resend else ""),
            content_hash=content_hash,
            eml_key=f"{prefix}{stem}.eml",
        )
        mailer = Mailer(
            self.ports.send_log,
            archive,
            self.ports.transport,
            self.settings.sender_email,
            self.ports.health,
        )
        return mailer.send(message, self.now)


def _write_local(out: Path, prefix: str, files: dict[str, bytes]) -> list[str]:
    """Local copies under `out`; every name is a safe file name, checked to stay inside."""
    folder = (out / PurePosixPath(prefix).relative_to("reports")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, body in files.items():
        target = (folder / filename).resolve()
        if target.parent != folder:
            raise ValueError(f"refusing to write outside {folder}: {filename!r}")
        target.write_bytes(body)
        written.append(str(target))
    return written


def _latest_inventory(objects: BucketObjects, today: date) -> GroupInventory:
    """The inventory of the newest weekly run on or before today."""
    this_week = inventory_key(iso_period(today))
    keys = [key for key in objects.keys(INVENTORY) if key <= this_week]
    if not keys:
        raise RollupUnavailable("还没有可汇总的每周检查结果(inventory/ 为空),请先运行每周检查")
    return GroupInventory.model_validate_json(objects.get(max(keys)))


@dataclass(frozen=True)
class Undelivered:
    digests: int  # digests of the period that failed or whose outcome is unknown
    lines: tuple[str, ...]  # every such send, digests and rollups


def _undelivered(log: SendLog, kind: RollupKind, today: date, now: datetime) -> Undelivered:
    """Sends of the period (weeks, and the month for a monthly rollup) whose last attempt
    failed or whose outcome is unknown: each dead-lettered digest is one of them (every
    failed attempt is recorded before SQS gives up on the message)."""
    start = period_start(kind, today)
    periods = {
        iso_period(date.fromordinal(day)) for day in range(start.toordinal(), today.toordinal() + 1)
    }
    periods.add(rollup_period(RollupKind.MONTH, today))
    lines, digests = [], 0
    for period in sorted(periods):
        for record in log.records(period):
            status = record.outcome(now)
            if status.undelivered:
                lines.append(_undelivered_line(record, status))
                digests += SendKind.of(record.kind) is SendKind.DIGEST and not record.robot
    return Undelivered(digests, tuple(lines))


def _undelivered_line(record: SendRecord, status: SendStatus) -> str:
    if record.robot:
        return robot_line(record, status)
    kind = SendKind.of(record.kind)
    who = f"{SEND_KIND_NAMES[kind]}邮件 {mask_address(record.recipient)}({record.period})"
    if status is SendStatus.UNKNOWN and kind is SendKind.UPLOAD_REJECTED:
        return f"{who}:发送结果不明,SES 可能已发出;请核实后直接告知上传单位"
    if status is SendStatus.UNKNOWN:
        return (
            f"{who}:发送结果不明({record.error or '应答丢失'}),SES 可能已发出;"
            "请运维人员在 SES 发送记录中核实,确未收到时用"
            f" python -m jobs {'weekly' if kind is SendKind.DIGEST else 'rollup'} --resend 重发"
        )
    if record.attempts == 0:  # refused before any attempt (an address that bounced)
        return f"{who}:未发送({record.error or '未知原因'})"
    return f"{who}:发送失败({record.error or '未知原因'}),已自动重试 {record.attempts} 次"


def _undeliverable_line(item: Undeliverable) -> str:
    return (
        f"邮箱 {mask_address(item.address)} 已{item.words}({item.reason}),此后的邮件不再发往该地址;"
        "请更正单位名录或审备登记表中的地址(更正后由运维人员用 python -m jobs unblock 解除)"
    )


def _run_problems(runs: Sequence[RunRecord], kind: RollupKind, today: date) -> list[str]:
    """What went wrong in the weekly runs of the period (in a partial or aborted run)."""
    start = period_start(kind, today)
    lines = []
    for run in runs:
        if start <= run.run_on <= today and run.status is not RunStatus.COMPLETE:
            status = {RunStatus.ABORTED: "未能运行", RunStatus.FAILED: "中途停止"}.get(
                run.status, "部分失败"
            )
            shown = ";".join(run.problems[:5])
            more = f" 等 {run.problem_count} 项" if run.problem_count > 5 else ""
            lines.append(f"每周检查 {run.period}({run.run_on}){status}:{shown}{more}")
    return lines


def _office_problem(error: DataError) -> str:
    where = f"{error.file} 第 {error.row} 行" if error.row is not None else error.file
    consequence = "" if error.warning else ";该部门本期收不到汇总"
    return f"汇总报送部门表 {where}:{error.reason}{consequence}"


def _portal(ports: RollupPorts, settings: Settings, today: date,
            problems: list[str]) -> tuple[Links | None, list[UnitAction]]:  # fmt: skip
    """The offices' portal links (none without a portal) and the units' answers."""
    links = None
    if settings.portal_url and ports.keyring is not None:
        try:
            issued = datetime.combine(today, time(10, 0), SHANGHAI)  # the schedule's time
            links = Links(settings.portal_url, ports.keyring(), issued)
        except (ValueError, ClientError, BotoCoreError) as error:
            problems.append(f"部门工作台链接未能生成,汇总不含链接({describe(error)})")
    try:
        return links, ports.actions.actions()
    except (ClientError, BotoCoreError) as error:
        problems.append(f"单位反馈未能读取,汇总不含“本周单位反馈”({describe(error)})")
        return links, []
