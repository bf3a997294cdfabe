"""The weekly job and the workers around it, as the Lambda handlers and `jobs` run them.

weekly: scan the data root in S3, reconcile the ledger, render one digest per recipient,
store each as an `.eml` under `outbox/<period>/` and enqueue one SQS message per digest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.s3source import S3Source
from chalicelib.dates import SHANGHAI
from chalicelib.digests.build import DigestPlan, build_digests
from chalicelib.digests.mime import build_message
from chalicelib.digests.models import Digest
from chalicelib.digests.render import RenderedDigest, render_digest
from chalicelib.ledger.models import LedgerChange, LedgerEntry, RunRecord, UnitRun, iso_period
from chalicelib.ledger.reconcile import Coverage, EntryKey, reconcile
from chalicelib.ledger.store import LedgerStore
from chalicelib.models import Finding, FindingStatus, Unit
from chalicelib.rollups.registry import week_registry
from chalicelib.scan import ScanResult, scan
from chalicelib.sending import DigestMessage, DigestSender, SendFailed, SendLog, backoff_seconds
from chalicelib.settings import Settings


@dataclass(frozen=True)
class Clients:
    """boto3 clients, made by the caller (handler or command line), never at import."""

    s3: Any
    dynamodb: Any
    sqs: Any
    ses: Any


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
    messages: list[DigestMessage] = field(default_factory=list)

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
            "unroutable": self.unroutable,
        }

    def lines(self) -> list[str]:
        rules = "、".join(f"{rule} {n}" for rule, n in self.findings_by_rule.items()) or "无"
        changes = "、".join(f"{kind} {n}" for kind, n in sorted(self.changes.items())) or "无变化"
        return [
            f"{self.period}({self.today}):群组 {self.groups} 个;问题 {sum(self.findings_by_rule.values())} 项"
            f"(豁免 {self.waived} 项);数据错误 {self.data_errors} 条",
            f"  按规则:{rules}",
            f"  台账写入 {self.ledger_writes} 次({changes});提醒 {self.digests} 封;无法送达 {self.unroutable} 项",
        ]


def run_weekly(
    clients: Clients, settings: Settings, today: date, *, dry_run: bool = False
) -> tuple[WeeklySummary, DigestPlan, ScanResult]:
    """Scan, reconcile and enqueue; with `dry_run` nothing is written or enqueued."""
    result = scan(S3Source(clients.s3, settings.data_bucket), today, settings)
    store = LedgerStore(clients.dynamodb, settings.ledger_table)
    previous = store.entries()
    coverage = Coverage.of(result, settings.roster_max_age_days)
    changes = reconcile(previous, result.findings, today, coverage)
    period = iso_period(today)
    if not dry_run:
        store.apply(changes)
        store.put_unit_runs(_unit_runs(result, period, today))
    entries = _as_seen_today(previous, changes, result.findings)
    plan = build_digests(
        entries,
        {g.key: g for g in result.groups},
        {u.unit_id: u for u in result.units},
        result.waivers,
        today,
        period,
        settings,
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
        data_errors=len(result.errors),
        ledger_writes=0,
        changes=dict(kinds),
        digests=len(plan.digests),
        unroutable=len(plan.unroutable),
    )
    if not dry_run:
        summary.messages = _enqueue(clients, settings, plan, result)
        registry = week_registry(result, period, plan.unroutable)
        clients.s3.put_object(
            Bucket=settings.data_bucket,
            Key=registry.key,
            Body=registry.model_dump_json().encode("utf-8"),
        )
        store.put_run(
            RunRecord(
                period=period,
                run_on=today,
                groups=len(result.groups),
                findings=len(result.findings),
                ledger_writes=store.writes + 1,  # counting this record itself
                changes=dict(kinds),
                open_counts=_open_counts(entries),
            )
        )
        summary.ledger_writes = store.writes
    return summary, plan, result


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


def _unit_runs(result: ScanResult, period: str, today: date) -> list[UnitRun]:
    groups = Counter(g.unit.unit_id for g in result.groups if g.unit is not None)
    with_roster = Counter(
        g.unit.unit_id for g in result.groups if g.unit is not None and g.snapshot is not None
    )
    open_findings = Counter(
        f.unit_id for f in result.findings if f.status is FindingStatus.OPEN and f.unit_id
    )
    return [
        UnitRun(
            unit_id=unit.unit_id,
            period=period,
            run_on=today,
            groups=groups[unit.unit_id],
            groups_with_roster=with_roster[unit.unit_id],
            open_findings=open_findings[unit.unit_id],
        )
        for unit in result.units
    ]


def _enqueue(
    clients: Clients, settings: Settings, plan: DigestPlan, result: ScanResult
) -> list[DigestMessage]:
    units = {u.unit_id: u for u in result.units}
    queue_url = clients.sqs.get_queue_url(QueueName=settings.digest_queue)["QueueUrl"]
    messages = []
    for digest in plan.digests:
        digest_hash = digest.content_hash()
        _, raw = digest_email(digest, units, settings)
        message = DigestMessage(
            recipient=digest.recipient,
            cc=digest.cc,
            period=digest.period,
            digest_hash=digest_hash,
            eml_key=f"outbox/{digest.period}/{digest_hash}.eml",
        )
        clients.s3.put_object(Bucket=settings.data_bucket, Key=message.eml_key, Body=raw)
        clients.sqs.send_message(QueueUrl=queue_url, MessageBody=message.to_json())
        messages.append(message)
    return messages


def digest_email(
    digest: Digest, units: Mapping[str, Unit], settings: Settings
) -> tuple[RenderedDigest, bytes]:
    """The rendered digest and its MIME bytes; a replay renders the very same bytes."""
    rendered = render_digest(digest, units)
    raw = build_message(
        rendered,
        sender=settings.sender_email,
        recipient=digest.recipient,
        cc=digest.cc,
        sent_at=datetime.combine(digest.today, time(8, 0), SHANGHAI),  # the schedule's time
        message_id=f"{digest.period}.{digest.content_hash()}@qungov",
    )
    return rendered, raw


def send_digest_record(
    record: dict[str, Any], clients: Clients, settings: Settings, now: datetime
) -> str:
    """One SQS record of the digest queue: send it, or hide it for a while and re-raise."""
    message = DigestMessage.from_json(record["body"])
    log = SendLog(clients.dynamodb, settings.ledger_table)
    sender = DigestSender(clients.s3, clients.ses, log, settings.data_bucket, settings.sender_email)
    try:
        return sender.send(message, now)
    except SendFailed:
        _back_off(record, clients, settings)
        raise


def _back_off(record: dict[str, Any], clients: Clients, settings: Settings) -> None:
    """Hide the message longer after each failed delivery (best effort: SQS redelivers
    after the queue's visibility timeout anyway)."""
    receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    try:
        queue_url = clients.sqs.get_queue_url(QueueName=settings.digest_queue)["QueueUrl"]
        clients.sqs.change_message_visibility(
            QueueUrl=queue_url,
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=backoff_seconds(receives),
        )
    except ClientError:
        pass
