"""A rollup from what the weekly job stored: ledger entries, run records, the inventory and
the send log. Pure: no I/O, no re-scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from chalicelib.core.dates import SHANGHAI, iso_period
from chalicelib.core.models import Category, Office, Platform, RollupKind, Severity
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.ledger.actions import UnitAction
from chalicelib.ledger.models import PARTY_WEEKS, LedgerEntry, LedgerState, RunRecord, RunStatus
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.rollups.models import (
    AccountRow,
    FeedbackRow,
    PlatformCount,
    Rollup,
    RollupItem,
    TrendPoint,
)
from chalicelib.notify.wording import ACTION_NAMES, DECISION_NAMES, NO_UNIT_NAME

TREND_WEEKS = 12
ROLLUP_TIME = time(10, 0)  # Shanghai: when the scheduled rollups run (app.py)
NO_UNIT = ("", NO_UNIT_NAME)
LISTED_STATES = {LedgerState.OPEN, LedgerState.REOPENED, LedgerState.WAIVED}
SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]


def rollup_period(kind: RollupKind, today: date) -> str:
    return iso_period(today) if kind is RollupKind.WEEK else f"{today.year}-{today.month:02d}"


def period_start(kind: RollupKind, today: date) -> date:
    """The first day the rollup reports on: a week back, or the day after the previous
    monthly rollup (the latest first Monday of a month before today), so that the monthly
    rollups, four or five weeks apart, cover each day once."""
    if kind is RollupKind.WEEK:
        return today - timedelta(days=6)
    previous = _first_monday(today.year, today.month)
    if previous >= today:
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        previous = _first_monday(year, month)
    return previous + timedelta(days=1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def feedback_since(kind: RollupKind, today: date) -> datetime:
    """From when the units' answers are listed: the previous rollup's scheduled time, the
    day before `period_start`, so that an answer made after that rollup went out (a Monday
    afternoon, or before 08:00 Shanghai on a Tuesday, still Monday in UTC) is not lost."""
    return datetime.combine(period_start(kind, today) - timedelta(days=1), ROLLUP_TIME, SHANGHAI)


def build_rollup(
    kind: RollupKind,
    today: date,
    office: Office,
    entries: Sequence[LedgerEntry],
    runs: Sequence[RunRecord],
    inventory: GroupInventory,
    failed_digests: int,
    *,
    problems: Sequence[str] = (),
    actions: Sequence[UnitAction] = (),
) -> Rollup:
    scope = set(office.scope) if office.scope is not None else None

    def in_scope(category: Category | None) -> bool:
        return scope is None or category in scope

    names = dict(inventory.units)
    items = sorted(
        (
            _item(e, names, today)
            for e in entries
            if e.state in LISTED_STATES and in_scope(e.category)
        ),
        key=lambda i: (
            -i.severity,
            i.unit_id or "~",
            -i.weeks_open,
            i.platform,
            i.group_id,
            i.rule,
        ),
    )
    open_items = [i for i in items if i.state is not LedgerState.WAIVED]
    rows = tuple(r for r in inventory.rows if in_scope(r.category))
    held = tuple(h for h in inventory.held if in_scope(h.category))
    start = period_start(kind, today)
    since = feedback_since(kind, today)
    scoped = [e for e in entries if in_scope(e.category)]
    everything = scope is None
    return Rollup(
        kind=kind,
        period=rollup_period(kind, today),
        today=today,
        office=office.office,
        scope=office.scope,
        groups_known=len(rows),
        groups_filed=sum(1 for r in rows if r.filing_status is not None),
        open_by_severity={
            s: sum(1 for i in open_items if i.severity.label == s) for s in SEVERITIES
        },
        new_since_last=sum(1 for e in scoped if e.active and e.opened_on >= start),
        fixed_since_last=sum(
            1
            for e in scoped
            if e.state is LedgerState.RESOLVED and e.resolved_on and e.resolved_on >= start
        ),
        overdue=sum(1 for i in open_items if i.weeks_open >= PARTY_WEEKS),
        unroutable=len(inventory.unroutable) if everything else 0,
        unroutable_items=inventory.unroutable if everything else (),
        data_problems=inventory.orphan_problems if everything else (),
        data_problems_total=max(inventory.orphan_problems_total, len(inventory.orphan_problems))
        if everything
        else 0,
        held=held,
        regulations=inventory.regulations,
        held_total=len(held) if not everything else max(inventory.held_total, len(held)),
        failed_digests=failed_digests if everything else 0,
        problems=tuple(problems) if everything else (),
        units=_units(inventory, open_items),
        rules=tuple((rule_id, rule.meta.title) for rule_id, rule in REGISTRY.items()),
        matrix=_matrix(open_items),
        items=tuple(items),
        inventory=rows,
        trend=_trend(runs, today, scope),
        feedback=tuple(
            _feedback(a, names) for a in actions if in_scope(a.category) and a.at >= since
        ),
        accounts=inventory.accounts if everything else (),
        platforms=_platforms(inventory.accounts, open_items) if everything else (),
    )


def _platforms(
    accounts: Sequence[AccountRow], open_items: Sequence[RollupItem]
) -> tuple[PlatformCount, ...]:
    """New-media accounts by platform, in the platforms' order: known, filed, open findings."""
    findings = Counter(i.platform for i in open_items if i.platform.is_account)
    platforms = sorted({a.platform for a in accounts} | findings.keys(), key=list(Platform).index)
    return tuple(
        PlatformCount(
            platform=platform,
            accounts=sum(1 for a in accounts if a.platform is platform),
            filed=sum(1 for a in accounts if a.platform is platform and a.filed_on is not None),
            open_findings=findings[platform],
        )
        for platform in platforms
    )


def _feedback(action: UnitAction, names: dict[str, str]) -> FeedbackRow:
    outcome = DECISION_NAMES[action.decision]
    if action.until is not None:
        outcome += f"(申请至 {action.until})"
    return FeedbackRow(
        unit=names.get(action.unit_id or "", action.unit_id or NO_UNIT_NAME),
        group=action.group_name or action.group_id,
        platform=action.platform,
        group_id=action.group_id,
        title=action.title,
        kind=ACTION_NAMES[action.kind],
        reason=action.reason,
        outcome=outcome + (f":{action.note}" if action.note else ""),
    )


def _item(entry: LedgerEntry, unit_names: dict[str, str], today: date) -> RollupItem:
    unit_id = entry.unit_id
    return RollupItem(
        **entry.facts(),
        # a unit no longer in units.csv is named by its id: it is not 未归属
        unit_name=unit_names.get(unit_id, unit_id) if unit_id else NO_UNIT[1],
        state=entry.state,
        weeks_open=entry.weeks_open(today),
        first_seen=entry.first_seen,
    )


def _units(
    inventory: GroupInventory, open_items: Sequence[RollupItem]
) -> tuple[tuple[str, str], ...]:
    units = list(inventory.units)
    # Units whose findings outlive their line in units.csv still get a row, by their id,
    # so that the summary's totals add up to the open findings.
    listed = {unit_id for unit_id, _ in units}
    gone = sorted({i.unit_id for i in open_items if i.unit_id and i.unit_id not in listed})
    units += [(unit_id, unit_id) for unit_id in gone]
    if any(i.unit_id is None for i in open_items):
        units.append(NO_UNIT)
    return tuple(units)


def _matrix(open_items: Sequence[RollupItem]) -> dict[str, dict[str, int]]:
    counts = Counter((i.unit_id or "", i.rule) for i in open_items)
    matrix: dict[str, dict[str, int]] = {}
    for (unit_id, rule), count in counts.items():
        matrix.setdefault(unit_id, {})[rule] = count
    return matrix


def _trend(
    runs: Sequence[RunRecord], today: date, scope: set[Category] | None
) -> tuple[TrendPoint, ...]:
    """Open findings of each of the last 12 weekly runs up to today, in scope."""
    completed = (r for r in runs if r.run_on <= today and r.status is not RunStatus.ABORTED)
    recent = sorted(completed, key=lambda r: r.run_on)[-TREND_WEEKS:]
    points = []
    for run in recent:
        by_severity: Counter[str] = Counter()
        for category, counts in run.open_counts.items():
            if scope is None or (category and Category(category) in scope):
                by_severity.update(counts)
        points.append(
            TrendPoint(period=run.period, open_by_severity={s: by_severity[s] for s in SEVERITIES})
        )
    return tuple(points)
