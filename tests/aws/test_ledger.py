"""What only the DynamoDB ledger does (tests/ledger/test_store.py holds the contract both
ledgers keep): its items live beside the send log's in one table, in AWS China too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.ledger import DynamoLedger
from chalicelib.core.models import Platform
from chalicelib.ledger.models import RunRecord
from chalicelib.ledger.reconcile import reconcile
from jobs.provision import create_table
from tests.aws import bare_aws
from tests.factories import TODAY
from tests.ledger.test_reconcile import everything, make_finding

TABLE = "qungov-ledger"


@contextmanager
def dynamo_ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoLedger]:
    """The ledger in a fresh table on moto, in AWS China."""
    with bare_aws(monkeypatch, region="cn-north-1"):
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, TABLE)
        yield DynamoLedger(dynamodb, TABLE)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoLedger]:
    with dynamo_ledger(monkeypatch) as ledger:
        yield ledger


def test_entries_skip_run_records_and_the_send_log(store: DynamoLedger) -> None:
    finding = make_finding(group_id="100001")
    store.apply(reconcile({}, [finding], TODAY, everything({}, [finding])))
    store.put_run(
        RunRecord(
            period="2026-W37", run_on=TODAY, groups=1, findings=1, ledger_writes=1, changes={}
        )
    )
    item = {"pk": {"S": "SEND#2026-W37"}, "sk": {"S": "a@x.cn#digest"}}
    store.client.put_item(TableName=TABLE, Item=item)

    assert list(store.entries()) == [(Platform.QQ, "100001", "oversized")]


def test_other_client_errors_are_not_conflicts(store: DynamoLedger) -> None:
    missing = DynamoLedger(store.client, "no-such-table")
    finding = make_finding()

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        missing.apply(reconcile({}, [finding], TODAY, everything({}, [finding])))


def test_evidence_is_stored_as_one_json_string(store: DynamoLedger) -> None:
    """Floats round-trip exactly and never meet DynamoDB's number limits."""
    finding = make_finding(evidence={"overlap": 0.913, "ratio": 1e-7})
    store.apply(reconcile({}, [finding], TODAY, everything({}, [finding])))

    (item,) = store.client.scan(TableName=TABLE)["Items"]
    stored: Any = item["evidence"]
    assert stored == {"S": '{"overlap": 0.913, "ratio": 1e-07}'}
