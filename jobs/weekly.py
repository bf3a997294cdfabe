"""`python -m jobs weekly`: the scheduled job by hand, then the send queue drained through
the same code the send_digest Lambda runs."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from chalicelib.aws.clients import Clients
from chalicelib.core.settings import Settings
from chalicelib.core.values import safe_filename
from chalicelib.flows.delivery import ports as delivery_ports
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.outbox import Resend
from chalicelib.flows.weekly import Acceptance, WeeklySummary, run_weekly
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.intake.config import supervisor
from chalicelib.notify.digests.mime import digest_email
from chalicelib.notify.mail.mime import preview_html
from chalicelib.notify.sending import MailTransport, SendFailed


def drain_digests(
    clients: Clients, settings: Settings, now: datetime, robots: MailTransport | None = None
) -> Counter[str]:
    """Deliver every message now in the digest queue, as the Lambda would receive them.
    Each delivery claims its send at `now` plus the time the drain has taken so far, so
    that a long drain's claims never look stale to a worker running beside it. `robots`:
    where the group robot notices go (None: the providers' APIs of the settings)."""
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    queue_url = clients.sqs.get_queue_url(QueueName=settings.digest_queue)["QueueUrl"]
    worker = replace(delivery_ports(clients, settings), robots=robots)
    while True:  # until a receive comes back empty (failed sends are hidden for a while)
        messages = clients.sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            record = {
                "body": message["Body"],
                "receiptHandle": message["ReceiptHandle"],
                "attributes": message.get("Attributes", {}),
            }
            try:
                at = now + timedelta(seconds=time.monotonic() - started)
                outcomes[send_digest_record(record, worker, settings, at)] += 1
            except SendFailed:
                outcomes["retry later"] += 1
                continue
            clients.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def run_weekly_job(
    clients: Clients,
    settings: Settings,
    today: date,
    now: datetime,
    dry_run: bool,
    out: Path,
    *,
    resend: Resend | None = None,
    accept: Acceptance | None = None,
) -> tuple[WeeklySummary, Counter[str]]:
    summary, plan, result = run_weekly(
        weekly_ports(clients, settings),
        settings,
        today,
        dry_run=dry_run,
        resend=resend,
        accept=accept,
    )
    if dry_run:
        units = {u.unit_id: u for u in result.units}
        out.mkdir(parents=True, exist_ok=True)
        for digest in plan.digests:
            _, raw = digest_email(digest, units, settings, supervisor(result.offices))
            stem = safe_filename(f"{digest.period}-{digest.recipient}")
            (out / f"{stem}.html").write_text(preview_html(raw), encoding="utf-8")
            (out / f"{stem}.eml").write_bytes(raw)
        return summary, Counter()
    return summary, drain_digests(clients, settings, now)
