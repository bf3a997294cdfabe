"""Conditional DynamoDB writes whose answer was lost: botocore retried them, and the retry
met the write's own condition. Its own module: the functions that write no table (the
upload check) do not hold a `GetItem` in their code (tests/jobs/test_policy.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


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
