"""Every digest, rejected-upload receipt and rollup carries its recipient's own link, and
that link opens exactly the recipient's page; the rollup lists the units' answers."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage

from chalicelib.core.layout import OUTBOX
from chalicelib.core.models import RollupKind
from chalicelib.flows import rollup, uploads, weekly
from tests.portal.conftest import PORTAL, TODAY, College, Session


def outbox(college: College) -> dict[str, EmailMessage]:
    bucket = college.settings.data_bucket
    listed = college.aws.s3.list_objects_v2(Bucket=bucket, Prefix=OUTBOX).get("Contents", [])
    found = {}
    for item in listed:
        raw = college.aws.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found[item["Key"]] = message
    return found


def link_in(message: EmailMessage) -> str:
    text = message.get_body(("plain",))
    assert text is not None
    links = re.findall(re.escape(PORTAL) + r"open\?t=[\w.-]+", text.get_content())
    html = message.get_body(("html",))
    assert html is not None and all(link in html.get_content() for link in links)
    assert len(set(links)) == 1, links
    return str(links[0])


def test_each_digest_links_to_the_units_it_concerns(college: College) -> None:
    digests = {k: m for k, m in outbox(college).items() if "/upload-" not in k}
    assert digests
    for message in digests.values():
        session = Session(college.client)
        assert session.open(link_in(message)).status_code == 200
        page = session.get("/portal/unit").body.decode()
        assert "单位工作台" in page


def test_a_rejected_upload_receipt_links_its_unit_contact_to_the_unit_page(
    college: College,
) -> None:
    unit = next(u for u in college.units if u.contact_email)
    key = f"rosters/qq/{unit.unit_id}/坏文件.xlsx"
    college.aws.s3.put_object(Bucket=college.settings.data_bucket, Key=key, Body=b"not a workbook")

    receipt = uploads.validate_upload(
        uploads.ports(college.aws, college.settings, college.settings.data_bucket),
        key,
        college.settings,
    )

    assert receipt is not None and receipt.rejected
    notice = next(m for k, m in outbox(college).items() if "/upload-" in k)
    assert notice["To"] == unit.contact_email
    session = Session(college.client)
    session.open(link_in(notice))
    assert f"单位工作台 · {unit.name}" in session.get("/portal/unit").body.decode()


def test_the_rollup_lists_the_units_answers_and_links_each_office(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "dispute")[0]
    session.post("/portal/act", form | {"reason": "该群已解散,请核实"})
    settings = college.settings

    summary = rollup.run_rollup(
        rollup.ports(college.aws, settings), settings, RollupKind.WEEK, TODAY, datetime.now(UTC)
    )

    pages = {key: college.aws.s3.get_object(Bucket=settings.data_bucket, Key=key)["Body"].read()
             for key in summary.files if key.endswith(".eml")}  # fmt: skip
    for raw in pages.values():
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        office = college.offices[[o.email for o in college.offices].index(message["To"])]
        desk = Session(college.client)
        desk.open(link_in(message))
        assert f"部门工作台 · {office.office}" in desk.get("/portal/office").body.decode()
        text = message.get_body(("plain",))
        assert text is not None
        entry = college.entries()[(form["platform"], form["group_id"], form["rule"])]
        sees = office.scope is None or entry.category in office.scope
        assert ("该群已解散,请核实" in text.get_content()) is sees, office.office
        assert ("本周单位反馈" in text.get_content()) is sees


def test_without_a_portal_address_emails_carry_no_link(college: College, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_URL", "")
    settings = type(college.settings)()
    _, plan, _ = weekly.run_weekly(
        weekly.ports(college.aws, settings), settings, TODAY, dry_run=True
    )

    assert plan.digests and all(d.portal_link == "" for d in plan.digests)
