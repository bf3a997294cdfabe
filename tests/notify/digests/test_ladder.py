"""Escalation follows what people were told: the unit head is copied only after a digest
that warned of it reached the recipient (the send log says `sent`); a warning that failed
or bounced holds the ladder and is announced again (issue "No wrong reminder", item 3)."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.core.dates import weekly_run
from chalicelib.notify.digests.ladder import Ladder
from tests.factories import TODAY
from tests.notify.digests.test_build import (
    HEAD,
    OWNER,
    PARTY,
    filed_group,
    make_entry,
    only_digest,
    plan,
)

MONDAY = weekly_run(TODAY)


def weeks_ago(*weeks: int) -> list[date]:
    return [MONDAY - timedelta(weeks=w) for w in weeks]


def test_the_head_is_copied_when_last_weeks_warning_was_sent() -> None:
    ladder = Ladder({OWNER: weeks_ago(1, 2)})

    digest = only_digest(
        plan([make_entry(weeks=3)], [filed_group(responsible_email=OWNER)], ladder=ladder)
    )

    assert digest.cc == (HEAD,)


def test_a_warning_that_never_reached_the_recipient_holds_the_ladder_and_is_repeated() -> None:
    # GIVEN a finding in its 3rd week whose 2nd-week digest failed (never `sent`)
    ladder = Ladder({OWNER: weeks_ago(2)})

    digest = only_digest(
        plan([make_entry(weeks=3)], [filed_group(responsible_email=OWNER)], ladder=ladder)
    )

    # THEN nobody is copied, and the digest warns of the copy again
    assert digest.cc == ()
    (item,) = digest.still_open
    assert item.next_escalation is not None and item.next_escalation.level == 1


def test_the_week_after_the_warning_reaches_the_recipient_the_head_is_copied() -> None:
    # GIVEN the 2nd-week warning failed, the 3rd-week one (repeated) was sent
    ladder = Ladder({OWNER: weeks_ago(1)})

    digest = only_digest(
        plan([make_entry(weeks=4)], [filed_group(responsible_email=OWNER)], ladder=ladder)
    )

    assert digest.cc == (HEAD,)


def test_the_party_is_copied_only_after_its_own_warning_was_sent() -> None:
    # GIVEN a finding in its 6th week: the head was warned in week 2, but the 5th-week
    # digest (which warned of the party) failed
    group = filed_group(responsible_email=OWNER)
    held = Ladder({OWNER: weeks_ago(4, 3, 2)})
    told = Ladder({OWNER: weeks_ago(4, 3, 2, 1)})

    held_back = only_digest(plan([make_entry(weeks=6)], [group], ladder=held))
    copied = only_digest(plan([make_entry(weeks=6)], [group], ladder=told))

    assert held_back.cc == (HEAD,) and copied.cc == (HEAD, PARTY)
    (item,) = held_back.still_open
    assert item.next_escalation is not None and item.next_escalation.level == 2


def test_a_finding_whose_data_is_in_doubt_stays_where_it_was_and_announces_nothing() -> None:
    # GIVEN a finding in its 3rd week, every warning sent, but its data in doubt this week
    entry = make_entry(weeks=3)
    ladder = Ladder({OWNER: weeks_ago(1, 2)}, frozenset({entry.key}))

    digest = only_digest(plan([entry], [filed_group(responsible_email=OWNER)], ladder=ladder))

    assert digest.cc == ()
    (item,) = digest.still_open
    assert item.next_escalation is None
