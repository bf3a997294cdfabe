"""What the unit and office pages show, from the ledger and the actions: plain data, built
by pure functions and rendered by chalicelib/portal/pages.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.masking import mask_address
from chalicelib.core.models import Unit
from chalicelib.ledger.actions import ActionKind, UnitAction
from chalicelib.ledger.models import EntryKey, LedgerEntry
from chalicelib.notify.digests.build import fix_by
from chalicelib.notify.digests.members import IN_BODY, MemberView, member_total, member_views
from chalicelib.notify.digests.models import DigestItem
from chalicelib.notify.wording import ACTION_NAMES, DECISION_NAMES, PLATFORM_NAMES, SEVERITY_NAMES
from chalicelib.portal.tokens import Grant


@dataclass(frozen=True, slots=True)
class FindingView:
    platform: str  # qq, wechat …: the form's value
    platform_name: str
    group_id: str
    group: str
    rule: str
    title: str
    severity: str
    message: str
    remedy: str
    fix_by: date
    weeks_open: int
    members: Sequence[MemberView]
    members_note: str
    answers: Sequence[str]  # what was answered for it, newest first, in words
    waiver_pending: bool  # a request waits: not asked twice


@dataclass(frozen=True, slots=True)
class UnitPage:
    unit: Unit
    units: Sequence[Unit]  # every unit of the link, to switch between
    findings: Sequence[FindingView]
    today: date
    waiver_max: date


@dataclass(frozen=True, slots=True)
class RequestView:
    action_id: str
    kind: str
    unit: str
    group: str
    platform_name: str
    group_id: str
    title: str
    reason: str
    until: date | None
    by: str  # masked
    at: str
    decision: str
    note: str
    pending: bool
    waiver: bool


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit: str
    breakdown: str  # `群主与备案不符 2 · 超员 1`: one line per unit fits a phone
    total: int


@dataclass(frozen=True, slots=True)
class OfficePage:
    office: str
    rules: Sequence[tuple[str, str]]  # (rule id, title) with open findings in scope
    rows: Sequence[UnitRow]
    pending: Sequence[RequestView]
    decided: Sequence[RequestView]  # the latest decisions, newest first
    rollup: str  # the latest weekly rollup's file name, "" when none
    today: date
    extra: dict[str, str] = field(default_factory=dict)


def unit_page(grant: Grant, unit_id: str, units: Mapping[str, Unit],
              entries: Mapping[EntryKey, LedgerEntry], actions: Iterable[UnitAction],
              today: date, waiver_max: date) -> UnitPage:  # fmt: skip
    unit = units.get(unit_id) or Unit(unit_id=unit_id, name=unit_id, keywords=())
    answered: dict[EntryKey, list[UnitAction]] = {}
    for action in actions:
        if action.unit_id == unit_id:
            answered.setdefault(action.key, []).append(action)
    mine = [e for e in entries.values() if e.active and e.unit_id == unit_id]
    mine.sort(key=lambda e: (-e.severity, e.group_name or "", e.group_id, e.rule))
    findings = [_finding(e, answered.get(e.key, []), units, today) for e in mine]
    scope = [units.get(u) or Unit(unit_id=u, name=u, keywords=()) for u in grant.scope]
    return UnitPage(unit=unit, units=scope, findings=findings, today=today, waiver_max=waiver_max)


def _finding(entry: LedgerEntry, answers: list[UnitAction], units: Mapping[str, Unit],
             today: date) -> FindingView:  # fmt: skip
    item = DigestItem(**entry.facts(), weeks_open=entry.weeks_open(today))
    members = member_views(item, units)
    total = member_total(item)
    note = f"共 {total} 人,此处列出前 {IN_BODY} 人" if total > min(len(members), IN_BODY) else ""
    answers = sorted(answers, key=lambda a: a.at, reverse=True)
    return FindingView(
        platform=entry.platform.value,
        platform_name=PLATFORM_NAMES[entry.platform],
        group_id=entry.group_id,
        group=entry.group_name or "(未知群名)",
        rule=entry.rule,
        title=entry.title,
        severity=SEVERITY_NAMES[entry.severity],
        message=entry.message,
        remedy=entry.remedy,
        fix_by=fix_by(today),
        weeks_open=item.weeks_open,
        members=members[:IN_BODY],
        members_note=note,
        answers=[answer_words(a) for a in answers],
        waiver_pending=any(a.kind is ActionKind.WAIVER and a.pending for a in answers),
    )


def answer_words(action: UnitAction) -> str:
    """`2026-11-18 申请豁免(至 2027-03-31):已批准。部门意见:…`"""
    what = ACTION_NAMES[action.kind]
    if action.until is not None:
        what += f"(至 {action.until})"
    words = f"{action.at.astimezone(SHANGHAI).date()} {what}:{DECISION_NAMES[action.decision]}"
    return words + (f"。部门意见:{action.note}" if action.note else "")


def office_page(grant: Grant, units: Mapping[str, Unit],
                entries: Mapping[EntryKey, LedgerEntry], actions: Sequence[UnitAction],
                today: date, rollup: str) -> OfficePage:  # fmt: skip
    mine = [e for e in entries.values() if e.active and grant.covers_category(e.category)]
    titles = {e.rule: e.title for e in mine}
    rules = sorted(titles.items())
    by_unit: dict[str, Counter[str]] = {}
    for entry in mine:
        by_unit.setdefault(entry.unit_id or "", Counter())[entry.rule] += 1
    rows = [
        UnitRow(_unit_name(u, units), _rule_counts(c, rules), sum(c.values()))
        for u, c in sorted(by_unit.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    asked = [a for a in actions if a.kind is not ActionKind.FIXED
             and grant.covers_category(a.category)]  # fmt: skip
    pending = [_request(a, units) for a in asked if a.pending]
    decided = [_request(a, units) for a in sorted(asked, key=_decided_at, reverse=True)
               if not a.pending][:20]  # fmt: skip
    return OfficePage(office=grant.office, rules=rules, rows=rows, pending=pending,
                      decided=decided, rollup=rollup, today=today)  # fmt: skip


def _decided_at(action: UnitAction) -> str:
    return (action.decided_at or action.at).isoformat()


def _unit_name(unit_id: str, units: Mapping[str, Unit]) -> str:
    return units[unit_id].name if unit_id in units else unit_id or "(未知单位)"


def _rule_counts(counts: Counter[str], rules: Sequence[tuple[str, str]]) -> str:
    return " · ".join(f"{title} {counts[rule]}" for rule, title in rules if counts[rule])


def _request(action: UnitAction, units: Mapping[str, Unit]) -> RequestView:
    return RequestView(
        action_id=action.action_id,
        kind=ACTION_NAMES[action.kind],
        unit=_unit_name(action.unit_id or "", units),
        group=action.group_name or "(未知群名)",
        platform_name=PLATFORM_NAMES[action.platform],
        group_id=action.group_id,
        title=action.title or action.rule,
        reason=action.reason,
        until=action.until,
        by=mask_address(action.by),
        at=action.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        decision=DECISION_NAMES[action.decision],
        note=action.note,
        pending=action.pending,
        waiver=action.kind is ActionKind.WAIVER,
    )
