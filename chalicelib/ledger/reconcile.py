"""Reconcile this run's findings with the ledger: pure, no I/O, one change per write.

An unchanged finding produces no change (weeks open and escalation are derived from
`opened_on`), so replaying a run on the same day after applying its changes is a no-op."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pydantic_core import to_jsonable_python

from chalicelib.core.models import Finding, FindingStatus, GroupKey, Platform
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.rules.registry import RuleMeta, Source
from chalicelib.intake.catalogue import ACCOUNTS, DIRECTORY, FILINGS, POSTS
from chalicelib.ledger.models import ChangeKind, EntryKey, LedgerChange, LedgerEntry, LedgerState

if TYPE_CHECKING:
    from chalicelib.evaluate.scan import ScanResult


@dataclass(frozen=True)
class Coverage:
    """What a run could see, so that absence of data never resolves anything (DESIGN.md,
    "Resolving"): a finding is resolved only by data that could show it."""

    fresh: frozenset[GroupKey]  # groups with a fresh roster snapshot this run
    filed: frozenset[GroupKey]  # groups with a current (filed or pending) filing
    closed: frozenset[GroupKey] = frozenset()  # groups whose latest filing row is closed
    filings_complete: bool = True  # every filings/ file was read (rows may have errors)
    directory_complete: bool = True  # every directory/ file was read
    rosters_trusted: bool = True  # the rosters did not shrink suspiciously (ledger/guard.py)
    gone_after_days: int = 14  # roster_max_age_days: an unfiled group this long unseen is gone
    accounts: frozenset[GroupKey] = frozenset()  # new-media accounts registered or posting
    dated: frozenset[GroupKey] = frozenset()  # ... of them, those with a last post date
    accounts_complete: bool = True  # every accounts/ file was read
    posts_complete: bool = True  # every posts/ file was read

    @classmethod
    def of(
        cls,
        result: ScanResult,
        gone_after_days: int,
        last_inputs: Mapping[str, Sequence[str]] | None = None,
        doubted: Collection[Source] = (),
    ) -> Coverage:
        """What `result` saw; `last_inputs` are the files the last run read, so that one
        gone since (not uploaded this week) makes its folder incomplete; `doubted`, the
        sources a guard distrusts as a whole this week, resolve nothing."""

        def complete(folder: str) -> bool:
            gone = set((last_inputs or {}).get(folder, ())) - set(result.inputs.get(folder, ()))
            return result.folder_complete(folder) and not gone

        return cls(
            fresh=frozenset(g.key for g in result.groups if g.snapshot is not None),
            filed=frozenset(g.key for g in result.groups if g.filing is not None),
            closed=result.closed,
            filings_complete=complete(FILINGS.prefix) and Source.FILING not in doubted,
            directory_complete=complete(DIRECTORY.prefix) and Source.DIRECTORY not in doubted,
            rosters_trusted=Source.ROSTER not in doubted,
            gone_after_days=gone_after_days,
            accounts=frozenset(a.key for a in result.accounts),
            dated=frozenset(a.key for a in result.accounts if a.last_post_on is not None),
            accounts_complete=complete(ACCOUNTS.prefix) and Source.ACCOUNTS not in doubted,
            posts_complete=complete(POSTS.prefix) and Source.POSTS not in doubted,
        )

    def can_resolve(self, entry: LedgerEntry, today: date) -> bool:
        """Whether not seeing `entry` this run means it is fixed (DESIGN.md, "Resolving"):
        only data that could show it resolves it.

        - A fresh roster alone shows a rule about the roster itself (roster_missing) fixed.
        - A group dissolved (its filing closed, no fresh roster) resolves what was judged
          while it was filed.
        - Else every source the rule is judged on must have been read completely, and the
          data the finding was judged with must be there again: a fresh roster if it was
          judged on one, the filing if it needs one or was judged with one, the partner
          groups' rosters for a rule across groups.
        - An unfiled group with neither a filing nor a fresh roster is gone once unseen
          for more than `gone_after_days` (its export stopped coming)."""
        key = entry.group_key
        fresh, filed = key in self.fresh, key in self.filed
        rule = REGISTRY.get(entry.rule)
        if rule is None:  # a rule retired since: nothing will ever show it again
            return True
        meta = rule.meta
        if entry.platform.is_account:
            return self._account_resolved(entry, meta, today)
        if meta.fixed_by_roster and fresh:
            return True
        if key in self.closed and not fresh and entry.filed:
            return True
        if Source.FILING in meta.judged_on and not self.filings_complete:
            return False
        if Source.DIRECTORY in meta.judged_on and not self.directory_complete:
            return False
        if Source.ROSTER in meta.judged_on and not self.rosters_trusted:
            return False
        if not fresh and not filed:
            since = entry.unseen_since
            gone = since is not None and (today - since).days > self.gone_after_days
            return gone and not entry.filed
        if (entry.rostered and Source.ROSTER in meta.judged_on) and not fresh:
            return False  # the roster it was judged on is missing this run
        if (meta.needs_filing or (entry.filed and Source.FILING in meta.judged_on)) and not filed:
            return False  # the filing it was judged with is missing this run
        if meta.partners_in_evidence and not self._partners_fresh(entry):
            return False
        return fresh or not meta.needs_snapshot

    def _account_resolved(self, entry: LedgerEntry, meta: RuleMeta, today: date) -> bool:
        """A new-media account's finding: every source it is judged on read completely, and
        the account still there (registered or posting: the data shows it fixed, or the
        account closed); an account in neither is gone once unseen for `gone_after_days`."""
        complete = {
            Source.ACCOUNTS: self.accounts_complete,
            Source.POSTS: self.posts_complete,
            Source.DIRECTORY: self.directory_complete,
        }
        if not all(complete.get(source, True) for source in meta.judged_on):
            return False
        if meta.needs_post_date and entry.group_key not in self.dated:
            return False  # no post date now: nothing shows it posting again
        if entry.group_key in self.accounts:
            return True
        since = entry.unseen_since
        return since is not None and (today - since).days > self.gone_after_days

    def _partners_fresh(self, entry: LedgerEntry) -> bool:
        partners = entry.evidence.get("partners") or []
        return all((Platform(p["platform"]), p["group_id"]) in self.fresh for p in partners)


def reconcile(
    previous: Mapping[EntryKey, LedgerEntry],
    findings: Sequence[Finding],
    today: date,
    coverage: Coverage,
) -> list[LedgerChange]:
    """The changes that bring `previous` in line with `findings`, sorted by key.

    An entry not seen this run is resolved only when `coverage` says the run could have
    seen it; otherwise the day it was first not seen is noted once (`unseen_since`)."""
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
        **finding.facts(),
        state=LedgerState.WAIVED if waived else LedgerState.OPEN,
        first_seen=today,
        opened_on=today,
        last_seen=today,
        filed=finding.filed,
        rostered=finding.rostered,
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
    if not entry.same_place(finding) or entry.unseen_since is not None:
        return _change(entry, finding, today, ChangeKind.UPDATED)
    return None


def _unseen(entry: LedgerEntry, today: date, coverage: Coverage) -> LedgerChange | None:
    if entry.state is LedgerState.RESOLVED:
        return None
    if coverage.can_resolve(entry, today):
        update = {"state": LedgerState.RESOLVED, "resolved_on": today, "unseen_since": None}
        kind = ChangeKind.RESOLVED
    elif entry.unseen_since is None:
        update, kind = {"unseen_since": today}, ChangeKind.UNSEEN
    else:
        return None  # still unseen, still not resolvable: nothing to write
    changed = entry.model_copy(update={**update, "version": entry.version + 1})
    return LedgerChange(entry=changed, kind=kind)


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
        "filed": finding.filed,
        "rostered": finding.rostered,
        "last_seen": today,
        "resolved_on": None,
        "unseen_since": None,
        "version": entry.version + 1,
    }
    return LedgerChange(entry=entry.model_copy(update=update), kind=kind)
