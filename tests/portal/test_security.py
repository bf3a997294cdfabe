"""Each promise of the portal's security, tried by someone who wants to break it: another
unit's data by any route, doctored and stale links, forged forms, oversized and invisible
text, script in what units write, and the headers on every answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import jwt
import pytest

from chalicelib.aws.actions import DynamoActionLog
from chalicelib.portal.tokens import Keyring, PortalRole, Purpose, link_grant, sign
from jobs.portal import revoke, rotate_keys
from tests.portal.conftest import College, Session, local_today
from tests.portal.page_forms import Forms

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def recorded(college: College) -> int:
    return len(DynamoActionLog(college.aws.dynamodb, college.settings.ledger_table).actions())


def foreign_finding(college: College, unit_id: str) -> dict[str, str]:
    entry = next(e for e in college.entries().values() if e.active and e.unit_id != unit_id)
    return {"platform": entry.platform.value, "group_id": entry.group_id, "rule": entry.rule}


# -- another unit's data, by every route ---------------------------------------------------


def test_a_unit_link_never_shows_another_units_page(college: College) -> None:
    mine, other = college.units_by_findings()[:2]
    session = college.unit_session(mine)

    page = session.get(f"/portal/unit?u={quote(other.unit_id)}")

    assert page.status_code == 404
    assert other.name not in page.body.decode()


def test_a_unit_link_never_acts_on_another_units_finding(college: College) -> None:
    mine = college.units_by_findings()[0]
    session = college.unit_session(mine)
    csrf = session.forms("/portal/unit", "fixed")[0]["csrf"]

    for kind, extra in (("fixed", {}), ("dispute", {"reason": "x"}),
                        ("waiver", {"reason": "x", "until": str(local_today() + timedelta(days=9))})):  # fmt: skip
        form = {"csrf": csrf, "u": mine.unit_id, "kind": kind, **extra}
        response = session.post("/portal/act", form | foreign_finding(college, mine.unit_id))
        assert response.status_code == 404, response.body.decode()
    assert recorded(college) == 0


def test_a_unit_link_never_reads_another_units_receipts(college: College) -> None:
    mine, other = college.units_by_findings()[:2]
    session = college.unit_session(mine)
    theirs = f"rosters/qq/{other.unit_id}/名单.csv"

    for query in (
        f"u={quote(other.unit_id)}&key={quote(theirs)}",  # their unit
        f"u={quote(mine.unit_id)}&key={quote(theirs)}",  # my unit, their key
        f"u={quote(mine.unit_id)}&key={quote(f'rosters/qq/{mine.unit_id}/../{other.unit_id}/名单.csv')}",
        f"u={quote(mine.unit_id)}&key={quote('config/units.csv')}",
    ):
        assert session.get(f"/portal/receipt?{query}").status_code == 404, query


def test_a_group_robots_link_shows_the_findings_without_members_and_does_nothing(
    college: College,
) -> None:
    """The link a robot posts in a work group opens for anyone in the group: it shows what
    to fix, never who, and takes no action, upload or receipt."""
    unit = college.units_by_findings()[0]
    mine = college.unit_session(unit)  # the secretary's own link, for the forms
    action = mine.forms("/portal/unit", "fixed")[0]
    group = college.unit_session(unit, recipient=f"robot:{unit.unit_id}")

    page = group.get("/portal/unit")
    text = page.body.decode()
    assert page.status_code == 200 and "只能查看" in text
    assert Forms(text).forms == [] and "群内名称" not in text and "上传群成员名单" not in text
    assert "群内名称" in mine.get("/portal/unit").body.decode()  # what the group does not see
    for kind, extra in (("fixed", {}), ("dispute", {"reason": "x"})):
        form = {**action, "kind": kind, **extra}  # a form token check would answer 400
        assert group.post("/portal/act", form).status_code == 403
    key = f"rosters/qq/{unit.unit_id}/名单.csv"
    receipt = group.get(f"/portal/receipt?u={quote(unit.unit_id)}&key={quote(key)}")
    assert receipt.status_code == 403
    assert recorded(college) == 0


def test_a_unit_link_opens_no_office_page_and_an_office_link_no_unit_page(college: College) -> None:
    unit = college.unit_session(college.units_by_findings()[0])
    office = college.office_session(college.office("all"))

    for path in ("/portal/office", "/portal/rollup"):
        assert unit.get(path).status_code == 403
    assert (
        unit.post("/portal/decide", {"action_id": "x", "decision": "approved"}).status_code == 403
    )
    for path in ("/portal/unit", "/portal/receipt?u=x&key=y"):
        assert office.get(path).status_code == 403
    assert office.post("/portal/act", {"kind": "fixed"}).status_code == 403


def test_an_office_never_decides_a_request_of_another_category(college: College) -> None:
    """学生处 (class) cannot decide a request on a finding of category `work`."""
    entry = next(e for e in college.entries().values() if e.active and e.category == "work")
    unit = next(u for u in college.units if u.unit_id == entry.unit_id)
    session = college.unit_session(unit)
    form = next(
        f for f in session.forms("/portal/unit", "waiver") if f["group_id"] == entry.group_id
    )
    session.post(
        "/portal/act", form | {"reason": "需要", "until": str(local_today() + timedelta(days=9))}
    )
    action_id = (
        DynamoActionLog(college.aws.dynamodb, college.settings.ledger_table).actions()[0].action_id
    )
    students = college.office_session(college.office("class"))
    csrf = students.forms("/portal/office")[0]["csrf"] if students.forms("/portal/office") else ""
    csrf = csrf or _csrf_of(students)

    response = students.post(
        "/portal/decide", {"csrf": csrf, "action_id": action_id, "decision": "approved"}
    )

    assert response.status_code == 404
    assert DynamoActionLog(college.aws.dynamodb, college.settings.ledger_table).actions()[0].pending


def _csrf_of(session: Session) -> str:
    """An office page with no form still has a session: its token, read from the cookie."""
    token = session.cookie.split("=", 1)[1]
    return str(jwt.decode(token, options={"verify_signature": False})["csrf"])


# -- links: expired, tampered, wrong key, revoked, wrong purpose ---------------------------


def refused(college: College, token: str) -> str:
    response = college.client.http.get(f"/portal/open?t={token}")
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    return str(response.body.decode())


def keyring(college: College) -> Keyring:
    return college.links().keyring


def test_an_expired_link_gets_a_clear_page_and_nothing_else(college: College) -> None:
    grant = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), datetime.now(UTC) - timedelta(days=29))

    assert "链接已过期" in refused(college, sign(grant, Purpose.LINK, keyring(college)))


def test_a_tampered_link_is_refused(college: College) -> None:
    grant = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), datetime.now(UTC))
    header, _claims, signature = sign(grant, Purpose.LINK, keyring(college)).split(".")
    other = sign(grant.model_copy(update={"scope": ("U01", "U02")}), Purpose.LINK, keyring(college))

    assert "链接无效" in refused(college, f"{header}.{other.split('.')[1]}.{signature}")
    assert "链接无效" in refused(college, "not-a-token")
    # the same claims signed with "none" are refused
    unsigned = jwt.encode({"sub": "a@b.cn", "typ": "link", "role": "unit", "scope": ["U01"],
                           "iat": 1, "exp": 4102444800}, key="", algorithm="none",
                          headers={"kid": keyring(college).keys[0][0]})  # fmt: skip
    assert "链接无效" in refused(college, unsigned)


def test_a_link_signed_with_another_key_is_refused(college: College) -> None:
    grant = link_grant("a@b.cn", PortalRole.OFFICE, ("all",), datetime.now(UTC), "党委工作部")
    forged = Keyring(keys=((keyring(college).keys[0][0], "x" * 64),))  # the right id, wrong key

    assert "链接无效" in refused(college, sign(grant, Purpose.LINK, forged))
    assert "签名密钥已停用" in refused(college, sign(grant, Purpose.LINK, Keyring.fresh("k-old")))


def test_a_rotated_key_keeps_mailed_links_for_one_rotation(college: College) -> None:
    unit = college.units_by_findings()[0]
    mailed = college.links().unit("sec@college.edu.cn", [unit.unit_id])

    rotate_keys(college.aws.ssm, college.settings.portal_key_parameter)
    assert Session(college.client).open(mailed).status_code == 200
    rotate_keys(college.aws.ssm, college.settings.portal_key_parameter)
    assert Session(college.client).open(mailed).status_code == 403


def test_a_revoked_recipient_loses_links_and_sessions(college: College) -> None:
    unit = college.units_by_findings()[0]
    mailed = college.links(datetime.now(UTC) - timedelta(minutes=1)).unit(
        "sec@college.edu.cn", [unit.unit_id]
    )
    session = Session(college.client)
    session.open(mailed)
    assert session.get("/portal/unit").status_code == 200

    revoke(
        college.aws.dynamodb, college.settings.ledger_table, "SEC@college.edu.cn", datetime.now(UTC)
    )

    assert "撤销" in refused(college, mailed.split("t=", 1)[1])
    page = session.get("/portal/unit?again=1")
    assert page.status_code == 401 and "撤销" in page.body.decode()


def test_a_link_token_is_no_session_and_a_session_token_no_link(college: College) -> None:
    unit = college.units_by_findings()[0]
    link_token = college.links().unit("sec@college.edu.cn", [unit.unit_id]).split("t=", 1)[1]
    session = college.unit_session(unit)

    as_cookie = Session(college.client, f"qungov_session={link_token}").get("/portal/unit?again=1")
    assert as_cookie.status_code == 401
    assert "链接无效" in refused(college, session.cookie.split("=", 1)[1])


def test_without_a_session_a_page_asks_for_the_link(college: College) -> None:
    first = college.client.http.get("/portal/unit?u=U01")
    second = college.client.http.get("/portal/unit?u=U01&again=1")

    assert first.status_code == 200 and 'url=?u=U01&amp;again=1"' in first.body.decode()
    assert second.status_code == 401 and "请从邮件中的链接进入" in second.body.decode()


# -- forms: CSRF, bounds, control characters, escaping ----------------------------------------


def test_a_post_without_the_sessions_form_token_changes_nothing(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "fixed")[0]
    other = college.unit_session(unit, "other@college.edu.cn")
    their_csrf = other.forms("/portal/unit", "fixed")[0]["csrf"]

    for csrf in ("", "guess", their_csrf):
        response = session.post("/portal/act", form | {"csrf": csrf})
        assert response.status_code == 400 and "页面已过期" in response.body.decode()
    assert recorded(college) == 0


@pytest.mark.parametrize(
    ("reason", "until", "why"),
    [
        ("", "+30", "请填写理由"),
        ("字" * 501, "+30", "不能超过 500 个字"),
        ("正常\x07响铃", "+30", "控制字符"),
        ("看似正常\u202e反向", "+30", "控制字符"),
        ("理由", "+366", "最长 365 天"),
        ("理由", "+0", "应晚于今天"),
        ("理由", "2027-02-30", "请填写豁免截止日期"),
    ],
)
def test_a_waiver_request_out_of_bounds_is_refused_with_a_reason(
    college: College, reason: str, until: str, why: str
) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "waiver")[0]
    day = str(local_today() + timedelta(days=int(until[1:]))) if until.startswith("+") else until

    response = session.post("/portal/act", form | {"reason": reason, "until": day})

    assert response.status_code == 400
    assert why in response.body.decode()
    assert recorded(college) == 0


def test_a_repeated_field_or_an_oversized_form_is_refused(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "dispute")[0] | {"reason": "x"}
    body = "&".join(f"{k}={quote(v)}" for k, v in form.items()) + "&kind=fixed"
    headers = {"content-type": "application/x-www-form-urlencoded", "cookie": session.cookie}

    repeated = college.client.http.post("/portal/act", body=body, headers=headers)
    huge = session.post("/portal/act", form | {"reason": "x" * 20_000})

    assert repeated.status_code == 400 and "重复字段" in repeated.body.decode()
    assert huge.status_code == 400 and "内容过大" in huge.body.decode()
    assert recorded(college) == 0


def test_what_a_unit_writes_is_shown_escaped_to_the_office(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "dispute")[0]
    session.post(
        "/portal/act", form | {"reason": '<script>alert(1)</script><img src=x onerror="y">'}
    )

    page = college.office_session(college.office("all")).get("/portal/office").body.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#34;y&#34;&gt;" in page
    assert "<script>" not in page and "<img" not in page


# -- every answer carries the headers; ids stay masked ---------------------------------------


def test_every_page_carries_the_protective_headers(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    desk = college.office_session(college.office("all"))
    answers = [
        college.client.http.get("/portal/open?t=bad"),
        college.client.http.get("/portal/unit"),
        session.get("/portal/unit"),
        session.get("/portal/unit?u=nope"),
        session.get(f"/portal/receipt?u={quote(unit.unit_id)}&key=x"),
        session.post("/portal/act", {"csrf": "bad"}),
        desk.get("/portal/office"),
        desk.get("/portal/rollup"),
        desk.post("/portal/decide", {"csrf": "bad"}),
    ]

    for response in answers:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (response.status_code, name)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp  # no script at all, by default-src


def test_member_accounts_are_masked_on_the_unit_page(college: College) -> None:
    for unit in college.units_by_findings()[:5]:
        page = college.unit_session(unit).get("/portal/unit").body.decode()
        import re

        accounts = re.findall(r'<td style="[^"]*">(\d[\d*]{4,})</td>', page)
        assert all("*" in account for account in accounts)
