"""The week's notice to a unit's group robot: counts, deadline, link; nobody named."""

from __future__ import annotations

from chalicelib.core.layout import robot_notice_key
from chalicelib.core.models import Channel
from chalicelib.core.robots import parse_robot
from chalicelib.ledger.models import LedgerEntry, LedgerState
from chalicelib.notify.robots.message import RobotNotice
from chalicelib.notify.robots.notice import robot_notices
from tests.channels.robot_server import DINGTALK_SECRET, DINGTALK_URL, WECOM_KEY, WECOM_URL
from tests.factories import TODAY, make_unit
from tests.notify.digests.test_build import make_entry

PERIOD = "2026-W37"
WECOM = parse_robot(WECOM_URL, None)
MEMBERS = {"members": [{"name": "张三丰", "account": "812345678", "shown": "张三丰老师"}]}


def entries() -> list[LedgerEntry]:
    return [
        make_entry("oversized", "G1", evidence=MEMBERS),
        make_entry("outsider_members", "G1", evidence=MEMBERS),
        make_entry("unfiled", "G2", weeks=4),
        make_entry("oversized", "G3", state=LedgerState.RESOLVED),  # not open
        make_entry("oversized", "G4", state=LedgerState.WAIVED),  # not open
        make_entry("oversized", "G5", unit_id="U02"),  # another unit's
    ]


def test_one_notice_per_unit_with_a_robot_and_open_findings() -> None:
    units = [
        make_unit("U01", robot=WECOM),
        make_unit("U02", "外国语学院"),  # no robot
        make_unit("U03", "数学学院", robot=WECOM),  # nothing open
    ]
    (notice,) = robot_notices(entries(), units, TODAY, PERIOD)
    assert notice.unit_id == "U01" and notice.robot == WECOM


def test_counts_by_severity_with_the_deadline_and_the_link() -> None:
    (notice,) = robot_notices(
        entries(), [make_unit(robot=WECOM)], TODAY, PERIOD, lambda unit: f"https://p/{unit}"
    )
    text = notice.markdown
    assert "**信息工程学院** 有 **3** 项群组问题待整改,涉及 2 个群" in text
    assert "> 严重程度:高 1 项 · 中 1 项 · 低 1 项" in text
    assert "请于 **9月13日** 前完成整改" in text  # the day before the next weekly run
    assert "(https://p/U01)" in text


def test_names_no_member_and_no_group() -> None:
    (notice,) = robot_notices(entries(), [make_unit(robot=WECOM)], TODAY, PERIOD)
    for private in ("张三", "812345678", "12****78", "G1", "G2", "信息工程学院群"):
        assert private not in notice.markdown


def test_a_unit_name_cannot_add_a_link() -> None:
    unit = make_unit(name="[点我](https://evil.example)学院", robot=WECOM)
    (notice,) = robot_notices(entries(), [unit], TODAY, PERIOD)
    assert "**点我https://evil.example学院**" in notice.markdown  # text, not a link


def test_its_send_is_the_units_robot_this_week_and_survives_the_bucket() -> None:
    robot = parse_robot(DINGTALK_URL, DINGTALK_SECRET)
    (notice,) = robot_notices(entries(), [make_unit(robot=robot)], TODAY, PERIOD)
    message = notice.message(PERIOD)
    assert (message.recipient, message.period, message.kind, message.channel) == (
        "robot:U01",
        PERIOD,
        "digest",
        Channel.DINGTALK,
    )
    assert message.eml_key == robot_notice_key(PERIOD, message.content_hash)
    assert RobotNotice.from_bytes(notice.to_bytes()) == notice
    assert WECOM_KEY not in message.to_json() and DINGTALK_SECRET not in message.to_json()


def test_a_long_unit_name_keeps_the_notice_within_wecoms_4096_bytes() -> None:
    # Given a unit whose name (one units.csv cell, up to 32 767 characters) is very long
    unit = make_unit(name="机电工程学院" * 300, robot=WECOM)

    # When its notice is built, with its portal link
    (notice,) = robot_notices(entries(), [unit], TODAY, PERIOD, lambda u: f"https://p/{u}")

    # Then WeCom takes it: markdown content is at most 4096 bytes of UTF-8 (DESIGN.md,
    # Channels: providers' limits handled as documented), and it still ends as it should
    assert len(notice.markdown.encode("utf-8")) <= 4096
    assert "(https://p/U01)" in notice.markdown and "机电工程学院" in notice.markdown
