"""Guards: a data problem is reported as a data problem, never mailed as a finding
(DESIGN.md, Guards). Pure: this week's problems, sizes and changes go in; what may be
written, what is held and why come out.

A source (roster, filing, directory, accounts, posts, waivers) is in doubt this week when
- one of its files was rejected (by the scan, or at upload and quarantined): every rule
  judged on it is in doubt; for rosters only for the groups the file could have held (the
  unit its folder names, else every unit) that have no fresh roster;
- it shrank, against the last complete week that held nothing, by more than
  `guard_shrink_share` of its people, filing rows or groups with rosters (a mass change,
  as Cloud Custodian's max-resources-percent).
While in doubt, a rule judged on the source opens no finding (it is held: not written, not
mailed; the unit is told under 数据问题), escalates none, and resolves none. Every rule is
treated as judged on the waivers: while they are in doubt, a waived finding whose waiver
was not found stays waived (held, not mailed as new). A rule that
would open more new findings than max(`guard_new_min`, `guard_new_share` × groups) holds
them too, and resolves nothing that week. An operator may accept a mass change
(`jobs weekly --accept-changes`); a rejected file is fixed by uploading it again."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.core.models import DataError, Frozen
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.rules.registry import Source
from chalicelib.intake.catalogue import meant_folder
from chalicelib.ledger.models import (
    ACTIVE_STATES,
    ChangeKind,
    EntryKey,
    HeldFinding,
    LedgerChange,
    LedgerEntry,
)

SOURCE_FOLDERS = {
    "rosters": Source.ROSTER,
    "filings": Source.FILING,
    "directory": Source.DIRECTORY,
    "accounts": Source.ACCOUNTS,
    "posts": Source.POSTS,
    "waivers": Source.WAIVERS,
}
SOURCE_NAMES = {
    Source.ROSTER: "群成员名单",
    Source.FILING: "审备登记表",
    Source.DIRECTORY: "人员名册",
    Source.ACCOUNTS: "新媒体账号登记表",
    Source.POSTS: "新媒体发布记录",
    Source.WAIVERS: "豁免清单",
}
SIZES = {  # RunRecord.sizes key -> the source, and what it counts
    "people": (Source.DIRECTORY, "人员名册中的人数"),
    "filing_rows": (Source.FILING, "审备登记表的行数"),
    "rostered_groups": (Source.ROSTER, "有成员名单的群数"),
    "account_rows": (Source.ACCOUNTS, "新媒体账号登记表的行数"),
}
HELD_SHOWN = 10  # groups named in one data problem


class Doubt(Frozen):
    source: Source
    reason: str  # in Chinese, with the file or the figures
    file: str  # the rejected file, or the source's folder
    units: frozenset[str] | None = None  # a rejected roster's unit (None: every unit)
    mass: bool = False  # a mass change: an operator may accept it

    def covers(self, unit_id: str | None, rostered: bool) -> bool:
        """Whether a finding of this group may come from the data in doubt."""
        if self.source is not Source.ROSTER or self.mass:
            return True
        return not rostered and (self.units is None or unit_id in self.units)


def doubts(
    problems: Sequence[DataError],
    sizes: Mapping[str, int],
    baseline: Mapping[str, int] | None,
    settings: Settings,
    unit_of: Callable[[str], str | None],
) -> list[Doubt]:
    """The doubts of this week: each rejected file of a source (`problems`: the scan's
    errors and the uploads quarantined this week; `unit_of`: the unit a path names), and
    each source that shrank against `baseline`, the last complete week's sizes."""
    found = []
    for problem in problems:
        if problem.at_top:  # a misplaced folder: its files may be this source's
            source = SOURCE_FOLDERS.get(meant_folder(problem.file) or "")
            if source is not None:
                reason = f"{SOURCE_NAMES[source]}可能被放在了 {problem.file} 中,未被读取"
                found.append(Doubt(source=source, reason=reason, file=problem.file))
            continue
        source = SOURCE_FOLDERS.get(problem.file.partition("/")[0])
        if source is None or not problem.rejects_file:
            continue
        unit = unit_of(problem.file) if source is Source.ROSTER else None
        reason = f"{SOURCE_NAMES[source]} {problem.file} 被拒收"
        units = frozenset({unit}) if unit is not None else None
        found.append(Doubt(source=source, reason=reason, file=problem.file, units=units))
    share = settings.guard_shrink_share
    for key, before in (baseline or {}).items():
        now = sizes.get(key, 0)
        if key in SIZES and before > 0 and now < before * (1 - share):
            source, what = SIZES[key]
            reason = (
                f"{what}从上次完整检查的 {before} 降到 {now}(减少 {1 - now / before:.0%},"
                f"超过 {share:.0%}),疑为上传不全"
            )
            folder = next(f for f, s in SOURCE_FOLDERS.items() if s is source)
            found.append(Doubt(source=source, reason=reason, file=f"{folder}/", mass=True))
    return found


@dataclass(frozen=True)
class Guarded:
    changes: list[LedgerChange]  # what may be written
    held: list[HeldFinding]  # new findings not opened this week, and why
    frozen: frozenset[EntryKey]  # open findings that escalate not this week
    reasons: tuple[str, ...]  # every doubt of the week, for the run record

    @property
    def held_by_rule(self) -> dict[str, int]:
        return dict(Counter(h.rule for h in self.held))


def guard(
    changes: Sequence[LedgerChange],
    previous: Mapping[EntryKey, LedgerEntry],
    week_doubts: Sequence[Doubt],
    groups: int,
    settings: Settings,
    *,
    accept: bool = False,
) -> Guarded:
    """Hold what the week's doubts cover; with `accept`, mass changes are released."""
    active = [d for d in week_doubts if not (accept and d.mass)]
    kept: list[LedgerChange] = []
    held: list[HeldFinding] = []
    for change in changes:
        doubt = _doubt(change.entry, active) if _opens(change) or _unwaives(change) else None
        if doubt is None:
            kept.append(change)
        else:
            held.append(HeldFinding.of(change.entry, doubt.reason, doubt.file))
    reasons = [d.reason for d in active]
    if not accept:
        kept, held, reasons = _mass_new(kept, held, reasons, groups, settings)
    frozen = frozenset(
        key
        for key, entry in previous.items()
        if entry.state in ACTIVE_STATES and _doubt(entry, active) is not None
    )
    return Guarded(kept, held, frozen, tuple(dict.fromkeys(reasons)))


def _opens(change: LedgerChange) -> bool:
    """The change makes a finding active that was not: it would be mailed as new."""
    opening = change.kind in (ChangeKind.CREATED, ChangeKind.REOPENED)
    return opening and change.entry.state in ACTIVE_STATES


def _unwaives(change: LedgerChange) -> bool:
    """The change opens a waived finding: its waiver was not found this week."""
    return change.kind is ChangeKind.UNWAIVED


def _doubt(entry: LedgerEntry, active: Sequence[Doubt]) -> Doubt | None:
    """The doubt that covers the finding: one of a source its rule is judged on, or of the
    waivers, which may hold a waiver for any finding."""
    rule = REGISTRY.get(entry.rule)
    if rule is None:
        return None
    sources = {*rule.meta.judged_on, Source.WAIVERS}
    return next(
        (d for d in active if d.source in sources and d.covers(entry.unit_id, entry.rostered)),
        None,
    )


def _mass_new(
    kept: list[LedgerChange],
    held: list[HeldFinding],
    reasons: list[str],
    groups: int,
    settings: Settings,
) -> tuple[list[LedgerChange], list[HeldFinding], list[str]]:
    """A rule opening more new findings than the limit holds them all, and resolves nothing."""
    # More than share x groups: for a count, more than its floor (20.5 -> 20); the slack
    # keeps a float product just under a whole number (0.57 x 100) from dropping by one
    limit = max(settings.guard_new_min, math.floor(settings.guard_new_share * groups + 1e-9))
    opening = Counter(c.entry.rule for c in kept if _opens(c))
    mass = {rule: count for rule, count in opening.items() if count > limit}
    if not mass:
        return kept, held, reasons
    why = {
        rule: f"本周将新增 {count} 项“{REGISTRY[rule].meta.title}”,超过 {limit} 项的上限,疑为数据异常"
        for rule, count in mass.items()
    }
    remaining = []
    for change in kept:
        rule = change.entry.rule
        if rule in mass and _opens(change):
            held.append(HeldFinding.of(change.entry, why[rule]))
        elif not (rule in mass and change.kind is ChangeKind.RESOLVED):
            remaining.append(change)
    return remaining, held, [*reasons, *why.values()]


def held_problems(held: Sequence[HeldFinding]) -> dict[str | None, list[DataError]]:
    """What each unit is told of its held findings, one line per reason: the file or the
    figures, the rules not judged, and the groups (by unit id; None: no unit)."""
    by_unit: dict[tuple[str | None, str], list[HeldFinding]] = defaultdict(list)
    for item in held:
        by_unit[(item.unit_id, item.reason)].append(item)
    problems: dict[str | None, list[DataError]] = defaultdict(list)
    for (unit_id, reason), items in by_unit.items():
        titles = "、".join(dict.fromkeys(i.title for i in items))
        groups = list(dict.fromkeys(i.group_id for i in items))
        what = "账号" if all(i.platform.is_account for i in items) else "群"
        more = f" 等 {len(groups)} 个{what}" if len(groups) > HELD_SHOWN else ""
        shown = "、".join(groups[:HELD_SHOWN]) + more
        text = f"{reason},本周暂未认定“{titles}”(涉及{what} {shown});数据更正后下次检查时再判断"
        problems[unit_id].append(DataError(file=items[0].file or "本周数据", reason=text))
    return dict(problems)
