"""Fault injection, operators' mistakes: a data problem is reported as a data problem,
never mailed as a finding (issue "No wrong reminder"). Each scenario runs the weekly job on
embedded AWS, week after week, and reads the emails that do and do not go out.

The college (tests/faults/college.py) finds, in week 1: 100001 departed_members (to
wang@), 200002 unidentified_members (to zhao@), 300003 expired (to cs@, its unit)."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import iso_period
from chalicelib.core.models import RollupKind
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import Acceptance, WeeklySummary, run_weekly
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.ledger.models import LedgerState
from chalicelib.ledger.week import LaterWeekRan
from chalicelib.notify.sending import DIGEST
from jobs.unblock import forget
from jobs.weekly import drain_digests
from tests.aws import client_error, injected, sent_emails
from tests.faults.college import CS_CONTACT, DAY, SETTINGS, WANG, ZHAO, College, monday_morning

WEEK2, WEEK3, WEEK4 = (DAY + timedelta(weeks=n) for n in (1, 2, 3))
OFFICE = "dw@college.example.com"
CS_HEAD = "cs-head@college.example.com"
BROKEN_WORKBOOK = b"PK\x03\x04" + bytes(600)


class Mailbox:
    """What SES accepted, read week by week."""

    def __init__(self) -> None:
        self.seen = 0

    def new(self) -> dict[str, Message]:
        """The emails accepted since the last look, by To address (rollups by office)."""
        messages = [email.message_from_string(m.raw_data) for m in sent_emails()[self.seen :]]
        self.seen = len(sent_emails())
        return {str(m["To"]): m for m in messages}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    yield Mailbox()


def text(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def items(message: Message) -> str:
    """The findings a digest lists: its text above the data problems."""
    return text(message).split("== 数据问题")[0]


def week(aws: Clients, college: College, root: Path, day: date, **options: Any) -> WeeklySummary:
    """Upload the college as it stands, run that Monday's job, send what it queued."""
    college.upload(aws, root)
    summary, _, _ = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, day, **options)
    drain_digests(aws, SETTINGS, monday_morning(day))
    return summary


def entries(aws: Clients) -> dict[tuple[str, str], LedgerState]:
    stored = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries()
    return {(key[1], key[2]): entry.state for key, entry in stored.items()}


def rollup_text(aws: Clients, day: date, mailbox: Mailbox) -> str:
    at_ten = monday_morning(day) + timedelta(hours=2)
    run_rollup(rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, day, at_ten)
    return text(mailbox.new()[OFFICE])


def test_a_rejected_directory_opens_no_identity_finding_and_each_unit_is_told_why(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    college = College()
    week(aws, college, tmp_path, DAY)
    mailbox.new()

    # WHEN the week-2 directory is a damaged workbook: nobody could be identified
    college.files["directory/staff.csv"] = BROKEN_WORKBOOK
    summary = week(aws, college, tmp_path, WEEK2)
    mails = mailbox.new()

    # THEN no group gets a new 不明身份人员 finding, and the departed member is not "fixed"
    assert summary.held == 2 and summary.changes.get("created", 0) == 0
    assert entries(aws)[("100001", "departed_members")] is LedgerState.OPEN
    assert ("100001", "unidentified_members") not in entries(aws)
    for recipient, message in mails.items():
        body = text(message)
        assert "上周以来已整改" not in body, recipient
        assert "本周新发现" not in body, recipient
    # AND the unit of the groups held is told why, naming the file
    told = text(mails[CS_CONTACT])
    assert "人员名册 directory/staff.csv 被拒收,本周暂未认定“不明身份人员”" in told
    assert "100001" in told and "300003" in told
    # AND the supervising office sees them as 待确认
    assert "待确认:因数据存疑暂未认定的新问题(2 项)" in rollup_text(aws, WEEK2, mailbox)


def test_a_directory_cut_to_a_tenth_is_held_until_an_operator_accepts_it(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    college = College()
    week(aws, college, tmp_path, DAY)
    mailbox.new()
    full = college.files["directory/staff.csv"]
    assert isinstance(full, str)

    # WHEN half the upload went missing: 4 people of 40 in the week-2 directory
    college.files["directory/staff.csv"] = "\n".join(full.splitlines()[:5]) + "\n"
    summary = week(aws, college, tmp_path, WEEK2)

    # THEN the identity findings it would open are held, and the departed member who
    # vanished from the file is not "fixed"
    assert summary.held == 2 and summary.metrics()["FindingsHeld"] == 2
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W48")
    assert run is not None and run.held == {"unidentified_members": 2}
    assert "人员名册中的人数从上次完整检查的 40 降到 4" in run.held_reasons[0]
    assert entries(aws)[("100001", "departed_members")] is LedgerState.OPEN
    assert not any(
        "不明身份人员" in text(m) and "本周新发现" in text(m) for m in mailbox.new().values()
    )

    # WHEN an operator checks the directory and accepts it, the same day
    accepted = Acceptance("党委工作部 王老师", "本学期人员名册核实无误", "20261123T100000")
    released = week(aws, college, tmp_path, WEEK2, accept=accepted)

    # THEN the findings open, and each of their recipients gets one more digest of them
    assert released.held == 0
    assert entries(aws)[("100001", "unidentified_members")] is LedgerState.OPEN
    assert entries(aws)[("100001", "departed_members")] is LedgerState.RESOLVED
    again = mailbox.new()
    assert set(again) == {WANG, CS_CONTACT}
    assert "不明身份人员" in text(again[WANG])
    run = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run("2026-W48")
    assert run is not None and run.accepted == str(accepted) and not run.holding


def test_a_rejected_filings_workbook_makes_no_group_unfiled(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    college = College()
    week(aws, college, tmp_path, DAY)
    mailbox.new()

    college.files["filings/filings.csv"] = BROKEN_WORKBOOK
    summary = week(aws, college, tmp_path, WEEK2)
    mails = mailbox.new()

    assert summary.held == 3  # each group would have been 未审备 (high)
    assert not any(key[1] == "unfiled" for key in entries(aws))
    assert entries(aws)[("300003", "expired")] is LedgerState.OPEN  # not resolved either
    assert not any("未审备" in items(m) for m in mails.values())
    assert "审备登记表 filings/filings.csv 被拒收" in text(mails[CS_CONTACT])


def test_a_rejected_waivers_file_mails_no_waived_finding_as_new(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    # GIVEN week 1: the departed member of 100001 is waived by the waivers file
    college = College()
    college.files["waivers/waivers.csv"] = (
        "平台,群号,规则,理由,审批人,有效期至\n"
        "qq,100001,departed_members,退休返聘人员仍需参与工作,党委工作部,2027-06-30\n"
    )
    week(aws, college, tmp_path, DAY)
    assert entries(aws)[("100001", "departed_members")] is LedgerState.WAIVED
    mailbox.new()

    # WHEN week 2's waivers file is a damaged workbook
    college.files["waivers/waivers.csv"] = BROKEN_WORKBOOK
    summary = week(aws, college, tmp_path, WEEK2)
    mails = mailbox.new()

    # THEN the finding stays waived and nobody is mailed it as new
    assert entries(aws)[("100001", "departed_members")] is LedgerState.WAIVED
    assert summary.changes.get("unwaived", 0) == 0 and summary.held >= 1
    assert not any("本周新发现" in items(m) for m in mails.values())
    # AND its unit is told why, naming the file
    assert "豁免清单 waivers/waivers.csv 被拒收" in text(mails[CS_CONTACT])


def test_rosters_in_a_misnamed_folder_are_reported_and_no_group_is_called_rosterless(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    # GIVEN a unit that uploaded its rosters under roster/ instead of rosters/
    college = College()
    college.files = {
        path.replace("rosters/", "roster/", 1): body for path, body in college.files.items()
    }

    summary = week(aws, college, tmp_path, DAY)
    mails = mailbox.new()

    # THEN no group is mailed as 未提交名单, and the office is told where the files are
    assert summary.held == 3
    assert not any("未提交名单" in items(m) for m in mails.values())
    office = rollup_text(aws, DAY, mailbox)
    assert "文件夹“roster/”中的文件不在数据目录的文件夹中,没有被读取,应放在 rosters/ 中" in office


def test_a_head_is_not_copied_while_the_warning_bounced(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    # GIVEN 300003's expired finding, open since week 1 for cs@, whose week-2 digest (the
    # one that warns of the head's copy) SES refuses
    college = College()
    week(aws, college, tmp_path, DAY)

    def refuse_cs(params: dict[str, Any], **_: Any) -> None:
        if CS_CONTACT in params["Destinations"]:
            raise client_error("MessageRejected", "SendRawEmail")

    with injected(aws.ses, "before-parameter-build.ses.SendRawEmail", refuse_cs):
        week(aws, college, tmp_path, WEEK2)
    mailbox.new()

    # WHEN week 3 runs
    week(aws, college, tmp_path, WEEK3)
    third = mailbox.new()[CS_CONTACT]

    # THEN the head is not copied yet, and the digest warns of the copy again
    assert CS_HEAD not in str(third["Cc"] or "")
    assert "下周提醒将抄送单位第一责任人" in text(third)

    # AND once that warning reached cs@, week 4 copies the head
    week(aws, college, tmp_path, WEEK4)
    assert CS_HEAD in str(mailbox.new()[CS_CONTACT]["Cc"])


def test_a_warning_that_bounced_delays_the_heads_copy_after_the_address_is_unblocked(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    # GIVEN 300003's expired finding, open since week 1 for cs@, whose week-2 digest (the
    # one that warns of the head's copy) SES accepted and then reported as bounced
    college = College()
    week(aws, college, tmp_path, DAY)
    week(aws, college, tmp_path, WEEK2)
    records = DynamoSendLog(aws.dynamodb, SETTINGS.ledger_table).records(iso_period(WEEK2))
    warning = next(r for r in records if r.recipient == CS_CONTACT and r.kind == DIGEST)
    bounce = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": CS_CONTACT}],
        },
        "mail": {"timestamp": "2026-11-23T00:30:00.000Z", "messageId": warning.message_id},
    }
    queue = aws.sqs.get_queue_url(QueueName=SETTINGS.mail_events_queue)["QueueUrl"]
    aws.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(bounce))
    week(aws, college, tmp_path, WEEK3)  # reads the bounce: cs@ gets nothing this week
    # WHEN an operator clears the address and week 4 runs
    assert forget(aws, SETTINGS, CS_CONTACT)
    mailbox.new()
    week(aws, college, tmp_path, WEEK4)
    fourth = mailbox.new()[CS_CONTACT]

    # THEN the head is not copied on a warning that never arrived: the digest warns again
    assert CS_HEAD not in str(fourth["Cc"] or "")
    assert "下周提醒将抄送单位第一责任人" in text(fourth)


def test_an_earlier_week_run_after_a_later_one_is_refused_and_changes_nothing(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    college = College()
    week(aws, college, tmp_path, DAY)
    week(aws, college, tmp_path, WEEK2)
    before = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries()
    mailbox.new()

    with pytest.raises(LaterWeekRan, match="2026-W48"):
        week(aws, college, tmp_path, DAY)

    assert DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries() == before
    assert mailbox.new() == {}


def test_an_excel_total_row_is_not_a_151st_member(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    # GIVEN 200002's export holding exactly 150 members, and the total row Excel adds
    members = [str(10020 + i) for i in range(12)] + [str(30000 + i) for i in range(138)]
    rows = [
        f"200002,外语学院工作群,{m},{'群主' if i == 0 else '成员'},{DAY} 07:30"
        for i, m in enumerate(members)
    ]
    college = College()
    college.files["rosters/qq/200002.csv"] = (
        "\n".join(["群号,群名称,QQ号,身份,导出时间", *rows, "汇总,,150,,"]) + "\n"
    )

    week(aws, college, tmp_path, DAY)

    assert ("200002", "oversized") not in entries(aws)
    assert "超规模" not in text(mailbox.new()[ZHAO])


def test_a_contact_under_a_common_header_receives_its_units_digest(
    aws: Clients, tmp_path: Path, mailbox: Mailbox
) -> None:
    college = College().replace("config/units.csv", "联系邮箱", "联系人邮箱")

    week(aws, college, tmp_path, DAY)

    assert CS_CONTACT in mailbox.new()
