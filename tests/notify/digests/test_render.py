from __future__ import annotations

import re
from datetime import date
from typing import Any

from chalicelib.core.models import Office, Platform
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.notify.digests.models import ComingDue, Digest, DigestItem, Escalation
from chalicelib.notify.digests.render import render_digest
from tests.factories import TODAY, make_unit

HOSTILE = "<script>alert(1)</script>"
UNIT = make_unit(
    contact_email="office@example.edu.cn",
    head_name="王五",
    head_email="head@example.edu.cn",
    party_org="信息工程学院党总支",
    party_org_email="party@example.edu.cn",
)
UNITS = {UNIT.unit_id: UNIT}


def make_item(rule: str = "oversized", group_id: str = "100001", **fields: Any) -> DigestItem:
    meta = REGISTRY[rule].meta
    defaults: dict[str, Any] = {
        "platform": Platform.QQ,
        "group_id": group_id,
        "group_name": "信息工程学院教职工工作群",
        "unit_id": "U01",
        "rule": rule,
        "title": meta.title,
        "severity": meta.severity,
        "message": "群成员 151 人,超过上限 150 人。",
        "clause": meta.clause,
        "remedy": meta.remedy,
        "category": None,
        "evidence": {},
        "weeks_open": 1,
    }
    return DigestItem(**{**defaults, **fields})


def make_digest(**fields: Any) -> Digest:
    defaults: dict[str, Any] = {
        "recipient": "office@example.edu.cn",
        "period": "2026-W37",
        "today": TODAY,
    }
    return Digest(**{**defaults, **fields})


def test_subject_counts_groups_and_pending_items() -> None:
    digest = make_digest(
        new=(make_item("oversized", "1"), make_item("naming", "1")),
        still_open=(make_item("unfiled", "2", weeks_open=3),),
        fixed=(make_item("expired", "3", weeks_open=0),),
    )
    assert (
        render_digest(digest, UNITS).subject
        == "【群组合规提醒】9月7日–9月13日 您负责的 2 个群有 3 项待整改"
    )


def test_subject_without_pending_items_names_what_is_coming_due() -> None:
    due = ComingDue(
        platform=Platform.WECHAT,
        group_id="wx1",
        group_name="迎新临时群",
        due_on=date(2026, 9, 10),
        what="临时群将于 2026-09-10 到期,到期后请解散并在登记表中注销",
    )
    rendered = render_digest(make_digest(coming_due=(due,)), UNITS)
    assert rendered.subject == "【群组合规提醒】9月7日–9月13日 您负责的 1 个群有 1 项即将到期"
    for body in (rendered.html, rendered.text):
        assert "即将到期" in body
        assert "迎新临时群" in body
        assert "微信群 wx1" in body
        assert "2026-09-10" in body
        assert "整改期限" not in body and "前仍未整改" not in body  # nothing to do yet


def test_each_item_says_group_problem_article_and_remedy() -> None:
    item = make_item("unfiled", platform=Platform.WECOM, group_id="wc9", group_name="招生工作群")
    rendered = render_digest(make_digest(new=(item,)), UNITS)
    for body in (rendered.html, rendered.text):
        assert "您好" in body
        assert "本周新发现" in body
        assert "招生工作群" in body
        assert "企业微信群 wc9" in body
        assert item.message in body
        assert "《重庆能源职业学院QQ群、微信群管理办法》(以下简称《管理办法》)第七条(二)" in body
        assert "《关于开展政务新媒体、微信和QQ工作群清理整治的通知》(以下简称《通知》)四" in body
        assert item.remedy in body


def test_documents_are_named_in_full_only_on_first_use() -> None:
    digest = make_digest(new=(make_item("unfiled"),), still_open=(make_item("oversized"),))
    text = render_digest(digest, UNITS).text
    assert text.count("重庆能源职业学院QQ群、微信群管理办法") == 1
    assert "依据:《管理办法》第五条(四)" in text


def test_sections_have_headings_and_weeks_open() -> None:
    digest = make_digest(
        still_open=(make_item(weeks_open=4),),
        fixed=(make_item("expired", "7", weeks_open=0),),
    )
    text = render_digest(digest, UNITS).text
    assert "仍未整改(1 项)" in text
    assert "已持续 4 周" in text
    assert "上周以来已整改(1 项)" in text
    assert "已整改:临时群到期未解散" in text
    assert "本周新发现" not in text  # empty sections are left out


def test_escalation_notes_name_who_was_copied() -> None:
    digest = make_digest(
        cc=("head@example.edu.cn", "party@example.edu.cn"),
        still_open=(make_item(weeks_open=6),),
    )
    rendered = render_digest(digest, UNITS)
    for body in (rendered.html, rendered.text):
        assert "本提醒已抄送单位第一责任人:信息工程学院 王五" in body
        assert "本提醒已抄送党组织:信息工程学院党总支" in body


def test_no_escalation_note_without_copies() -> None:
    rendered = render_digest(make_digest(new=(make_item(),)), UNITS)
    assert "抄送" not in rendered.html
    assert "抄送" not in rendered.text


def test_hostile_group_name_is_escaped_in_html() -> None:
    item = make_item(group_name=HOSTILE, message=f"群名 {HOSTILE} 不规范 & 需要修改。")
    rendered = render_digest(make_digest(new=(item,)), UNITS)
    assert HOSTILE not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "&amp; 需要修改" in rendered.html
    assert "<script" not in rendered.html.lower()
    # the plain text part keeps the name as typed: it is never parsed as HTML
    assert HOSTILE in rendered.text


def test_text_part_has_no_html_entities_or_tags() -> None:
    item = make_item(group_name=f'A&B "群" {HOSTILE}', message="成员 'x' > 150 & < 200。")
    text = render_digest(make_digest(new=(item,)), UNITS).text
    assert re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text, re.IGNORECASE) is None
    assert "<table" not in text
    assert 'A&B "群"' in text
    assert "成员 'x' > 150 & < 200。" in text


def test_html_is_inline_styled_tables_without_external_resources() -> None:
    html = render_digest(make_digest(new=(make_item(),)), UNITS).html
    assert "<table" in html
    assert "<style" not in html
    assert "<link" not in html
    assert "<script" not in html
    assert 'charset="utf-8"' in html


def test_open_items_show_their_deadline_and_the_copy_to_come() -> None:
    soon = Escalation(level=1, to="单位第一责任人(信息工程学院 王五)")
    item = make_item(fix_by=date(2026, 9, 13), next_escalation=soon, weeks_open=2)
    rendered = render_digest(make_digest(still_open=(item,)), UNITS)
    for body in (rendered.html, rendered.text):
        assert "整改期限" in body and "9月13日 前" in body
        assert "若 9月13日 前仍未整改,下周提醒将抄送单位第一责任人(信息工程学院 王五)。" in body


def test_a_party_copy_is_announced_with_overdue() -> None:
    soon = Escalation(level=2, to="党组织(信息工程学院党总支)")
    item = make_item(fix_by=date(2026, 9, 13), next_escalation=soon, weeks_open=5)
    rendered = render_digest(make_digest(still_open=(item,)), UNITS)
    assert "将抄送党组织(信息工程学院党总支),并列为超期问题" in rendered.text


def test_going_overdue_is_announced_when_there_is_no_party_to_copy() -> None:
    item = make_item(
        fix_by=date(2026, 9, 13), next_escalation=Escalation(level=2, to=""), weeks_open=5
    )
    rendered = render_digest(make_digest(still_open=(item,)), UNITS)
    assert "若 9月13日 前仍未整改,下周将列为超期问题。" in rendered.text
    assert "抄送" not in rendered.text


def test_the_footer_names_the_supervising_office_with_its_address() -> None:
    office = Office(office="党委工作部", email="dw@example.edu.cn", address="行政楼 302 室",
                    phone="023-6188 3021")  # fmt: skip
    digest = make_digest(new=(make_item(fix_by=TODAY),))

    with_office = render_digest(digest, UNITS, office)
    without = render_digest(digest, UNITS)

    for body in (with_office.html, with_office.text):
        assert "请联系党委工作部(行政楼 302 室,电话 023-6188 3021)。" in body
    assert "请联系党委工作部。" in without.text
