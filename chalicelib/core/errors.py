"""What went wrong, in a few words for a run record, a rollup or a log: never the data."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    """A service's error code (`Throttling`), a client library's error class
    (`ReadTimeoutError`), or the first words of anything else.

    Duck-typed on botocore's shapes (`ClientError.response`, the `botocore` module), so
    that the domain code can describe an adapter's error without importing boto."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(error).__name__))
    if type(error).__module__.startswith("botocore"):
        return type(error).__name__
    return str(error)[:200] or type(error).__name__


class ValueRefused(ValueError):
    """A cell that cannot be used; the message, in Chinese, says why and what to do."""
