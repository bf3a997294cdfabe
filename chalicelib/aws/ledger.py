"""The ledger in DynamoDB (chalicelib/ledger/store.py says what a ledger does).

One table, keys `pk` and `sk` (both strings):

| item        | pk                            | sk                 |
|-------------|-------------------------------|--------------------|
| entry       | GROUP#{platform}#{group_id}   | FINDING#{rule}     |
| run record  | RUN                           | {period}           |
| (sender)    | SEND#{period}                 | ...                |

Attributes are the models' JSON dump (dates as ISO strings). An entry's `evidence` is
stored as a JSON string: it round-trips floats exactly, never meets DynamoDB's number
limits, and is never queried by its parts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

# boto3 and botocore ship no type hints (boto3-stubs is not a dependency).
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.aws.retries import written_before
from chalicelib.ledger.models import EntryKey, LedgerChange, LedgerEntry, RunRecord
from chalicelib.ledger.store import LedgerConflict

# Without stubs a boto3 client is `Any`; the alias says which client is meant.
DynamoDBClient = Any

ENTRY_PREFIX = "FINDING#"
RUN_PK = "RUN"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class DynamoLedger:
    """The `Ledger` in one DynamoDB table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
    ) -> None:
        self.client = client
        self.table = table
        self.writes = 0  # items written by this store, for the job summary

    def entries(self) -> dict[EntryKey, LedgerEntry]:
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(sk, :prefix)",
            ExpressionAttributeValues={":prefix": {"S": ENTRY_PREFIX}},
        )
        entries = (_entry(item) for page in pages for item in page["Items"])
        return {entry.key: entry for entry in entries}

    def apply(self, changes: Iterable[LedgerChange]) -> int:
        """Write each change if the stored entry is still the one it was computed from;
        raise `LedgerConflict` at the first that is not. A write whose answer was lost, which
        botocore retried, finds this very change stored: that is no conflict. Returns the
        items written."""
        written = 0
        for change in changes:
            item = _entry_item(change.entry)
            try:
                self.client.put_item(TableName=self.table, Item=item, **_condition(change))
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                if not written_before(self.client, self.table, err, item):
                    raise LedgerConflict(change.entry.key, change.expected_version) from err
                # else botocore retried a write whose answer was lost: it was this one
            written += 1
            self.writes += 1
        return written

    def put_run(self, run: RunRecord) -> None:
        # The nested counts go as one JSON string: map keys may be empty ("" = no category).
        data = run.model_dump(mode="json")
        data["open_counts"] = json.dumps(run.open_counts, ensure_ascii=False, sort_keys=True)
        self.client.put_item(TableName=self.table, Item=_item(RUN_PK, run.period, data))
        self.writes += 1

    def run(self, period: str) -> RunRecord | None:
        """The record of this period's run, if one was written."""
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": RUN_PK}, "sk": {"S": period}},
            ConsistentRead=True,
        ).get("Item")
        return _run(item) if item is not None else None

    def runs(self) -> list[RunRecord]:
        """Every run record, oldest period first."""
        return [_run(item) for item in self._query(RUN_PK)]

    def _query(self, pk: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ScanIndexForward=True,
        )
        return (item for page in pages for item in page["Items"])


def _condition(change: LedgerChange) -> dict[str, Any]:
    """The condition for writing `change`, in the words of the state it expects."""
    if change.expected_version is None:
        # A first sighting: no entry may exist under this key yet.
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    # A later change: the stored entry must still be the version this run read.
    return {
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":expected": {"N": str(change.expected_version)}},
    }


def _entry_item(entry: LedgerEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json")
    data["evidence"] = json.dumps(entry.evidence, ensure_ascii=False, sort_keys=True)
    return _item(f"GROUP#{entry.platform}#{entry.group_id}", f"{ENTRY_PREFIX}{entry.rule}", data)


def _run(item: Mapping[str, Any]) -> RunRecord:
    data = _plain(item)
    data["open_counts"] = json.loads(data.get("open_counts") or "{}")
    return RunRecord.model_validate(data)


def _entry(item: Mapping[str, Any]) -> LedgerEntry:
    data = _plain(item)
    data["evidence"] = json.loads(data["evidence"])
    return LedgerEntry.model_validate(data)


def _item(pk: str, sk: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _serializer.serialize(value) for name, value in {**data, "pk": pk, "sk": sk}.items()
    }


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's attributes as plain Python, without its keys; numbers back to int."""
    return {
        name: _number(_deserializer.deserialize(value))
        for name, value in item.items()
        if name not in ("pk", "sk")
    }


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _number(inner) for key, inner in value.items()}
    return value
