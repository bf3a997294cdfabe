"""How the rollup tells the operator of a robot notice that did not go through: once per
unit and week, naming the unit and its robot masked (the send log's error holds
`企业微信群机器人 …a1b2`), never the key."""

from __future__ import annotations

from chalicelib.core.robots import ROBOT_NAMES
from chalicelib.notify.sending import SendRecord, SendStatus

FIX = "请该单位核对机器人后更正 config/units.csv 的群机器人列(见 docs/robots.md)"


def robot_line(record: SendRecord, status: SendStatus) -> str:
    unit = record.recipient.removeprefix("robot:")
    name = ROBOT_NAMES.get(record.channel, "群机器人")
    who = f"单位 {unit} 的{name}通知({record.period})"
    error = record.error or "未知原因"
    if status is SendStatus.UNKNOWN:
        return f"{who}:发送结果不明({error}),可能已发到群里;不会自动重发,请向该单位核实"
    if record.attempts == 0:  # could not be queued
        return f"{who}:未发送({error})"
    return f"{who}:发送失败({error}),已尝试 {record.attempts} 次;如为地址或密钥问题,{FIX}"
