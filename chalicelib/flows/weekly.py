"""The weekly job: scan the data root, reconcile the ledger, render one digest per
recipient, store each as an `.eml` under `outbox/<period>/` and queue one message per
digest for the sending worker (chalicelib/flows/delivery.py); likewise one notice per unit
with open findings that named a group robot.

`ports(clients, settings)` wires the AWS adapters; `run_weekly(ports, …)` runs on any
implementation of them (the tests use the in-memory ones)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, partial
from itertools import chain
from typing import Any

from chalicelib.aws.actions import DynamoActionLog
from chalicelib.aws.clients import Clients
from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.mailevents import drain_events
from chalicelib.aws.mailhealth import DynamoMailHealthLog
from chalicelib.aws.mailqueue import SqsMailQueue
from chalicelib.aws.portalkeys import ssm_keyring
from chalicelib.aws.s3objects import S3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import SHANGHAI, WEEKLY_RUN_TIME, iso_period, weekly_run
from chalicelib.core.errors import describe
from chalicelib.core.models import FindingStatus
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.flows.outbox import Outbox, Resend
from chalicelib.intake.config import ScanAborted
from chalicelib.intake.rejections import rejected_this_week
from chalicelib.intake.source import BucketObjects, DataSource
from chalicelib.ledger.actions import ActionLog, InMemoryActionLog
from chalicelib.ledger.guard import held_problems
from chalicelib.ledger.models import (
    MAX_PROBLEMS,
    PARTY_WEEKS,
    ChangeKind,
    LedgerChange,
    RunRecord,
    RunStatus,
)
from chalicelib.ledger.store import Ledger, LedgerConflict
from chalicelib.ledger.week import judge_week, open_counts
from chalicelib.notify.attribution import data_problems_by_unit, unit_names, unit_of_file
from chalicelib.notify.digests.build import DigestPlan, build_digests
from chalicelib.notify.digests.ladder import Ladder
from chalicelib.notify.mailhealth import MailHealthLog, Undeliverable, events_of
from chalicelib.notify.robots.message import robot_recipient
from chalicelib.notify.robots.notice import robot_notices
from chalicelib.notify.rollups.inventory import GroupInventory, week_inventory
from chalicelib.notify.sending import (
    MailMessage,
    MailQueue,
    SendKind,
    SendLog,
    SendRecord,
    SendStatus,
)
from chalicelib.portal.links import Links, with_portal
from chalicelib.portal.tokens import Keyring


@dataclass(frozen=True)
class WeeklyPorts:
    """What the weekly job reads and writes."""

    source: DataSource  # the data root
    objects: BucketObjects  # the week's inventory
    ledger: Ledger
    send_log: SendLog
    queue: MailQueue  # the digests, for the sending worker
    mail_health: MailHealthLog  # addresses that bounced or complained
    mail_events: Callable[[Callable[[str], None]], int]  # hands over the provider's reports
    actions: ActionLog = field(default_factory=InMemoryActionLog)  # what units asked
    keyring: Callable[[], Keyring] | None = None  # signs the portal links; None: no links


def ports(clients: Clients, settings: Settings) -> WeeklyPorts:
    """The weekly job on AWS: the data bucket, the ledger table and the digest queue."""
    return WeeklyPorts(
        source=S3Source(clients.s3, settings.data_bucket),
        objects=S3Objects(clients.s3, settings.data_bucket),
        ledger=DynamoLedger(clients.dynamodb, settings.ledger_table),
        send_log=DynamoSendLog(clients.dynamodb, settings.ledger_table),
        queue=SqsMailQueue(clients.s3, clients.sqs, settings.data_bucket, settings.digest_queue),
        mail_health=DynamoMailHealthLog(clients.dynamodb, settings.ledger_table),
        mail_events=partial(drain_events, clients.sqs, settings.mail_events_queue),
        actions=DynamoActionLog(clients.dynamodb, settings.ledger_table),
        keyring=partial(ssm_keyring, clients.ssm, settings.portal_key_parameter),
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
    held: int = 0  # new findings a guard held (not opened, not mailed): data in doubt
    problems: list[str] = field(default_factory=list)  # isolated failures, in Chinese
    messages: list[MailMessage] = field(default_factory=list)
    notices: list[MailMessage] = field(default_factory=list)  # to the units' group robots

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
            "robot_notices": len(self.notices),
            "held_back": self.held_back,
            "unroutable": self.unroutable,
            "problems": len(self.problems),
            "held": self.held,
        }

    def metrics(self) -> dict[str, int]:
        """Counts for CloudWatch: the run's figures and open findings by rule."""
        return {
            "GroupsScanned": self.groups,
            "DataErrors": self.data_errors,
            "DigestsQueued": len(self.messages),
            "RobotNoticesQueued": len(self.notices),
            "DigestsHeldBack": self.held_back,
            "Unroutable": self.unroutable,
            "RunProblems": len(self.problems),
            "FindingsHeld": self.held,
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
        if self.notices:
            lines.append(f"  群机器人通知:本次排队 {len(self.notices)} 条")
        if self.held:
            lines.append(
                f"  待确认:{self.held} 项新问题因数据存疑暂未认定、未发送(见运行记录;"
                "核实后可用 python -m jobs weekly --accept-changes 放行)"
            )
        if self.problems:
            lines.append(f"  运行中的问题 {len(self.problems)} 项(其余照常完成):")
            lines += [f"    {problem}" for problem in self.problems[:10]]
        return lines


@dataclass(frozen=True)
class Acceptance:
    """An operator's release of this week's mass changes (`jobs weekly --accept-changes`)."""

    by: str
    why: str
    label: str  # when it was given: part of the send identity of the digests it releases

    def __str__(self) -> str:
        return f"{self.by}:{self.why}({self.label})"


def run_weekly(
    ports: WeeklyPorts,
    settings: Settings,
    today: date,
    *,
    dry_run: bool = False,
    resend: Resend | None = None,
    accept: Acceptance | None = None,
) -> tuple[WeeklySummary, DigestPlan, ScanResult]:
    """Scan, reconcile and enqueue; with `dry_run` nothing is written or enqueued.

    Each ledger write, each digest and the inventory are isolated: one that fails is
    recorded as a problem and the rest go on; the run record is always written. A
    recipient gets this week's digest once, however often the week is run, unless an
    operator asks for a `resend`."""
    period = iso_period(today)
    store, source = ports.ledger, ports.source
    with _aborted_on(store, period, today, dry_run):
        result = scan(source, today, settings)
        problems: list[str] = []
        if not dry_run:
            _take_mail_events(ports, problems)
        try:
            rejected = rejected_this_week(source, today)
        except AWS_ERRORS as error:  # the digests go out without them; the rollup says so
            rejected = []
            problems.append(f"本周上传时被拒收的文件未能列出({describe(error)})")
        names = unit_names(result.units)
        week = judge_week(
            result,
            rejected,
            store.entries(),
            store.runs(),
            settings,
            lambda path: unit_of_file(path, names, set()),
            accept=accept is not None,
        )
        held = week.guarded.held
        data_problems = data_problems_by_unit(
            [*result.errors, *rejected], result.units, result.groups
        )
        for unit_id, told in held_problems(held).items():
            data_problems.setdefault(unit_id, []).extend(told)
        ladder = Ladder(_weeks_sent(ports.send_log, today), week.guarded.frozen)
        plan = build_digests(
            week.entries,
            {g.key: g for g in result.groups},
            {u.unit_id: u for u in result.units},
            result.waivers,
            today,
            period,
            settings,
            data_problems,
            ladder=ladder,
            regulations=result.policy.cited,
        )
        links = _links(ports, settings, today, problems)
        plan = _with_portal(ports, links, plan, result, today, problems)
    changes, entries, kinds = week.changes, week.entries, week.kinds
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
        changes=kinds,
        digests=len(plan.digests),
        unroutable=len(plan.unroutable),
        problems=problems,
        held=len(held),
    )
    if dry_run:
        return summary, plan, result
    status = RunStatus.FAILED  # until the run gets to its end
    try:
        _write_ledger(store, changes, summary.problems)
        previous_run = store.run(period)
        rerun = previous_run is not None and previous_run.status.ran
        if accept is not None and rerun and resend is None:
            resend = _released(accept, changes, plan)
        outbox = Outbox(ports.send_log, ports.queue, settings, period, resend, rerun=rerun)
        summary.messages, summary.held_back = outbox.enqueue(plan, result, summary.problems)
        link = (lambda unit: links.unit(robot_recipient(unit), [unit])) if links else None
        notices = robot_notices(entries, result.units, today, period, link)
        summary.notices, _ = outbox.enqueue_notices(notices, summary.problems)
        _put_inventory(
            ports.objects,
            week_inventory(result, period, plan.unroutable, plan.orphan_problems, held),
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
                changes=kinds,
                open_counts=open_counts(entries),
                status=status,
                digests=len(summary.messages),
                problems=tuple(summary.problems[:MAX_PROBLEMS]),
                problem_count=len(summary.problems),
                inputs=result.inputs,
                sizes=week.sizes,
                held=week.guarded.held_by_rule,
                held_reasons=week.guarded.reasons if held else (),
                accepted=str(accept) if accept is not None else None,
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


@contextmanager
def _aborted_on(store: Ledger, period: str, today: date, dry_run: bool) -> Iterator[None]:
    """A run stopped before it changed the ledger, because the scan could not run or AWS
    failed, leaves an aborted run record (the watch, the rollups and the next runs read
    it), unless this week already ran: a failed replay keeps the record of that run."""
    try:
        yield
    except (ScanAborted, *AWS_ERRORS) as stopped:
        if not dry_run:
            reason = (
                str(stopped)
                if isinstance(stopped, ScanAborted)
                else f"运行中断:{describe(stopped)}"
            )
            previous = store.run(period)
            if previous is None or not previous.status.ran:
                store.put_run(_aborted_run(period, today, reason))
        raise


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


def _weeks_sent(log: SendLog, today: date) -> dict[str, frozenset[date]]:
    """Recipient -> the Mondays of the recent weeks whose digest reached them (the send log
    says `sent`), as far back as the escalation ladder reaches."""
    monday = weekly_run(today)
    sent: dict[str, set[date]] = {}
    for weeks_back in range(1, PARTY_WEEKS + 1):
        week = monday - timedelta(weeks=weeks_back)
        for record in log.records(iso_period(week)):
            if (
                SendKind.of(record.kind) is SendKind.DIGEST
                and record.status is SendStatus.SENT
                and record.bounced_at is None  # a bounced warning delays (DESIGN.md, Guards)
                and not record.robot
            ):
                sent.setdefault(record.recipient, set()).add(week)
    return {recipient: frozenset(weeks) for recipient, weeks in sent.items()}


def _bounced_sends(
    item: Undeliverable, sends: Callable[[str], list[SendRecord]]
) -> list[SendRecord]:
    """The send a permanent bounce reports (by message id and recipient, whose local part
    the provider may give in another case), looked for in the week the message was sent
    (the provider's ISO time) and the week before (a digest queued late in its week)."""
    if item.kind != "bounce" or not item.message_id:
        return []
    try:
        day = datetime.fromisoformat(item.at).astimezone(SHANGHAI).date()
    except ValueError:
        return []
    weeks = (iso_period(day), iso_period(day - timedelta(weeks=1)))
    return [
        record
        for record in chain.from_iterable(map(sends, weeks))
        if record.message_id == item.message_id and record.recipient.lower() == item.address
    ]


def _released(
    accept: Acceptance, changes: Sequence[LedgerChange], plan: DigestPlan
) -> Resend | None:
    """After a week already ran, what its acceptance sends: one more digest, under its own
    identity, to each recipient of a finding it released."""
    opened = {c.entry.key for c in changes if c.kind in (ChangeKind.CREATED, ChangeKind.REOPENED)}
    to = tuple(d.recipient for d in plan.digests if any(i.key in opened for i in d.new))
    return Resend(f"accepted-{accept.label}", to) if to else None


def _take_mail_events(ports: WeeklyPorts, problems: list[str]) -> None:
    """Record what the mail provider reported since the last run (bounces, complaints), so
    that this week's digests go to no address that cannot receive them."""

    sends = cache(ports.send_log.records)  # each week's send log read once per drain

    def take(body: str) -> None:
        for item in events_of(body):
            ports.mail_health.record(item)
            for record in _bounced_sends(item, sends):
                ports.send_log.bounced(record, item.at)

    try:
        ports.mail_events(take)
    except AWS_ERRORS as error:  # the digests go out; the bounces are read next week
        problems.append(f"邮件退信记录未能读取({describe(error)})")


def _links(
    ports: WeeklyPorts, settings: Settings, today: date, problems: list[str]
) -> Links | None:
    """The week's portal links; none without a portal (no PORTAL_URL) or its keys."""
    if not settings.portal_url or ports.keyring is None:
        return None
    try:
        return Links(settings.portal_url, ports.keyring(), _run_time(today))
    except (ValueError, *AWS_ERRORS) as error:
        problems.append(f"工作台链接未能生成,本周邮件不含链接({describe(error)})")
        return None


def _run_time(today: date) -> datetime:
    return datetime.combine(today, WEEKLY_RUN_TIME, SHANGHAI)


def _with_portal(ports: WeeklyPorts, links: Links | None, plan: DigestPlan, result: ScanResult,
                 today: date, problems: list[str]) -> DigestPlan:  # fmt: skip
    """Each digest with its recipient's portal link and the offices' decisions of the past
    week; without links, the digests go out without them."""
    try:
        actions = ports.actions.actions()
    except AWS_ERRORS as error:
        actions = []
        problems.append(f"单位反馈未能读取,本周邮件不含处理结果({describe(error)})")
    units = {u.unit_id: u for u in result.units}
    since = _run_time(today) - timedelta(days=7)
    digests = tuple(with_portal(d, links, actions, units, since) for d in plan.digests)
    return plan.model_copy(update={"digests": digests})
