"""The ledger table on moto: round trips, conditional writes, batches, the writes counter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.ledger import LedgerStore
from chalicelib.core.dates import iso_period
from chalicelib.core.models import FindingStatus, Platform
from chalicelib.ledger.models import ChangeKind, LedgerChange, RunRecord, UnitRun
from chalicelib.ledger.reconcile import reconcile
from chalicelib.ledger.store import LedgerConflict
from jobs.provision import create_table
from tests.aws import bare_aws
from tests.factories import TODAY
from tests.ledger.test_reconcile import everything, make_finding

TABLE = "qungov-ledger"
WEEK2 = TODAY + timedelta(days=7)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with bare_aws(monkeypatch, region="cn-north-1"):  # the table in AWS China
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, TABLE)
        yield dynamodb


@pytest.fixture
def store(client: Any) -> LedgerStore:
    return LedgerStore(client, TABLE, sleep=lambda _: None)


def created(*group_ids: str) -> list[LedgerChange]:
    findings = [make_finding(group_id=g) for g in group_ids]
    return reconcile({}, findings, TODAY, everything({}, findings))


def unit_run(index: int) -> UnitRun:
    return UnitRun(
        unit_id=f"U{index:02d}",
        period=iso_period(TODAY),
        run_on=TODAY,
        groups=10,
        groups_with_roster=9,
        open_findings=index,
    )


def test_entries_round_trip_with_chinese_text_and_float_evidence(store: LedgerStore) -> None:
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


def test_entries_skips_run_unit_run_and_send_items(store: LedgerStore, client: Any) -> None:
    store.apply(created("100001"))
    store.put_run(
        RunRecord(
            period="2026-W37",
            run_on=TODAY,
            groups=1,
            findings=1,
            ledger_writes=1,
            changes={"created": 1},
        )
    )
    store.put_unit_runs([unit_run(1)])
    client.put_item(TableName=TABLE, Item={"pk": {"S": "SEND#2026-W37"}, "sk": {"S": "a@x.cn"}})

    assert list(store.entries()) == [(Platform.QQ, "100001", "oversized")]


def test_second_apply_of_the_same_changes_raises_conflict(store: LedgerStore) -> None:
    changes = created("100001")
    store.apply(changes)

    with pytest.raises(LedgerConflict, match="qq/100001/oversized") as raised:
        store.apply(changes)

    assert raised.value.key == (Platform.QQ, "100001", "oversized")


def test_replayed_update_raises_conflict(store: LedgerStore) -> None:
    store.apply(created("100001"))
    waived = [make_finding(status=FindingStatus.WAIVED)]
    changes = reconcile(store.entries(), waived, WEEK2, everything(store.entries()))
    store.apply(changes)

    with pytest.raises(LedgerConflict, match="expected version 1"):
        store.apply(changes)


def test_of_two_overlapping_runs_exactly_one_wins(store: LedgerStore) -> None:
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


def test_overlapping_first_sightings_create_once(store: LedgerStore) -> None:
    store.apply(created("100001"))

    with pytest.raises(LedgerConflict, match="expected absent"):
        store.apply(created("100001"))


def test_conflict_stops_at_the_first_and_keeps_earlier_writes(store: LedgerStore) -> None:
    store.apply(created("b"))

    with pytest.raises(LedgerConflict):
        store.apply(created("a", "b", "c"))

    assert sorted(key[1] for key in store.entries()) == ["a", "b"]


def test_other_client_errors_are_not_conflicts(client: Any) -> None:
    store = LedgerStore(client, "no-such-table")

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        store.apply(created("100001"))


def test_unit_runs_beyond_one_batch_are_all_written(store: LedgerStore) -> None:
    runs = [unit_run(i) for i in range(60)]

    assert store.put_unit_runs(runs) == 60

    assert store.unit_runs(iso_period(TODAY)) == runs
    assert store.unit_runs(iso_period(WEEK2)) == []


class Throttled:
    """The real client, except that the first batch comes back with its last 5 items
    unprocessed, as DynamoDB does under load."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.batches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        self.batches += 1
        [(table, requests)] = RequestItems.items()
        if self.batches == 1:
            self.client.batch_write_item(RequestItems={table: requests[:-5]})
            return {"UnprocessedItems": {table: requests[-5:]}}
        return dict(self.client.batch_write_item(RequestItems=RequestItems))


def test_unprocessed_unit_runs_are_resubmitted(client: Any) -> None:
    throttled = Throttled(client)
    store = LedgerStore(throttled, TABLE, sleep=lambda _: None)

    store.put_unit_runs([unit_run(i) for i in range(30)])

    assert len(store.unit_runs(iso_period(TODAY))) == 30
    # 25 (5 left over), the 5 again, the last 5
    assert (throttled.batches, store.writes) == (3, 30)


def test_runs_are_listed_oldest_first(store: LedgerStore) -> None:
    for day in (WEEK2, TODAY):
        store.put_run(
            RunRecord(
                period=iso_period(day),
                run_on=day,
                groups=3000,
                findings=812,
                ledger_writes=0,
                changes={},
            )
        )

    assert [run.period for run in store.runs()] == ["2026-W37", "2026-W38"]


def test_writes_counter_counts_every_item(store: LedgerStore) -> None:
    written = store.apply(created("a", "b", "c"))
    store.put_unit_runs([unit_run(i) for i in range(30)])
    store.put_run(
        RunRecord(
            period="2026-W37",
            run_on=TODAY,
            groups=3,
            findings=3,
            ledger_writes=written,
            changes={"created": 3},
        )
    )

    assert (written, store.writes) == (3, 34)
    assert store.runs()[0].changes == {"created": 3}


class Overloaded(Throttled):
    """A table that never takes the last item of a batch."""

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        [(table, requests)] = RequestItems.items()
        return {"UnprocessedItems": {table: requests[-1:]}}


def test_unit_runs_left_unprocessed_fail_loudly(client: Any) -> None:
    store = LedgerStore(Overloaded(client), TABLE, sleep=lambda _: None)

    with pytest.raises(RuntimeError, match="1 unit-run items unprocessed after 8 attempts"):
        store.put_unit_runs([unit_run(1)])
