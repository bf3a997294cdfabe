"""More attempts on the portal's promises (DESIGN.md, Portal and Safety), each by the route
a visitor would take: another office's rollup, links at the second they expire and cut
short, keys that try to leave the unit's folder, markup in every value that reaches a
page, the headers and masking of the pages the other tests do not reach, and a form
posted again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jwt
import jwt.api_jwt
import pytest

from chalicelib.aws.ledger import _entry_item
from chalicelib.flows import portal as portal_flow
from chalicelib.flows import uploads
from chalicelib.portal.tokens import (
    EXPIRED,
    INVALID,
    Keyring,
    PortalRole,
    Purpose,
    TokenRefused,
    link_grant,
    read,
    sign,
)
from tests.portal.conftest import College, Session, local_today
from tests.portal.page_forms import Forms
from tests.portal.test_security import HEADERS, recorded, refused

MARKUP = '<script>alert(1)</script><img src=x onerror="y">'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#34;y&#34;&gt;"


def no_markup(page: str) -> None:
    assert "<script" not in page and "<img" not in page and 'onerror="y"' not in page


# -- an office's scope ----------------------------------------------------------------------


def test_an_office_downloads_its_own_rollup_never_one_whose_name_ends_like_its_own(
    college: College,
) -> None:
    """学生处's rollup is `…_学生处.xlsx`; an office named `宣传部_学生处` has
    `…_宣传部_学生处.xlsx`, which ends the same way but is not 学生处's."""
    office = college.office("class")
    bucket = college.settings.data_bucket
    own = f"reports/2026/W47/群组合规汇总_2026-W47_{office.office}.xlsx"
    other = f"reports/2026/W48/群组合规汇总_2026-W48_宣传部_{office.office}.xlsx"
    for key in (own, other):
        college.aws.s3.put_object(Bucket=bucket, Key=key, Body=b"PK")
    desk = college.office_session(office)

    download = desk.get("/portal/rollup")
    page = desk.get("/portal/office").body.decode()

    assert download.status_code == 303
    assert unquote(urlsplit(download.headers["Location"]).path).endswith(own)
    assert own.rsplit("/", 1)[1] in page and "宣传部_" not in page


# -- links at and after their end, cut short --------------------------------------------------


class _Clock:
    """PyJWT's clock (it checks `exp` against `datetime.now`), set to one moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def at(self, moment: datetime) -> None:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Frozen:
                return cls.fromtimestamp(moment.timestamp(), tz)

        self.monkeypatch.setattr(jwt.api_jwt, "datetime", Frozen)


def test_a_link_opens_until_its_last_second_and_never_at_or_after_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring = Keyring.fresh()
    grant = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), datetime(2026, 11, 16, tzinfo=UTC))
    token = sign(grant, Purpose.LINK, keyring)
    clock = _Clock(monkeypatch)

    clock.at(grant.expires - timedelta(seconds=1))
    assert read(token, Purpose.LINK, keyring).scope == ("U01",)
    for after in (timedelta(0), timedelta(milliseconds=1), timedelta(seconds=1)):
        clock.at(grant.expires + after)
        with pytest.raises(TokenRefused, match=re.escape(EXPIRED)):
            read(token, Purpose.LINK, keyring)


def test_a_link_at_its_end_opens_no_session_through_the_route(
    college: College, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = college.units_by_findings()[0]
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(days=28)
    link = college.links(issued).unit("sec@college.edu.cn", [unit.unit_id])
    _Clock(monkeypatch).at(issued + timedelta(days=28))

    assert "链接已过期" in refused(college, link.split("t=", 1)[1])


def test_a_link_cut_short_or_lengthened_is_refused(college: College) -> None:
    unit = college.units_by_findings()[0]
    token = college.links().unit("sec@college.edu.cn", [unit.unit_id]).split("t=", 1)[1]
    header, claims, signature = token.split(".")

    for cut in (
        token[:-1],  # the signature's last character lost in a line break
        token[:-10],
        f"{header}.{claims}.",  # no signature
        f"{header}.{claims}",
        f"{header}.{claims[:-4]}.{signature}",  # the claims cut short
        header,
        token[: len(header) // 2],
        token + "A",
        token + "." + signature,
        "",
    ):
        assert "链接无效" in refused(college, quote(cut)), cut


def test_a_token_of_another_role_or_purpose_with_a_valid_signature_is_refused(
    college: College,
) -> None:
    """An office's session token pasted into a link, a unit's link used as an office's."""
    keys = college.links().keyring
    office = link_grant("a@b.cn", PortalRole.OFFICE, ("all",), datetime.now(UTC), "党委工作部")
    odd = jwt.encode(
        {"sub": "a@b.cn", "typ": "upload", "role": "unit", "scope": ["U01"],
         "iat": 1, "exp": 4102444800},
        keys.keys[0][1], algorithm="HS256", headers={"kid": keys.keys[0][0]},
    )  # fmt: skip
    with pytest.raises(TokenRefused, match=re.escape(INVALID)):
        read(sign(office, Purpose.SESSION, keys), Purpose.LINK, keys)
    with pytest.raises(TokenRefused, match=re.escape(INVALID)):
        read(odd, Purpose.LINK, keys)
    assert "链接无效" in refused(college, odd)


# -- keys that try to leave the unit's folder -----------------------------------------------


def test_a_receipt_is_read_only_from_the_units_own_folders_whatever_the_key_looks_like(
    college: College,
) -> None:
    mine, other = college.units_by_findings()[:2]
    session = college.unit_session(mine)
    u = quote(mine.unit_id)
    outside = [
        f"rosters/qq/{mine.unit_id}0/名单.csv",  # a unit whose id starts like mine
        f"rosters/qq/{mine.unit_id}",  # the folder without its slash
        f"rosters/qq/{mine.unit_id}/..",
        f"rosters/qq/{mine.unit_id}/./../../config/units.csv",
        f"/rosters/qq/{mine.unit_id}/名单.csv",
        f" rosters/qq/{mine.unit_id}/名单.csv",
        f"rosters//qq/{mine.unit_id}/名单.csv",
        f"ROSTERS/qq/{mine.unit_id}/名单.csv",
        f"rosters/qq/{other.unit_id}/名单.csv",
        "receipts/config/units.csv",
    ]
    for key in outside:
        answer = session.get(f"/portal/receipt?u={u}&key={quote(key)}")
        assert answer.status_code == 404, key
    # inside the folder, look-alike slashes, NUL and very long names are plain names: they
    # show a waiting receipt or none, never another file and never an error page
    inside = [
        f"rosters/qq/{mine.unit_id}/..\u2215{other.unit_id}\u2215名单.csv",  # division slash
        f"rosters/qq/{mine.unit_id}/..\uff0f{other.unit_id}\uff0f名单.csv",  # fullwidth
        f"rosters/qq/{mine.unit_id}/..\\{other.unit_id}\\名单.csv",
        f"rosters/qq/{mine.unit_id}/%2E%2E/{other.unit_id}/名单.csv",
        f"rosters/qq/{mine.unit_id}/名单\x00.csv",
        f"rosters/qq/{mine.unit_id}/" + "名" * 2000 + ".csv",
    ]
    for key in inside:
        answer = session.get(f"/portal/receipt?u={u}&key={quote(key)}")
        assert answer.status_code in (200, 404), key
        no_markup(answer.body.decode())


def test_the_upload_form_names_no_folder_but_the_units_own(college: College) -> None:
    """However the platform is asked for, the signed policy's folder is the unit's."""
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)

    for platform in ("../config", "qq/../../config", "qq%2F..", "", "<x>"):
        page = session.get(f"/portal/unit?platform={quote(platform)}")
        form = next(f for f in Forms(page.body.decode()).forms if "policy" in f)
        assert form["key"] == f"rosters/qq/{unit.unit_id}/${{filename}}", platform


# -- markup in every value that reaches a page ----------------------------------------------


def test_markup_in_a_group_name_message_or_office_note_is_shown_escaped(college: College) -> None:
    unit = college.units_by_findings()[0]
    entry = next(e for e in college.entries().values() if e.active and e.unit_id == unit.unit_id)
    college.aws.dynamodb.put_item(
        TableName=college.settings.ledger_table,
        Item=_entry_item(entry.model_copy(update={"group_name": MARKUP, "message": MARKUP})),
    )
    session = college.unit_session(unit)
    form = next(
        f for f in session.forms("/portal/unit", "dispute") if f["group_id"] == entry.group_id
    )
    session.post("/portal/act", form | {"reason": MARKUP})
    desk = college.office_session(college.office("all"))
    decide = desk.forms("/portal/office", "answered")[0]
    desk.post("/portal/decide", decide | {"note": MARKUP})

    unit_page = session.get("/portal/unit").body.decode()
    office_page = desk.get("/portal/office").body.decode()

    for page in (unit_page, office_page):
        no_markup(page)
        assert ESCAPED in page
    assert unit_page.count(ESCAPED) >= 3  # the group's name, the message, the office's note


def test_markup_in_an_uploaded_files_name_and_group_names_is_shown_escaped(
    college: College,
) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    key = f"rosters/qq/{unit.unit_id}/{MARKUP}.csv"
    body = (
        f"群号,群名称,QQ号,群名片,身份\r\n123456789,{MARKUP.replace(',', ' ')},10001,张三,群主\r\n"
    )
    college.aws.s3.put_object(Bucket=college.settings.data_bucket, Key=key, Body=body.encode())
    uploads.validate_upload(
        uploads.ports(college.aws, college.settings, college.settings.data_bucket),
        key,
        college.settings,
    )

    listing = session.get("/portal/unit").body.decode()
    receipt = session.get(f"/portal/receipt?u={quote(unit.unit_id)}&key={quote(key)}")

    assert receipt.status_code == 200
    for page in (listing, receipt.body.decode()):
        no_markup(page)
        assert "&lt;script&gt;" in page
    assert "文件已接收" in receipt.body.decode()


# -- headers and masking on the pages the other tests do not reach ----------------------------


def test_every_answer_on_the_way_carries_the_protective_headers(college: College) -> None:
    unit = college.units_by_findings()[0]
    fresh = Session(college.client)
    opened = fresh.open(college.links().unit("sec@college.edu.cn", [unit.unit_id]))
    form = fresh.forms("/portal/unit", "dispute")[0]
    acted = fresh.post("/portal/act", form | {"reason": "理由"})
    key = quote(f"rosters/qq/{unit.unit_id}/名单.csv")
    receipt = fresh.get(f"/portal/receipt?u={quote(unit.unit_id)}&key={key}")
    desk = college.office_session(college.office("all"))
    decided = desk.post("/portal/decide", desk.forms("/portal/office", "answered")[0])

    for response in (opened, acted, receipt, decided):
        assert response.status_code in (200, 303)
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (response.status_code, name)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_the_office_page_masks_who_asked(college: College) -> None:
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit, recipient="zhang.san1990@college.edu.cn")
    form = session.forms("/portal/unit", "waiver")[0]
    session.post(
        "/portal/act", form | {"reason": "需要", "until": str(local_today() + timedelta(days=9))}
    )

    page = college.office_session(college.office("all")).get("/portal/office").body.decode()

    assert recorded(college) == 1
    assert "zhang.san1990" not in page and "@college.edu.cn" in page


# -- a form posted again ----------------------------------------------------------------------


def _portal_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The portal's clock (a visit's `now`), set to one moment."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(portal_flow, "datetime", Frozen)


@pytest.mark.parametrize("kind", ["waiver", "dispute"])
def test_a_request_posted_again_next_week_while_pending_is_recorded_once(
    college: College, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The same form, re-posted (a browser's resubmit, a replay) after the week turned: the
    first request still waits for the office, so nothing new is asked of it."""
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", kind)[0] | {"reason": "迎新季临时扩容"}
    if kind == "waiver":
        form["until"] = str(local_today() + timedelta(days=90))

    first = session.post("/portal/act", form)
    _portal_clock(monkeypatch, datetime.now(UTC) + timedelta(days=7))
    again = session.post("/portal/act", form)

    assert "done=recorded" in first.headers["Location"]
    assert "done=duplicate" in again.headers["Location"]
    assert recorded(college) == 1


def test_a_second_waiver_request_is_not_asked_while_one_waits(college: College) -> None:
    """The page offers no second request while one waits; a forged form gets none either."""
    unit = college.units_by_findings()[0]
    session = college.unit_session(unit)
    form = session.forms("/portal/unit", "waiver")[0]
    until = str(local_today() + timedelta(days=90))

    session.post("/portal/act", form | {"reason": "迎新季临时扩容", "until": until})
    other = session.post("/portal/act", form | {"reason": "另一个理由", "until": until})

    assert "done=duplicate" in other.headers["Location"]
    assert recorded(college) == 1
