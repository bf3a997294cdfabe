"""The weekly job: scan the data root, reconcile the ledger, render one digest per
recipient, store each as an `.eml` under `outbox/<period>/` and queue one message per
digest for the sending worker (chalicelib/flows/delivery.py).

`ports(clients, settings)` wires the AWS adapters; `run_weekly(ports, …)` runs on any
implementation of them (the tests use the in-memory ones)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.aws.clients import Clients
from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.mailqueue import SqsMailQueue
from chalicelib.aws.s3objects import S3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import iso_period
from chalicelib.core.errors import describe
from chalicelib.core.models import Finding, FindingStatus
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.flows.outbox import Outbox, Resend
from chalicelib.intake.config import ScanAborted
from chalicelib.intake.rejections import rejected_this_week
from chalicelib.intake.source import BucketObjects, DataSource
from chalicelib.ledger.models import MAX_PROBLEMS, LedgerChange, LedgerEntry, RunRecord, RunStatus
from chalicelib.ledger.reconcile import Coverage, EntryKey, reconcile
from chalicelib.ledger.store import Ledger, LedgerConflict
from chalicelib.notify.attribution import data_problems_by_unit
from chalicelib.notify.digests.build import DigestPlan, build_digests
from chalicelib.notify.rollups.inventory import GroupInventory, week_inventory
from chalicelib.notify.sending import MailMessage, MailQueue, SendLog


@dataclass(frozen=True)
class WeeklyPorts:
    """What the weekly job reads and writes."""

    source: DataSource  # the data root
    objects: BucketObjects  # the week's inventory
    ledger: Ledger
    send_log: SendLog
    queue: MailQueue  # the digests, for the sending worker


def ports(clients: Clients, settings: Settings) -> WeeklyPorts:
    """The weekly job on AWS: the data bucket, the ledger table and the digest queue."""
    return WeeklyPorts(
        source=S3Source(clients.s3, settings.data_bucket),
        objects=S3Objects(clients.s3, settings.data_bucket),
        ledger=DynamoLedger(clients.dynamodb, settings.ledger_table),
        send_log=DynamoSendLog(clients.dynamodb, settings.ledger_table),
        queue=SqsMailQueue(clients.s3, clients.sqs, settings.data_bucket, settings.digest_queue),
    )


@dataclass
class WeeklySummary:
    period: str
    today: date
    groups: int
    findings_by_rule: dict[str, int]
    waived: int
    data_errors: int
    ledger_writes: int
    changes: dict[str, int]
    digests: int
    unroutable: int
    held_back: int = 0  # not queued: sent (or under way) this week already, or a re-run
    problems: list[str] = field(default_factory=list)  # isolated failures, in Chinese
    messages: list[MailMessage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """What the scheduled Lambda returns (and logs)."""
        return {
            "period": self.period,
            "today": self.today.isoformat(),
            "groups": self.groups,
            "findings_by_rule": self.findings_by_rule,
            "waived": self.waived,
            "data_errors": self.data_errors,
            "ledger_writes": self.ledger_writes,
            "changes": self.changes,
            "digests": self.digests,
            "enqueued": len(self.messages),
            "held_back": self.held_back,
            "unroutable": self.unroutable,
            "problems": len(self.problems),
        }

    def metrics(self) -> dict[str, int]:
        """Counts for CloudWatch: the run's figures and open findings by rule."""
        return {
            "GroupsScanned": self.groups,
            "DataErrors": self.data_errors,
            "DigestsQueued": len(self.messages),
            "DigestsHeldBack": self.held_back,
            "Unroutable": self.unroutable,
            "RunProblems": len(self.problems),
            **{f"Findings_{rule}": n for rule, n in self.findings_by_rule.items()},
        }

    def lines(self) -> list[str]:
        rules = "、".join(f"{rule} {n}" for rule, n in self.findings_by_rule.items()) or "无"
        changes = "、".join(f"{kind} {n}" for kind, n in sorted(self.changes.items())) or "无变化"
        lines = [
            f"{self.period}({self.today}):群组 {self.groups} 个;问题 {sum(self.findings_by_rule.values())} 项"
            f"(豁免 {self.waived} 项);数据错误 {self.data_errors} 条",
            f"  按规则:{rules}",
            f"  台账写入 {self.ledger_writes} 次({changes});提醒 {self.digests} 封"
            f"(本次排队 {len(self.messages)} 封,本周已发过或重跑未排队 {self.held_back} 封);"
            f"无法送达 {self.unroutable} 项",
        ]
        if self.problems:
            lines.append(f"  运行中的问题 {len(self.problems)} 项(其余照常完成):")
            lines += [f"    {problem}" for problem in self.problems[:10]]
        return lines


def run_weekly(
    ports: WeeklyPorts,
    settings: Settings,
    today: date,
    *,
    dry_run: bool = False,
    resend: Resend | None = None,
) -> tuple[WeeklySummary, DigestPlan, ScanResult]:
    """Scan, reconcile and enqueue; with `dry_run` nothing is written or enqueued.

    Each ledger write, each digest and the inventory are isolated: one that fails is
    recorded as a problem and the rest go on; the run record is always written. A
    recipient gets this week's digest once, however often the week is run, unless an
    operator asks for a `resend`."""
    period = iso_period(today)
    store, source = ports.ledger, ports.source
    try:
        result = scan(source, today, settings)
    except ScanAborted as aborted:
        if not dry_run:
            store.put_run(_aborted_run(period, today, str(aborted)))
        raise
    problems: list[str] = []
    try:
        rejected = rejected_this_week(source, today)
    except AWS_ERRORS as error:  # the digests go out without them; the rollup says so
        rejected = []
        problems.append(f"本周上传时被拒收的文件未能列出({describe(error)})")
    previous = store.entries()
    last_inputs = next((r.inputs for r in reversed(store.runs()) if r.inputs), {})
    coverage = Coverage.of(result, settings.roster_max_age_days, last_inputs)
    changes = reconcile(previous, result.findings, today, coverage)
    entries = _as_seen_today(previous, changes, result.findings)
    plan = build_digests(
        entries,
        {g.key: g for g in result.groups},
        {u.unit_id: u for u in result.units},
        result.waivers,
        today,
        period,
        settings,
        data_problems_by_unit([*result.errors, *rejected], result.units, result.groups),
    )
    kinds = Counter(change.kind.value for change in changes)
    summary = WeeklySummary(
        period=period,
        today=today,
        groups=len(result.groups),
        findings_by_rule=dict(
            Counter(f.rule for f in result.findings if f.status is FindingStatus.OPEN)
        ),
        waived=sum(1 for f in result.findings if f.status is FindingStatus.WAIVED),
        data_errors=sum(1 for e in result.errors if not e.warning),
        ledger_writes=0,
        changes=dict(kinds),
        digests=len(plan.digests),
        unroutable=len(plan.unroutable),
        problems=problems,
    )
    if dry_run:
        return summary, plan, result
    status = RunStatus.FAILED  # until the run gets to its end
    try:
        _write_ledger(store, changes, summary.problems)
        previous_run = store.run(period)
        rerun = previous_run is not None and previous_run.status.ran
        outbox = Outbox(ports.send_log, ports.queue, settings, period, resend, rerun=rerun)
        summary.messages, summary.held_back = outbox.enqueue(plan, result, summary.problems)
        _put_inventory(
            ports.objects,
            week_inventory(result, period, plan.unroutable, plan.orphan_problems),
            summary,
        )
        status = RunStatus.PARTIAL if summary.problems else RunStatus.COMPLETE
    except Exception as error:
        summary.problems.append(f"运行中断:{describe(error)}")
        raise
    finally:
        store.put_run(
            RunRecord(
                period=period,
                run_on=today,
                groups=len(result.groups),
                findings=len(result.findings),
                ledger_writes=store.writes + 1,  # counting this record itself
                changes=dict(kinds),
                open_counts=_open_counts(entries),
                status=status,
                digests=len(summary.messages),
                problems=tuple(summary.problems[:MAX_PROBLEMS]),
                problem_count=len(summary.problems),
                inputs=result.inputs,
            )
        )
        summary.ledger_writes = store.writes
    return summary, plan, result


_ISOLATED = (*AWS_ERRORS, LedgerConflict)  # one write fails, the rest go on


def _write_ledger(store: Ledger, changes: Sequence[LedgerChange], problems: list[str]) -> None:
    for change in changes:
        try:
            store.apply([change])
        except _ISOLATED as error:
            platform, group_id, rule = change.entry.key
            problems.append(f"台账写入失败:{platform}/{group_id}/{rule}({describe(error)})")


def _put_inventory(
    objects: BucketObjects, inventory: GroupInventory, summary: WeeklySummary
) -> None:
    try:
        objects.put(
            inventory.key, inventory.model_dump_json().encode(), "application/json; charset=utf-8"
        )
    except _ISOLATED as error:
        summary.problems.append(f"登记表 {inventory.key} 写入失败({describe(error)})")


def _aborted_run(period: str, today: date, reason: str) -> RunRecord:
    return RunRecord(
        period=period,
        run_on=today,
        groups=0,
        findings=0,
        ledger_writes=1,
        changes={},
        status=RunStatus.ABORTED,
        problems=(reason[:500],),
        problem_count=1,
    )


def _as_seen_today(
    previous: Mapping[EntryKey, LedgerEntry],
    changes: Sequence[LedgerChange],
    findings: Sequence[Finding],
) -> list[LedgerEntry]:
    """The ledger after this run's changes, each entry seen today carrying today's message
    and evidence (the stored ones are refreshed only with a state change)."""
    entries = dict(previous)
    entries.update((change.entry.key, change.entry) for change in changes)
    for finding in findings:
        key = (finding.platform, finding.group_id, finding.rule)
        if key in entries:
            entries[key] = entries[key].model_copy(
                update={
                    "message": finding.message,
                    "evidence": finding.evidence,
                    "group_name": finding.group_name,
                }
            )
    return [entries[key] for key in sorted(entries)]


def _open_counts(entries: Sequence[LedgerEntry]) -> dict[str, dict[str, int]]:
    """Active ledger entries after the run (what the rollups count), by category and
    severity: findings kept open for missing rosters count too."""
    counts: dict[str, Counter[str]] = {}
    for entry in entries:
        if entry.active:
            category = entry.category.value if entry.category else ""
            counts.setdefault(category, Counter())[entry.severity.label] += 1
    return {category: dict(by_severity) for category, by_severity in counts.items()}
