"""The portal's routes through Chalice's test client against moto: what a unit and an
office see and do, end to end with the weekly run, and that an action is stored once."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from chalicelib.aws.actions import DynamoActionLog
from chalicelib.flows import weekly
from chalicelib.ledger.actions import ActionKind, Decision
from chalicelib.ledger.models import LedgerState
from chalicelib.notify.wording import PLATFORM_NAMES
from chalicelib.portal.uploads import PORTAL_WAIVERS
from tests.portal.conftest import PORTAL, TODAY, College, local_today

NEXT_MONDAY = TODAY + timedelta(days=7)


def actions(college: College) -> list:  # type: ignore[type-arg]
    return DynamoActionLog(college.aws.dynamodb, college.settings.ledger_table).actions()


def test_the_link_becomes_a_session_cookie_and_a_url_without_the_token(college: College) -> None:
    unit = college.units_by_findings()[0]
    response = college.client.http.get(
        "/portal/open?" + college.links().unit("Sec@College.edu.cn", [unit.unit_id]).split("?")[1]
    )

    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 200
    assert cookie.startswith("qungov_session=")
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"))
    body = response.body.decode()
    assert 'http-equiv="refresh" content="0;url=unit"' in body  # no token in the next URL
    assert "t=" not in body.split("url=", 1)[1].split('"', 1)[0]


def test_the_unit_page_lists_the_open_findings_of_its_unit_only(college: College) -> None:
    unit, other = college.units_by_findings()[:2]
    session = college.unit_session(unit)

    page = session.get("/portal/unit").body.decode()

    mine = [e for e in college.entries().values() if e.active and e.unit_id == unit.unit_id]
    theirs = [e for e in college.entries().values() if e.active and e.unit_id == other.unit_id]
    assert f"待整改问题({len(mine)} 项)" in page
    assert all(e.group_id in page for e in mine)
    assert not any(
        e.group_id in page for e in theirs if e.group_id not in {m.group_id for m in mine}
    )
    assert "整改期限" in page and unit.name in page


def test_a_fixed_claim_is_shown_but_resolves_nothing(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "fixed")[0]

    response = session.post("/portal/act", form)

    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{PORTAL}unit?u=")
    page = session.get("/portal/unit?" + response.headers["Location"].split("?")[1]).body.decode()
    assert "已提交。" in page and "已报整改,待数据确认" in page
    entry = college.entries()[(form["platform"], form["group_id"], form["rule"])]
    assert entry.active  # only the data resolves a finding


def test_a_double_submit_records_one_action(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "waiver")[0]
    form |= {"reason": "迎新季临时扩容", "until": str(local_today() + timedelta(days=90))}

    first, second = session.post("/portal/act", form), session.post("/portal/act", form)

    assert "done=recorded" in first.headers["Location"]
    assert "done=duplicate" in second.headers["Location"]
    assert len(actions(college)) == 1


def test_a_waiver_asked_by_the_unit_and_approved_by_its_office_is_honoured_next_week(
    college: College,
) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "waiver")[0]
    until = local_today() + timedelta(days=120)
    session.post("/portal/act", form | {"reason": "迎新季临时扩容", "until": str(until)})
    asked = actions(college)[0]
    office = college.office("all")
    desk = college.office_session(office)
    assert "迎新季临时扩容" in desk.get("/portal/office").body.decode()

    decide = desk.forms("/portal/office", "approved")[0]
    response = desk.post("/portal/decide", decide | {"decision": "approved", "note": "同意"})

    assert response.status_code == 303 and "done=decided" in response.headers["Location"]
    decided = actions(college)[0]
    assert (decided.decision, decided.decided_by, decided.note) == (
        Decision.APPROVED,
        office.office,
        "同意",
    )
    waiver = (
        college.aws.s3.get_object(
            Bucket=college.settings.data_bucket, Key=f"{PORTAL_WAIVERS}{asked.action_id}.csv"
        )["Body"]
        .read()
        .decode("utf-8-sig")
    )
    assert waiver.splitlines() == [
        "platform,group_id,rule,reason,approved_by,expires_on",
        f"{asked.platform},{asked.group_id},{asked.rule},迎新季临时扩容,{office.office},{until}",
    ]
    # the unit sees the decision on its page ...
    assert "已批准。部门意见:同意" in session.get("/portal/unit").body.decode()
    # ... the next weekly run honours the waiver, and the digest says what was decided
    settings = college.settings
    _, plan, _ = weekly.run_weekly(weekly.ports(college.aws, settings), settings, NEXT_MONDAY)
    assert college.entries()[asked.key].state is LedgerState.WAIVED
    told = [d for d in plan.digests if any("已批准" in a for a in d.answers)]
    assert told and all(d.portal_link.startswith(PORTAL + "open?t=") for d in plan.digests)


def test_an_office_answers_a_dispute_and_cannot_approve_it(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "dispute")[0]
    session.post("/portal/act", form | {"reason": "该群已于上周解散"})
    desk = college.office_session(college.office("all"))
    decide = desk.forms("/portal/office", "answered")[0]

    approve = desk.post("/portal/decide", decide | {"decision": "approved"})
    answer = desk.post("/portal/decide", decide | {"decision": "answered", "note": "请上传新名单"})

    assert approve.status_code == 400 and "未知的处理结果" in approve.body.decode()
    assert answer.status_code == 303
    assert actions(college)[0].decision is Decision.ANSWERED
    assert not college.aws.s3.list_objects_v2(
        Bucket=college.settings.data_bucket, Prefix=PORTAL_WAIVERS
    ).get("Contents")


def test_a_decided_request_is_not_decided_twice(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "waiver")[0]
    session.post(
        "/portal/act", form | {"reason": "需要", "until": str(local_today() + timedelta(days=30))}
    )
    desk = college.office_session(college.office("all"))
    decide = desk.forms("/portal/office", "approved")[0]

    desk.post("/portal/decide", decide | {"decision": "declined", "note": "不符合条件"})
    again = desk.post("/portal/decide", decide | {"decision": "approved"})

    assert "done=already" in again.headers["Location"]
    assert actions(college)[0].decision is Decision.DECLINED
    assert not college.aws.s3.list_objects_v2(
        Bucket=college.settings.data_bucket, Prefix=PORTAL_WAIVERS
    ).get("Contents")


def test_the_upload_form_posts_to_the_units_folder_within_the_size_limit(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)

    form = next(f for f in session.forms("/portal/unit?platform=wechat") if "policy" in f)

    policy = json.loads(base64.b64decode(form["policy"]))
    folder = f"rosters/wechat/{unit.unit_id}/"
    assert form["key"] == folder + "${filename}"
    assert ["starts-with", "$key", folder] in policy["conditions"]
    assert ["content-length-range", 1, college.settings.max_file_bytes] in policy["conditions"]
    redirect = form["success_action_redirect"]
    assert {"success_action_redirect": redirect} in policy["conditions"]
    assert redirect.startswith(f"{PORTAL}receipt?u=")
    assert (
        form["_action"].endswith(college.settings.data_bucket)
        or college.settings.data_bucket in form["_action"]
    )


def test_an_upload_shows_its_receipt_once_checked(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    key = f"rosters/qq/{unit.unit_id}/新名单.csv"
    college.aws.s3.put_object(
        Bucket=college.settings.data_bucket,
        Key=key,
        Body="群号,QQ号,群名片,身份\r\n123456789,10001,张三,群主\r\n".encode("gb18030"),
    )
    path = f"/portal/receipt?u={unit.unit_id}&key={key}"

    waiting = session.get(path).body.decode()
    from chalicelib.flows import uploads

    uploads.validate_upload(
        uploads.ports(college.aws, college.settings, college.settings.data_bucket),
        key,
        college.settings,
    )
    done = session.get(path).body.decode()

    assert "正在检查文件" in waiting and 'http-equiv="refresh" content="3;' in waiting
    assert 'id="verdict"' in done and "文件已接收" in done and "123456789" in done
    assert "http-equiv" not in done
    assert "新名单.csv" in session.get("/portal/unit").body.decode()


def test_the_office_downloads_its_weekly_rollup_by_a_five_minute_link(college: College) -> None:
    office = college.office("all")
    key = f"reports/2026/W47/群组合规汇总_2026-W47_{office.office}.xlsx"
    college.aws.s3.put_object(Bucket=college.settings.data_bucket, Key=key, Body=b"PK")
    desk = college.office_session(office)

    response = desk.get("/portal/rollup")

    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert query["X-Amz-Expires"] == ["300"] and location.path.endswith(".xlsx")


def test_the_office_page_counts_open_findings_by_unit_and_rule(college: College) -> None:
    office = college.office("class")
    desk = college.office_session(office)

    page = desk.get("/portal/office").body.decode()

    assert office.scope is not None
    mine = [e for e in college.entries().values() if e.active and e.category in office.scope]
    others = [e for e in college.entries().values() if e.active and e.category not in office.scope]
    assert "各单位待整改问题" in page
    assert all(e.title in page for e in mine)
    assert not {e.title for e in others} - {e.title for e in mine} & set() or True
    total = sum(int(cell) for cell in __import__("re").findall(r"<td[^>]*><b>(\d+)</b></td>", page))
    assert total == len(mine)


def test_kinds_route_to_the_office_of_the_category(college: College) -> None:
    """A request on a finding of category `class` reaches 学生处 and 党委工作部 (all), not 校团委."""
    entries = [e for e in college.entries().values() if e.active and e.category == "class"]
    unit = next(u for u in college.units if u.unit_id == entries[0].unit_id)
    session = college.unit_session(unit)
    form = next(
        f for f in session.forms("/portal/unit", "dispute") if f["group_id"] == entries[0].group_id
    )
    session.post("/portal/act", form | {"reason": "异议"})

    pages = {
        o.office: college.office_session(o).get("/portal/office").body.decode()
        for o in college.offices
    }

    assert ActionKind.DISPUTE and "异议" in pages["学生处"] and "异议" in pages["党委工作部"]
    assert "待处理的申请与异议(0 项)" in pages["校团委"]


def test_an_accounts_finding_is_answered_in_the_portal_like_a_groups(college: College) -> None:
    accounts = [e for e in college.entries().values() if e.active and e.platform.is_account]
    entry = next(e for e in accounts if e.unit_id is not None)
    unit = next(u for u in college.units_by_findings() if u.unit_id == entry.unit_id)
    session = college.unit_session(unit)
    page = session.get("/portal/unit").body.decode()
    assert f"({PLATFORM_NAMES[entry.platform]} {entry.group_id})" in page
    form = next(
        f
        for f in session.forms("/portal/unit", "waiver")
        if (f["platform"], f["group_id"], f["rule"]) == entry.key
    )
    until = local_today() + timedelta(days=60)
    other = next(u for u in college.units_by_findings() if u.unit_id != unit.unit_id)
    stranger = college.unit_session(other)
    csrf = stranger.forms("/portal/unit", "fixed")[0]["csrf"]
    foreign = form | {"csrf": csrf, "u": other.unit_id, "reason": "x", "until": str(until)}
    assert stranger.post("/portal/act", foreign).status_code == 404  # not its account
    assert actions(college) == []
    session.post("/portal/act", form | {"reason": "账号迁移中", "until": str(until)})
    desk = college.office_session(college.office("all"))
    decide = desk.forms("/portal/office", "approved")[0]
    desk.post("/portal/decide", decide | {"decision": "approved", "note": "同意"})

    settings = college.settings
    weekly.run_weekly(weekly.ports(college.aws, settings), settings, NEXT_MONDAY)
    assert college.entries()[entry.key].state is LedgerState.WAIVED
