"""Member rules list the members concerned: the first ten in the email, all of them in an
attached workbook when there are more."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from chalicelib.notify.digests.mime import digest_email
from chalicelib.notify.digests.render import render_digest
from tests.factories import TODAY, make_settings
from tests.notify.digests.test_render import UNITS, make_digest, make_item


def member(n: int, **fields: str) -> dict[str, str]:
    values = {"shown": f"张老师{n}", "account": f"12****{n:02d}", "person": "张*",
              "status": "departed", "unit": "U01"}  # fmt: skip
    return {**values, **fields}


def departed_item(count: int, **fields: Any) -> Any:
    evidence = {"departed_count": count, "members": [member(n) for n in range(count)]}
    return make_item("departed_members", evidence=evidence, fix_by=TODAY, **fields)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_few_members_are_all_listed_in_the_email() -> None:
    item = departed_item(2)
    rendered = render_digest(make_digest(new=(item,)), UNITS)
    for body in (rendered.html, rendered.text):
        assert "涉及成员 2 人" in body
        assert "张老师0" in body and "12****01" in body and "已离职离校" in body
        assert "信息工程学院" in body  # the unit's name, not its id
        assert "附件" not in body


def test_a_long_list_shows_ten_and_attaches_the_rest() -> None:
    # GIVEN a finding about 23 members
    digest = make_digest(new=(departed_item(23),))

    # WHEN the email is built
    rendered, raw = digest_email(digest, UNITS, make_settings())

    # THEN the body lists ten and points at the attachment, which lists all 23
    assert "涉及成员 23 人,以下列出前 10 人,完整名单见附件《群成员名单》" in rendered.text
    assert "张老师9" in rendered.text and "张老师10" not in rendered.text
    (attachment,) = parse(raw).iter_attachments()
    assert attachment.get_filename() == "群成员名单_2026-W37.xlsx"
    content = attachment.get_content()
    assert isinstance(content, bytes)
    sheet = load_workbook(BytesIO(content))["成员名单"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 23
    assert rows[22][4:] == ("张老师22", "12****22", "张*", "已离职离校", "信息工程学院")
    assert sheet.page_setup.orientation == "landscape"


def test_a_list_cut_at_the_rules_limit_says_so() -> None:
    item = make_item(
        "unidentified_members",
        evidence={"unmapped_count": 800, "members": [member(n, person="", status="") for n in range(3)]},
        fix_by=TODAY,
    )  # fmt: skip
    text = render_digest(make_digest(new=(item,)), UNITS).text
    assert "涉及成员 800 人(名单最多列出 3 人),以下列出前 3 人" in text
    assert "不在人员名册" in text


def test_a_digest_without_long_lists_has_no_attachment() -> None:
    _, raw = digest_email(make_digest(new=(departed_item(3),)), UNITS, make_settings())
    assert list(parse(raw).iter_attachments()) == []


def test_a_hostile_name_in_the_group_is_escaped_and_inert_in_the_workbook() -> None:
    hostile = member(0, shown='=HYPERLINK("http://x")<script>')
    item = make_item("departed_members", evidence={"members": [hostile] * 11}, fix_by=TODAY)
    rendered, raw = digest_email(make_digest(new=(item,)), UNITS, make_settings())
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    (attachment,) = parse(raw).iter_attachments()
    sheet = load_workbook(BytesIO(attachment.get_content()))["成员名单"]
    assert str(sheet.cell(2, 5).value).startswith("'=")
