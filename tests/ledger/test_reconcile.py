"""Reconciling findings with the ledger, week by week."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.ledger.models import ChangeKind, LedgerChange, LedgerEntry, LedgerState
from chalicelib.ledger.reconcile import Coverage, EntryKey, reconcile, units_with_rosters
from chalicelib.models import Category, Finding, FindingStatus, Platform, Severity
from tests.factories import TODAY, make_filing, make_group, make_snapshot, make_unit

WEEK1 = TODAY
WEEK2 = TODAY + timedelta(days=7)
WEEK3 = TODAY + timedelta(days=14)
ALL_UNITS: set[str | None] = {"U01", "U02", None}

Ledger = dict[EntryKey, LedgerEntry]


def make_finding(
    rule: str = "oversized",
    group_id: str = "100001",
    unit_id: str | None = "U01",
    message: str = "群成员 520 人,超过上限 500 人。",
    status: FindingStatus = FindingStatus.OPEN,
    evidence: dict[str, Any] | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        title="超规模",
        severity=Severity.MEDIUM,
        platform=Platform.QQ,
        group_id=group_id,
        group_name="信息工程学院教职工工作群",
        unit_id=unit_id,
        category=Category.WORK,
        message=message,
        evidence={"member_count": 520} if evidence is None else evidence,
        clause="管理办法 第五条(四)",
        remedy="请清理不再需要的成员。",
        status=status,
    )


def run(
    ledger: Ledger,
    findings: Sequence[Finding],
    today: date,
    complete_units: set[str | None] = ALL_UNITS,
) -> tuple[Ledger, dict[str, ChangeKind]]:
    """One weekly run: the ledger after applying the changes, and each change by group."""
    changes = reconcile(ledger, findings, today, Coverage(frozenset(complete_units)))
    return apply(ledger, changes), {c.entry.group_id: c.kind for c in changes}


def apply(ledger: Ledger, changes: Iterable[LedgerChange]) -> Ledger:
    return {**ledger, **{change.entry.key: change.entry for change in changes}}


def entry(ledger: Ledger, group_id: str, rule: str = "oversized") -> LedgerEntry:
    return ledger[(Platform.QQ, group_id, rule)]


def test_lifecycle_over_three_weeks() -> None:
    # GIVEN week 1: two open findings and a waived one
    still = make_finding(group_id="g-still")
    fixed = make_finding(group_id="g-fixed", rule="unfiled")
    lapsing = make_finding(group_id="g-waived", status=FindingStatus.WAIVED)
    ledger, kinds = run({}, [still, fixed, lapsing], WEEK1)
    assert kinds == {
        "g-still": ChangeKind.CREATED,
        "g-fixed": ChangeKind.CREATED,
        "g-waived": ChangeKind.CREATED,
    }
    assert entry(ledger, "g-waived").state is LedgerState.WAIVED
    assert entry(ledger, "g-still").weeks_open(WEEK1) == 1

    # WHEN week 2: one is fixed, the waiver lapsed, a new problem appears
    lapsed = lapsing.model_copy(update={"status": FindingStatus.OPEN})
    new = make_finding(group_id="g-new")
    ledger, kinds = run(ledger, [still, lapsed, new], WEEK2)

    # THEN the unchanged one costs no write and is two weeks open
    assert kinds == {
        "g-fixed": ChangeKind.RESOLVED,
        "g-waived": ChangeKind.UNWAIVED,
        "g-new": ChangeKind.CREATED,
    }
    assert entry(ledger, "g-still").weeks_open(WEEK2) == 2
    resolved = entry(ledger, "g-fixed", "unfiled")
    assert (resolved.state, resolved.resolved_on, resolved.last_seen) == (
        LedgerState.RESOLVED,
        WEEK2,
        WEEK1,
    )
    assert resolved.weeks_open(WEEK2) == 0
    unwaived = entry(ledger, "g-waived")
    assert (unwaived.state, unwaived.opened_on, unwaived.first_seen) == (
        LedgerState.OPEN,
        WEEK2,
        WEEK1,
    )

    # WHEN week 3: the fixed problem is back and the new one moved to another unit
    changed = new.model_copy(
        update={"message": "群成员 530 人,超过上限 500 人。", "unit_id": "U02"}
    )
    ledger, kinds = run(ledger, [still, fixed, lapsed, changed], WEEK3)

    # THEN it is reopened, the other updated, and the oldest escalates to the unit head
    assert kinds == {"g-fixed": ChangeKind.REOPENED, "g-new": ChangeKind.UPDATED}
    reopened = entry(ledger, "g-fixed", "unfiled")
    assert (reopened.state, reopened.opened_on, reopened.resolved_on, reopened.version) == (
        LedgerState.REOPENED,
        WEEK3,
        None,
        3,
    )
    assert reopened.weeks_open(WEEK3) == 1
    assert (entry(ledger, "g-new").message, entry(ledger, "g-new").unit_id) == (
        changed.message,
        "U02",
    )
    assert entry(ledger, "g-new").last_seen == WEEK3
    oldest = entry(ledger, "g-still")
    assert (oldest.weeks_open(WEEK3), oldest.escalation_level(WEEK3), oldest.version) == (3, 1, 1)


def test_unit_without_rosters_resolves_nothing() -> None:
    # GIVEN open findings in two units
    findings = [
        make_finding(group_id="a", unit_id="U01"),
        make_finding(group_id="b", unit_id="U02"),
    ]
    ledger, _ = run({}, findings, WEEK1)

    # WHEN neither is seen, but only U01's rosters arrived
    _, kinds = run(ledger, [], WEEK2, complete_units={"U01"})

    # THEN only U01's finding is resolved
    assert kinds == {"a": ChangeKind.RESOLVED}


def test_unroutable_findings_resolve_when_unitless_groups_were_scanned() -> None:
    ledger, _ = run({}, [make_finding(group_id="lost", unit_id=None)], WEEK1)

    assert run(ledger, [], WEEK2, complete_units={"U01"})[1] == {}
    assert run(ledger, [], WEEK2, complete_units={None})[1] == {"lost": ChangeKind.RESOLVED}


def test_replay_on_the_same_day_changes_nothing() -> None:
    # GIVEN a week whose changes touch every kind of transition, applied
    names = ("updated", "waived", "resolved", "lapsed", "back")
    ledger, _ = run({}, [make_finding(group_id=name) for name in names], WEEK1)
    week2 = [make_finding(group_id=name) for name in names[:3]]
    week2.append(make_finding(group_id="lapsed", status=FindingStatus.WAIVED))
    ledger, _ = run(ledger, week2, WEEK2)  # "back" is resolved
    findings = [
        make_finding(group_id="updated", unit_id="U02"),
        make_finding(group_id="waived", status=FindingStatus.WAIVED),
        make_finding(group_id="lapsed"),
        make_finding(group_id="back"),
        make_finding(group_id="new"),
    ]
    ledger, kinds = run(ledger, findings, WEEK3)
    assert set(kinds.values()) == set(ChangeKind)

    # WHEN the same run is replayed on the same day
    changes = reconcile(ledger, findings, WEEK3, Coverage(frozenset(ALL_UNITS)))

    # THEN nothing is written
    assert changes == []


def test_open_finding_newly_waived_is_waived_and_stops_counting_weeks() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)

    ledger, kinds = run(ledger, [make_finding(status=FindingStatus.WAIVED)], WEEK2)

    assert kinds == {"100001": ChangeKind.WAIVED}
    waived = entry(ledger, "100001")
    assert (waived.state, waived.weeks_open(WEEK2), waived.opened_on) == (
        LedgerState.WAIVED,
        0,
        WEEK1,
    )


def test_new_message_or_evidence_alone_costs_no_write() -> None:
    # GIVEN an open and a waived finding
    ledger, _ = run(
        {}, [make_finding(), make_finding(group_id="w", status=FindingStatus.WAIVED)], WEEK1
    )

    # WHEN next week their counts (and so messages and evidence) have changed
    grown = [
        make_finding(message="群成员 600 人,超过上限 500 人。", evidence={"member_count": 600}),
        make_finding(group_id="w", status=FindingStatus.WAIVED, evidence={"member_count": 600}),
    ]
    _, kinds = run(ledger, grown, WEEK2)

    # THEN nothing is written: weeks open are derived, digests show this week's findings
    assert kinds == {}


def test_resolved_finding_back_under_a_waiver_is_waived() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)
    ledger, _ = run(ledger, [], WEEK2)

    ledger, kinds = run(ledger, [make_finding(status=FindingStatus.WAIVED)], WEEK3)

    assert kinds == {"100001": ChangeKind.WAIVED}
    assert entry(ledger, "100001").resolved_on is None


def test_resolved_entry_not_seen_again_stays_unchanged() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)
    ledger, _ = run(ledger, [], WEEK2)

    assert reconcile(ledger, [], WEEK3, Coverage(frozenset(ALL_UNITS))) == []


def test_each_change_increments_the_version() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)
    ledger, _ = run(ledger, [], WEEK2)
    ledger, _ = run(ledger, [make_finding()], WEEK3)

    changes = reconcile(ledger, [], WEEK3 + timedelta(days=7), Coverage(frozenset(ALL_UNITS)))

    assert [(c.entry.version, c.expected_version) for c in changes] == [(4, 3)]


def test_changes_are_sorted_by_key() -> None:
    findings = [make_finding(group_id=g, rule=r) for g, r in [("b", "x"), ("a", "z"), ("a", "y")]]

    changes = reconcile({}, findings, WEEK1, Coverage(frozenset(ALL_UNITS)))

    assert [c.entry.key for c in changes] == [
        (Platform.QQ, "a", "y"),
        (Platform.QQ, "a", "z"),
        (Platform.QQ, "b", "x"),
    ]


def test_evidence_compares_in_its_stored_json_form() -> None:
    # GIVEN evidence with a tuple and a date, as a rule might build it
    finding = make_finding(evidence={"sample": ("a", "b"), "since": date(2026, 1, 5)})
    ledger, _ = run({}, [finding], WEEK1)

    # THEN the entry holds its JSON form and the same finding next week costs no write
    assert entry(ledger, "100001").evidence == {"sample": ["a", "b"], "since": "2026-01-05"}
    assert reconcile(ledger, [finding], WEEK2, Coverage(frozenset(ALL_UNITS))) == []


def test_two_findings_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="same ledger key"):
        reconcile({}, [make_finding(), make_finding()], WEEK1, Coverage(frozenset(ALL_UNITS)))


def test_units_with_rosters_counts_groups_with_a_snapshot() -> None:
    groups = [
        make_group(make_filing(group_id="1", unit_id="U01"), make_snapshot("1"), make_unit("U01")),
        make_group(make_filing(group_id="2", unit_id="U02"), None, make_unit("U02")),
        make_group(None, make_snapshot("3"), None),
    ]

    assert units_with_rosters(groups) == {"U01", None}


def test_a_group_whose_own_roster_is_missing_keeps_its_roster_findings_open() -> None:
    # GIVEN an open oversized finding for a group that is still filed, and a unit whose
    # other groups sent rosters this week
    ledger = _ledger_after_week1("oversized")
    entry = next(iter(ledger.values()))
    without_roster = Coverage(
        units_with_rosters=frozenset({entry.unit_id}),
        groups_present=frozenset({entry.group_key}),
    )
    with_roster = Coverage(
        units_with_rosters=frozenset({entry.unit_id}),
        groups_present=frozenset({entry.group_key}),
        groups_with_roster=frozenset({entry.group_key}),
    )
    gone = Coverage(units_with_rosters=frozenset({entry.unit_id}))

    # WHEN the finding is not seen THEN only the group's own roster (or its being gone) resolves it
    assert reconcile(ledger, [], WEEK2, without_roster) == []
    assert [c.kind for c in reconcile(ledger, [], WEEK2, with_roster)] == [ChangeKind.RESOLVED]
    assert [c.kind for c in reconcile(ledger, [], WEEK2, gone)] == [ChangeKind.RESOLVED]


def _ledger_after_week1(rule: str) -> dict[EntryKey, LedgerEntry]:
    (change,) = reconcile({}, [make_finding(rule=rule)], WEEK1, Coverage(frozenset(ALL_UNITS)))
    return {change.entry.key: change.entry}
