"""Ledger entries: one per (platform, group_id, rule), changed only when something changes.

Weeks open and the escalation level are derived from `opened_on` and the run's date, so
an unchanged finding costs no write from one week to the next."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from chalicelib.core.dates import weekly_run
from chalicelib.core.models import (
    Category,
    Finding,
    FindingFacts,
    FindingRef,
    Frozen,
    Platform,
    Severity,
)

HEAD_WEEKS = 3  # from this many weeks open the unit head is copied
PARTY_WEEKS = 6  # from this many the party organisation is copied; the finding is overdue

EntryKey = tuple[Platform, str, str]  # an entry's key: platform, group id, rule


class LedgerState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    WAIVED = "waived"


ACTIVE_STATES = frozenset({LedgerState.OPEN, LedgerState.REOPENED})


class LedgerEntry(FindingFacts):
    """A finding as the ledger keeps it, from week to week."""

    state: LedgerState
    first_seen: date
    opened_on: date  # first_seen, or the day it was last reopened
    last_seen: date  # as of the last write; an active entry is seen by every run
    resolved_on: date | None = None
    unseen_since: date | None = None  # first run that did not see it and could not resolve it
    filed: bool = False  # the group had a current filing when the finding was last written
    rostered: bool = False  # ... and a fresh roster
    version: int = 0  # for conditional writes

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def weeks_open(self, today: date) -> int:
        """1 in the ISO week it was opened, 2 the week after, and so on; 0 when not active.
        Counted by weekly run (Monday), so a finding opened by a run later in the week is
        two weeks open on the next Monday."""
        if not self.active:
            return 0
        return (weekly_run(today) - weekly_run(self.opened_on)).days // 7 + 1

    def escalation_level(self, today: date) -> int:
        """0: responsible person; 1: unit head copied; 2: party organisation copied."""
        weeks = self.weeks_open(today)
        return 2 if weeks >= PARTY_WEEKS else 1 if weeks >= HEAD_WEEKS else 0

    def same_place(self, finding: Finding) -> bool:
        """Same unit, category and filing: the rollup cell, the routing and what can resolve
        it have not moved. (A new
        message or evidence alone costs no write: digests show this week's finding, and
        the entry is refreshed with its next transition.)"""
        return (self.unit_id, self.category, self.filed, self.rostered) == (
            finding.unit_id,
            finding.category,
            finding.filed,
            finding.rostered,
        )


class HeldFinding(FindingRef):
    """A new finding held this week by a guard: not written, not mailed; its unit is told
    why under 数据问题 and the rollup lists it as 待确认 (chalicelib/ledger/guard.py)."""

    category: Category | None
    title: str
    severity: Severity
    reason: str  # in Chinese
    file: str = ""  # the rejected file it may come from ("" for a mass change)

    @classmethod
    def of(cls, entry: LedgerEntry, reason: str, file: str = "") -> HeldFinding:
        facts = {"category": entry.category, "title": entry.title, "severity": entry.severity}
        return cls(**entry.ref(), **facts, reason=reason, file=file)


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"  # same state, new message or evidence
    REOPENED = "reopened"
    RESOLVED = "resolved"
    WAIVED = "waived"
    UNWAIVED = "unwaived"  # the waiver lapsed: open again
    UNSEEN = "unseen"  # not seen, but the run could not have seen it: noted, still open


class LedgerChange(Frozen):
    entry: LedgerEntry  # the new entry, its version already incremented
    kind: ChangeKind

    @property
    def expected_version(self) -> int | None:
        """The version the stored entry must still have; None: it must not exist yet."""
        return None if self.kind is ChangeKind.CREATED else self.entry.version - 1


class RunStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"  # some writes or emails failed; the rest went through
    FAILED = "failed"  # stopped partway by an error: the week's next run is not a re-run
    ABORTED = "aborted"  # the scan could not run (no readable unit list)

    @property
    def ran(self) -> bool:
        """The week's digests were queued: a later run of the week is a re-run."""
        return self in (RunStatus.COMPLETE, RunStatus.PARTIAL)


MAX_PROBLEMS = 50  # a run record lists its first problems and counts them all


class RunRecord(Frozen):
    period: str  # ISO week, e.g. 2026-W47
    run_on: date
    groups: int
    findings: int
    ledger_writes: int
    changes: dict[str, int]  # ChangeKind -> count
    open_counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Open findings this week: category ("" for none) -> severity label -> count; the
    rollup's trend, scoped by category."""
    status: RunStatus = RunStatus.COMPLETE
    digests: int = 0  # enqueued this run
    problems: tuple[str, ...] = ()  # what failed, in Chinese (no personal data)
    problem_count: int = 0
    inputs: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """The files read under directory/ and filings/: one of them gone next week is a
    missing upload, and resolves nothing."""
    sizes: dict[str, int] = Field(default_factory=dict)
    """How much of each source was read (people, filing rows, groups with rosters): the
    mass-change guard's baseline for the weeks after (chalicelib/ledger/guard.py)."""
    held: dict[str, int] = Field(default_factory=dict)  # rule -> new findings held
    held_reasons: tuple[str, ...] = ()  # why, in Chinese
    accepted: str | None = None  # who released a mass change, and why

    @property
    def holding(self) -> bool:
        return bool(self.held)

    @property
    def baseline(self) -> bool:
        """A week whose sizes later weeks are compared with: it ran, and held nothing."""
        return self.status.ran and bool(self.sizes) and not self.holding
