"""qungov on AWS Lambda: thin Chalice handlers; all domain code lives in chalicelib/.

The resources, roles and alarms around them are in the template (`make package`,
jobs/template/), which reads the schedules and queues from this app.

Each function imports this module, so each handler imports its own flow (and what it
alone needs: workbooks, charts, templates) when it first runs: a cold start loads only
its function's code (bench/cold_start.py measures it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Cron, Response, SQSEvent

from chalicelib.aws.clients import aws_clients
from chalicelib.core.dates import event_time, shanghai_today
from chalicelib.core.models import RollupKind
from chalicelib.core.settings import Settings, load_settings
from chalicelib.flows.observability import count, job, summary

app = Chalice(app_name="qungov")

# The queues' names on a developer's machine; a deployment's come from its stack.
DIGEST_QUEUE = Settings.model_fields["digest_queue"].default
UPLOAD_QUEUE = Settings.model_fields["upload_queue"].default


@app.schedule(Cron(0, 0, "?", "*", "MON", "*"))  # Monday 08:00 Asia/Shanghai
def weekly_scan(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.flows import weekly
    from chalicelib.ledger.week import LaterWeekRan

    with job("weekly_scan"):
        # The run's day comes from the event: a replay later in the week is the same run.
        today = shanghai_today(event_time(event.time))
        settings = load_settings()
        try:
            result, _, _ = weekly.run_weekly(weekly.ports(aws_clients(), settings), settings, today)
        except LaterWeekRan as refused:  # an old event replayed after a later week ran
            summary("weekly run refused", {"today": today.isoformat(), "reason": str(refused)})
            return {"today": today.isoformat(), "refused": str(refused)}
        count(result.metrics())
        summary("weekly run", result.to_dict())
        return result.to_dict()


@app.schedule(Cron(0, 2, "?", "*", "MON", "*"))  # Monday 10:00 Asia/Shanghai
def weekly_rollup(event: CloudWatchEvent) -> dict[str, Any]:
    return _rollup(RollupKind.WEEK, event)


@app.schedule(Cron(0, 2, "?", "*", "MON#1", "*"))  # first Monday of the month, 10:00
def monthly_rollup(event: CloudWatchEvent) -> dict[str, Any]:
    return _rollup(RollupKind.MONTH, event)


def _rollup(kind: RollupKind, event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.flows import rollup

    with job(f"{kind}_rollup"):
        today = shanghai_today(event_time(event.time))
        now = datetime.now(UTC)  # for the send log's claims: the clock of this invocation
        settings = load_settings()
        result = rollup.run_rollup(
            rollup.ports(aws_clients(), settings), settings, kind, today, now
        )
        count({"RollupsSent": sum(o == "sent" for o in result.sent.values())})
        summary(f"{kind} rollup", {"period": result.period, "sent": result.sent})
        return {"period": result.period, "sent": result.sent, "files": result.files}


@app.schedule(Cron(0, 4, "?", "*", "MON", "*"))  # Monday 12:00 Asia/Shanghai
def weekly_watch(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.flows import watch

    with job("weekly_watch"):
        runs = watch.ports(aws_clients(), load_settings())
        run = watch.run_watch(runs, shanghai_today(event_time(event.time)))
        summary("weekly run seen", {"period": run.period, "status": run.status.value})
        return {"period": run.period, "status": run.status.value}


@app.on_sqs_message(queue=DIGEST_QUEUE, batch_size=1)
def send_digest(event: SQSEvent) -> None:
    from chalicelib.core.masking import mask_address
    from chalicelib.flows import delivery
    from chalicelib.notify.sending import MailMessage

    with job("send_digest"):
        settings = load_settings()
        ports = delivery.ports(aws_clients(), settings)
        for record in event:
            message = MailMessage.from_json(record.body)
            outcome = delivery.send_digest_record(
                record.to_dict(), ports, settings, datetime.now(UTC)
            )
            count({f"Send_{outcome.value}": 1})
            summary("send", {"to": mask_address(message.recipient), "kind": message.kind,
                             "channel": message.channel.value, "period": message.period,
                             "outcome": outcome.value})  # fmt: skip


@app.on_sqs_message(queue=UPLOAD_QUEUE, batch_size=1)
def validate_upload(event: SQSEvent) -> None:
    from chalicelib.flows import uploads

    with job("validate_upload"):
        clients, settings = aws_clients(), load_settings()
        for record in event:
            for bucket, key in uploads.s3_objects_in(record.body):
                ports = uploads.ports(clients, settings, bucket)
                receipt = uploads.validate_upload(ports, key, settings)
                if receipt is not None:
                    count({"UploadsRejected": receipt.rejected is not None})
                    summary("upload", {"receipt": uploads.format_receipt(receipt)})


# The portal (DESIGN.md, Portal): one function behind API Gateway, every route a page.
FORM = ["application/x-www-form-urlencoded"]


@app.route("/portal/open", methods=["GET"])
def portal_open() -> Response:
    return _portal("open_link")


@app.route("/portal/unit", methods=["GET"])
def portal_unit() -> Response:
    return _portal("unit")


@app.route("/portal/act", methods=["POST"], content_types=FORM)
def portal_act() -> Response:
    return _portal("act")


@app.route("/portal/receipt", methods=["GET"])
def portal_receipt() -> Response:
    return _portal("receipt")


@app.route("/portal/office", methods=["GET"])
def portal_office() -> Response:
    return _portal("office")


@app.route("/portal/decide", methods=["POST"], content_types=FORM)
def portal_decide() -> Response:
    return _portal("decide")


@app.route("/portal/rollup", methods=["GET"])
def portal_rollup() -> Response:
    return _portal("rollup")


def _portal(route: str) -> Response:
    from chalicelib.flows import portal

    with job(f"portal_{route}"):
        request, settings = app.current_request, load_settings()
        assert request is not None  # a route always has one
        visit = portal.visit_of(
            request.query_params, request.headers, request.raw_body, settings.portal_url
        )
        page = getattr(portal.Portal(portal.ports(aws_clients(), settings), settings), route)(visit)
        headers = {**page.headers, **({"Set-Cookie": page.cookies[0]} if page.cookies else {})}
        return Response(body=page.body, status_code=page.status, headers=headers)
