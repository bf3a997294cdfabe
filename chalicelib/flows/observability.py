"""What the Lambda functions tell CloudWatch: one structured JSON log line per job and per
failure (counts and ids, never personal data), and metrics in the embedded metric format.

aws-lambda-powertools writes both: its Logger logs JSON at INFO (LOG_LEVEL overrides),
its Metrics prints EMF blobs that CloudWatch turns into metrics (namespace `qungov`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "qungov"
logger = Logger(service=NAMESPACE)
metrics = Metrics(namespace=NAMESPACE, service=NAMESPACE)


@contextmanager
def job(name: str) -> Iterator[None]:
    """One invocation of a job: its failure logged (with its type, not its data) and
    counted, its duration and metrics flushed however it ends."""
    started = time.monotonic()
    try:
        yield
    except Exception as error:
        logger.error(f"{name} failed", extra={"job": name, "error": type(error).__name__})
        metrics.add_metric(name="JobFailed", unit=MetricUnit.Count, value=1)
        raise
    finally:
        metrics.add_dimension(name="job", value=name)
        seconds = time.monotonic() - started
        metrics.add_metric(name="JobSeconds", unit=MetricUnit.Seconds, value=seconds)
        metrics.flush_metrics(raise_on_empty_metrics=False)


def count(values: Mapping[str, int]) -> None:
    """Counts of this job, as metrics (`GroupsScanned`, `DigestsSent` ...)."""
    for name, value in values.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def summary(message: str, fields: Mapping[str, object]) -> None:
    """The one line a job logs when it ends."""
    logger.info(message, extra=dict(fields))
