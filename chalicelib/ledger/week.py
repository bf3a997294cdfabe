"""This week's judgement on the ledger: what the scan saw, reconciled with what the ledger
holds and passed through the guards (chalicelib/ledger/guard.py). Pure; the weekly flow
writes what comes out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.core.dates import iso_period
from chalicelib.core.models import DataError, Finding
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import ScanResult
from chalicelib.ledger.guard import Guarded, doubts, guard
from chalicelib.ledger.models import EntryKey, LedgerChange, LedgerEntry, RunRecord
from chalicelib.ledger.reconcile import Coverage, reconcile


class LaterWeekRan(Exception):
    """A week is asked to run after a later week already ran: its findings would undo what
    the later run moved past (and later exports would read as being from the future)."""

    def __init__(self, period: str, latest: RunRecord) -> None:
        super().__init__(
            f"已有更晚一周的检查记录({latest.period},{latest.run_on.isoformat()} 运行),"
            f"不能再运行更早的 {period};需要查看旧数据时请用 python -m jobs scan --data 目录"
        )
        self.latest = latest


@dataclass(frozen=True)
class Week:
    period: str
    changes: list[LedgerChange]  # what the ledger takes
    entries: list[LedgerEntry]  # the ledger after them, as seen today
    guarded: Guarded  # what is held, and the findings that escalate not
    sizes: dict[str, int]  # how much of each source was read

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(change.kind.value for change in self.changes))


def judge_week(
    result: ScanResult,
    rejected: Sequence[DataError],
    previous: Mapping[EntryKey, LedgerEntry],
    runs: Sequence[RunRecord],
    settings: Settings,
    unit_of: Callable[[str], str | None],
    *,
    accept: bool = False,
) -> Week:
    """`rejected`: files quarantined at upload this week; `runs`: every run record;
    `unit_of`: the unit a file's path names; `accept`: an operator releases mass changes.
    `LaterWeekRan` when a later week already ran."""
    period = iso_period(result.today)
    later = [run for run in runs if run.period > period and run.status.ran]
    if later:
        raise LaterWeekRan(period, later[-1])
    earlier = [run for run in runs if run.period < period]
    baseline = next((run.sizes for run in reversed(earlier) if run.baseline), None)
    found = doubts([*result.errors, *rejected], result.sizes, baseline, settings, unit_of)
    distrusted = {d.source for d in found if d.mass and not accept}
    last_inputs = next((run.inputs for run in reversed(runs) if run.inputs), {})
    gone_after = result.settings.roster_max_age_days  # the policy's, when it sets one
    coverage = Coverage.of(result, gone_after, last_inputs, distrusted)
    changes = reconcile(previous, result.findings, result.today, coverage)
    guarded = guard(changes, previous, found, len(result.groups), settings, accept=accept)
    entries = as_seen_today(previous, guarded.changes, result.findings)
    return Week(period, guarded.changes, entries, guarded, result.sizes)


def as_seen_today(
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
                    "clause": finding.clause,  # the policy's article, as of today
                }
            )
    return [entries[key] for key in sorted(entries)]


def open_counts(entries: Sequence[LedgerEntry]) -> dict[str, dict[str, int]]:
    """Active ledger entries after the run (what the rollups count), by category and
    severity: findings kept open for missing rosters count too."""
    counts: dict[str, Counter[str]] = {}
    for entry in entries:
        if entry.active:
            category = entry.category.value if entry.category else ""
            counts.setdefault(category, Counter())[entry.severity.label] += 1
    return {category: dict(by_severity) for category, by_severity in counts.items()}
