"""What went wrong in a call to AWS, in a few words for a run record, a rollup or a log."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


def describe(error: BaseException) -> str:
    """AWS's error code (`Throttling`), a botocore error's class (`ReadTimeoutError`), or
    the first words of anything else."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    if isinstance(error, BotoCoreError):
        return type(error).__name__
    return str(error)[:200] or type(error).__name__


AWS_ERRORS = (ClientError, BotoCoreError)  # a call to AWS that failed: isolated, reported
