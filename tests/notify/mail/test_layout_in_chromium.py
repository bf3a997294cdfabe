"""Digests, rollups and upload receipts as a person opens them: in Chromium, on a phone (375 px) and on a
desktop (1280 px), nothing reaches past the screen and every image loads. The pages are
the previews written to out/ (their images inline as data: URIs), rendered from the very
MIME messages that are sent.

Skipped only when no Chromium is installed; .ci/run installs Debian's."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.models import DataError, Platform
from chalicelib.notify.digests.mime import digest_email
from chalicelib.notify.digests.models import ComingDue, Escalation
from chalicelib.notify.mail.mime import preview_html
from chalicelib.notify.notices.rejected import rejection_notice
from chalicelib.notify.rollups.chart import trend_png
from chalicelib.notify.rollups.mime import build_rollup_message
from chalicelib.notify.rollups.render import render_rollup
from chalicelib.notify.rollups.workbook import build_workbook
from tests.chromium import Layout, browser, layout
from tests.factories import TODAY, make_settings
from tests.flows.test_upload_notice import OFFICE, UNIT, rejected
from tests.notify.digests.test_members import departed_item
from tests.notify.digests.test_render import UNITS, make_digest, make_item
from tests.notify.rollups.sample import sample_rollup

pytestmark = pytest.mark.skipif(browser() is None, reason="no Chromium installed")
WIDTHS = (375, 1280)
LONG_NAME = "信息工程学院2026级计算机应用技术专业学生工作与实习就业通知群" * 3
UNBROKEN = "x" * 180  # a name or path with nowhere to wrap


def digest_page() -> str:
    """A digest with every section, long names and ids, a member list and copies."""
    digest = make_digest(
        cc=("head@example.edu.cn",),
        new=(
            departed_item(14, group_name=LONG_NAME, group_id="9" * 20),
            make_item("naming", "100002", group_name=UNBROKEN, fix_by=TODAY),
        ),
        still_open=(
            make_item(
                "unfiled",
                "100003",
                weeks_open=5,
                fix_by=TODAY,
                next_escalation=Escalation(level=2, to="党组织(信息工程学院党总支)"),
            ),
        ),
        fixed=(make_item("expired", "100004", weeks_open=0),),
        coming_due=(
            ComingDue(
                platform=Platform.WECHAT,
                group_id="wx_" + "a" * 60,
                group_name="迎新临时群",
                due_on=date(2026, 9, 20),
                what="临时群将于 2026-09-20 到期,到期后请解散并在登记表中注销",
            ),
        ),
        data_problems=(
            DataError(file=f"rosters/qq/{UNBROKEN}/群成员.xlsx", reason="文件已损坏:" + UNBROKEN),
            DataError(file="directory/教职工名册.csv", row=603, column="状态", reason="无法识别"),
        ),
    )
    _, raw = digest_email(digest, UNITS, make_settings())
    return preview_html(raw)


def rollup_page() -> str:
    rollup = sample_rollup()
    raw = build_rollup_message(
        render_rollup(rollup),
        chart_png=trend_png(rollup.trend),
        workbook=build_workbook(rollup),
        workbook_name="群组合规周报.xlsx",
        sender="qungov@example.edu.cn",
        recipients=["dwgzb@example.edu.cn"],
        sent_at=datetime.combine(rollup.today, time(10), SHANGHAI),
        message_id="rollup.test@qungov",
    )
    return preview_html(raw)


def assert_fits(page: Layout, width: int) -> None:
    assert page.width == width
    assert page.wide == [], f"reaching past {width} px: {page.wide[:5]}"
    assert page.scroll_width <= width
    assert page.broken == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_digest_fits_the_screen(width: int) -> None:
    assert_fits(layout(digest_page(), width), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rollup_fits_the_screen_and_shows_its_chart(width: int) -> None:
    page = layout(rollup_page(), width)
    assert_fits(page, width)
    assert page.images == 1  # the trend chart, loaded from its data: URI


def test_the_check_sees_overflow_and_broken_images() -> None:
    """The measurement itself: a fixed 640 px table and a cid: image fail it."""
    html = (
        '<html><body><table width="640" style="width:640px"><tr><td>x</td></tr></table>'
        '<img src="cid:trend-chart" alt="chart"></body></html>'
    )
    page = layout(html, 375)
    assert page.wide and page.scroll_width > 375
    assert page.broken == ["chart"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rejected_uploads_receipt_fits_the_screen(width: int) -> None:
    receipt, file = rejected(f"rosters/qq/信息学院/{UNBROKEN}.xlsx", reason="无法读取:" + UNBROKEN)
    notice = rejection_notice(receipt, file, [UNIT], [OFFICE], make_settings())
    assert notice is not None
    assert_fits(layout(preview_html(notice.raw), width), width)
