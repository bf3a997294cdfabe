"""The errors a call to AWS raises: isolated by the flows, described for people by
`chalicelib.core.errors.describe`."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

AWS_ERRORS = (ClientError, BotoCoreError)  # a call to AWS that failed: isolated, reported


def retried(error: ClientError) -> bool:
    """Whether botocore sent the call more than once: an earlier attempt may have been
    carried out while its answer was lost (a read timeout, a closed connection, a 500)."""
    return bool(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))


def written_before(client: Any, table: str, error: ClientError, item: dict[str, Any]) -> bool:
    """Whether a DynamoDB put that failed its condition had been carried out by its own
    first attempt, whose answer was lost: botocore retried it, and the table holds exactly
    `item` (read consistently)."""
    if not retried(error):
        return False
    key = {"pk": item["pk"], "sk": item["sk"]}
    stored = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    return bool(stored.get("Item") == item)
