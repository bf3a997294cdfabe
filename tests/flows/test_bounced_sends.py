"""Which send a bounce reports (chalicelib/flows/weekly.py): the ladder must not count a
warning that bounced, and must still count one whose copy to the head bounced."""

from __future__ import annotations

from chalicelib.flows.weekly import _bounced_sends
from chalicelib.notify.mailhealth import Undeliverable
from chalicelib.notify.sending import SendRecord, SendStatus

WARNING = SendRecord(
    recipient="Wang@college.example.com",  # check_email keeps the local part's case
    period="2026-W48",
    kind="digest",
    content_hash="h",
    status=SendStatus.SENT,
    attempts=1,
    message_id="m-1",
)
OTHER = WARNING.model_copy(update={"recipient": "zhao@college.example.com", "message_id": "m-2"})


def sends(period: str) -> list[SendRecord]:
    return [WARNING, OTHER] if period == "2026-W48" else []


def bounce(
    address: str, message_id: str = "m-1", at: str = "2026-11-23T00:30:00Z"
) -> Undeliverable:
    return Undeliverable(address=address, kind="bounce", reason="550", at=at, message_id=message_id)


def test_a_bounce_names_its_send_whatever_the_case_of_the_address() -> None:
    assert _bounced_sends(bounce("wang@college.example.com"), sends) == [WARNING]


def test_a_bounce_late_in_the_next_week_still_finds_the_digest_of_the_week_before() -> None:
    # 2026-11-30 is W49's Monday: the W48 digest sent late is looked for there too
    late = bounce("wang@college.example.com", at="2026-11-30T01:00:00Z")
    assert _bounced_sends(late, sends) == [WARNING]


def test_a_bounce_of_the_copy_to_the_head_is_not_the_recipients() -> None:
    # GIVEN the head, copied on the same message, bounced: the recipient was warned
    assert _bounced_sends(bounce("cs-head@college.example.com"), sends) == []


def test_a_complaint_or_an_unreadable_time_names_no_send() -> None:
    complaint = bounce("wang@college.example.com").model_copy(update={"kind": "complaint"})
    assert _bounced_sends(complaint, sends) == []
    assert _bounced_sends(bounce("wang@college.example.com", at="yesterday"), sends) == []
