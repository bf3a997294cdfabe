"""From the ledger to digests: who gets what this week, and who is copied.

Pure: the ledger entries, the scan's groups, the units and the waivers go in; one digest
per recipient and the findings nobody can be reached for come out. Nothing is dropped: an
active finding without a recipient becomes an `Unroutable`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.core.dates import next_weekly_run, weekly_run
from chalicelib.core.models import DataError, Frozen, GroupKey, Unit
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.rules.context import GroupView
from chalicelib.intake.loaders.waivers import WaiverBook
from chalicelib.ledger.models import LedgerEntry, LedgerState
from chalicelib.notify.digests.ladder import Ladder
from chalicelib.notify.digests.models import ComingDue, Digest, DigestItem, Escalation, Unroutable

RULE_ORDER = {rule_id: index for index, rule_id in enumerate(REGISTRY)}


class DigestPlan(Frozen):
    digests: tuple[Digest, ...]  # sorted by recipient
    unroutable: tuple[Unroutable, ...]  # sorted by group, then rule order
    orphan_problems: tuple[DataError, ...] = ()  # data problems no unit's contact gets


@dataclass(frozen=True, slots=True)
class Route:
    """Where a group's reminders go: an address, or the reason there is none."""

    recipient: str | None
    unit: Unit | None
    reason: str = ""


@dataclass
class _Draft:
    new: list[DigestItem] = field(default_factory=list)
    still_open: list[DigestItem] = field(default_factory=list)
    fixed: list[DigestItem] = field(default_factory=list)
    coming_due: list[ComingDue] = field(default_factory=list)
    data_problems: list[DataError] = field(default_factory=list)
    cc: set[str] = field(default_factory=set)


def build_digests(
    entries: Iterable[LedgerEntry],
    groups: Mapping[GroupKey, GroupView],
    units: Mapping[str, Unit],
    waivers: WaiverBook,
    today: date,
    period: str,
    settings: Settings,
    data_problems: Mapping[str | None, Sequence[DataError]] | None = None,
    *,
    ladder: Ladder,
    regulations: tuple[tuple[str, str], ...] = (),
) -> DigestPlan:
    """`data_problems`: the week's data errors by the unit of their file (see
    chalicelib/notify/attribution.py); each unit's contact gets theirs. `ladder`: how far
    each finding escalates, as far as its recipient was warned."""
    drafts: dict[str, _Draft] = defaultdict(_Draft)
    unroutable: list[Unroutable] = []
    # New and fixed mean this ISO week, whatever day of it the digest is made (a run that
    # stopped on Monday after writing the ledger and is run again on Tuesday, a resend)
    this_week = weekly_run(today)
    for entry in entries:
        if entry.state is LedgerState.WAIVED:
            continue  # waived findings are counted in rollups, never reminded
        fixed = (
            entry.state is LedgerState.RESOLVED
            and entry.resolved_on is not None
            and this_week <= entry.resolved_on <= today
        )
        if not (entry.active or fixed):
            continue
        route = route_group(entry.group_key, entry.unit_id, groups, units)
        if route.recipient is None:
            if entry.active:
                unroutable.append(_unroutable(entry, route.reason))
            continue
        draft = drafts[route.recipient]
        if fixed:
            draft.fixed.append(DigestItem(**entry.facts(), weeks_open=0))
            continue
        level = ladder.level(entry, route.recipient, today)
        upcoming = ladder.next_level(entry, route.recipient, today)
        item = DigestItem(
            **entry.facts(),
            weeks_open=entry.weeks_open(today),
            fix_by=fix_by(today),
            next_escalation=_next_escalation(level, upcoming, route.unit),
        )
        (draft.new if entry.opened_on >= this_week else draft.still_open).append(item)
        draft.cc.update(_escalation_copies(route.unit, level))
    for group_key, due in _coming_due(groups, waivers, today, settings):
        route = route_group(group_key, None, groups, units)
        if route.recipient is not None:
            drafts[route.recipient].coming_due.append(due)
    orphans: list[DataError] = []
    for unit_id, problems in (data_problems or {}).items():
        contact = _contact(units.get(unit_id) if unit_id is not None else None)
        (drafts[contact].data_problems if contact is not None else orphans).extend(problems)
    digests = [
        _digest(recipient, draft, period, today, regulations)
        for recipient, draft in sorted(drafts.items())
    ]
    return DigestPlan(
        digests=tuple(d for d in digests if not d.empty),
        unroutable=tuple(sorted(unroutable, key=_unroutable_order)),
        orphan_problems=tuple(orphans),
    )


def _contact(unit: Unit | None) -> str | None:
    if unit is None or "contact_email" in unit.invalid_emails:
        return None
    return _address(unit.contact_email)


def route_group(
    key: GroupKey,
    unit_id: str | None,
    groups: Mapping[GroupKey, GroupView],
    units: Mapping[str, Unit],
) -> Route:
    """The filing's responsible_email, else the unit's contact_email. The unit is the
    group's (filed or inferred); for a group no longer in the scan, the entry's unit.
    An address that was in the data but unusable routes nowhere: never a guessed one."""
    group = groups.get(key)
    unit = group.unit if group is not None else None
    if unit is None and unit_id is not None:
        unit = units.get(unit_id)
    filing = group.filing if group is not None else None
    if filing is not None and "responsible_email" in filing.invalid_emails:
        return Route(None, unit, "备案登记表中的责任人邮箱无效(见数据错误),请更正")
    responsible = _address(filing.responsible_email if filing is not None else None)
    if responsible is not None:
        return Route(responsible, unit)
    unfilled = ",备案也未填写责任人邮箱" if filing is not None else ""
    if unit is not None:
        if "contact_email" in unit.invalid_emails:
            return Route(None, unit, f"单位 {unit.name}({unit.unit_id})的联系邮箱无效(见数据错误)")
        contact = _address(unit.contact_email)
        if contact is not None:
            return Route(contact, unit)
        reason = f"单位 {unit.name}({unit.unit_id})未填写联系邮箱{unfilled}"
        return Route(None, unit, reason)
    known_unit = filing.unit_id if filing is not None else unit_id
    if known_unit is not None:
        return Route(None, None, f"单位 {known_unit} 不在单位名单中{unfilled}")
    if key[0].is_account:
        return Route(None, None, "账号未登记所属单位,无法判断由谁整改")
    return Route(None, None, "群未备案且无法判断所属单位")


def fix_by(today: date) -> date:
    """整改期限: the day before the next weekly run, so that the run sees the fix."""
    return next_weekly_run(today) - timedelta(days=1)


def _next_escalation(now: int, level: int, unit: Unit | None) -> Escalation | None:
    """What the next run adds (`level`, against `now`) if the finding is still open: a copy
    to the unit head (level 1), or to the party organisation and the overdue list (level
    2; the overdue list even when there is no party address to copy)."""
    if level <= now:
        return None
    if level == 1 and unit is not None and _address(unit.head_email) is not None:
        head = f"{unit.name} {unit.head_name}" if unit.head_name else unit.name
        return Escalation(level=1, to=f"单位第一责任人({head})")
    if level == 2:
        party = unit is not None and _address(unit.party_org_email) is not None
        to = f"党组织({unit.party_org or unit.name + '党组织'})" if unit and party else ""
        return Escalation(level=2, to=to)
    return None


def _escalation_copies(unit: Unit | None, level: int) -> list[str]:
    if unit is None or level < 1:
        return []
    wanted = [unit.head_email] + ([unit.party_org_email] if level >= 2 else [])
    return [address for address in map(_address, wanted) if address is not None]


def _coming_due(
    groups: Mapping[GroupKey, GroupView], waivers: WaiverBook, today: date, settings: Settings
) -> list[tuple[GroupKey, ComingDue]]:
    """Waivers that lapse within `waiver_due_days` (only the one that applies, when a group
    has several for a rule) and filings whose end_on falls within `temporary_due_days`."""
    waiver_horizon = today + timedelta(days=settings.waiver_due_days)
    temporary_horizon = today + timedelta(days=settings.temporary_due_days)
    due: list[tuple[GroupKey, ComingDue]] = []
    for waiver in waivers.all():
        key = (waiver.platform, waiver.group_id)
        group = groups.get(key)
        if group is None or not today <= waiver.expires_on <= waiver_horizon:
            continue
        if waivers.applicable(waiver.platform, waiver.group_id, waiver.rule, today) != waiver:
            continue  # a later waiver for the same rule takes over: nothing lapses
        title = REGISTRY[waiver.rule].meta.title if waiver.rule in REGISTRY else waiver.rule
        what = f"豁免({title})将于 {waiver.expires_on.isoformat()} 到期,到期后将恢复提醒"
        due.append((key, _due(group, waiver.expires_on, what)))
    for key, group in groups.items():
        end_on = group.filing.end_on if group.filing is not None else None
        if end_on is not None and today <= end_on <= temporary_horizon:
            what = f"临时群将于 {end_on.isoformat()} 到期,到期后请解散并在登记表中注销"
            due.append((key, _due(group, end_on, what)))
    return due


def _due(group: GroupView, due_on: date, what: str) -> ComingDue:
    return ComingDue(
        platform=group.platform,
        group_id=group.group_id,
        group_name=group.name,
        unit_id=group.unit.unit_id if group.unit is not None else None,
        due_on=due_on,
        what=what,
    )


def _unroutable(entry: LedgerEntry, reason: str) -> Unroutable:
    return Unroutable(**entry.ref(), reason=reason)


def _digest(
    recipient: str,
    draft: _Draft,
    period: str,
    today: date,
    regulations: tuple[tuple[str, str], ...],
) -> Digest:
    return Digest(
        regulations=regulations,
        recipient=recipient,
        cc=tuple(sorted(draft.cc - {recipient})),
        period=period,
        today=today,
        new=tuple(sorted(draft.new, key=_item_order)),
        still_open=tuple(sorted(draft.still_open, key=_item_order)),
        fixed=tuple(sorted(draft.fixed, key=_item_order)),
        coming_due=tuple(
            sorted(
                dict.fromkeys(draft.coming_due),  # two identical waiver rows: one line
                key=lambda d: (d.due_on, d.platform.value, d.group_id, d.what),
            )
        ),
        data_problems=tuple(draft.data_problems),
    )


def _item_order(item: DigestItem) -> tuple[int, str, str, int, str]:
    rule_index = RULE_ORDER.get(item.rule, len(RULE_ORDER))
    return (-item.severity, item.platform.value, item.group_id, rule_index, item.rule)


def _unroutable_order(item: Unroutable) -> tuple[str, str, int, str]:
    return (
        item.platform.value,
        item.group_id,
        RULE_ORDER.get(item.rule, len(RULE_ORDER)),
        item.rule,
    )


def _address(value: str | None) -> str | None:
    """Addresses compare case-insensitively, so one person gets one digest."""
    cleaned = (value or "").strip().lower()
    return cleaned or None
