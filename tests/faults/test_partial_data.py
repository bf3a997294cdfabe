"""Fault injection, partial data: one missing upload never resolves a finding, for every
rule family (roster rules, filing rules, unfiled groups, rules judged on persons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import LedgerEntry, LedgerState
from tests.faults.college import DAY, SETTINGS, College, roster

WEEK = timedelta(days=7)
CLASS_GROUP = "400004"  # an unfiled class group, only in a shared workbook


def college(day: date = DAY, *, missing: str | None = None) -> College:
    """The college as exported on `day`, with its shared class-group export, less one file."""
    made = College()
    for path, text in list(made.files.items()):
        if path.startswith("rosters/") and isinstance(text, str):
            made.files[path] = text.replace(f"{DAY} 07:30", f"{day} 07:30")
    members = [str(10002 + i) for i in range(6)]
    made.files["rosters/qq/班级群导出.csv"] = roster(
        CLASS_GROUP, members, name="计算机学院21级1班", exported=day
    )
    if missing is not None:
        del made.files[missing]
    return made


@dataclass
class Week:
    entries: dict[tuple[str, str], LedgerEntry]  # the ledger after the run, by (group, rule)
    fixed: list[str]  # what the digests list under "fixed since last week"


def run(aws: Clients, root: Path, day: date, made: College) -> Week:
    """One weekly run (the digests stay queued)."""
    made.upload(aws, root)
    _, plan, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, day)
    entries = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries()
    return Week(
        {(group_id, rule): entry for (_, group_id, rule), entry in entries.items()},
        [f"{item.group_id}/{item.rule}" for digest in plan.digests for item in digest.fixed],
    )


def test_a_missing_roster_upload_resolves_none_of_its_groups_roster_findings(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN week 1: 200002 has an unidentified member
    run(aws, tmp_path, DAY, college())
    # WHEN its roster is not uploaded in week 2
    week2 = run(aws, tmp_path, DAY + WEEK, college(DAY + WEEK, missing="rosters/qq/200002.csv"))

    # THEN the finding stays open (noted unseen), and roster_missing says why
    entry = week2.entries[("200002", "unidentified_members")]
    assert (entry.state, entry.unseen_since) == (LedgerState.OPEN, DAY + WEEK)
    assert week2.entries[("200002", "roster_missing")].state is LedgerState.OPEN
    assert week2.fixed == []


def test_a_missing_filings_upload_resolves_no_filing_rule(aws: Clients, tmp_path: Path) -> None:
    # GIVEN week 1: 300003's temporary filing ended in October (expired)
    run(aws, tmp_path, DAY, college())
    # WHEN the filings file is not uploaded in week 2 (every group looks unfiled)
    week2 = run(aws, tmp_path, DAY + WEEK, college(DAY + WEEK, missing="filings/filings.csv"))

    # THEN expired and the member findings of filed groups stay open
    for key in [("300003", "expired"), ("100001", "departed_members")]:
        assert week2.entries[key].state is LedgerState.OPEN, key
    assert week2.fixed == []


def test_a_rejected_filings_upload_resolves_nothing_at_all(aws: Clients, tmp_path: Path) -> None:
    run(aws, tmp_path, DAY, college())
    broken = college(DAY + WEEK)
    broken.files["filings/filings.csv"] = b"\x00\x01 not a table \x00" * 100

    week2 = run(aws, tmp_path, DAY + WEEK, broken)

    assert all(e.state is not LedgerState.RESOLVED for e in week2.entries.values())
    assert week2.fixed == []


def test_a_missing_shared_class_workbook_keeps_its_unfiled_group_open_until_it_is_gone(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: when a shared class-group workbook was missing for one week, an unfiled
    # group from it was resolved and mailed as "fixed".
    week1 = run(aws, tmp_path, DAY, college())
    assert week1.entries[(CLASS_GROUP, "unfiled")].state is LedgerState.OPEN

    # WHEN the workbook is missing in week 2, and back in week 3
    missing = "rosters/qq/班级群导出.csv"
    week2 = run(aws, tmp_path, DAY + WEEK, college(DAY + WEEK, missing=missing))
    week3 = run(aws, tmp_path, DAY + 2 * WEEK, college(DAY + 2 * WEEK))

    # THEN it is never resolved: noted unseen in week 2, seen again in week 3
    missed, back = week2.entries[(CLASS_GROUP, "unfiled")], week3.entries[(CLASS_GROUP, "unfiled")]
    assert (missed.state, missed.unseen_since, week2.fixed) == (LedgerState.OPEN, DAY + WEEK, [])
    assert (back.state, back.unseen_since, back.opened_on) == (LedgerState.OPEN, None, DAY)


def test_an_unfiled_group_whose_export_stops_for_good_is_resolved_after_roster_max_age_days(
    aws: Clients, tmp_path: Path
) -> None:
    run(aws, tmp_path, DAY, college())
    missing = "rosters/qq/班级群导出.csv"
    states = []
    for week in (1, 2, 3, 4):
        day = DAY + week * WEEK
        entries = run(aws, tmp_path, day, college(day, missing=missing)).entries
        states.append(entries[(CLASS_GROUP, "unfiled")].state)

    # no snapshot from week 2 on: 0, 7 and 14 days keep it; 21 days (> 14) resolve it
    open_, resolved = LedgerState.OPEN, LedgerState.RESOLVED
    assert states == [open_, open_, open_, resolved]


@pytest.mark.parametrize("fault", ["rejected", "missing"])
def test_a_directory_upload_rejected_or_missing_resolves_no_rule_judged_on_persons(
    aws: Clients, tmp_path: Path, fault: str
) -> None:
    # GIVEN week 1: a departed member in 100001, an unknown one in 200002
    run(aws, tmp_path, DAY, college())
    # WHEN the staff directory is rejected in week 2, or not uploaded at all
    if fault == "missing":
        broken = college(DAY + WEEK, missing="directory/staff.csv")
    else:
        broken = college(DAY + WEEK)
        broken.files["directory/staff.csv"] = "姓名,备注\n张三,没有工号列\n"
    week2 = run(aws, tmp_path, DAY + WEEK, broken)

    # THEN the departed member finding is not resolved (it would be mailed as fixed)
    assert week2.entries[("100001", "departed_members")].state is LedgerState.OPEN
    assert week2.fixed == []
