from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib.core.models import Category, Office, Platform
from chalicelib.notify.rollups.chart import trend_png
from chalicelib.notify.rollups.mime import build_rollup_message
from chalicelib.notify.rollups.models import FeedbackRow, Rollup
from chalicelib.notify.rollups.render import RenderedRollup, render_rollup
from tests.notify.rollups.sample import ITEMS, SCRIPT, sample_rollup

SHANGHAI = timezone(timedelta(hours=8))
SENT_AT = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
SENDER = "qungov-noreply@example.edu.cn"
WORKBOOK = b"PK\x03\x04 not really a workbook \x00\xff"
WORKBOOK_NAME = "群组合规周报-党委工作部-2026-W47.xlsx"
HTML_TAG = re.compile(r"</?(html|head|body|table|tr|td|th|p|b|br|img|span|div|h2)\b", re.I)


class Cells(HTMLParser):
    """Table rows as lists of cell texts (the text chunks of a cell joined by spaces)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and data.strip():
            self._cell.append(data.strip())


def rows_of(html: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(html)
    return parser.rows


def cells_of(html: str) -> list[str]:
    return [cell for row in rows_of(html) for cell in row]


def figures(**overrides: Any) -> Rollup:
    """Every headline figure distinct, so that each can be found by its label."""
    values: dict[str, Any] = {
        "groups_known": 47,
        "groups_filed": 41,
        "open_by_severity": {"high": 3, "medium": 11, "low": 9},
        "new_since_last": 5,
        "fixed_since_last": 8,
        "overdue": 4,
        "unroutable": 2,
        "failed_digests": 1,
    }
    return sample_rollup(**{**values, **overrides})


# --- subject, scope, headlines -------------------------------------------------------------


def test_subject_counts_open_and_overdue_for_the_week() -> None:
    assert (
        render_rollup(figures()).subject
        == "【群组合规周报】11月16日–11月22日 未整改 23 项,超期 4 项"
    )


def test_subject_of_a_month_says_monthly() -> None:
    rendered = render_rollup(figures(kind="month", period="2026-11"))

    assert rendered.subject == "【群组合规月报】2026年11月 未整改 23 项,超期 4 项"


@pytest.mark.parametrize(
    ("scope", "line"),
    [
        (None, "范围:全部群组"),
        ((Category.CLASS,), "范围:班级群"),
        ((Category.LEAGUE, Category.CLUB), "范围:团组织群、社团群"),
    ],
)
def test_scope_line_names_the_categories(scope: tuple[Category, ...] | None, line: str) -> None:
    rendered = render_rollup(sample_rollup(scope=scope))

    assert line in rendered.html
    assert line in rendered.text


def test_html_shows_every_headline_figure_beside_its_label() -> None:
    cells = cells_of(render_rollup(figures()).html)

    for expected in (
        "47 群组总数",
        "87.2% 已备案比例 41 个已备案",
        "23 未整改问题 高 3 / 中 11 / 低 9",
        "5 本期新增",
        "8 本期已整改",
        "4 超期(≥6周)",
        "2 无法送达 找不到责任人邮箱的问题",
        "1 发送失败的提醒",
    ):
        assert expected in cells


def test_text_part_has_the_same_headlines_and_no_tags() -> None:
    text = render_rollup(figures()).text

    for line in (
        "群组总数:47",
        "已备案比例:87.2%(41 个已备案)",
        "未整改问题:23(高 3 / 中 11 / 低 9)",
        "本期新增:5",
        "本期已整改:8",
        "超期(≥6周):4",
        "无法送达:2(找不到责任人邮箱的问题)",
        "发送失败的提醒:1",
    ):
        assert line in text.splitlines()
    assert not HTML_TAG.search(text)
    assert "&lt;" not in text and "&#" not in text


# --- chart, matrix, overdue list, attachment note -------------------------------------------


def test_html_shows_the_chart_inline_with_a_legend() -> None:
    html = render_rollup(sample_rollup()).html

    assert '<img src="cid:trend-chart" alt="近12周未整改问题趋势"' in html
    for color, name in (("#c62828", "高"), ("#ef8f00", "中"), ("#5b8fd6", "低")):
        assert re.search(rf'color:{color};">&#9632;</span> {name}', html)


def table_after(rows: list[list[str]], header: list[str]) -> list[list[str]]:
    """The rows of the table whose header row is `header`, up to the next header."""
    start = rows.index(header) + 1
    end = next((i for i in range(start, len(rows)) if rows[i][:1] in (["单位"], ["群"])), None)
    return rows[start:end]


def test_every_rule_has_a_row_with_its_open_findings_and_units() -> None:
    rollup = sample_rollup()
    zeroed = {unit: {**rules, "naming": 0} for unit, rules in rollup.matrix.items()}
    rows = rows_of(render_rollup(sample_rollup(matrix=zeroed)).html)

    table = table_after(rows, ["规则", "严重程度", "未整改", "涉及单位"])
    body, totals = table[: len(rollup.rules)], table[len(rollup.rules)]
    assert [row[0] for row in body] == [title for _, title in rollup.rules]
    for (rule, _), row in zip(rollup.rules, body, strict=True):
        counts = [zeroed[unit][rule] for unit, _ in rollup.units]
        units = sum(1 for count in counts if count)
        assert row[2:] == [str(sum(counts)) if sum(counts) else "·", str(units) if units else "·"]
    naming = next(row for row in body if row[0] == "群名不规范")
    assert naming[2:] == ["·", "·"]  # a rule without open findings is listed all the same
    assert totals[0] == "合计"
    assert totals[-2] == str(sum(sum(r.values()) for r in zeroed.values()))


def test_each_unit_has_its_total_and_the_rules_behind_it() -> None:
    rollup = sample_rollup()
    rows = rows_of(render_rollup(rollup).html)

    table = table_after(rows, ["单位", "合计", "其中"])[: len(rollup.units)]
    assert [row[0] for row in table] == [name for _, name in rollup.units]
    for (unit_id, _), row in zip(rollup.units, table, strict=True):
        counts = rollup.matrix[unit_id]
        assert row[1] == str(sum(counts.values()))
        expected = [f"{title} {counts[rule]}" for rule, title in rollup.rules if counts[rule]]
        assert row[2] == "、".join(expected)
    assert sum(int(row[1]) for row in table) == 6  # the sample's open (not waived) findings


def test_nothing_open_says_so_instead_of_an_empty_table() -> None:
    rollup = sample_rollup()
    matrix = {unit: dict.fromkeys(rules, 0) for unit, rules in rollup.matrix.items()}

    html = render_rollup(sample_rollup(matrix=matrix, items=())).html

    assert "本期没有未整改问题。" in html
    assert "没有超期未整改的问题。" in html


def test_overdue_list_has_one_row_per_overdue_finding_longest_first() -> None:
    rows = rows_of(render_rollup(sample_rollup()).html)

    overdue = [row for row in rows if len(row) == 5 and row[0] != "单位"]
    assert overdue == [
        [
            "信息工程学院",
            '=HYPERLINK("http://x") 微信群 778899',
            "未审备",
            "7",
            "未审备:请在两周内整改。",
        ],
        ["学生处", "@SUM 2024级会计2班 钉钉群 20240102", "未审备", "6", "未审备:请在两周内整改。"],
    ]


def test_text_part_lists_the_overdue_findings() -> None:
    text = render_rollup(sample_rollup()).text

    assert "== 超期未整改(≥6周,2 项)==" in text
    assert '1. 信息工程学院 | =HYPERLINK("http://x")(微信群 778899)' in text
    assert "   问题:未审备,已持续 6 周" in text


def test_waived_findings_are_never_overdue() -> None:
    html = render_rollup(sample_rollup()).html

    assert "2024级电子商务1班" not in html  # waived for 9 weeks


def test_html_names_the_workbook_sheets() -> None:
    rendered = render_rollup(sample_rollup())

    for sheet in ("汇总", "明细", "超期", "登记表", "趋势"):
        assert sheet in rendered.html
        assert sheet in rendered.text


# --- escaping ---------------------------------------------------------------------------------


def hostile() -> RenderedRollup:
    items = tuple(
        item.model_copy(update={"weeks_open": 8, "message": "<b>注入</b>"})
        if item.group_name == SCRIPT
        else item
        for item in ITEMS
    )
    units = (("U01", "<img src=x onerror=alert(2)>"), ("U02", "经济管理学院"), ("U03", "学生处"))
    return render_rollup(sample_rollup(items=items, units=units, office="<i>党委工作部</i>"))


def test_every_value_from_the_data_is_escaped_in_html() -> None:
    html = hostile().html

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;b&gt;注入&lt;/b&gt;" in html
    assert "&lt;i&gt;党委工作部&lt;/i&gt;" in html
    for raw in (SCRIPT, "<img src=x", "<b>注入", "<i>"):
        assert raw not in html


def test_hostile_values_stay_verbatim_in_text() -> None:
    text = hostile().text

    assert SCRIPT in text
    assert "&lt;" not in text


# --- MIME -------------------------------------------------------------------------------------


def build(message_id: str = "rollup-2026-W47-party", **overrides: Any) -> bytes:
    rollup = sample_rollup(**overrides)
    return build_rollup_message(
        render_rollup(rollup),
        chart_png=trend_png(rollup.trend),
        workbook=WORKBOOK,
        workbook_name=WORKBOOK_NAME,
        sender=SENDER,
        recipients=["dwgzb@example.edu.cn", "office@example.edu.cn"],
        sent_at=SENT_AT,
        message_id=message_id,
    )


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> list[EmailMessage]:
    found = list(message.iter_parts())
    assert all(isinstance(part, EmailMessage) for part in found)
    return found  # type: ignore[return-value]


def test_message_nests_alternative_in_related_in_mixed() -> None:
    message = parse(build())

    related, attachment = parts(message)
    alternative, image = parts(related)
    assert message.get_content_type() == "multipart/mixed"
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "multipart/alternative"
    assert [p.get_content_type() for p in parts(alternative)] == ["text/plain", "text/html"]
    assert image.get_content_type() == "image/png"
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_html_references_the_inline_chart_by_content_id() -> None:
    message = parse(build())
    rollup = sample_rollup()

    html = message.get_body(("html",))
    image = next(p for p in message.walk() if p.get_content_type() == "image/png")
    assert html is not None and 'src="cid:trend-chart"' in html.get_content()
    assert image["Content-ID"] == "<trend-chart>"
    assert image.get_content_disposition() == "inline"
    assert image.get_payload(decode=True) == trend_png(rollup.trend)


def test_bodies_decode_to_the_rendered_ones() -> None:
    message = parse(build())
    rendered = render_rollup(sample_rollup())

    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html
    assert message["Subject"] == rendered.subject
    assert message["To"] == "dwgzb@example.edu.cn, office@example.edu.cn"
    assert message["Message-ID"] == "<rollup-2026-W47-party@example.edu.cn>"


def test_workbook_attachment_keeps_its_chinese_name_and_bytes() -> None:
    raw = build()

    (attachment,) = parse(raw).iter_attachments()
    assert attachment.get_filename() == WORKBOOK_NAME
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == WORKBOOK
    assert b"filename*0*=utf-8''%E7%BE%A4" in raw  # RFC 2231


def test_message_is_seven_bit_and_reproducible() -> None:
    raw = build()

    raw.decode("ascii")
    assert raw == build()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_another_message_id_gives_other_boundaries() -> None:
    first, second = build("rollup-a"), build("rollup-b")

    def boundaries(raw: bytes) -> set[bytes]:
        return set(re.findall(rb'boundary="([^"]+)"', raw))

    assert len(boundaries(first)) == 3
    assert boundaries(first).isdisjoint(boundaries(second))


def test_naive_send_time_is_refused() -> None:
    rollup = sample_rollup()

    with pytest.raises(ValueError, match="timezone-aware"):
        build_rollup_message(
            render_rollup(rollup),
            chart_png=b"",
            workbook=WORKBOOK,
            workbook_name=WORKBOOK_NAME,
            sender=SENDER,
            recipients=["a@example.edu.cn"],
            sent_at=SENT_AT.replace(tzinfo=None),
            message_id="x",
        )


def test_the_footer_names_the_supervising_office_with_its_address() -> None:
    office = Office(office="党委工作部", email="dw@example.edu.cn", address="行政楼 302 室")

    rendered = render_rollup(sample_rollup(), office)

    for body in (rendered.html, rendered.text):
        assert "如对汇总有疑问,请联系党委工作部(行政楼 302 室)。" in body


def test_a_monthly_rollup_heads_the_units_answers_as_this_months() -> None:
    answer = FeedbackRow(
        unit="机电工程学院", group="机电学院竞赛交流群", platform=Platform.QQ,
        group_id="912345678", title="未审备", kind="有异议", reason="该群已解散",
        outcome="待部门处理",
    )  # fmt: skip

    rendered = render_rollup(figures(kind="month", period="2026-11", feedback=(answer,)))

    for body in (rendered.text, rendered.html):
        assert "本月单位反馈(1 项)" in body and "本周单位反馈" not in body
