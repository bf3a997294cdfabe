"""How a robot provider's answer is read, as the send log needs it (chalicelib/notify/
sending.py): posted; refused for now (`NotSent`: retried through the queue with backoff);
refused for good (`Rejected`: recorded, listed once in the rollup, never retried).

Both answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}` when the message is posted,
and another errcode when it is not (developer.work.weixin.qq.com/document/path/91770,
open.dingtalk.com "自定义机器人发送群消息")."""

from __future__ import annotations

import json

from chalicelib.core.models import Channel
from chalicelib.notify.sending import NotSent, OutcomeUnknown, Rejected

# Refused for now: sent again later. Each robot takes at most 20 messages a minute.
RETRY_LATER: dict[Channel, dict[int, str]] = {
    Channel.WECOM: {-1: "系统繁忙", 45009: "发送过于频繁(每个机器人每分钟最多 20 条)"},
    Channel.DINGTALK: {
        -1: "系统繁忙",
        130101: "发送过于频繁(每个机器人每分钟最多 20 条)",
        410100: "发送过于频繁,已被限流",
    },
}
# Refused for good: the unit must fix its robot (or the message was refused as such).
REFUSED: dict[Channel, dict[int, str]] = {
    Channel.WECOM: {
        93000: "webhook 地址无效:key 不对,或机器人已被移出群",
        93004: "机器人已被停用",
        93008: "机器人已不在群中",
        40058: "消息内容不被接受",
    },
    Channel.DINGTALK: {
        300001: "access_token 无效",
        310000: "安全设置校验未通过:加签密钥不对,或设置了关键词、IP 白名单",
        400101: "access_token 不存在",
        400102: "机器人已停用",
        400105: "不支持的消息类型",
        430101: "消息含有不安全的内容",
        430102: "消息含有不安全的内容",
        430103: "消息含有不安全的内容",
        430104: "消息含有不安全的内容",
    },
}


def judge(channel: Channel, status: int, body: bytes) -> None:
    """Returns when the provider posted the message; raises otherwise (see the module)."""
    if status >= 500 or status == 429:
        raise NotSent(f"HTTP {status}")
    if status != 200:  # a redirect (never followed) or a request the API does not take
        raise Rejected(f"HTTP {status}:接口不接受该请求")
    try:
        answer = json.loads(body)
        code, said = int(answer["errcode"]), str(answer.get("errmsg", ""))[:100]
    except (ValueError, KeyError, TypeError):
        # answered, but not as documented: it may have posted; never sent twice
        raise OutcomeUnknown(f"HTTP {status},应答无法识别") from None
    if code == 0:
        return
    if code in REFUSED[channel]:
        raise Rejected(f"{REFUSED[channel][code]}(errcode {code})")
    reason = RETRY_LATER[channel].get(code, said)
    raise NotSent(f"{reason}(errcode {code})")  # an undocumented code: retried, then dead-lettered
