"""The ledger's contract, held by both implementations: the in-memory one the domain and
flow tests use and the DynamoDB one on moto (tests/aws/test_ledger.py has what only the
table does)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.core.dates import iso_period
from chalicelib.core.models import FindingStatus, Platform
from chalicelib.ledger.memory import InMemoryLedger
from chalicelib.ledger.models import ChangeKind, LedgerChange, RunRecord
from chalicelib.ledger.reconcile import reconcile
from chalicelib.ledger.store import Ledger, LedgerConflict
from tests.aws.test_ledger import dynamo_ledger
from tests.factories import TODAY
from tests.ledger.test_reconcile import everything, make_finding

WEEK2 = TODAY + timedelta(days=7)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    if request.param == "memory":
        yield InMemoryLedger()
    else:
        with dynamo_ledger(monkeypatch) as ledger:
            yield ledger


def created(*group_ids: str) -> list[LedgerChange]:
    findings = [make_finding(group_id=g) for g in group_ids]
    return reconcile({}, findings, TODAY, everything({}, findings))


def run_record(day: object = TODAY, **fields: object) -> RunRecord:
    values: dict[str, object] = {
        "period": iso_period(TODAY),
        "run_on": TODAY,
        "groups": 3,
        "findings": 3,
        "ledger_writes": 0,
        "changes": {},
    }
    return RunRecord.model_validate(values | fields)


def test_entries_round_trip_with_chinese_text_and_float_evidence(store: Ledger) -> None:
    # GIVEN an entry with Chinese text and evidence holding floats, nulls and nesting
    evidence = {
        "duplicate_overlap": 0.8,
        "partners": [{"group_id": "200002", "overlap": 0.913}],
        "owner": None,
        "ratio": 1e-7,
        "名单": ["张*", "李*"],
    }
    finding = make_finding(message="与同单位的群 200002 成员重合度为 91.3%。", evidence=evidence)
    changes = reconcile({}, [finding], TODAY, everything({}, [finding]))

    # WHEN it is written and read back
    store.apply(changes)
    entries = store.entries()

    # THEN it is the same entry, and the same finding next week costs no write
    assert entries == {changes[0].entry.key: changes[0].entry}
    assert reconcile(entries, [finding], WEEK2, everything(entries)) == []


def test_second_apply_of_the_same_changes_raises_conflict(store: Ledger) -> None:
    changes = created("100001")
    store.apply(changes)

    with pytest.raises(LedgerConflict, match="qq/100001/oversized") as raised:
        store.apply(changes)

    assert raised.value.key == (Platform.QQ, "100001", "oversized")


def test_replayed_update_raises_conflict(store: Ledger) -> None:
    store.apply(created("100001"))
    waived = [make_finding(status=FindingStatus.WAIVED)]
    changes = reconcile(store.entries(), waived, WEEK2, everything(store.entries()))
    store.apply(changes)

    with pytest.raises(LedgerConflict, match="expected version 1"):
        store.apply(changes)


def test_of_two_overlapping_runs_exactly_one_wins(store: Ledger) -> None:
    # GIVEN two runs that both read the entry at version 1
    store.apply(created("100001"))
    first = reconcile(store.entries(), [], WEEK2, everything(store.entries()))
    second = reconcile(
        store.entries(), [make_finding(unit_id="U02")], WEEK2, everything(store.entries())
    )
    assert [c.kind for c in first + second] == [ChangeKind.RESOLVED, ChangeKind.UPDATED]

    # WHEN both write
    store.apply(first)
    with pytest.raises(LedgerConflict):
        store.apply(second)

    # THEN the first run's entry stands
    assert list(store.entries().values()) == [first[0].entry]


def test_overlapping_first_sightings_create_once(store: Ledger) -> None:
    store.apply(created("100001"))

    with pytest.raises(LedgerConflict, match="expected absent"):
        store.apply(created("100001"))


def test_conflict_stops_at_the_first_and_keeps_earlier_writes(store: Ledger) -> None:
    store.apply(created("b"))

    with pytest.raises(LedgerConflict):
        store.apply(created("a", "b", "c"))

    assert sorted(key[1] for key in store.entries()) == ["a", "b"]


def test_runs_are_listed_oldest_first_and_read_one_by_one(store: Ledger) -> None:
    for day in (WEEK2, TODAY):
        store.put_run(run_record(period=iso_period(day), run_on=day, groups=3000, findings=812))

    assert [run.period for run in store.runs()] == ["2026-W37", "2026-W38"]
    assert store.run("2026-W38") == run_record(
        period="2026-W38", run_on=WEEK2, groups=3000, findings=812
    )
    assert store.run("2026-W39") is None


def test_a_run_record_keeps_its_counts_by_category_including_none(store: Ledger) -> None:
    counts = {"": {"high": 2}, "class": {"low": 1}}
    store.put_run(run_record(open_counts=counts, problems=("台账写入失败",), problem_count=1))

    assert store.runs()[0].open_counts == counts
    assert store.runs()[0].problems == ("台账写入失败",)


def test_writes_counter_counts_every_item(store: Ledger) -> None:
    written = store.apply(created("a", "b", "c"))
    store.put_run(run_record(ledger_writes=written, changes={"created": 3}))

    assert (written, store.writes) == (3, 4)
    assert store.runs()[0].changes == {"created": 3}
