"""Rollup figures come from the ledger, scoped to each office's categories."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from chalicelib.core.dates import SHANGHAI, iso_period
from chalicelib.core.layout import report_prefix
from chalicelib.core.models import Category, FilingStatus, Office, Platform, RollupKind, Severity
from chalicelib.ledger.actions import ActionKind, Decision, UnitAction
from chalicelib.ledger.models import LedgerEntry, LedgerState, RunRecord
from chalicelib.notify.digests.models import Unroutable
from chalicelib.notify.rollups.build import build_rollup, period_start, rollup_period
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.rollups.models import InventoryRow

TODAY = date(2026, 11, 30)  # a Monday
ALL = Office(office="党委工作部", email="dwgzb@example.edu.cn", scope=None)
STUDENT_AFFAIRS = Office(office="学生处", email="xsc@example.edu.cn", scope=(Category.CLASS,))
LEAGUE = Office(office="校团委", email="tw@example.edu.cn", scope=(Category.LEAGUE, Category.CLUB))


def entry(
    group_id: str,
    rule: str = "oversized",
    *,
    category: Category | None = Category.CLASS,
    state: LedgerState = LedgerState.OPEN,
    opened_weeks_ago: int = 0,
    unit_id: str | None = "U10",
    severity: Severity = Severity.MEDIUM,
    resolved_on: date | None = None,
) -> LedgerEntry:
    opened = TODAY - timedelta(weeks=opened_weeks_ago)
    return LedgerEntry(
        platform=Platform.QQ,
        group_id=group_id,
        rule=rule,
        state=state,
        unit_id=unit_id,
        category=category,
        severity=severity,
        title="超规模",
        group_name=f"群{group_id}",
        message="群成员 163 人,超过上限 150 人。",
        evidence={},
        clause="管理办法 第五条(四)",
        remedy="请移出无关成员。",
        first_seen=opened,
        opened_on=opened,
        last_seen=TODAY,
        resolved_on=resolved_on,
        version=1,
    )


def row(group_id: str, category: Category | None, filed: bool = True) -> InventoryRow:
    return InventoryRow(
        unit_id="U10", unit_name="机电工程学院", group_name=f"群{group_id}", platform=Platform.QQ,
        group_id=group_id, category=category, purpose="", owner="", members=30, responsible="",
        filed_on=TODAY if filed else None, filing_status=FilingStatus.FILED if filed else None,
    )  # fmt: skip


INVENTORY = GroupInventory(
    period=iso_period(TODAY),
    units=(("U10", "机电工程学院"), ("U11", "经济管理学院")),
    rows=(
        row("c1", Category.CLASS),
        row("c2", Category.CLASS, filed=False),
        row("l1", Category.LEAGUE),
        row("w1", Category.WORK),
        row("u1", None, filed=False),
    ),
    unroutable=(
        Unroutable(
            platform=Platform.QQ,
            group_id="u1",
            group_name=None,
            unit_id=None,
            rule="unfiled",
            reason="群未备案且无法判断所属单位",
        ),
    ),
)
ENTRIES = [
    entry("c1", opened_weeks_ago=6, severity=Severity.HIGH),
    entry("c1", "naming", severity=Severity.LOW),
    entry("c2", state=LedgerState.WAIVED),
    entry("l1", category=Category.LEAGUE, opened_weeks_ago=2),
    entry("w1", category=Category.WORK, unit_id="U11"),
    entry("u1", "unfiled", category=None, unit_id=None, severity=Severity.HIGH),
    entry("gone", state=LedgerState.RESOLVED, resolved_on=TODAY, opened_weeks_ago=3),
]


def run(weeks_ago: int, counts: dict[str, dict[str, int]]) -> RunRecord:
    day = TODAY - timedelta(weeks=weeks_ago)
    return RunRecord(
        period=iso_period(day), run_on=day, groups=5, findings=6, ledger_writes=3, changes={},
        open_counts=counts,
    )  # fmt: skip


def test_party_office_sees_every_group_and_the_unroutable_and_failed() -> None:
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, ENTRIES, [], INVENTORY, failed_digests=2)

    assert (rollup.groups_known, rollup.groups_filed) == (5, 3)
    assert rollup.open_by_severity == {"high": 2, "medium": 2, "low": 1}
    assert (rollup.unroutable, rollup.failed_digests) == (1, 2)
    assert len(rollup.items) == 6  # open and waived, not resolved
    assert rollup.matrix == {
        "U10": {"oversized": 2, "naming": 1},
        "U11": {"oversized": 1},
        "": {"unfiled": 1},
    }
    assert rollup.units[-1] == ("", "未归属")


def test_student_affairs_sees_only_class_groups() -> None:
    rollup = build_rollup(
        RollupKind.WEEK, TODAY, STUDENT_AFFAIRS, ENTRIES, [], INVENTORY, failed_digests=2
    )

    assert {i.group_id for i in rollup.items} == {"c1", "c2"}
    assert {r.group_id for r in rollup.inventory} == {"c1", "c2"}
    assert (rollup.groups_known, rollup.groups_filed) == (2, 1)
    assert (rollup.unroutable, rollup.failed_digests) == (0, 0)  # not theirs to act on
    assert rollup.matrix == {"U10": {"oversized": 1, "naming": 1}}


def test_youth_league_sees_league_and_club_groups() -> None:
    rollup = build_rollup(RollupKind.WEEK, TODAY, LEAGUE, ENTRIES, [], INVENTORY, failed_digests=0)

    assert [i.group_id for i in rollup.items] == ["l1"]
    assert [r.group_id for r in rollup.inventory] == ["l1"]


def test_overdue_new_and_fixed_count_from_the_ledger_dates() -> None:
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, ENTRIES, [], INVENTORY, failed_digests=0)

    assert [(i.group_id, i.weeks_open) for i in rollup.overdue_items] == [("c1", 7)]
    assert rollup.overdue == 1
    assert rollup.new_since_last == 3  # opened this week and still active: c1 naming, w1, u1
    assert rollup.fixed_since_last == 1


def test_trend_lists_the_last_twelve_runs_in_scope() -> None:
    runs = [
        run(w, {"class": {"high": w}, "league": {"low": 1}, "": {"high": 1}}) for w in range(14)
    ]

    everything = build_rollup(RollupKind.WEEK, TODAY, ALL, ENTRIES, runs, INVENTORY, 0).trend
    classes = build_rollup(
        RollupKind.WEEK, TODAY, STUDENT_AFFAIRS, ENTRIES, runs, INVENTORY, 0
    ).trend

    assert len(everything) == 12 and everything[-1].period == iso_period(TODAY)
    assert [p.total for p in everything] == [w + 2 for w in range(11, -1, -1)]
    assert [p.open_by_severity["high"] for p in classes] == list(range(11, -1, -1))
    assert all(p.open_by_severity["low"] == 0 for p in classes)


def test_periods_and_archive_folders() -> None:
    assert (rollup_period(RollupKind.WEEK, TODAY), report_prefix(RollupKind.WEEK, TODAY)) == (
        "2026-W49",
        "reports/2026/W49/",
    )
    assert (rollup_period(RollupKind.MONTH, TODAY), report_prefix(RollupKind.MONTH, TODAY)) == (
        "2026-11",
        "reports/2026/M11/",
    )
    assert period_start(RollupKind.WEEK, TODAY) == date(2026, 11, 24)
    # a month: from the day after the previous monthly rollup (first Monday of March)
    assert period_start(RollupKind.MONTH, date(2026, 3, 31)) == date(2026, 3, 3)


def action(at: datetime, reason: str) -> UnitAction:
    return UnitAction(
        platform=Platform.QQ, group_id="c1", group_name="群c1", unit_id="U10", rule="oversized",
        action_id=reason, category=Category.CLASS, title="超规模", kind=ActionKind.DISPUTE,
        by="bzr@example.edu.cn", at=at, period=iso_period(at.astimezone(SHANGHAI).date()),
        reason=reason, decision=Decision.PENDING,
    )  # fmt: skip


def test_feedback_lists_every_answer_since_last_weeks_rollup_in_shanghai_time() -> None:
    # GIVEN answers around last Monday's rollup (10:00 Shanghai), stored in UTC as the portal does
    last_monday = TODAY - timedelta(weeks=1)
    actions = [
        action(datetime.combine(last_monday, time(9, 0), SHANGHAI).astimezone(UTC), "早于上周汇总"),
        action(
            datetime.combine(last_monday, time(11, 0), SHANGHAI).astimezone(UTC), "上周一汇总后"
        ),
        action(datetime(2026, 11, 23, 19, 0, tzinfo=UTC), "周二凌晨"),  # Tue 03:00 Shanghai
        action(datetime.combine(TODAY, time(9, 0), SHANGHAI).astimezone(UTC), "本周一上午"),
    ]

    # WHEN this Monday's weekly rollup is built
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, ENTRIES, [], INVENTORY, 0, actions=actions)

    # THEN each answer made since last week's rollup is listed, the earlier one is not
    assert [row.reason for row in rollup.feedback] == ["上周一汇总后", "周二凌晨", "本周一上午"]


def test_findings_of_a_unit_no_longer_listed_stay_in_the_summary_under_its_id() -> None:
    # GIVEN an open finding of a unit since removed from units.csv (say, merged into another)
    entries = [*ENTRIES, entry("m1", unit_id="U99")]

    # WHEN the rollup is built
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, entries, [], INVENTORY, 0)

    # THEN the units x rules summary still counts it, on a row named by the unit's id
    listed = {unit_id for unit_id, _ in rollup.units}
    assert sum(sum(rollup.matrix.get(u, {}).values()) for u in listed) == sum(
        rollup.open_by_severity.values()
    )
    assert ("U99", "U99") in rollup.units and rollup.units[-1] == ("", "未归属")
    assert next(i.unit_name for i in rollup.items if i.group_id == "m1") == "U99"


def test_monthly_rollups_on_first_mondays_count_each_day_once() -> None:
    # GIVEN the monthly rollup's runs: the first Monday of each month (app.py, MON#1)
    firsts = [date(2026, m, 1) for m in range(1, 13)] + [date(2027, 1, 1)]
    runs = [d + timedelta(days=(7 - d.weekday()) % 7) for d in firsts]

    # WHEN each reports on the days from its period_start to its own day
    windows = [(period_start(RollupKind.MONTH, day), day) for day in runs[1:]]

    # THEN every day after the first run is in exactly one monthly rollup: a weekly run's
    # new and fixed findings are never counted in two months, nor in none
    day = runs[0] + timedelta(days=1)
    while day <= runs[-1]:
        assert sum(start <= day <= end for start, end in windows) == 1, day
        day += timedelta(days=1)
