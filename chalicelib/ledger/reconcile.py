"""Reconcile this run's findings with the ledger: pure, no I/O, one change per write.

An unchanged finding produces no change (weeks open and escalation are derived from
`opened_on`), so replaying a run on the same day after applying its changes is a no-op."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic_core import to_jsonable_python

from chalicelib.ledger.models import ChangeKind, LedgerChange, LedgerEntry, LedgerState
from chalicelib.models import DataError, Finding, FindingStatus, GroupKey, Platform
from chalicelib.rules import REGISTRY
from chalicelib.rules.context import GroupView

EntryKey = tuple[Platform, str, str]


def units_with_rosters(groups: Iterable[GroupView]) -> set[str | None]:
    """Units with at least one roster snapshot this run; None stands for groups with a
    snapshot but no unit (unfiled and not attributable)."""
    return {
        group.unit.unit_id if group.unit is not None else None
        for group in groups
        if group.snapshot is not None
    }


@dataclass(frozen=True)
class Coverage:
    """What a run could see, so that absence of data never resolves anything."""

    units_with_rosters: frozenset[str | None]
    groups_with_roster: frozenset[GroupKey] = field(default_factory=frozenset)
    groups_present: frozenset[GroupKey] = field(default_factory=frozenset)
    filings_complete: bool = True  # every filings/ file was read (rows may have errors)

    @classmethod
    def of(cls, groups: Iterable[GroupView], errors: Iterable[DataError] = ()) -> Coverage:
        groups = list(groups)
        return cls(
            units_with_rosters=frozenset(units_with_rosters(groups)),
            groups_with_roster=frozenset(g.key for g in groups if g.snapshot is not None),
            groups_present=frozenset(g.key for g in groups),
            filings_complete=not any(
                e.row is None and e.file.startswith("filings/") for e in errors
            ),
        )

    def can_resolve(self, entry: LedgerEntry) -> bool:
        """Not seeing a finding resolves it only when its unit's rosters were read and,
        for a rule judged on rosters, the group's own roster was there too (a group that
        is gone altogether — closed, dissolved — is resolved with its unit). A run whose
        filings could not all be read resolves nothing: a filing may be what is missing."""
        if not self.filings_complete or entry.unit_id not in self.units_with_rosters:
            return False
        rule = REGISTRY.get(entry.rule)
        if entry.group_key in self.groups_present and rule is not None and rule.meta.needs_snapshot:
            return entry.group_key in self.groups_with_roster
        return True


def reconcile(
    previous: Mapping[EntryKey, LedgerEntry],
    findings: Sequence[Finding],
    today: date,
    coverage: Coverage,
) -> list[LedgerChange]:
    """The changes that bring `previous` in line with `findings`, sorted by key.

    An entry not seen this run is resolved only when `coverage` says the run could have
    seen it: a unit whose rosters are missing resolves nothing."""
    seen = _by_key(findings)
    changes: list[LedgerChange] = []
    for key in sorted(seen.keys() | previous.keys()):
        entry, finding = previous.get(key), seen.get(key)
        if entry is None:
            assert finding is not None
            change: LedgerChange | None = _created(finding, today)
        elif finding is None:
            change = _unseen(entry, today, coverage)
        else:
            change = _seen(entry, finding, today)
        if change is not None:
            changes.append(change)
    return changes


def _by_key(findings: Sequence[Finding]) -> dict[EntryKey, Finding]:
    """Findings by ledger key, evidence in its JSON form (lists, ISO dates) so that it
    compares equal to what the store gives back."""
    by_key: dict[EntryKey, Finding] = {}
    for finding in findings:
        key = (finding.platform, finding.group_id, finding.rule)
        if key in by_key:
            raise ValueError(f"two findings for the same ledger key {key}")
        evidence = to_jsonable_python(finding.evidence)
        by_key[key] = finding.model_copy(update={"evidence": evidence})
    return by_key


def _created(finding: Finding, today: date) -> LedgerChange:
    waived = finding.status is FindingStatus.WAIVED
    entry = LedgerEntry(
        platform=finding.platform,
        group_id=finding.group_id,
        rule=finding.rule,
        state=LedgerState.WAIVED if waived else LedgerState.OPEN,
        unit_id=finding.unit_id,
        category=finding.category,
        severity=finding.severity,
        title=finding.title,
        group_name=finding.group_name,
        message=finding.message,
        evidence=finding.evidence,
        clause=finding.clause,
        remedy=finding.remedy,
        first_seen=today,
        opened_on=today,
        last_seen=today,
        version=1,
    )
    return LedgerChange(entry=entry, kind=ChangeKind.CREATED)


def _seen(entry: LedgerEntry, finding: Finding, today: date) -> LedgerChange | None:
    waived = finding.status is FindingStatus.WAIVED
    if entry.state is LedgerState.RESOLVED:
        if waived:  # back, but under a waiver granted meanwhile
            return _change(entry, finding, today, ChangeKind.WAIVED, opened_on=today)
        return _change(entry, finding, today, ChangeKind.REOPENED, opened_on=today)
    if entry.state is LedgerState.WAIVED and not waived:  # the waiver lapsed
        return _change(entry, finding, today, ChangeKind.UNWAIVED, opened_on=today)
    if entry.active and waived:
        return _change(entry, finding, today, ChangeKind.WAIVED)
    if not entry.same_place(finding):
        return _change(entry, finding, today, ChangeKind.UPDATED)
    return None


def _unseen(entry: LedgerEntry, today: date, coverage: Coverage) -> LedgerChange | None:
    if entry.state is LedgerState.RESOLVED or not coverage.can_resolve(entry):
        return None
    resolved = entry.model_copy(
        update={
            "state": LedgerState.RESOLVED,
            "resolved_on": today,
            "version": entry.version + 1,
        }
    )
    return LedgerChange(entry=resolved, kind=ChangeKind.RESOLVED)


_STATE_AFTER = {
    ChangeKind.REOPENED: LedgerState.REOPENED,
    ChangeKind.WAIVED: LedgerState.WAIVED,
    ChangeKind.UNWAIVED: LedgerState.OPEN,
}


def _change(
    entry: LedgerEntry,
    finding: Finding,
    today: date,
    kind: ChangeKind,
    opened_on: date | None = None,
) -> LedgerChange:
    """The entry refreshed from the finding (seen today), in the state `kind` leads to."""
    update = {
        "state": _STATE_AFTER.get(kind, entry.state),
        "unit_id": finding.unit_id,
        "category": finding.category,
        "severity": finding.severity,
        "title": finding.title,
        "group_name": finding.group_name,
        "message": finding.message,
        "evidence": finding.evidence,
        "clause": finding.clause,
        "remedy": finding.remedy,
        "opened_on": opened_on or entry.opened_on,
        "last_seen": today,
        "resolved_on": None,
        "version": entry.version + 1,
    }
    return LedgerChange(entry=entry.model_copy(update=update), kind=kind)
