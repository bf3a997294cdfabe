"""The portal as a unit secretary and an office use it: headless Chromium (Selenium) on the
portal served by jobs/serve.py (Chalice's local server on moto's server), from the link in
the email to the next week's digest. Screenshots at 375 and 1280 px go to out/portal-screens/.

moto's server (the bucket) is reached as `localhost`, the portal as `127.0.0.1`: two sites,
as S3 and API Gateway are, so the way back from an upload is a cross-site redirect.
moto does not check a presigned POST's policy (key prefix, size, expiry, signature), so
nothing here relies on it: S3 does."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from chalicelib.aws.ledger import DynamoLedger
from chalicelib.core.dates import shanghai_today
from chalicelib.core.layout import digest_key
from chalicelib.core.models import Platform
from chalicelib.ledger.models import LedgerState
from jobs.sample import generate_college
from jobs.serve import LocalPortal, local_portal
from tests.portal.browser import (
    DESKTOP,
    PHONE,
    chromium,
    missing,
    responses,
    screenshot,
    text,
    wait_for,
)

pytestmark = pytest.mark.skipif(bool(missing()), reason=missing() or "browser present")
SCREENS = Path(__file__).resolve().parents[2] / "out" / "portal-screens"
# The portal's pages and forms go by the clock (today's date, a waiver's last day): so
# does the college, generated for this week's Monday.
TODAY = shanghai_today(datetime.now(UTC))
MONDAY = TODAY - timedelta(days=TODAY.weekday())
OFFICE = "党委工作部"  # the sample college's office of every category
MARKUP = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
Key = tuple[Platform, str, str]  # a finding's: platform, group, rule


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPortal]:
    root = tmp_path_factory.mktemp("browser") / "college"
    generate_college(root, today=MONDAY, groups=60, formats="csv")
    with local_portal(root, MONDAY) as portal:
        yield portal
        assert portal.trigger.errors == []


def unit_to_visit(portal: LocalPortal, lasting: set[Key] | None = None) -> tuple[str, Path]:
    """The unit with the most open findings (two at least; one of them `lasting`, when
    given) that has a QQ group's roster of its own, and that roster."""
    entries = DynamoLedger(portal.clients.dynamodb, portal.settings.ledger_table).entries()
    active = [(key, e.unit_id) for key, e in entries.items() if e.active and e.unit_id]
    counts = Counter(unit_id for _, unit_id in active)
    for unit_id, count in counts.most_common():
        rosters = sorted((portal.root / "rosters" / "qq" / unit_id).glob("*.csv"))
        lasts = lasting is None or any(u == unit_id and k in lasting for k, u in active)
        if count >= 2 and rosters and lasts:
            return unit_id, rosters[0]
    raise AssertionError("the sample college has no such unit")


def qq_export(roster: Path, folder: Path) -> Path:
    """The roster as a QQ group's export arrives from a secretary's PC: GB18030, a Chinese
    file name without the group number, which stands on a `群号:` line above the header."""
    export = folder / "班级群成员名单.csv"
    body = f"群号:{roster.stem}\r\n" + roster.read_text(encoding="utf-8")
    export.write_bytes(body.encode("gb18030"))
    return export


def shots(driver: webdriver.Chrome, name: str) -> None:
    """The page at a phone's and a desktop's width; on the phone, nothing wider."""
    for width in (PHONE, DESKTOP):
        shot = screenshot(driver, SCREENS / f"{name}-{width}.png", width)
        if width == PHONE:
            assert shot.scroll_width <= PHONE, (name, shot.scroll_width, shot.wide)


def open_link(driver: webdriver.Chrome, link: str, heading: str) -> None:
    driver.delete_all_cookies()  # another person, or the same one from a new email
    driver.get(link)
    wait_for(lambda: "/portal/open" not in driver.current_url and heading in text(driver),
             why=f"the page with {heading}")  # fmt: skip


def finding_fields(box: WebElement) -> dict[str, str]:
    hidden = box.find_elements(By.CSS_SELECTOR, "form input[type=hidden]")
    return {str(i.get_attribute("name")): str(i.get_attribute("value")) for i in hidden}


def key_of(fields: dict[str, str]) -> Key:
    return Platform(fields["platform"]), fields["group_id"], fields["rule"]


def ask(driver: webdriver.Chrome, box: WebElement, action: str, reason: str,
        until: date | None = None) -> None:  # fmt: skip
    """Open the finding's 申请豁免 or 有异议, fill it in and send it."""
    box.find_element(By.XPATH, f".//summary[normalize-space()='{action}']").click()
    form = box.find_element(By.XPATH, f".//details[summary[normalize-space()='{action}']]//form")
    form.find_element(By.NAME, "reason").send_keys(reason)
    if until is not None:  # typing into a date field depends on the browser's locale
        field = form.find_element(By.NAME, "until")
        driver.execute_script("arguments[0].value = arguments[1]", field, until.isoformat())
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "已提交。" in text(driver), why="the notice 已提交。")


def test_a_unit_uploads_asks_for_a_waiver_the_office_approves_and_next_week_it_is_waived(
    portal: LocalPortal, tmp_path: Path
) -> None:
    monday = MONDAY + timedelta(days=7)
    _, _, coming = portal.run_weekly(monday, dry_run=True)  # some exports are too old by then
    lasting = {f.key for f in coming.findings}
    unit_id, roster = unit_to_visit(portal, lasting)
    export = qq_export(roster, tmp_path)
    until = TODAY + timedelta(days=90)
    with chromium() as driver:
        # the link in the digest: the unit page and its open findings
        open_link(driver, portal.unit_link(unit_id), "待整改问题")
        boxes = driver.find_elements(By.CSS_SELECTOR, "div[id^='f-']")
        assert len(boxes) >= 2 and "整改办法" in boxes[0].text
        shots(driver, "unit")

        # an upload straight to the bucket, then the receipt as soon as it is written
        upload = driver.find_element(By.CSS_SELECTOR, "form[enctype='multipart/form-data']")
        upload.find_element(By.NAME, "file").send_keys(str(export))
        upload.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        verdict = wait_for(lambda: driver.find_elements(By.ID, "verdict"), 15, "the verdict")[0]
        assert verdict.text.startswith("文件已接收"), verdict.text
        assert f"rosters/qq/{unit_id}/{export.name}" in text(driver)
        assert roster.stem in text(driver)  # the group, read from the 群号: line
        assert "/portal/receipt?" in driver.current_url
        shots(driver, "receipt")

        # back on the unit page: a waiver asked for a finding next week's data still shows
        driver.find_element(By.LINK_TEXT, "返回单位工作台").click()
        wait_for(lambda: "待整改问题" in text(driver), why="the unit page")
        boxes = driver.find_elements(By.CSS_SELECTOR, "div[id^='f-']")
        box = next(b for b in boxes if key_of(finding_fields(b)) in lasting)
        box_id, asked = box.get_attribute("id"), finding_fields(box)
        ask(driver, box, "申请豁免", "迎新期间需保留,学期末解散", until)
        assert f"申请豁免(至 {until}):待部门处理" in driver.find_element(By.ID, box_id).text
        assert export.name in text(driver)  # and the upload, among the last 8 weeks'

        # the office, in its own session: approves it
        open_link(driver, portal.office_link(OFFICE), "待处理的申请")
        shots(driver, "office")
        request = driver.find_element(
            By.XPATH, "//div[form/input[@name='action_id']]"
            f"[contains(., '{asked['group_id']}')][contains(., '申请豁免')]",
        )  # fmt: skip
        request.find_element(By.CSS_SELECTOR, "button[value='approved']").click()
        wait_for(lambda: "已处理。" in text(driver), why="the notice 已处理。")
        assert f"申请豁免(至 {until})" in text(driver) and "已批准" in text(driver)

    # the next Monday's run honours it: waived in the ledger, and the unit's digest says so
    summary, plan, _ = portal.run_weekly(monday)
    key = key_of(asked)
    entries = DynamoLedger(portal.clients.dynamodb, portal.settings.ledger_table).entries()
    assert entries[key].state is LedgerState.WAIVED
    assert summary.waived >= 1
    reminded = {i.key for d in plan.digests for i in (*d.new, *d.still_open)}
    assert key not in reminded
    answer = f"申请豁免(至 {until}):已批准"
    told = [d for d in plan.digests if any(answer in a for a in d.answers)]
    assert told, [d.answers for d in plan.digests]
    queued = portal.clients.s3.get_object(
        Bucket=portal.settings.data_bucket, Key=digest_key(told[0].period, told[0].content_hash())
    )["Body"].read()
    mail = email.message_from_bytes(queued, policy=email.policy.default)
    body = mail.get_body(("plain",))
    assert body is not None and answer in body.get_content()


def test_the_link_leaves_no_token_the_session_is_out_of_scripts_reach_and_data_stays_text(
    portal: LocalPortal,
) -> None:
    unit_id, _ = unit_to_visit(portal)
    link = portal.unit_link(unit_id)
    token = link.split("t=", 1)[1]
    with chromium() as driver:
        open_link(driver, link, "待整改问题")
        # the address bar: the token traded for a session, and gone
        assert driver.current_url.endswith("/portal/unit") and token not in driver.current_url
        # the session cookie: kept by the browser, never shown to a script
        cookie = driver.get_cookie("qungov_session")
        assert cookie is not None
        assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")
        assert "qungov_session" not in driver.execute_script("return document.cookie")
        # what Chromium received: the protective headers, on the link's page too
        seen = {r.url.split("?")[0].rsplit("/", 1)[-1]: r for r in responses(driver)}
        for page in ("open", "unit"):
            headers = seen[page].headers
            assert headers["referrer-policy"] == "no-referrer", page  # the token stays here
            assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
            policy = headers["content-security-policy"]
            assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        # nor in the history: one step back is where the browser was before the link
        driver.back()
        assert "/portal/" not in driver.current_url
        driver.forward()
        wait_for(lambda: "待整改问题" in text(driver), why="the unit page again")

        # a link from another site (a page in the bucket, say) comes without the session
        # cookie (SameSite=Strict): the page moves on once by itself, and then has it
        s3, bucket = portal.clients.s3, portal.settings.data_bucket
        elsewhere = f'<a id="go" href="{portal.portal_url}unit?u={unit_id}">工作台</a>'
        s3.put_object(Bucket=bucket, Key="reports/elsewhere.html", Body=elsewhere.encode(),
                      ContentType="text/html; charset=utf-8")  # fmt: skip
        params = {"Bucket": bucket, "Key": "reports/elsewhere.html"}
        driver.get(s3.generate_presigned_url("get_object", Params=params, ExpiresIn=60))
        responses(driver)  # those before the click
        driver.find_element(By.ID, "go").click()
        wait_for(lambda: "待整改问题" in text(driver), why="the unit page from another site")
        hops = [r.url.removeprefix(portal.portal_url) for r in responses(driver)]
        assert hops == [f"unit?u={unit_id}", f"unit?u={unit_id}&again=1"]

        # markup in what a unit writes reaches the office as text, and runs nowhere
        boxes = driver.find_elements(By.CSS_SELECTOR, "div[id^='f-']")
        ask(driver, boxes[-1], "有异议", MARKUP)
        open_link(driver, portal.office_link(OFFICE), "待处理的申请")
        assert f"理由:{MARKUP}" in text(driver)
        assert driver.find_elements(By.TAG_NAME, "script") == []
        assert driver.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
        assert driver.execute_script("return window.pwned") is None
        office = next(r for r in responses(driver) if r.url.endswith("/portal/office"))
        assert "script-src" not in office.headers["content-security-policy"]  # none: default


def test_a_group_robots_link_opens_a_page_to_read_on_a_phone_with_nothing_to_press(
    portal: LocalPortal,
) -> None:
    unit_id, _ = unit_to_visit(portal)
    with chromium() as driver:
        open_link(driver, portal.unit_link(unit_id, to=f"robot:{unit_id}"), "待整改问题")
        shots(driver, "unit-from-group-robot")
        assert "只能查看" in text(driver) and "整改期限" in text(driver)
        assert driver.find_elements(By.TAG_NAME, "form") == []
        assert "群内名称" not in text(driver) and "上传群成员名单" not in text(driver)
