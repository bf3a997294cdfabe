"""Weekly pipeline benchmark on embedded AWS (moto): a ~200k-row college, two runs.

    python bench/pipeline_bench.py [--groups 3000] [--same-files]

Generates a mixed-format college (3,000 groups: ~214k roster rows), provisions the
bucket, table, queues and sender in moto, uploads it, then runs the weekly job (scan,
ledger, enqueue, then drain the digest queue) on day D and again on D+7 with unchanged
data: the same college re-exported on D+7, as units do every week (same seed and sizes,
dates shifted: the same open findings, fresh exports). With `--same-files` the second run
reads the very same files, a week older, so many rosters go stale.
Per run: wall time, DynamoDB items written by kind, SQS messages, SES sends, recipients
and units; then the targets (a report: the exit code is 0 either way).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

D = date(2026, 11, 16)  # a Monday
REGION = "us-east-1"
KINDS = {"GROUP#": "ledger entry", "UNITRUN#": "unit run", "RUN": "run record", "SEND#": "send log"}


def kind_of(item: dict[str, Any]) -> str:
    pk = item.get("pk", {}).get("S", "")
    return next((name for prefix, name in KINDS.items() if pk.startswith(prefix)), "other")


class Calls:
    """Items written to DynamoDB (by kind), SQS messages sent, SES sends accepted.

    DynamoDB hooks use `before-parameter-build`, whose `params` are the API arguments
    (`before-call` sees the serialized request instead)."""

    def __init__(self, clients: Any) -> None:
        self.dynamodb: Counter[str] = Counter()
        self.sqs = self.ses = 0
        events = clients.dynamodb.meta.events
        events.register("before-parameter-build.dynamodb.PutItem", self._put)
        events.register("before-parameter-build.dynamodb.UpdateItem", self._update)
        events.register("before-parameter-build.dynamodb.BatchWriteItem", self._batch)
        clients.sqs.meta.events.register("before-call.sqs.SendMessage", self._sqs)
        clients.ses.meta.events.register("after-call.ses.SendRawEmail", self._ses)

    def _put(self, params: dict[str, Any], **_: Any) -> None:
        self.dynamodb[kind_of(params["Item"])] += 1

    def _update(self, params: dict[str, Any], **_: Any) -> None:
        self.dynamodb[kind_of(params["Key"])] += 1

    def _batch(self, params: dict[str, Any], **_: Any) -> None:
        for requests in params["RequestItems"].values():
            for request in requests:
                item = request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"]
                self.dynamodb[kind_of(item)] += 1

    def reset(self) -> None:
        self.dynamodb.clear()
        self.sqs = self.ses = 0

    def _sqs(self, **_: Any) -> None:
        self.sqs += 1

    def _ses(self, http_response: Any, **_: Any) -> None:
        self.ses += http_response.status_code < 300


def run(clients: Any, settings: Any, calls: Calls, day: date, label: str) -> dict[str, int]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.flows.weekly import ports as weekly_ports
    from chalicelib.flows.weekly import run_weekly
    from jobs.weekly import drain_digests

    moto_ses = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    moto_before = len(moto_ses)
    calls.reset()
    now = datetime.combine(day, clock(0, 5), UTC)  # Monday 08:05 in Shanghai
    start = time.perf_counter()
    summary, plan, result = run_weekly(weekly_ports(clients, settings), settings, day)
    scanned = time.perf_counter()
    outcomes = drain_digests(clients, settings, now)
    done = time.perf_counter()
    queue = clients.sqs.get_queue_url(QueueName=settings.digest_queue)["QueueUrl"]
    left = clients.sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    recipients, units = len({d.recipient for d in plan.digests}), len(result.units)
    ledger = sum(n for kind, n in calls.dynamodb.items() if kind != "send log")
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(summary.findings_by_rule.items()))
    print(f"\n{label}: {day} ({summary.period}), {summary.groups} groups, {units} units")
    print(f"  wall time       {done - start:7.2f} s  scan+ledger+enqueue {scanned - start:.2f} s, drain/send {done - scanned:.2f} s")  # fmt: skip
    print(f"  DynamoDB items  {sum(calls.dynamodb.values()):7d}  {dict(sorted(calls.dynamodb.items()))}")  # fmt: skip
    print(f"  ledger writes   {summary.ledger_writes:7d}  (WeeklySummary; hooks: {ledger}) changes {summary.changes or 'none'}")  # fmt: skip
    print(f"  send-log writes {calls.dynamodb['send log']:7d}")
    print(f"  SQS sent        {calls.sqs:7d}  (digests {summary.digests}; left in queue after drain {left})")  # fmt: skip
    print(f"  SES sends       {calls.ses:7d}  (moto sent_messages +{len(moto_ses) - moto_before}; drain {dict(outcomes)})")  # fmt: skip
    print(f"  recipients      {recipients:7d}  unroutable {summary.unroutable}")
    print(f"  open findings   {sum(summary.findings_by_rule.values()):7d}  {rules}")
    return {"ledger": summary.ledger_writes, "units": units, "ses": calls.ses, "to": recipients}


def check(ok: bool, text: str) -> None:
    print(f"  {'ok           ' if ok else 'TARGET MISSED'}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=3000)
    parser.add_argument(
        "--same-files",
        action="store_true",
        help="run 2 reads the very same files (a week older: many rosters go stale)",
    )
    args = parser.parse_args()
    os.environ.update(AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="bench")
    os.environ.update(AWS_SECRET_ACCESS_KEY="bench")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    from chalicelib.aws.clients import aws_clients
    from chalicelib.core.settings import Settings
    from jobs.provision import provision, upload_folder
    from jobs.sample import generate_college

    def upload(root: Path, day: date) -> None:
        start = time.perf_counter()
        plan = generate_college(root, today=day, groups=args.groups, formats="mixed")
        upload_folder(clients.s3, settings.data_bucket, root)
        print(
            f"data for {day}: {plan.groups} groups, {plan.rows} roster rows, {plan.people} people,"
            f" {plan.files} files (generated and uploaded in {time.perf_counter() - start:.1f} s)"
        )

    print(f"qungov weekly pipeline benchmark on moto: {args.groups} groups, mixed formats")
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="qungov-pipeline-") as tmp, mock_aws():
        clients = aws_clients(REGION)
        provision(clients, settings)
        # Upload validation is not part of the weekly job, and moto's SQS send is O(queue
        # length): 1,600 S3 -> SQS notifications per upload would cost ~30-80 s here.
        clients.s3.put_bucket_notification_configuration(
            Bucket=settings.data_bucket, NotificationConfiguration={}
        )
        upload(Path(tmp) / "week1", D)
        calls = Calls(clients)
        first = run(clients, settings, calls, D, "run 1")
        if not args.same_files:
            upload(Path(tmp) / "week2", D + timedelta(days=7))
        second_label = "run 2 (same files)" if args.same_files else "run 2 (D+7 re-export)"
        second = run(clients, settings, calls, D + timedelta(days=7), second_label)

    print("\ntargets")
    limit = 1 + second["units"]
    check(second["ledger"] <= limit, f"run 2 ledger writes {second['ledger']} <= 1 + units = {limit}")  # fmt: skip
    for label, result in (("run 1", first), ("run 2", second)):
        check(result["ses"] == result["to"], f"{label} SES sends {result['ses']} == recipients {result['to']}")  # fmt: skip


if __name__ == "__main__":
    main()
