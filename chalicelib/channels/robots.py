"""Posting a notice to a WeCom group robot or a DingTalk custom robot (docs/robots.md), as
a `MailTransport` the send log drives like any mail provider (chalicelib/notify/mailer.py).

The request goes to the provider's API of the settings, the fixed path and the robot's
checked key (chalicelib/core/robots.py): never to an address from the data. TLS is
verified, no redirect is followed, no proxy is used, and the key and the secret appear in
no error (robots are named `企业微信群机器人 …a1b2`). DingTalk's requests are signed (加签):
`timestamp` in ms and `sign` = base64(HMAC-SHA256(secret, "timestamp\\nsecret")).

What went wrong is sorted as the send log needs it:
- before the request left (refused, unresolved, TLS, a connect timeout): `NotSent`;
- after it left, no answer (a read timeout, a dropped connection): `OutcomeUnknown`, as
  the provider may have posted it: never sent again;
- the provider's answer: chalicelib/notify/robots/answers.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import (
    HTTPRedirectHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
    Request,
    build_opener,
)

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Channel, Robot
from chalicelib.core.robots import robot_label, webhook_query
from chalicelib.core.settings import Settings
from chalicelib.notify.robots.answers import judge
from chalicelib.notify.robots.message import RobotNotice
from chalicelib.notify.sending import Handed, NotSent, OutcomeUnknown, Rejected

MAX_ANSWER_BYTES = 64 * 1024
_LOOPBACK = ("127.0.0.1", "localhost")


class _NoRedirect(HTTPRedirectHandler):
    """A redirect is answered as it came (an `HTTPError`), never followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class RobotTransport:
    """`bases`: each provider's API (https, or http to this machine in tests)."""

    bases: Mapping[Channel, str]
    timeout: float = 10.0
    clock: Callable[[], float] = field(default=time.time, repr=False)  # DingTalk's timestamp
    context: ssl.SSLContext = field(default_factory=ssl.create_default_context, repr=False)

    def __post_init__(self) -> None:
        for base in self.bases.values():
            parts = urlsplit(base)
            loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK
            if not (parts.scheme == "https" or loopback) or parts.path not in ("", "/"):
                raise ValueError(f"robot API base must be https://<host>: {base!r}")
        self._opener: OpenerDirector = build_opener(
            ProxyHandler({}), _NoRedirect(), HTTPSHandler(context=self.context)
        )

    @classmethod
    def of(cls, settings: Settings) -> RobotTransport:
        bases = {
            Channel.WECOM: settings.wecom_api_base,
            Channel.DINGTALK: settings.dingtalk_api_base,
        }
        return cls(bases, timeout=settings.robot_timeout_seconds)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        """Post the notice stored as `raw` (chalicelib/notify/robots/notice.py)."""
        notice = RobotNotice.from_bytes(raw)
        label = robot_label(notice.robot)
        try:
            request = self._request(notice)
        except ValueRefused as refused:
            raise Rejected(f"{label}:{refused}") from None
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, answer = response.status, response.read(MAX_ANSWER_BYTES)
        except HTTPError as error:  # an answer: 4xx, 5xx, or a redirect not followed
            status, answer = error.code, b""
            error.close()
        except URLError as error:  # the request never left
            raise NotSent(f"{label}:无法连接({error.reason})") from None
        except (OSError, HTTPException) as error:  # it left; no answer, or none readable
            raise OutcomeUnknown(f"{label}:未收到应答({type(error).__name__}),可能已发出") from None
        try:
            judge(notice.robot.channel, status, answer)
        except (NotSent, OutcomeUnknown) as error:
            shown = _masked(str(error), notice.robot)
            raise type(error)(f"{label}:{shown}") from None
        return Handed(label)

    def _request(self, notice: RobotNotice) -> Request:
        robot = notice.robot
        path, query = webhook_query(robot)
        if robot.secret is not None:
            query |= _signature(robot.secret.get_secret_value(), self.clock())
        url = f"{self.bases[robot.channel].rstrip('/')}{path}?{urlencode(query)}"
        body = json.dumps(_payload(notice), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return Request(url, data=body, headers=headers, method="POST")


def _payload(notice: RobotNotice) -> dict[str, Any]:
    if notice.robot.channel is Channel.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": notice.markdown}}
    return {"msgtype": "markdown", "markdown": {"title": notice.title, "text": notice.markdown}}


def _signature(secret: str, now: float) -> dict[str, str]:
    """DingTalk's 加签: the timestamp (ms) and its HMAC-SHA256, base64 (url-encoded later)."""
    timestamp = str(round(now * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return {"timestamp": timestamp, "sign": base64.b64encode(digest.digest()).decode()}


def _masked(text: str, robot: Robot) -> str:
    """A provider's words with the robot's key and secret removed, should it echo them."""
    for value in (robot.key, robot.secret):
        if value is not None and value.get_secret_value():
            text = text.replace(value.get_secret_value(), "…")
    return text
