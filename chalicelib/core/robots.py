"""A unit's group robot from its cells in config/units.csv (DESIGN.md, Channels;
docs/robots.md): only the two providers' own webhook addresses are accepted, and only
their key is kept. Every request is later built from a fixed API base, the fixed path
below and this key (chalicelib/channels/robots.py), so no request ever goes to an
address from the data.

    企业微信  https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>
    钉钉      https://oapi.dingtalk.com/robot/send?access_token=<token>  + 加签密钥 SEC…

A refused cell's reason names what is wrong, never the key or the secret."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import SecretStr

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Channel, Robot

HOSTS = {Channel.WECOM: "qyapi.weixin.qq.com", Channel.DINGTALK: "oapi.dingtalk.com"}
PATHS = {Channel.WECOM: "/cgi-bin/webhook/send", Channel.DINGTALK: "/robot/send"}
KEY_PARAMETERS = {Channel.WECOM: "key", Channel.DINGTALK: "access_token"}
ROBOT_NAMES = {Channel.WECOM: "企业微信群机器人", Channel.DINGTALK: "钉钉群机器人"}

# A WeCom key is a UUID; a DingTalk token and the hex after `SEC` are 64 hex digits. The
# bounds leave room without letting anything but a key through.
KEYS = {
    Channel.WECOM: re.compile(r"[A-Za-z0-9-]{8,64}"),
    Channel.DINGTALK: re.compile(r"[0-9A-Fa-f]{16,128}"),
}
SECRET = re.compile(r"SEC[0-9A-Za-z]{16,128}")
MAX_ADDRESS_CHARS = 300
_EXAMPLES = "企业微信 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…,或钉钉 https://oapi.dingtalk.com/robot/send?access_token=…"


class SecretRefused(ValueRefused):
    """The robot's signing secret (the `robot_secret` cell) is what cannot be used."""


def robot_label(robot: Robot) -> str:
    """`企业微信群机器人 …a1b2`: how every log, record and report names a robot."""
    return f"{ROBOT_NAMES[robot.channel]} …{robot.key.get_secret_value()[-4:]}"


def parse_robot(address: str, secret: str | None) -> Robot:
    """The robot of a `robot` cell (and its `robot_secret`); raises `ValueRefused`."""
    text = address.strip()
    if len(text) > MAX_ADDRESS_CHARS:
        raise ValueRefused(f"群机器人地址过长({len(text)} 个字符),不是机器人的 webhook 地址")
    if not text.isascii() or not text.isprintable() or " " in text:
        raise ValueRefused(f"群机器人地址含有空格或非 ASCII 字符;应为{_EXAMPLES}")
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise ValueRefused(f"群机器人地址必须以 https:// 开头;应为{_EXAMPLES}")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise ValueRefused("群机器人地址不能含有用户名、密码或端口")
    channel = next((c for c, host in HOSTS.items() if parts.netloc.lower() == host), None)
    if channel is None:
        host = parts.netloc[:60]
        raise ValueRefused(f"“{host}”不是企业微信或钉钉机器人的地址;只接受{_EXAMPLES}")
    if parts.path != PATHS[channel] or parts.fragment:
        raise ValueRefused(f"不是{ROBOT_NAMES[channel]}的 webhook 地址(路径应为 {PATHS[channel]})")
    name, _, key = parts.query.partition("=")
    if name != KEY_PARAMETERS[channel] or not KEYS[channel].fullmatch(key):
        raise ValueRefused(
            f"{ROBOT_NAMES[channel]}地址的参数应只有 {KEY_PARAMETERS[channel]}=…,"
            "请从群设置中原样复制 webhook 地址"
        )
    return Robot(channel=channel, key=SecretStr(key), secret=_secret(channel, secret))


def _secret(channel: Channel, secret: str | None) -> SecretStr | None:
    if channel is Channel.WECOM:
        return None  # a secret beside a WeCom robot is reported by the loader, not used
    if secret is None:
        raise SecretRefused(
            "钉钉机器人须在“安全设置”中开启“加签”,并在 robot_secret(加签密钥)列填写以 SEC 开头的密钥"
        )
    if not SECRET.fullmatch(secret.strip()):
        raise SecretRefused(
            "钉钉机器人的加签密钥应以 SEC 开头,由字母和数字组成;请从安全设置中原样复制"
        )
    return SecretStr(secret.strip())


def webhook_query(robot: Robot) -> tuple[str, dict[str, str]]:
    """The fixed path of a robot's webhook and its key parameter; `ValueRefused` for a key
    or secret that no checked cell could have given (a notice altered in the bucket)."""
    key = robot.key.get_secret_value()
    secret = robot.secret.get_secret_value() if robot.secret else ""
    if not KEYS[robot.channel].fullmatch(key) or (secret and not SECRET.fullmatch(secret)):
        raise ValueRefused(f"{ROBOT_NAMES[robot.channel]}的 key 或密钥格式不对,未发送")
    return PATHS[robot.channel], {KEY_PARAMETERS[robot.channel]: key}
