"""qungov on AWS Lambda: thin Chalice handlers; all domain code lives in chalicelib/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Cron, SQSEvent

from chalicelib import pipeline, uploads
from chalicelib.aws.clients import aws_clients
from chalicelib.dates import event_time, shanghai_today
from chalicelib.rollups.job import run_rollup
from chalicelib.settings import load_settings

app = Chalice(app_name="qungov")

DIGEST_QUEUE = "qungov-digests"  # = Settings.digest_queue; Chalice needs the name at deploy
UPLOAD_QUEUE = "qungov-uploads"  # = Settings.upload_queue


@app.schedule(Cron(0, 0, "?", "*", "MON", "*"))  # Monday 08:00 Asia/Shanghai
def weekly_scan(event: CloudWatchEvent) -> dict[str, Any]:
    # The run's day comes from the event, so a replay later in the week is the same run.
    today = shanghai_today(event_time(event.time))
    summary, _, _ = pipeline.run_weekly(aws_clients(), load_settings(), today)
    app.log.info("weekly scan %s", summary.to_dict())
    return summary.to_dict()


@app.schedule(Cron(0, 2, "?", "*", "MON", "*"))  # Monday 10:00 Asia/Shanghai
def weekly_rollup(event: CloudWatchEvent) -> dict[str, Any]:
    return _rollup("week", event)


@app.schedule(Cron(0, 2, "?", "*", "MON#1", "*"))  # first Monday of the month, 10:00
def monthly_rollup(event: CloudWatchEvent) -> dict[str, Any]:
    return _rollup("month", event)


def _rollup(kind: str, event: CloudWatchEvent) -> dict[str, Any]:
    today = shanghai_today(event_time(event.time))
    now = datetime.now(UTC)  # for the send log's claims: the clock of this invocation
    summary = run_rollup(aws_clients(), load_settings(), kind, today, now)
    app.log.info("%s rollup %s: %s", kind, summary.period, summary.sent)
    return {"period": summary.period, "sent": summary.sent, "files": summary.files}


@app.on_sqs_message(queue=DIGEST_QUEUE, batch_size=1)
def send_digest(event: SQSEvent) -> None:
    clients, settings = aws_clients(), load_settings()
    for record in event:
        outcome = pipeline.send_digest_record(
            record.to_dict(), clients, settings, datetime.now(UTC)
        )
        app.log.info("digest %s", outcome)


@app.on_sqs_message(queue=UPLOAD_QUEUE, batch_size=1)
def validate_upload(event: SQSEvent) -> None:
    clients, settings = aws_clients(), load_settings()
    for record in event:
        for bucket, key in uploads.s3_objects_in(record.body):
            receipt = uploads.validate_upload(clients.s3, bucket, key, settings)
            if receipt is not None:
                app.log.info(uploads.format_receipt(receipt))
