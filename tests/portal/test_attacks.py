"""More attempts on the portal's promises (DESIGN.md, Portal and Safety), each by the route
a visitor would take: another office's rollup, links at the second they expire and cut
short, keys that try to leave the unit's folder, markup in every value that reaches a
page, and the headers and masking of the pages the other tests do not reach."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from tests.portal.conftest import College

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
