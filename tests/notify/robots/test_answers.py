"""The providers' answers, as the send log needs them (chalicelib/notify/robots/answers.py)."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.models import Channel
from chalicelib.notify.robots.answers import judge
from chalicelib.notify.sending import NotSent, OutcomeUnknown, Rejected


def answer(code: int) -> bytes:
    return json.dumps({"errcode": code, "errmsg": "x"}).encode()


@pytest.mark.parametrize("channel", [Channel.WECOM, Channel.DINGTALK])
def test_errcode_zero_is_posted(channel: Channel) -> None:
    judge(channel, 200, answer(0))


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        (Channel.WECOM, 45009),
        (Channel.WECOM, -1),
        (Channel.DINGTALK, 130101),
        (Channel.DINGTALK, 410100),
        (Channel.WECOM, 12345),
    ],
)
def test_rate_limits_and_unknown_codes_are_retried_later(channel: Channel, code: int) -> None:
    with pytest.raises(NotSent, match=str(code)) as refused:
        judge(channel, 200, answer(code))
    assert not isinstance(refused.value, Rejected)


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        (Channel.WECOM, 93000),
        (Channel.WECOM, 93004),
        (Channel.DINGTALK, 310000),
        (Channel.DINGTALK, 300001),
        (Channel.DINGTALK, 400102),
    ],
)
def test_an_invalid_key_or_signature_is_refused_for_good(channel: Channel, code: int) -> None:
    with pytest.raises(Rejected, match=str(code)):
        judge(channel, 200, answer(code))


@pytest.mark.parametrize(("status", "error"), [(500, NotSent), (429, NotSent), (404, Rejected)])
def test_http_errors(status: int, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"HTTP {status}"):
        judge(Channel.WECOM, status, b"")


def test_an_answer_that_cannot_be_read_may_have_posted() -> None:
    with pytest.raises(OutcomeUnknown):
        judge(Channel.DINGTALK, 200, b"<html>gateway</html>")
