"""The portal's actions and revoked links in the ledger table.

| item        | pk       | sk                      |
|-------------|----------|-------------------------|
| action      | ACTION   | {action_id}             |
| revocation  | PORTAL   | REVOKED#{recipient}     |

An action is the model's JSON in `data`, with `decision` beside it for the conditional
decide: recorded only if absent, decided only while pending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.retries import written_before
from chalicelib.ledger.actions import Decision, UnitAction, decided

ACTION_PK = "ACTION"
PORTAL_PK = "PORTAL"
REVOKED = "REVOKED#"


def _conditional_failed(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


@dataclass(frozen=True)
class DynamoActionLog:
    client: Any  # boto3 DynamoDB client
    table: str

    def record(self, action: UnitAction) -> bool:
        """Whether the action was recorded now (False: the same one was already)."""
        item = _item(action)
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise
            if not written_before(self.client, self.table, error, item):
                return False
        return True

    def decide(self, action_id: str, decision: Decision, by: str, note: str,
               at: datetime) -> UnitAction | None:  # fmt: skip
        key = {"pk": {"S": ACTION_PK}, "sk": {"S": action_id}}
        item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return None
        action = decided(_action(item), decision, by, note, at)
        written = _item(action)
        try:
            self.client.put_item(
                TableName=self.table,
                Item=written,
                ConditionExpression="decision = :pending",
                ExpressionAttributeValues={":pending": {"S": Decision.PENDING.value}},
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise
            if not written_before(self.client, self.table, error, written):
                return None
        return action

    def actions(self) -> list[UnitAction]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": ACTION_PK}},
            ConsistentRead=True,
        )
        found = [_action(item) for page in pages for item in page["Items"]]
        return sorted(found, key=lambda a: (a.at, a.action_id))


def _item(action: UnitAction) -> dict[str, Any]:
    return {
        "pk": {"S": ACTION_PK},
        "sk": {"S": action.action_id},
        "decision": {"S": action.decision.value},
        "data": {"S": action.model_dump_json()},
    }


def _action(item: dict[str, Any]) -> UnitAction:
    return UnitAction.model_validate_json(item["data"]["S"])


@dataclass(frozen=True)
class DynamoRevocations:
    """Links of a recipient issued up to a moment are void (`python -m jobs portal revoke`)."""

    client: Any
    table: str

    def revoked_since(self, recipient: str) -> datetime | None:
        key = {"pk": {"S": PORTAL_PK}, "sk": {"S": REVOKED + recipient.lower()}}
        item = self.client.get_item(TableName=self.table, Key=key).get("Item")
        return datetime.fromisoformat(item["at"]["S"]) if item else None
