"""The weekly pipeline on moto: a dry run, a send that never succeeds, the ledger over
three weeks, the demo's reproducibility and a same-day replay.

Every test runs on a small generated college with fixed dates; nothing reads the clock."""

from __future__ import annotations

import csv
import email
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.models import Platform
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.scan import ScanResult
from chalicelib.flows.delivery import ports as delivery_ports
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.weekly import WeeklySummary, run_weekly
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.ledger.models import EntryKey, LedgerEntry, LedgerState
from chalicelib.notify.digests.build import DigestPlan
from chalicelib.notify.digests.models import Digest
from chalicelib.notify.sending import SendFailed
from jobs.demo import run_demo
from jobs.provision import upload_folder
from jobs.sample import SamplePlan, generate_college
from jobs.template import MAX_RECEIVES
from jobs.weekly import drain_digests, run_weekly_job
from tests.aws import REGION, fake_credentials, sent_emails

DAY = date(2026, 11, 16)  # a Monday: week 1; weeks 2 and 3 follow on D+7 and D+14
GROUPS = 40
SETTINGS = Settings()
FILING_HEADER = [
    "platform", "group_id", "group_name", "unit", "category", "owner_id", "owner_name",
    "responsible_name", "responsible_email", "filed_on", "reviewed_on", "end_on", "purpose",
    "status",
]  # fmt: skip

Edit = Callable[[Path], None]


# --- fixtures and helpers ---------------------------------------------------------------


def monday_morning(day: date) -> datetime:
    """08:05 in Shanghai, when the schedule fires."""
    return datetime.combine(day, time(0, 5), UTC)


def upload_college(clients: Clients, root: Path, day: date, edit: Edit | None = None) -> SamplePlan:
    """Generate the college as of `day`, change it with `edit`, mirror it to the bucket."""
    plan = generate_college(root, today=day, groups=GROUPS)
    if edit is not None:
        edit(root)
    upload_folder(clients.s3, SETTINGS.data_bucket, root)
    return plan


def table_items(clients: Clients) -> list[dict[str, Any]]:
    pages = clients.dynamodb.get_paginator("scan").paginate(TableName=SETTINGS.ledger_table)
    return [item for page in pages for item in page["Items"]]


def queue_url(clients: Clients, name: str) -> str:
    url: str = clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return url


def messages_in(clients: Clients, name: str) -> int:
    """Visible plus in-flight messages."""
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=queue_url(clients, name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def receive_all(clients: Clients, url: str) -> list[dict[str, Any]]:
    """Every message visible now, each received once (each receive hides what it returns)."""
    received: list[dict[str, Any]] = []
    while batch := clients.sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        AttributeNames=["ApproximateReceiveCount"],
        WaitTimeSeconds=0,
    ).get("Messages", []):
        received.extend(batch)
    return received


def lambda_record(message: dict[str, Any]) -> dict[str, Any]:
    """An SQS message as the send_digest Lambda receives it (as jobs.weekly.drain_digests)."""
    return {
        "body": message["Body"],
        "receiptHandle": message["ReceiptHandle"],
        "attributes": message.get("Attributes", {}),
    }


def outbox_keys(clients: Clients) -> list[str]:
    listing = clients.s3.list_objects_v2(Bucket=SETTINGS.data_bucket, Prefix="outbox/")
    return [item["Key"] for item in listing.get("Contents", [])]


def parse_eml(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def section(text: str, heading: str) -> str:
    """One `== heading(n 项)==` section of a digest's plain text, up to the next one."""
    _, found, rest = text.partition(f"== {heading}")
    assert found, f"no section {heading!r} in:\n{text}"
    return rest.split("\n== ", 1)[0].split("\n--\n", 1)[0]


def digest_for(plan: DigestPlan, recipient: str) -> Digest:
    (digest,) = [d for d in plan.digests if d.recipient == recipient]
    return digest


# --- 1. dry run -------------------------------------------------------------------------


def test_a_dry_run_renders_every_digest_to_the_folder_and_writes_enqueues_and_sends_nothing(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN a college in the bucket and an empty ledger
    upload_college(aws, tmp_path / "data", DAY)
    out = tmp_path / "preview"

    # WHEN the weekly job runs with --dry-run
    summary, outcomes = run_weekly_job(
        aws, SETTINGS, DAY, monday_morning(DAY), dry_run=True, out=out
    )

    # THEN one .html and one .eml per digest, named by period and recipient, are in `out`
    assert summary.digests > 0
    html = sorted(p.stem for p in out.glob("*.html"))
    eml = sorted(p.stem for p in out.glob("*.eml"))
    assert len(html) == summary.digests and html == eml
    assert len(list(out.iterdir())) == 2 * summary.digests
    for path in out.glob("*.eml"):
        message = parse_eml(path.read_bytes())
        assert path.stem == f"{summary.period}-{message['To']}"
        assert plain_text(message)
    # AND the ledger table holds nothing: no entries, no run record
    items = table_items(aws)
    assert not [i for i in items if i["sk"]["S"].startswith("FINDING#")]
    assert not [i for i in items if i["pk"]["S"] == "RUN"]
    assert items == []
    # AND nothing was enqueued, stored in the outbox or sent
    assert messages_in(aws, SETTINGS.digest_queue) == 0
    assert outbox_keys(aws) == []
    assert sent_emails() == []
    assert outcomes == Counter()
    assert summary.ledger_writes == 0 and summary.messages == []


# --- 2. a send that always fails --------------------------------------------------------


def clients_whose_ses_always_throttles() -> tuple[Clients, dict[str, list[int]]]:
    """Worker clients: SES SendRawEmail always answers Throttling; every visibility timeout
    the worker sets is recorded by receipt handle."""
    clients = aws_clients(REGION)
    backoffs: dict[str, list[int]] = defaultdict(list)

    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendRawEmail")

    def record_backoff(params: dict[str, Any], **_: Any) -> None:
        backoffs[params["ReceiptHandle"]].append(int(params["VisibilityTimeout"]))

    clients.ses.meta.events.register("before-call.ses.SendRawEmail", throttle)
    clients.sqs.meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility", record_backoff
    )
    return clients, backoffs


def test_a_digest_ses_always_refuses_is_retried_with_backoff_then_dead_lettered_after_five_receives(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN a weekly run that enqueued its digests, and SES throttling every send
    upload_college(aws, tmp_path / "data", DAY)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    enqueued = sorted(m.to_json() for m in summary.messages)
    assert len(enqueued) == summary.digests > 0
    worker, backoffs = clients_whose_ses_always_throttles()
    url = queue_url(aws, SETTINGS.digest_queue)
    receive_counts: dict[str, list[int]] = defaultdict(list)
    backoff_by_body: dict[str, list[int]] = defaultdict(list)
    failures = 0

    # WHEN the worker gets every message as SQS redelivers it, until SQS gives up
    for _ in range(MAX_RECEIVES + 1):
        received = receive_all(aws, url)
        for message in received:
            receive_counts[message["Body"]].append(
                int(message["Attributes"]["ApproximateReceiveCount"])
            )
            with pytest.raises(SendFailed):
                send_digest_record(
                    lambda_record(message),
                    delivery_ports(worker, SETTINGS),
                    SETTINGS,
                    monday_morning(DAY),
                )
            failures += 1
            backoff_by_body[message["Body"]] += backoffs.pop(message["ReceiptHandle"], [])
        for message in received:  # do not wait out the backoff: visible again right away
            aws.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    # THEN each digest was received and refused five times, hidden longer after each failure
    assert failures == MAX_RECEIVES * len(enqueued)
    assert sorted(receive_counts) == enqueued
    assert all(counts == [1, 2, 3, 4, 5] for counts in receive_counts.values())
    assert all(b == [30, 60, 120, 240, 480] for b in backoff_by_body.values())
    # AND after the fifth receive every message is in the dead-letter queue, none left
    assert messages_in(aws, SETTINGS.digest_queue) == 0
    dead = receive_all(aws, queue_url(aws, f"{SETTINGS.digest_queue}-dlq"))
    assert sorted(m["Body"] for m in dead) == enqueued
    # AND the send log records each as failed after five attempts; nothing was sent
    records = DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(summary.period)
    assert len(records) == len(enqueued)
    assert {(r.status, r.attempts, r.error, r.message_id) for r in records} == {
        ("failed", MAX_RECEIVES, "Throttling", None)
    }
    assert sent_emails() == []


def test_a_digest_whose_rendered_eml_cannot_be_read_once_is_sent_when_sqs_delivers_it_again(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN a weekly run that enqueued its digests, and S3 refusing the worker's first read
    # of a rendered .eml (a transient SlowDown), before anything reaches SES
    upload_college(aws, tmp_path / "data", DAY)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    worker = aws_clients(REGION)
    refusals = {"left": 1}

    def slow_down(**_: Any) -> None:
        if refusals["left"]:
            refusals["left"] -= 1
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "GetObject")

    worker.s3.meta.events.register("before-call.s3.GetObject", slow_down)
    url = queue_url(aws, SETTINGS.digest_queue)
    first = receive_all(aws, url)[0]

    # WHEN the first delivery fails and SQS delivers the same message again a minute later
    with pytest.raises((ClientError, SendFailed)):
        send_digest_record(
            lambda_record(first), delivery_ports(worker, SETTINGS), SETTINGS, monday_morning(DAY)
        )
    aws.sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    (again,) = [m for m in receive_all(aws, url) if m["Body"] == first["Body"]]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    a_minute_later = monday_morning(DAY) + timedelta(minutes=1)
    outcome = send_digest_record(
        lambda_record(again), delivery_ports(worker, SETTINGS), SETTINGS, a_minute_later
    )

    # THEN the redelivery sends the digest (once), and the send log says so
    assert outcome == "sent"
    assert len(sent_emails()) == 1
    recipient = json.loads(first["Body"])["recipient"]
    (record,) = [
        r
        for r in DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(summary.period)
        if r.recipient == recipient
    ]
    assert (record.status, record.attempts) == ("sent", 2)


# --- 3. the ledger over three weeks -----------------------------------------------------


@dataclass
class Week:
    day: date
    plan: SamplePlan
    summary: WeeklySummary
    digests: DigestPlan
    result: ScanResult
    entries: dict[EntryKey, LedgerEntry]


@dataclass
class ThreeWeeks:
    weeks: list[Week]
    fixed_key: EntryKey  # unfiled in week 1, filed before week 2
    rosterless_unit: str  # its rosters removed before week 3
    old_key: EntryKey  # open in that unit since week 1


def run_week(clients: Clients, root: Path, day: date, edit: Edit | None = None) -> Week:
    plan = upload_college(clients, root, day, edit)
    summary, digests, result = run_weekly(weekly_ports(clients, SETTINGS), SETTINGS, day)
    drain_digests(clients, SETTINGS, monday_morning(day))  # as the worker does: a copy to
    # the unit head needs last week's warning to have been sent
    entries = DynamoLedger(clients.dynamodb, SETTINGS.ledger_table).entries()
    return Week(day, plan, summary, digests, result, entries)


def file_group(result: ScanResult, key: EntryKey, filed_on: date) -> Edit:
    """A new filings/ CSV with one row filing the group as it looked in `result` (as the
    unit secretaries do in jobs/demo.py)."""
    platform, group_id, _ = key
    (group,) = [g for g in result.groups if g.key == (platform, group_id)]
    assert group.unit is not None and group.filing is None
    row = dict.fromkeys(FILING_HEADER, "") | {
        "platform": platform.value,
        "group_id": group_id,
        "group_name": group.name or "",
        "unit": group.unit.unit_id,
        "category": "work",
        "owner_id": group.owner_id or "",
        "filed_on": filed_on.isoformat(),
        "purpose": "日常工作",
        "status": "filed",
    }

    def edit(root: Path) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, FILING_HEADER)
        writer.writeheader()
        writer.writerow(row)
        (root / "filings" / "test_fixes.csv").write_text(buffer.getvalue(), encoding="utf-8")

    return edit


def remove_rosters_of(result: ScanResult, unit_id: str) -> Edit:
    """Delete every roster file the unit's groups were read from (upload_folder then
    deletes them from the bucket)."""
    files = {
        g.snapshot.source.split("#", 1)[0]
        for g in result.groups
        if g.unit is not None and g.unit.unit_id == unit_id and g.snapshot is not None
    }
    assert files

    def edit(root: Path) -> None:
        for name in files:
            (root / name).unlink()

    return edit


def both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for each in edits:
            each(root)

    return edit


def three_weeks(clients: Clients, tmp_path: Path) -> ThreeWeeks:
    """Week 1 as generated, with two unfiled groups in two units; before week 2 the first
    is filed; before week 3 the second's unit loses every roster (so that group, known
    only from its roster, is gone from the scan altogether)."""
    week1 = run_week(clients, tmp_path / "week1", DAY)
    first, second = sorted(week1.plan.planted["unfiled"])
    fixed_key: EntryKey = (Platform(first[0]), first[1], "unfiled")
    old_key: EntryKey = (Platform(second[0]), second[1], "unfiled")
    rosterless_unit = week1.entries[old_key].unit_id
    assert rosterless_unit is not None
    assert rosterless_unit != week1.entries[fixed_key].unit_id

    fix = file_group(week1.result, fixed_key, DAY + timedelta(days=7))
    week2 = run_week(clients, tmp_path / "week2", DAY + timedelta(days=7), fix)
    no_rosters = remove_rosters_of(week1.result, rosterless_unit)
    week3 = run_week(clients, tmp_path / "week3", DAY + timedelta(days=14), both(fix, no_rosters))
    return ThreeWeeks([week1, week2, week3], fixed_key, rosterless_unit, old_key)


def stored_eml(clients: Clients, week: Week, recipient: str) -> EmailMessage:
    (message,) = [m for m in week.summary.messages if m.recipient == recipient]
    raw = clients.s3.get_object(Bucket=SETTINGS.data_bucket, Key=message.eml_key)["Body"].read()
    assert message.eml_key == f"outbox/{week.summary.period}/{message.content_hash}.eml"
    return parse_eml(raw)


def test_a_finding_fixed_in_week_two_is_resolved_and_listed_as_fixed_in_its_recipients_digest(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN an unfiled group reminded in week 1
    # WHEN its unit files it before week 2
    run = three_weeks(aws, tmp_path)
    week1, week2, week3 = run.weeks
    _, group_id, rule = run.fixed_key

    # THEN its ledger entry, open in week 1, is resolved in week 2 and stays resolved
    assert week1.entries[run.fixed_key].state is LedgerState.OPEN
    assert week2.summary.changes.get("resolved", 0) >= 1
    fixed = week2.entries[run.fixed_key]
    assert (fixed.state, fixed.resolved_on, fixed.first_seen) == (
        LedgerState.RESOLVED,
        week2.day,
        week1.day,
    )
    assert week3.entries[run.fixed_key] == fixed
    # AND the person reminded in week 1 finds it under "fixed" in week 2, only then
    (recipient,) = [
        d.recipient
        for d in week1.digests.digests
        if any((i.group_id, i.rule) == (group_id, rule) for i in d.new)
    ]
    digest = digest_for(week2.digests, recipient)
    assert [(i.group_id, i.rule) for i in digest.fixed] == [(group_id, rule)]
    assert not any(
        i.group_id == group_id and i.rule == rule for i in digest.new + digest.still_open
    )
    assert not any(
        i.group_id == group_id for d in week3.digests.digests for i in d.fixed + d.still_open
    )
    # AND the stored .eml of that digest says so in its "fixed since last week" section
    text = plain_text(stored_eml(aws, week2, recipient))
    assert group_id in section(text, "上周以来已整改")
    assert group_id not in section(text, "仍未整改")


def test_a_unit_without_rosters_resolves_nothing_and_its_three_week_old_finding_copies_its_head(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN findings open since week 1 in a unit
    # WHEN every roster of that unit is gone from the bucket in week 3
    run = three_weeks(aws, tmp_path)
    week1, week2, week3 = run.weeks
    of_unit = [g for g in week3.result.groups if g.unit and g.unit.unit_id == run.rosterless_unit]
    assert of_unit and all(g.snapshot is None for g in of_unit)
    assert run.old_key[:2] not in {g.key for g in week3.result.groups}

    # THEN no entry is resolved in week 3, and the unit's entries keep their state and age
    # (an active one its roster could not show is noted once as unseen since week 3)
    assert "resolved" not in week3.summary.changes
    before = {k: e for k, e in week2.entries.items() if e.unit_id == run.rosterless_unit}
    assert any(e.active for e in before.values())
    for key, entry in before.items():
        after = week3.entries[key]
        assert (after.state, after.opened_on) == (entry.state, entry.opened_on)
        # (an entry still seen, now without its roster, is rewritten once to note it)
        assert (after.first_seen, after.unit_id) == (entry.first_seen, entry.unit_id)
        assert after.version in (entry.version, entry.version + 1)
        assert after.unseen_since in (None, week3.day)
    # AND the finding open since week 1 is in its third week
    old = week3.entries[run.old_key]
    assert (old.state, old.first_seen) == (LedgerState.OPEN, week1.day)
    assert old.weeks_open(week3.day) == 3
    # AND its digest lists it as still open for 3 weeks and copies the unit head (week 3
    # only: in week 2 it was 2 weeks open)
    (unit,) = [u for u in week3.result.units if u.unit_id == run.rosterless_unit]
    assert unit.head_email
    head = unit.head_email.lower()
    _, group_id, rule = run.old_key
    (digest,) = [
        d
        for d in week3.digests.digests
        if any((i.group_id, i.rule) == (group_id, rule) for i in d.still_open)
    ]
    (item,) = [i for i in digest.still_open if (i.group_id, i.rule) == (group_id, rule)]
    assert item.weeks_open == 3
    assert head in digest.cc
    assert head not in digest_for(week2.digests, digest.recipient).cc
    (message,) = [m for m in week3.summary.messages if m.recipient == digest.recipient]
    assert head in message.cc
    eml = stored_eml(aws, week3, digest.recipient)
    assert head in str(eml["Cc"])
    still_open = section(plain_text(eml), "仍未整改")
    assert group_id in still_open and "已持续 3 周" in still_open


# --- 4. the demo is reproducible --------------------------------------------------------


def test_the_demo_writes_the_same_outbox_byte_for_byte_when_run_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN fake credentials (the demo runs on its own embedded moto)
    fake_credentials(monkeypatch)

    # WHEN the demo runs twice from the same first day into two folders
    run_demo(tmp_path / "a", DAY, SETTINGS)
    run_demo(tmp_path / "b", DAY, SETTINGS)
    capsys.readouterr()

    # THEN both outboxes hold the same files with the same bytes
    def outbox(root: Path) -> dict[str, bytes]:
        folder = root / "outbox"
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}

    first, second = outbox(tmp_path / "a"), outbox(tmp_path / "b")
    assert any(name.endswith(".eml") for name in first)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert_the_demo_shows_what_its_readers_need(tmp_path / "a")


def assert_the_demo_shows_what_its_readers_need(out: Path) -> None:
    """What issue 10 asks a fresh demo to show in out/demo/: deadlines and announced
    copies, member lists, data problems and a receipt for a unit, previews that open."""
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / "outbox").glob("*.html")}
    every = "\n".join(pages.values())
    for words in (
        "整改期限",
        "前仍未整改,下周提醒将抄送",
        "涉及成员",
        "数据问题",
        "上传时已被拒收",
    ):
        assert words in every, words
    receipts = [name for name in pages if "上传回执" in name]
    assert any("dwgzb" not in name for name in receipts)  # one went to a unit's contact
    subjects = re.findall(r"<title>(.*?)</title>", every)
    assert subjects and all(re.search(r"\d+月\d+日", subject) for subject in subjects)
    rollup = (out / "reports" / "2026" / "W47" / "党委工作部.html").read_text(encoding="utf-8")
    assert rollup.count('src="data:image/png;base64,') == 1 and "cid:" not in rollup
    assert all(rule.meta.title in rollup for rule in REGISTRY.values())


# --- 5. a same-day replay ---------------------------------------------------------------


def test_a_second_run_on_the_same_day_writes_only_run_records_and_sends_nothing_new(
    aws: Clients, tmp_path: Path
) -> None:
    # GIVEN a first weekly run whose digests were all sent
    upload_college(aws, tmp_path / "data", DAY)
    now = monday_morning(DAY)
    first, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    assert drain_digests(aws, SETTINGS, now) == Counter(sent=first.digests)
    assert len(sent_emails()) == first.digests > 0

    # WHEN the same data is scanned again the same day, and the queue drained
    replay, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    outcomes = drain_digests(aws, SETTINGS, now)

    # THEN the ledger got only the run record itself
    assert replay.changes == {}
    assert replay.ledger_writes == 1
    # AND no digest was queued again: each recipient has this week's already
    assert (replay.digests, replay.held_back, replay.messages) == (first.digests, first.digests, [])
    assert outcomes == Counter()
    assert len(sent_emails()) == first.digests
    assert messages_in(aws, SETTINGS.digest_queue) == 0
