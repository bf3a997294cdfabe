from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from chalicelib.core.dates import weekly_run
from chalicelib.core.models import Category, DataError, GroupKey, Platform, Unit, Waiver
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.rules.context import GroupView
from chalicelib.intake.loaders.waivers import WaiverBook
from chalicelib.ledger.models import LedgerEntry, LedgerState
from chalicelib.notify.digests.build import DigestPlan, build_digests
from chalicelib.notify.digests.ladder import Ladder
from chalicelib.notify.digests.models import Digest
from tests.factories import (
    GROUP_ID,
    TODAY,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
    make_unit,
    make_waiver,
)

PERIOD = "2026-W37"
OWNER = "owner@example.edu.cn"
CONTACT = "office@example.edu.cn"
HEAD = "head@example.edu.cn"
PARTY = "party@example.edu.cn"
UNIT = make_unit(
    contact_email=CONTACT,
    head_name="王五",
    head_email=HEAD,
    party_org="信息工程学院党总支",
    party_org_email=PARTY,
)


def make_entry(
    rule: str = "oversized",
    group_id: str = GROUP_ID,
    *,
    state: LedgerState = LedgerState.OPEN,
    weeks: int = 1,
    unit_id: str | None = "U01",
    resolved_on: date | None = None,
    **fields: Any,
) -> LedgerEntry:
    """An entry opened so that `weeks_open(TODAY) == weeks` (1: opened today)."""
    meta = REGISTRY[rule].meta
    opened_on = TODAY - timedelta(days=7 * (weeks - 1))
    defaults: dict[str, Any] = {
        "platform": Platform.QQ,
        "group_id": group_id,
        "rule": rule,
        "state": state,
        "unit_id": unit_id,
        "category": Category.WORK,
        "severity": meta.severity,
        "title": meta.title,
        "group_name": f"信息工程学院群{group_id}",
        "message": f"{meta.title}:群 {group_id} 的情况。",
        "evidence": {},
        "clause": meta.clause,
        "remedy": meta.remedy,
        "first_seen": opened_on,
        "opened_on": opened_on,
        "last_seen": TODAY,
        "resolved_on": resolved_on,
    }
    return LedgerEntry(**{**defaults, **fields})


def filed_group(
    group_id: str = GROUP_ID, unit: Unit | None = UNIT, **filing_fields: Any
) -> GroupView:
    filing = make_filing(group_id=group_id, **filing_fields)
    return make_group(filing=filing, snapshot=make_snapshot(group_id), unit=unit)


def plan(
    entries: Iterable[LedgerEntry],
    groups: Iterable[GroupView] = (),
    units: Iterable[Unit] = (UNIT,),
    waivers: Iterable[Waiver] = (),
    today: date = TODAY,
    data_problems: Mapping[str | None, Sequence[DataError]] | None = None,
    ladder: Ladder | None = None,
) -> DigestPlan:
    """Every recipient's digests reached them, each week (tests/notify/digests/test_ladder.py
    has the ladder held back by warnings that did not)."""
    by_key: dict[GroupKey, GroupView] = {g.key: g for g in groups}
    return build_digests(
        entries,
        by_key,
        {u.unit_id: u for u in units},
        WaiverBook(waivers),
        today,
        PERIOD,
        make_settings(),
        data_problems,
        ladder=ladder or warned_every_week(today),
    )


def warned_every_week(today: date) -> Ladder:
    mondays = [weekly_run(today) - timedelta(weeks=n) for n in range(1, 12)]
    return Ladder(EveryRecipient(mondays))


class EveryRecipient(dict[str, list[date]]):
    """The same weeks for whoever is asked."""

    def __init__(self, weeks: list[date]) -> None:
        super().__init__()
        self.weeks = weeks

    def get(self, key: str, default: object = None) -> list[date]:
        return self.weeks


def only_digest(result: DigestPlan) -> Digest:
    assert len(result.digests) == 1, result.digests
    return result.digests[0]


# Routing


def test_routes_to_filing_responsible_email() -> None:
    # GIVEN a filed group with a responsible person WHEN planned THEN it goes to them
    result = plan([make_entry()], [filed_group(responsible_email=OWNER)])
    digest = only_digest(result)
    assert digest.recipient == OWNER
    assert digest.period == PERIOD
    assert result.unroutable == ()


def test_falls_back_to_unit_contact_email() -> None:
    result = plan([make_entry()], [filed_group()])
    assert only_digest(result).recipient == CONTACT


def test_group_gone_from_scan_routes_by_entry_unit() -> None:
    # GIVEN an entry fixed today whose group has disappeared from the scan
    fixed = make_entry("expired", state=LedgerState.RESOLVED, resolved_on=TODAY)
    # WHEN planned THEN the entry's unit contact hears that it is fixed
    digest = only_digest(plan([fixed], groups=[]))
    assert digest.recipient == CONTACT
    assert [item.rule for item in digest.fixed] == ["expired"]
    assert digest.fixed[0].weeks_open == 0


def test_unfiled_group_without_unit_is_unroutable() -> None:
    # GIVEN an unfiled group whose unit could not be inferred
    group = make_group(snapshot=make_snapshot(group_name="周末约球"))
    result = plan([make_entry("unfiled", unit_id=None)], [group])
    # THEN nobody gets a digest and the finding is listed with a reason, not dropped
    assert result.digests == ()
    assert len(result.unroutable) == 1
    assert result.unroutable[0].rule == "unfiled"
    assert result.unroutable[0].reason == "群未备案且无法判断所属单位"


def test_unit_without_contact_email_is_unroutable_naming_the_unit() -> None:
    silent = make_unit()
    result = plan([make_entry()], [filed_group(unit=silent)], units=[silent])
    assert result.digests == ()
    assert result.unroutable[0].reason == (
        "单位 信息工程学院(U01)未填写联系邮箱,备案也未填写责任人邮箱"
    )


def test_unknown_unit_is_unroutable_naming_its_id() -> None:
    result = plan([make_entry(unit_id="U99")], groups=[], units=[])
    assert "单位 U99 不在单位名单中" in result.unroutable[0].reason


def test_fixed_entry_without_recipient_is_not_unroutable() -> None:
    fixed = make_entry(state=LedgerState.RESOLVED, resolved_on=TODAY, unit_id=None)
    assert plan([fixed]) == DigestPlan(digests=(), unroutable=())


# Escalation


def test_no_copies_before_three_weeks() -> None:
    assert only_digest(plan([make_entry(weeks=2)], [filed_group()])).cc == ()


def test_unit_head_copied_from_three_weeks() -> None:
    digest = only_digest(plan([make_entry(weeks=3)], [filed_group(responsible_email=OWNER)]))
    assert digest.cc == (HEAD,)


def test_party_organisation_copied_from_six_weeks() -> None:
    entries = [make_entry(weeks=6), make_entry("naming", weeks=4)]
    digest = only_digest(plan(entries, [filed_group(responsible_email=OWNER)]))
    assert digest.cc == (HEAD, PARTY)  # deduplicated and sorted


def test_recipient_is_never_copied_to_themself() -> None:
    # GIVEN a unit whose head is also its contact
    unit = UNIT.model_copy(update={"head_email": CONTACT.upper()})
    digest = only_digest(plan([make_entry(weeks=6)], [filed_group(unit=unit)], units=[unit]))
    assert digest.recipient == CONTACT
    assert digest.cc == (PARTY,)


def test_fixed_items_do_not_escalate() -> None:
    fixed = make_entry(state=LedgerState.RESOLVED, resolved_on=TODAY, first_seen=TODAY)
    fixed = fixed.model_copy(update={"opened_on": TODAY - timedelta(weeks=8)})
    assert only_digest(plan([fixed], [filed_group()])).cc == ()


# Deadlines and escalation announced a week ahead


def test_every_open_item_is_due_the_day_before_the_next_run() -> None:
    entries = [make_entry(weeks=1), make_entry("naming", weeks=4)]
    digest = only_digest(plan(entries, [filed_group(responsible_email=OWNER)]))
    assert {item.fix_by for item in digest.new + digest.still_open} == {date(2026, 9, 13)}


def test_the_week_before_a_copy_the_item_says_who_will_be_copied() -> None:
    # GIVEN findings in their 1st, 2nd, 3rd and 5th week
    entries = [make_entry("oversized", "g1", weeks=1), make_entry("oversized", "g2", weeks=2),
               make_entry("oversized", "g3", weeks=3), make_entry("oversized", "g5", weeks=5)]  # fmt: skip
    groups = [filed_group(g, responsible_email=OWNER) for g in ("g1", "g2", "g3", "g5")]
    digest = only_digest(plan(entries, groups))
    announced = {i.group_id: i.next_escalation for i in digest.new + digest.still_open}
    # THEN week 2 announces the unit head, week 5 the party organisation; the others nothing
    assert announced["g1"] is None and announced["g3"] is None
    assert announced["g2"] is not None and announced["g2"].level == 1
    assert announced["g2"].to == "单位第一责任人(信息工程学院 王五)"
    assert announced["g5"] is not None and announced["g5"].level == 2
    assert announced["g5"].to == "党组织(信息工程学院党总支)"


def test_no_escalation_is_announced_when_nobody_would_be_copied() -> None:
    unit = UNIT.model_copy(update={"head_email": None})
    digest = only_digest(
        plan([make_entry(weeks=2)], [filed_group(unit=unit, responsible_email=OWNER)], [unit])
    )
    assert digest.new + digest.still_open and digest.still_open[0].next_escalation is None


def test_a_week_before_it_goes_overdue_the_item_says_so_even_with_no_party_to_copy() -> None:
    unit = UNIT.model_copy(update={"party_org_email": None})
    digest = only_digest(
        plan([make_entry(weeks=5)], [filed_group(unit=unit, responsible_email=OWNER)], [unit])
    )
    (item,) = digest.still_open
    assert item.next_escalation is not None
    assert (item.next_escalation.level, item.next_escalation.to) == (2, "")


def test_a_run_on_another_day_keeps_the_deadline_before_the_coming_monday() -> None:
    wednesday = TODAY + timedelta(days=2)  # an operator's re-run of the week
    entries = [make_entry(weeks=1)]
    digest = only_digest(plan(entries, [filed_group(responsible_email=OWNER)], today=wednesday))
    assert {item.fix_by for item in digest.new + digest.still_open} == {date(2026, 9, 13)}


def test_fixed_and_coming_due_items_ask_for_nothing() -> None:
    fixed = make_entry(state=LedgerState.RESOLVED, resolved_on=TODAY)
    digest = only_digest(plan([fixed], [filed_group()]))
    assert digest.fixed[0].fix_by is None and digest.fixed[0].next_escalation is None


# Sections


def test_sections_new_still_open_and_fixed() -> None:
    entries = [
        make_entry("oversized", weeks=1),
        make_entry("naming", weeks=4),
        make_entry("inactive", state=LedgerState.REOPENED, weeks=2),
        make_entry("expired", state=LedgerState.RESOLVED, resolved_on=TODAY),
        make_entry("filing_stale", state=LedgerState.RESOLVED, resolved_on=TODAY - timedelta(7)),
    ]
    digest = only_digest(plan(entries, [filed_group()]))
    assert [i.rule for i in digest.new] == ["oversized"]
    assert [(i.rule, i.weeks_open) for i in digest.still_open] == [("inactive", 2), ("naming", 4)]
    assert [i.rule for i in digest.fixed] == ["expired"]  # not the one fixed last week


def test_sections_are_by_iso_week_whatever_day_the_digest_is_made() -> None:
    # GIVEN Monday's run opened one finding and resolved another, then stopped before it
    # queued the digests, and last week's Monday run resolved a third
    entries = [
        make_entry("oversized", weeks=1),
        make_entry("naming", weeks=2),
        make_entry("expired", state=LedgerState.RESOLVED, resolved_on=TODAY),
        make_entry("filing_stale", state=LedgerState.RESOLVED, resolved_on=TODAY - timedelta(7)),
    ]
    # WHEN the week's digests are made by a run on the Wednesday
    wednesday = TODAY + timedelta(days=2)
    digest = only_digest(plan(entries, [filed_group()], today=wednesday))
    # THEN the finding of this week is new, and the fix of this week is listed as fixed
    assert [i.rule for i in digest.new] == ["oversized"]
    assert [(i.rule, i.weeks_open) for i in digest.still_open] == [("naming", 2)]
    assert [i.rule for i in digest.fixed] == ["expired"]


def test_waived_entries_are_never_reminded() -> None:
    result = plan([make_entry(state=LedgerState.WAIVED, weeks=9)], [filed_group()])
    assert result == DigestPlan(digests=(), unroutable=())


def test_items_ordered_by_severity_then_group_then_rule_order() -> None:
    entries = [
        make_entry("naming", "2"),  # low
        make_entry("duplicate", "1"),  # low
        make_entry("oversized", "2"),  # medium
        make_entry("naming", "1"),  # low, before duplicate in the rule table
        make_entry("expired", "2"),  # high
    ]
    groups = [filed_group("1"), filed_group("2")]
    digest = only_digest(plan(entries, groups))
    assert [(i.rule, i.group_id) for i in digest.new] == [
        ("expired", "2"),
        ("oversized", "2"),
        ("naming", "1"),
        ("duplicate", "1"),
        ("naming", "2"),
    ]


def test_waiver_expiring_in_14_days_is_coming_due_and_in_15_is_not() -> None:
    waivers = [
        make_waiver("oversized", expires_on=TODAY + timedelta(days=14)),
        make_waiver("naming", expires_on=TODAY + timedelta(days=15)),
        make_waiver("inactive", expires_on=TODAY - timedelta(days=1)),
    ]
    digest = only_digest(plan([], [filed_group()], waivers=waivers))
    assert [(d.group_id, d.due_on) for d in digest.coming_due] == [
        (GROUP_ID, TODAY + timedelta(14))
    ]
    assert digest.coming_due[0].what == "豁免(超规模)将于 2026-09-21 到期,到期后将恢复提醒"
    assert digest.coming_due[0].group_name == "信息工程学院教职工工作群"


def test_waiver_followed_by_a_later_one_is_not_coming_due() -> None:
    waivers = [
        make_waiver("oversized", expires_on=TODAY + timedelta(days=3)),
        make_waiver("oversized", expires_on=TODAY + timedelta(days=90)),
    ]
    assert plan([], [filed_group()], waivers=waivers).digests == ()


def test_temporary_group_ending_in_7_days_is_coming_due_and_in_8_is_not() -> None:
    groups = [
        filed_group("7", category=Category.TEMPORARY, end_on=TODAY + timedelta(days=7)),
        filed_group("8", category=Category.TEMPORARY, end_on=TODAY + timedelta(days=8)),
        filed_group("0", category=Category.TEMPORARY, end_on=TODAY - timedelta(days=1)),
    ]
    digest = only_digest(plan([], groups))
    assert [d.group_id for d in digest.coming_due] == ["7"]
    assert digest.coming_due[0].what.startswith("临时群将于 2026-09-14 到期")


# One digest per recipient


def test_one_digest_per_recipient_across_groups() -> None:
    # GIVEN three groups, two with the same responsible person (spelt differently)
    groups = [
        filed_group("1", responsible_email=OWNER),
        filed_group("2", responsible_email=f" {OWNER.upper()} "),
        filed_group("3"),
    ]
    entries = [make_entry(group_id="1"), make_entry(group_id="2"), make_entry(group_id="3")]
    # WHEN planned THEN the owner gets one digest with both groups; the unit contact one
    result = plan(entries, groups)
    assert [d.recipient for d in result.digests] == [CONTACT, OWNER]
    assert [i.group_id for i in result.digests[1].new] == ["1", "2"]
    assert [i.group_id for i in result.digests[0].new] == ["3"]


def test_content_hash_is_deterministic_and_tracks_items() -> None:
    groups = [filed_group("1"), filed_group("2")]
    entries = [make_entry(r, g, weeks=w) for r, g, w in [("naming", "1", 1), ("oversized", "2", 4)]]
    shuffled = entries[::-1]
    random.Random(7).shuffle(shuffled)
    first = only_digest(plan(entries, groups)).content_hash()
    assert only_digest(plan(shuffled, groups)).content_hash() == first
    changed = [entries[0].model_copy(update={"message": "群成员 152 人,超过上限 150 人。"})]
    assert only_digest(plan(changed + entries[1:], groups)).content_hash() != first


def test_unfiled_group_of_a_unit_without_contact_names_only_the_unit() -> None:
    silent = make_unit()
    group = make_group(snapshot=make_snapshot(group_name="信息学院闲聊"), unit=silent)
    result = plan([make_entry("unfiled")], [group], units=[silent])
    assert result.unroutable[0].reason == "单位 信息工程学院(U01)未填写联系邮箱"
