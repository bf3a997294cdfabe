"""Undeliverable addresses in the ledger table (pk `MAILHEALTH`, sk the address), read by
whoever sends; written by the weekly run (SES's bounce and complaint events) and by the
senders (an address an SMTP server refused for good). The roles that write them may write
no other item (`dynamodb:LeadingKeys`, jobs/template/roles.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.notify.mailhealth import Undeliverable

PK = "MAILHEALTH"
FIELDS = ("kind", "reason", "at", "message_id")


@dataclass(frozen=True)
class DynamoMailHealth:
    client: Any  # boto3 DynamoDB client
    table: str

    def undeliverable(self, address: str) -> Undeliverable | None:
        key = {"pk": {"S": PK}, "sk": {"S": address.strip().lower()}}
        item = self.client.get_item(TableName=self.table, Key=key).get("Item")
        return _of(item) if item is not None else None

    def all(self) -> list[Undeliverable]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": PK}},
        )
        return [_of(item) for page in pages for item in page["Items"]]


def _of(item: dict[str, Any]) -> Undeliverable:
    fields = {name: item.get(name, {}).get("S", "") for name in FIELDS}
    return Undeliverable(address=item["sk"]["S"], **fields)


class DynamoMailHealthLog(DynamoMailHealth):
    def record(self, item: Undeliverable) -> None:
        """The first report of an address stands (a later bounce says nothing new)."""
        values = {name: {"S": getattr(item, name)} for name in FIELDS}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={"pk": {"S": PK}, "sk": {"S": item.address}, **values},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
