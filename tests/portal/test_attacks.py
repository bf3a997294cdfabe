"""More attempts on the portal's promises (DESIGN.md, Portal and Safety), each by the route
a visitor would take: another office's rollup, links at the second they expire and cut
short, keys that try to leave the unit's folder, markup in every value that reaches a
page, and the headers and masking of the pages the other tests do not reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from chalicelib.flows import portal as portal_flow
from tests.portal.conftest import College, local_today
from tests.portal.test_security import recorded

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
