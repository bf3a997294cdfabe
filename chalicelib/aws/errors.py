"""The errors a call to AWS raises: isolated by the flows, described for people by
`chalicelib.core.errors.describe`."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

AWS_ERRORS = (ClientError, BotoCoreError)  # a call to AWS that failed: isolated, reported


def retried(error: ClientError) -> bool:
    """Whether botocore sent the call more than once: an earlier attempt may have been
    carried out while its answer was lost (a read timeout, a closed connection, a 500)."""
    return bool(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
