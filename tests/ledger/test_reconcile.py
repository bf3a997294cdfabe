"""Reconciling findings with the ledger, week by week."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.core.models import Category, Finding, FindingStatus, GroupKey, Platform, Severity
from chalicelib.ledger.models import ChangeKind, EntryKey, LedgerChange, LedgerEntry, LedgerState
from chalicelib.ledger.reconcile import Coverage, reconcile
from tests.factories import TODAY

WEEK1 = TODAY
WEEK2 = TODAY + timedelta(days=7)
WEEK3 = TODAY + timedelta(days=14)

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


def seen(*group_ids: str) -> Coverage:
    """A run that read a fresh roster and a filing of each of these QQ groups, and every
    filings and directory file."""
    keys: frozenset[GroupKey] = frozenset((Platform.QQ, g) for g in group_ids)
    return Coverage(fresh=keys, filed=keys)


def everything(ledger: Ledger, findings: Sequence[Finding] = ()) -> Coverage:
    """A run that saw every group of the ledger and of its findings."""
    return seen(*{key[1] for key in ledger}, *(f.group_id for f in findings))


def run(
    ledger: Ledger,
    findings: Sequence[Finding],
    today: date,
    coverage: Coverage | None = None,
) -> tuple[Ledger, dict[str, ChangeKind]]:
    """One weekly run: the ledger after applying the changes, and each change by group."""
    coverage = coverage or everything(ledger, findings)
    changes = reconcile(ledger, findings, today, coverage)
    return apply(ledger, changes), {c.entry.group_id: c.kind for c in changes}


def apply(ledger: Ledger, changes: Iterable[LedgerChange]) -> Ledger:
    return {**ledger, **{change.entry.key: change.entry for change in changes}}


def _keys(*group_ids: str) -> frozenset[GroupKey]:
    return frozenset((Platform.QQ, g) for g in group_ids)


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


def test_group_without_a_fresh_roster_resolves_nothing() -> None:
    # GIVEN open roster findings of two filed groups
    ledger, _ = run({}, [make_finding(group_id="a"), make_finding(group_id="b")], WEEK1)

    # WHEN neither is seen, but only a's roster arrived (b is still filed)
    _, kinds = run(ledger, [], WEEK2, Coverage(fresh=_keys("a"), filed=_keys("a", "b")))

    # THEN only a's finding is resolved; b's is noted as unseen, still open
    assert kinds == {"a": ChangeKind.RESOLVED, "b": ChangeKind.UNSEEN}


def test_unfiled_group_whose_export_stops_is_gone_after_roster_max_age_days() -> None:
    # GIVEN an unfiled group's finding, and then weeks in which its export never comes
    ledger, _ = run({}, [make_finding(group_id="lost", rule="unfiled", unit_id=None)], WEEK1)
    nothing = Coverage(fresh=frozenset(), filed=frozenset(), gone_after_days=14)

    # THEN it is noted as unseen, kept open for 14 days, resolved once unseen for longer
    ledger, kinds = run(ledger, [], WEEK2, nothing)
    assert kinds == {"lost": ChangeKind.UNSEEN}
    assert entry(ledger, "lost", "unfiled").unseen_since == WEEK2
    ledger, kinds = run(ledger, [], WEEK3, nothing)
    assert kinds == {}
    ledger, kinds = run(ledger, [], WEEK3 + timedelta(days=7), nothing)
    assert kinds == {}  # 14 days unseen: not yet more than roster_max_age_days
    _, kinds = run(ledger, [], WEEK3 + timedelta(days=14), nothing)
    assert kinds == {"lost": ChangeKind.RESOLVED}


def test_finding_seen_again_after_a_missing_week_clears_unseen_since() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)
    ledger, _ = run(ledger, [], WEEK2, Coverage(fresh=frozenset(), filed=_keys("100001")))

    ledger, kinds = run(ledger, [make_finding()], WEEK3)

    assert kinds == {"100001": ChangeKind.UPDATED}
    assert (entry(ledger, "100001").unseen_since, entry(ledger, "100001").opened_on) == (
        None,
        WEEK1,
    )


NONE: frozenset[GroupKey] = frozenset()
BOTH = _keys("100001")
FILED_AND_ROSTERED = {"filed": True, "rostered": True}


@pytest.mark.parametrize(
    ("rule", "judged_with", "coverage", "resolved"),
    [
        # a filing rule is resolved by the filing, whether a roster came or not
        ("expired", {"filed": True}, Coverage(fresh=NONE, filed=BOTH), True),
        # ... but never when a filings file could not be read
        ("expired", {"filed": True}, Coverage(BOTH, BOTH, filings_complete=False), False),
        # ... nor when the group's filing row is missing (a row error, say)
        ("expired", {"filed": True}, Coverage(fresh=BOTH, filed=NONE), False),
        # a rule judged on persons is not resolved when a directory file was not read
        ("departed_members", FILED_AND_ROSTERED, Coverage(BOTH, BOTH, directory_complete=False), False),
        ("departed_members", FILED_AND_ROSTERED, Coverage(BOTH, BOTH), True),
        # a dissolved group (its filing closed, no roster) resolves what was judged filed
        ("oversized", FILED_AND_ROSTERED, Coverage(NONE, NONE, closed=BOTH), True),
        # ... but an unfiled group whose old filing is closed went on: no news
        ("oversized", {"rostered": True}, Coverage(NONE, NONE, closed=BOTH), False),
        # owner_mismatch needs the filing that it compares with
        ("owner_mismatch", FILED_AND_ROSTERED, Coverage(fresh=BOTH, filed=NONE), False),
        # owner_departed and naming judged on the roster wait for the roster, filing or not
        ("owner_departed", FILED_AND_ROSTERED, Coverage(fresh=NONE, filed=BOTH), False),
        ("naming", FILED_AND_ROSTERED, Coverage(fresh=NONE, filed=BOTH), False),
        ("naming", {"filed": True}, Coverage(fresh=NONE, filed=BOTH), True),
        # a fresh roster shows roster_missing fixed, even when the filing was closed
        ("roster_missing", {"filed": True}, Coverage(BOTH, NONE, closed=BOTH), True),
    ],
)  # fmt: skip
def test_a_finding_is_resolved_only_by_data_that_could_show_it(
    rule: str, judged_with: dict[str, bool], coverage: Coverage, resolved: bool
) -> None:
    ledger = _ledger_after_week1(rule, **judged_with)

    (change,) = reconcile(ledger, [], WEEK2, coverage)

    assert change.kind is (ChangeKind.RESOLVED if resolved else ChangeKind.UNSEEN)


def test_replay_on_the_same_day_changes_nothing() -> None:
    # GIVEN a week whose changes touch every kind of transition, applied
    names = ("updated", "waived", "resolved", "lapsed", "back")
    ledger, _ = run({}, [make_finding(group_id=name) for name in (*names, "unseen")], WEEK1)
    week2 = [make_finding(group_id=name) for name in (*names[:3], "unseen")]
    week2.append(make_finding(group_id="lapsed", status=FindingStatus.WAIVED))
    ledger, _ = run(ledger, week2, WEEK2)  # "back" is resolved
    findings = [
        make_finding(group_id="updated", unit_id="U02"),
        make_finding(group_id="waived", status=FindingStatus.WAIVED),
        make_finding(group_id="lapsed"),
        make_finding(group_id="back"),
        make_finding(group_id="new"),
    ]
    week3 = seen(*names, "new")  # "unseen": its roster did not come, it stays filed
    week3 = Coverage(week3.fresh, week3.filed | _keys("unseen"))
    ledger, kinds = run(ledger, findings, WEEK3, week3)
    assert set(kinds.values()) == set(ChangeKind)

    # WHEN the same run is replayed on the same day
    changes = reconcile(ledger, findings, WEEK3, week3)

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

    assert reconcile(ledger, [], WEEK3, everything(ledger)) == []


def test_each_change_increments_the_version() -> None:
    ledger, _ = run({}, [make_finding()], WEEK1)
    ledger, _ = run(ledger, [], WEEK2)
    ledger, _ = run(ledger, [make_finding()], WEEK3)

    changes = reconcile(ledger, [], WEEK3 + timedelta(days=7), everything(ledger))

    assert [(c.entry.version, c.expected_version) for c in changes] == [(4, 3)]


def test_changes_are_sorted_by_key() -> None:
    findings = [make_finding(group_id=g, rule=r) for g, r in [("b", "x"), ("a", "z"), ("a", "y")]]

    changes = reconcile({}, findings, WEEK1, everything({}, findings))

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
    assert reconcile(ledger, [finding], WEEK2, everything(ledger)) == []


def test_two_findings_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="same ledger key"):
        reconcile({}, [make_finding(), make_finding()], WEEK1, seen())


def test_a_duplicate_waits_for_its_partner_groups_rosters() -> None:
    # GIVEN two groups flagged as duplicates of each other
    partners = {"partners": [{"platform": "qq", "group_id": "200002", "overlap": 0.9}]}
    finding = make_finding(rule="duplicate", evidence=partners).model_copy(
        update=FILED_AND_ROSTERED
    )
    ledger, _ = run({}, [finding], WEEK1)

    # WHEN the group's roster comes but its partner's does not, and then both come
    waiting = reconcile(ledger, [], WEEK2, Coverage(BOTH, BOTH))
    fixed = reconcile(ledger, [], WEEK2, Coverage(_keys("100001", "200002"), BOTH))

    # THEN only the second run can tell that they no longer overlap
    assert [c.kind for c in waiting + fixed] == [ChangeKind.UNSEEN, ChangeKind.RESOLVED]


def test_a_finding_judged_with_a_filing_waits_for_that_filing() -> None:
    # GIVEN an inactive group that was filed when the finding was recorded
    finding = make_finding(rule="inactive").model_copy(update={"filed": True})
    ledger, _ = run({}, [finding], WEEK1)

    # WHEN its roster comes but the filings file that held its filing did not
    _, kinds = run(ledger, [], WEEK2, Coverage(fresh=_keys("100001"), filed=frozenset()))

    # THEN nothing is resolved: the data it was judged on is incomplete
    assert kinds == {"100001": ChangeKind.UNSEEN}


def _ledger_after_week1(rule: str, **judged_with: bool) -> dict[EntryKey, LedgerEntry]:
    finding = make_finding(rule=rule).model_copy(update=judged_with)
    (change,) = reconcile({}, [finding], WEEK1, seen("100001"))
    return {change.entry.key: change.entry}


def test_weeks_open_counts_iso_weeks_whatever_day_it_opened() -> None:
    # GIVEN a finding opened by a run on the Wednesday of week 1 (a run by hand)
    wednesday = WEEK1 + timedelta(days=2)
    ledger, _ = run({}, [make_finding(group_id="g-late")], wednesday)
    late = entry(ledger, "g-late")
    # WHEN the scheduled Mondays of weeks 2 and 3 see it still open
    # THEN it is two, then three weeks open, and week 3 copies the unit head
    assert (late.weeks_open(wednesday), late.weeks_open(WEEK1 + timedelta(days=6))) == (1, 1)
    assert (late.weeks_open(WEEK2), late.weeks_open(WEEK3)) == (2, 3)
    assert late.escalation_level(WEEK3) == 1
