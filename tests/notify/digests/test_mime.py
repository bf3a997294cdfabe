from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from chalicelib.core.models import Platform, Severity
from chalicelib.notify.digests.mime import build_message
from chalicelib.notify.digests.models import Digest, DigestItem
from chalicelib.notify.digests.render import RenderedDigest, render_digest
from tests.factories import TODAY, make_unit

SHANGHAI = timezone(timedelta(hours=8))
SENT_AT = datetime(2026, 9, 7, 8, 0, tzinfo=SHANGHAI)
SENDER = "qungov-noreply@example.edu.cn"


def rendered() -> RenderedDigest:
    item = DigestItem(
        platform=Platform.QQ,
        group_id="100001",
        group_name="<script>alert(1)</script>",
        unit_id="U01",
        rule="oversized",
        title="超规模",
        severity=Severity.MEDIUM,
        message="群成员 151 人,超过上限 150 人。",
        clause="管理办法 第五条(四)",
        remedy="请移出与本群工作无关的成员。",
        category=None,
        evidence={},
        weeks_open=1,
    )
    digest = Digest(recipient="a@example.edu.cn", period="2026-W37", today=TODAY, new=(item,))
    return render_digest(digest, {"U01": make_unit()})


def build(
    *,
    cc: tuple[str, ...] = ("head@example.edu.cn", "party@example.edu.cn"),
    sent_at: datetime = SENT_AT,
    message_id: str = "2026-W37-abc123",
) -> bytes:
    return build_message(
        rendered(),
        sender=SENDER,
        recipient="a@example.edu.cn",
        cc=cc,
        sent_at=sent_at,
        message_id=message_id,
    )


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_parses_back_as_alternative_text_and_html() -> None:
    message = parse(build())
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert isinstance(parts[0], EmailMessage)
    assert isinstance(parts[1], EmailMessage)
    assert parts[0].get_content().replace("\r\n", "\n") == rendered().text
    assert parts[1].get_content().replace("\r\n", "\n") == rendered().html
    assert "&lt;script&gt;" in parts[1].get_content()


def test_chinese_subject_is_encoded_and_decodes_to_the_rendered_one() -> None:
    raw = build()
    raw.decode("ascii")  # every header and body is 7-bit on the wire
    assert b"=?utf-8?" in raw
    assert parse(raw)["Subject"] == rendered().subject


def test_headers_come_from_the_arguments() -> None:
    message = parse(build())
    assert message["From"] == SENDER
    assert message["To"] == "a@example.edu.cn"
    assert message["Cc"] == "head@example.edu.cn, party@example.edu.cn"
    assert parsedate_to_datetime(message["Date"]) == SENT_AT
    assert message["Date"] == "Mon, 07 Sep 2026 08:00:00 +0800"
    assert message["Message-ID"] == "<2026-W37-abc123@example.edu.cn>"


def test_message_id_with_a_domain_keeps_it() -> None:
    assert parse(build(message_id="<x1@qungov>"))["Message-ID"] == "<x1@qungov>"
    assert parse(build(message_id="2026-W37.ab12@qungov"))["Message-ID"] == "<2026-W37.ab12@qungov>"


def test_rejects_message_id_that_would_break_the_header() -> None:
    with pytest.raises(ValueError, match="message_id"):
        build(message_id="a\r\nBcc: x@y")


def test_no_cc_header_without_copies() -> None:
    assert parse(build(cc=()))["Cc"] is None


def test_same_arguments_give_the_same_bytes() -> None:
    assert build() == build()
    assert build() != build(message_id="other")


def test_lines_end_with_crlf() -> None:
    raw = build()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_rejects_naive_sent_at() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build(sent_at=datetime(2026, 9, 7, 8, 0))
