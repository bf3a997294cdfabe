"""The weekly job on the in-memory ports (tests/flows/local.py): one digest per recipient
and week, whatever the re-runs; what is written where; one failure isolated. The same
flow on moto, with the real AWS calls and their faults, is tests/flows/test_weekly.py and
tests/faults/."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from chalicelib.core.models import RollupKind
from chalicelib.flows.outbox import Resend
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import run_weekly
from chalicelib.ledger.models import RunStatus
from chalicelib.notify.memory import MemoryMailQueue, MemoryTransport
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.sending import Handed, MailMessage, Rejected, SendStatus
from tests.faults.college import CS_CONTACT, DAY, SETTINGS, WANG, ZHAO, College, monday_morning
from tests.flows.local import LocalAws
from tests.notify.test_mailhealth import bounce

UPLOADED = datetime(2026, 11, 16, 7, 30)


@pytest.fixture
def local(tmp_path: Path) -> LocalAws:
    world = LocalAws(now=UPLOADED)
    world.upload(College().write(tmp_path / "data"))
    return world


def recipients(local: LocalAws) -> list[str]:
    return sorted(str(m["To"]) for m in local.emails())


def test_each_recipient_gets_one_digest_and_a_rerun_the_same_week_sends_nothing(
    local: LocalAws,
) -> None:
    first, plan, _ = run_weekly(local.weekly(), SETTINGS, DAY)
    assert local.drain(SETTINGS, monday_morning()) == Counter(sent=3)

    again, _, _ = run_weekly(local.weekly(), SETTINGS, DAY.replace(day=18))  # a Wednesday

    assert recipients(local) == sorted([CS_CONTACT, WANG, ZHAO])
    assert [d.recipient for d in plan.digests] == sorted([CS_CONTACT, WANG, ZHAO])
    assert (len(first.messages), len(again.messages), again.held_back) == (3, 0, 3)
    assert local.queue.take() == []
    assert [r.status for r in local.ledger.runs()] == [RunStatus.COMPLETE]


def test_an_operator_resend_goes_once_more_to_the_one_recipient_asked(local: LocalAws) -> None:
    run_weekly(local.weekly(), SETTINGS, DAY)
    local.drain(SETTINGS, monday_morning())
    resend = Resend("20261118T090000", to=WANG)

    run_weekly(local.weekly(), SETTINGS, DAY, resend=resend)
    run_weekly(local.weekly(), SETTINGS, DAY, resend=resend)  # the operator's replay
    local.drain(SETTINGS, monday_morning())

    assert recipients(local) == sorted([CS_CONTACT, WANG, WANG, ZHAO])


def test_the_ledger_the_run_record_and_the_weeks_inventory_are_written(
    local: LocalAws,
) -> None:
    summary, _, result = run_weekly(local.weekly(), SETTINGS, DAY)

    rules = {(key[1], key[2]) for key in local.ledger.entries()}
    assert {("100001", "departed_members"), ("200002", "unidentified_members")} <= rules
    assert ("300003", "expired") in rules
    run = local.ledger.run("2026-W47")
    assert run is not None and run.status is RunStatus.COMPLETE
    assert run.ledger_writes == local.ledger.writes == summary.ledger_writes
    inventory = GroupInventory.model_validate_json(local.bucket.get("inventory/2026-W47.json"))
    assert {row.group_id for row in inventory.rows} == {g.group_id for g in result.groups}


def test_a_dry_run_writes_queues_and_records_nothing(local: LocalAws) -> None:
    summary, plan, _ = run_weekly(local.weekly(), SETTINGS, DAY, dry_run=True)

    assert len(plan.digests) == 3 and summary.messages == []
    assert local.ledger.entries() == {} and local.ledger.runs() == []
    assert local.queue.take() == [] and local.bucket.keys("inventory/") == []


class RefusesOne(MemoryMailQueue):
    """A queue that cannot take the digest to one recipient."""

    def post(self, message: MailMessage, raw: bytes) -> None:
        if message.recipient == ZHAO:
            raise ValueError("队列不可用")
        super().post(message, raw)


def test_a_digest_that_cannot_be_queued_is_on_record_and_queued_by_the_rerun(
    local: LocalAws,
) -> None:
    healthy = local.queue
    local.queue = RefusesOne(local.bucket)
    summary, _, _ = run_weekly(local.weekly(), SETTINGS, DAY)

    assert sorted(m.recipient for m in summary.messages) == sorted([CS_CONTACT, WANG])
    assert any("提醒未能排队" in problem for problem in summary.problems)
    failed = [r for r in local.send_log.records("2026-W47") if r.status is SendStatus.FAILED]
    assert [r.recipient for r in failed] == [ZHAO]
    run = local.ledger.run("2026-W47")
    assert run is not None and run.status is RunStatus.PARTIAL

    local.queue = healthy
    rerun, _, _ = run_weekly(local.weekly(), SETTINGS, DAY)
    local.drain(SETTINGS, monday_morning())

    assert [m.recipient for m in rerun.messages] == [ZHAO]
    assert recipients(local) == [ZHAO]  # the first run's two were never drained


def test_a_second_college_is_judged_and_cited_by_its_own_regulations(
    tmp_path: Path,
) -> None:
    # GIVEN a college whose policy renames 管理办法, moves departed_members to its own
    # article and allows no departed member for any time (grace of 0 days)
    college = College()
    college.files["config/policy.csv"] = (
        "项目,内容\n管理办法,某某大学网络工作群管理规定\n"
        "离开人员未移出,管理办法 第八条(二)\ndeparted_grace_days,0\n"
    )
    world = LocalAws(now=UPLOADED)
    world.upload(college.write(tmp_path / "data"))

    _, _, result = run_weekly(world.weekly(), SETTINGS, DAY)
    world.drain(SETTINGS, monday_morning())

    (finding,) = [f for f in result.findings if f.rule == "departed_members"]
    assert finding.clause == "管理办法 第八条(二)"
    assert result.settings.departed_grace_days == 0
    wang = next(m for m in world.emails() if str(m["To"]) == WANG)
    body = wang.get_body(("plain",))
    assert body is not None
    assert "《某某大学网络工作群管理规定》(以下简称《管理办法》)第八条(二)" in body.get_content()
    rollup = run_rollup(world.rollup(), SETTINGS, RollupKind.WEEK, DAY, monday_morning())
    assert rollup.sent
    office = next(m for m in world.emails() if "周报" in str(m["Subject"]))
    office_body = office.get_body(("plain",))
    assert (
        office_body is not None
        and "《某某大学网络工作群管理规定》(简称《管理办法》)" in office_body.get_content()
    )


def test_an_address_that_bounced_gets_no_digest_and_the_rollup_names_it(
    local: LocalAws,
) -> None:
    # GIVEN SES reported last week that WANG's mailbox does not exist
    local.mail_events.append(json.dumps(bounce("Permanent", WANG.upper())))

    # WHEN the week runs, its digests are delivered and the offices get their rollup
    run_weekly(local.weekly(), SETTINGS, DAY)
    outcomes = local.drain(SETTINGS, monday_morning())
    rollup = run_rollup(local.rollup(), SETTINGS, RollupKind.WEEK, DAY, monday_morning())

    # THEN no digest went into the bounce; the others went
    assert outcomes == Counter(sent=2, blocked=1)
    assert WANG not in recipients(local)
    assert local.mail_events == []  # taken, once
    # AND the supervising office's rollup (the one with the system's problems) tells
    # which address to correct, masked
    assert set(rollup.sent.values()) == {"sent"}
    (office,) = [m for m in local.emails() if "报送:党委工作部" in _plain(m)]
    text = _plain(office)
    assert "提醒邮件 w***@college.example.com(2026-W47):未发送(邮箱已退信" in text
    (line,) = [line for line in text.splitlines() if "邮箱 w***@college.example.com 已退信" in line]
    assert "550 5.1.1" in line and "jobs unblock" in line
    assert WANG not in text


def test_a_dry_run_leaves_the_mail_events_for_the_real_run(local: LocalAws) -> None:
    local.mail_events.append(json.dumps(bounce("Permanent", WANG)))
    run_weekly(local.weekly(), SETTINGS, DAY, dry_run=True)
    assert len(local.mail_events) == 1
    assert local.health.all() == []


def test_mail_events_that_cannot_be_read_do_not_stop_the_weeks_digests(local: LocalAws) -> None:
    def unreachable(take: object) -> int:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ReceiveMessage")

    ports = replace(local.weekly(), mail_events=unreachable)
    record, plan, _ = run_weekly(ports, SETTINGS, DAY)
    assert len(plan.digests) == 3
    assert any("退信记录未能读取" in problem for problem in record.problems)


def _plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return "" if body is None else str(body.get_content())


class RefusesWang(MemoryTransport):
    """An SMTP server that answers 550 for WANG's mailbox."""

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        if recipients[0] == WANG:
            answer = "550 5.1.1 Mailbox unavailable"
            raise Rejected(f"邮件服务器拒收收件人:{answer}", [WANG], answer)
        return super().send(raw, sender, recipients)


def test_a_mailbox_an_smtp_server_refused_is_listed_once_and_not_mailed_again(
    local: LocalAws,
) -> None:
    # GIVEN an SMTP server that refuses WANG's mailbox for good
    local.transport = RefusesWang()

    # WHEN the week runs, its digests are delivered, and the offices get their rollup
    run_weekly(local.weekly(), SETTINGS, DAY)
    outcomes = local.drain(SETTINGS, monday_morning())
    run_rollup(local.rollup(), SETTINGS, RollupKind.WEEK, DAY, monday_morning())

    # THEN the refusal was taken as final (no retry), and the rollup names the address
    assert outcomes == Counter(sent=2, rejected=1)
    (office,) = [m for m in local.emails() if "报送:党委工作部" in _plain(m)]
    lines = [line for line in _plain(office).splitlines() if "被邮件服务器拒收" in line]
    assert any("邮箱 w***@college.example.com 已被邮件服务器拒收" in line for line in lines)
    assert WANG not in _plain(office)
    # AND a replayed message is not sent into the refusal again
    assert local.health.undeliverable(WANG) is not None
