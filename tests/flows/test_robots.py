"""The weekly run's group robot notices, end to end on the in-memory ports and the robot
APIs played on loopback (tests/channels/robot_server.py): one notice per unit with open
findings and week, whatever is replayed; every outcome in the send log; nobody named."""

from __future__ import annotations

import csv
import logging
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from pathlib import Path

import pytest

from chalicelib.core.models import Channel, RollupKind
from chalicelib.core.settings import Settings
from chalicelib.flows.delivery import send_digest_record
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import run_weekly
from chalicelib.notify.sending import MailMessage, SendFailed, SendOutcome, SendStatus
from jobs.sample import generate_college
from tests.channels.robot_server import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    DINGTALK_URL,
    WECOM_KEY,
    WECOM_URL,
    RobotApi,
)
from tests.factories import make_settings
from tests.flows.local import LocalAws

DAY = date(2026, 11, 16)
UPLOADED = datetime(2026, 11, 16, 7, 30)  # Shanghai time, before the weekly run
NOW = datetime.combine(DAY, time(0, 5), UTC)
AT_TEN = datetime.combine(DAY, time(2, 0), UTC)
DINGTALK_UNIT, HOSTILE_UNIT, STALE_KEY_UNIT = "U11", "U12", "U13"
STALE_KEY = "0" * 8 + WECOM_KEY[8:]  # a well-formed key the provider does not know
SECRETS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, STALE_KEY)


def with_robots(root: Path) -> None:
    """Every unit of the sample college names the WeCom robot, but one names a DingTalk
    robot and one a hostile address."""
    path = root / "config" / "units.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows[0] += ["群机器人", "加签密钥"]
    for row in rows[1:]:
        robot = {
            DINGTALK_UNIT: (DINGTALK_URL, DINGTALK_SECRET),
            HOSTILE_UNIT: (f"https://qyapi.weixin.qq.com@127.0.0.1/?key={WECOM_KEY}", ""),
        }.get(row[0], (WECOM_URL, ""))
        row += robot
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)


@pytest.fixture
def world(tmp_path: Path) -> LocalAws:
    local = LocalAws(now=UPLOADED)
    generate_college(tmp_path / "data", today=DAY, groups=40)
    with_robots(tmp_path / "data")
    local.upload(tmp_path / "data")
    return local


def settings_for(api: RobotApi, **overrides: object) -> Settings:
    return make_settings(wecom_api_base=api.base, dingtalk_api_base=api.base, **overrides)


def weekly(world: LocalAws, settings: Settings) -> list[MailMessage]:
    """Run the week; the robot notices it queued (the digests stay queued)."""
    before = len(world.queue.messages)
    summary, _, _ = run_weekly(world.weekly(), settings, DAY)
    queued = world.queue.messages[before:]
    assert summary.notices == [m for m in queued if m.channel is not Channel.EMAIL]
    return summary.notices


def deliver(world: LocalAws, settings: Settings, message: MailMessage) -> SendOutcome | str:
    record = {"body": message.to_json(), "receiptHandle": message.eml_key}
    try:
        return send_digest_record(record, world.delivery(), settings, NOW)
    except SendFailed:
        return "retry later"


def active_units(world: LocalAws) -> set[str]:
    return {e.unit_id for e in world.ledger.entries().values() if e.active and e.unit_id}


def test_each_unit_with_open_findings_gets_one_notice_a_week(
    world: LocalAws, robot_api: RobotApi, tmp_path: Path
) -> None:
    settings = settings_for(robot_api)
    notices = weekly(world, settings)
    expected = active_units(world) - {HOSTILE_UNIT}
    assert {m.recipient for m in notices} == {f"robot:{u}" for u in expected}
    assert DINGTALK_UNIT in expected and HOSTILE_UNIT in active_units(world)
    for message in notices:
        assert deliver(world, settings, message) is SendOutcome.SENT
    for message in notices:  # replayed: nothing more
        assert deliver(world, settings, message) is SendOutcome.DUPLICATE
    assert weekly(world, settings) == []  # the week run again: nothing more
    assert len(robot_api.posted()) == len(robot_api.requests) == len(expected)
    assert {r.channel for r in robot_api.posted()} == {"wecom", "dingtalk"}
    records = [r for r in world.send_log.records("2026-W47") if r.robot]
    assert {(r.recipient, r.status, r.attempts) for r in records} == {
        (f"robot:{u}", SendStatus.SENT, 1) for u in expected
    }
    assert all(r.message_id and r.message_id.startswith(("企业微信群机器人 …", "钉钉群机器人 …"))
               for r in records)  # fmt: skip
    bodies = "".join(str(r.body) for r in robot_api.posted())
    for private in _people(tmp_path / "data") | _groups(world):
        assert private not in bodies


def test_a_hostile_robot_cell_sends_nothing_anywhere(
    world: LocalAws, robot_api: RobotApi, tmp_path: Path
) -> None:
    settings = settings_for(robot_api)
    summary, _, result = run_weekly(world.weekly(), settings, DAY)
    (error,) = [e for e in result.errors if e.column == "群机器人"]
    units = (tmp_path / "data" / "config" / "units.csv").read_text("utf-8").splitlines()
    row = next(n for n, line in enumerate(units, 1) if line.startswith(f"{HOSTILE_UNIT},"))
    assert (error.file, error.row) == ("config/units.csv", row)
    assert f"robot:{HOSTILE_UNIT}" not in {m.recipient for m in summary.notices}
    for message in summary.notices:
        deliver(world, settings, message)
    assert all(("key=" + WECOM_KEY) in r or "access_token=" in r for r in robot_api.requests)


def test_a_rate_limited_notice_is_sent_later_once(world: LocalAws, robot_api: RobotApi) -> None:
    settings = settings_for(robot_api)
    message = weekly(world, settings)[0]
    robot_api.behaviour.errcodes = [45009]
    assert deliver(world, settings, message) == "retry later"
    assert world.hidden == [(message.eml_key, 30)]  # hidden, then SQS delivers it again
    assert deliver(world, settings, message) is SendOutcome.SENT
    assert len(robot_api.posted()) == 1 and len(robot_api.received) == 2
    record = world.send_log.record(message)
    assert record is not None and (record.status, record.attempts) == (SendStatus.SENT, 2)


def test_an_invalid_key_is_recorded_once_and_not_retried(
    world: LocalAws, robot_api: RobotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    units = tmp_path / "data" / "config" / "units.csv"
    _set_robot(units, STALE_KEY_UNIT, WECOM_URL.replace(WECOM_KEY, STALE_KEY))
    world.upload(tmp_path / "data")
    settings = settings_for(robot_api)
    notices = {m.recipient: m for m in weekly(world, settings)}
    stale = notices.pop(f"robot:{STALE_KEY_UNIT}")
    assert deliver(world, settings, stale) is SendOutcome.REJECTED  # acknowledged: no retry
    assert world.hidden == []
    for message in notices.values():
        deliver(world, settings, message)
    record = world.send_log.record(stale)
    assert record is not None and record.status is SendStatus.FAILED and record.error
    assert "93000" in record.error and f"…{STALE_KEY[-4:]}" in record.error
    world.drain(settings, AT_TEN)  # the digests
    run_rollup(world.rollup(), settings, RollupKind.WEEK, DAY, AT_TEN)
    rollup = next(m for m in world.emails() if "周报" in str(m["Subject"]))
    text = _text(rollup)
    assert text.count(f"单位 {STALE_KEY_UNIT} 的企业微信群机器人通知") == 1
    shown = text + caplog.text + str(record)
    assert not any(secret in shown for secret in SECRETS)


def test_a_timeout_after_sending_is_unknown_and_never_resent(
    world: LocalAws, robot_api: RobotApi
) -> None:
    settings = settings_for(robot_api, robot_timeout_seconds=1)
    message = weekly(world, settings)[0]
    robot_api.behaviour.answer_after = 1.5
    assert deliver(world, settings, message) is SendOutcome.UNKNOWN
    robot_api.behaviour.answer_after = 0
    assert deliver(world, settings, message) is SendOutcome.UNKNOWN  # replayed: not resent
    assert len(robot_api.received) == 1  # the robot had it once
    record = world.send_log.record(message)
    assert record is not None and record.status is SendStatus.UNKNOWN


def _set_robot(path: Path, unit_id: str, robot: str) -> None:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    for row in rows:
        if row[0] == unit_id:
            row[-2] = robot
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)


def _people(root: Path) -> set[str]:
    """Every staff name and number, and every unit head's name, of the sample college."""
    staff = csv.DictReader(
        (root / "directory" / "教职工名册.csv").read_text("gb18030").splitlines()
    )
    units = csv.DictReader((root / "config" / "units.csv").read_text("utf-8").splitlines())
    return {v for row in staff for v in (row["姓名"], row["工号"])} | {
        row["第一责任人"] for row in units
    }


def _groups(world: LocalAws) -> set[str]:
    entries = [e for e in world.ledger.entries().values() if e.active]
    return {e.group_id for e in entries} | {e.group_name for e in entries if e.group_name}


def _text(message: EmailMessage) -> str:
    return "".join(
        str(part.get_content()) for part in message.walk() if part.get_content_type() == "text/html"
    )
