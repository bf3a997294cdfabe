"""A unit's group robot in config/units.* (`robot`, `robot_secret`): only the providers'
own webhooks are taken; anything else is a row error and the unit is read without one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Channel
from chalicelib.core.robots import parse_robot, robot_label
from tests.channels.robot_server import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    DINGTALK_URL,
    WECOM_KEY,
    WECOM_URL,
)
from tests.intake.loaders import load_units, write

HOSTILE = {
    "another host": "https://robots.evil.example/cgi-bin/webhook/send?key=abcdefgh1234",
    "userinfo trick": f"https://qyapi.weixin.qq.com@evil.example/cgi-bin/webhook/send?key={WECOM_KEY}",
    "plain http": f"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
    "a port": f"https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key={WECOM_KEY}",
    "another path": f"https://qyapi.weixin.qq.com/cgi-bin/message/send?key={WECOM_KEY}",
    "an extra parameter": f"{WECOM_URL}&url=https://evil.example/",
    "a fragment": f"{WECOM_URL}#x",
    "a key that is a path": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=../../x",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
    "very long": f"{WECOM_URL}{'a' * 5000}",
    "csv injection": '=HYPERLINK("https://evil.example/?k=1","点击")',
    "the key alone": WECOM_KEY,
    "a subdomain": f"https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key={WECOM_KEY}",
    "full-width host": f"https://ｑyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
}


def units_csv(*rows: tuple[str, str, str]) -> str:
    """units.csv with robot cells (unit id, robot, secret), quoted as Excel writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位编码", "单位名称", "联系邮箱", "群机器人", "加签密钥"])
    for unit_id, robot, secret in rows:
        writer.writerow([unit_id, f"{unit_id}学院", f"{unit_id.lower()}@x.edu", robot, secret])
    return buffer.getvalue()


def test_reads_a_wecom_and_a_dingtalk_robot(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        units_csv(("CS", WECOM_URL, ""), ("FL", DINGTALK_URL, DINGTALK_SECRET), ("MA", "", "")),
    )
    units, errors = load_units(tmp_path)
    assert errors == []
    wecom, dingtalk, none = (unit.robot for unit in units)
    assert wecom is not None and wecom.channel is Channel.WECOM
    assert wecom.key.get_secret_value() == WECOM_KEY and wecom.secret is None
    assert dingtalk is not None and dingtalk.channel is Channel.DINGTALK
    assert dingtalk.key.get_secret_value() == DINGTALK_TOKEN
    assert dingtalk.secret is not None and dingtalk.secret.get_secret_value() == DINGTALK_SECRET
    assert none is None


@pytest.mark.parametrize("cell", HOSTILE.values(), ids=HOSTILE.keys())
def test_refuses_anything_but_a_providers_webhook_and_keeps_the_unit(
    tmp_path: Path, cell: str
) -> None:
    write(tmp_path, "config/units.csv", units_csv(("CS", cell, ""), ("FL", WECOM_URL, "")))
    units, errors = load_units(tmp_path)
    assert [u.unit_id for u in units] == ["CS", "FL"]
    assert units[0].robot is None and units[1].robot is not None
    (error,) = errors
    assert (error.file, error.row, error.column) == ("config/units.csv", 2, "群机器人")
    assert "该单位不会收到群机器人通知" in error.reason
    assert WECOM_KEY not in error.reason


def test_a_dingtalk_robot_needs_its_signing_secret(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        units_csv(("CS", DINGTALK_URL, ""), ("FL", DINGTALK_URL, "not-a-secret")),
    )
    units, errors = load_units(tmp_path)
    assert [u.robot for u in units] == [None, None]
    assert [(e.row, e.column) for e in errors] == [(2, "加签密钥"), (3, "加签密钥")]
    assert "加签" in errors[0].reason
    assert all(DINGTALK_TOKEN not in e.reason and "not-a-secret" not in e.reason for e in errors)


def test_a_secret_without_a_dingtalk_robot_is_reported_and_ignored(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        units_csv(("CS", WECOM_URL, DINGTALK_SECRET), ("FL", "", DINGTALK_SECRET)),
    )
    units, errors = load_units(tmp_path)
    assert units[0].robot is not None and units[0].robot.secret is None
    assert units[1].robot is None
    assert [(e.row, e.column) for e in errors] == [(2, "加签密钥"), (3, "加签密钥")]


def test_a_robot_never_shows_its_key() -> None:
    robot = parse_robot(DINGTALK_URL, DINGTALK_SECRET)
    shown = [repr(robot), str(robot), robot.model_dump_json(), robot_label(robot)]
    assert all(DINGTALK_TOKEN not in s and DINGTALK_SECRET not in s for s in shown)
    assert robot_label(robot) == f"钉钉群机器人 …{DINGTALK_TOKEN[-4:]}"


def test_the_refusal_names_the_host_but_never_the_key() -> None:
    with pytest.raises(ValueRefused, match=r"evil\.example") as refused:
        parse_robot(f"https://evil.example/cgi-bin/webhook/send?key={WECOM_KEY}", None)
    assert WECOM_KEY not in str(refused.value)
