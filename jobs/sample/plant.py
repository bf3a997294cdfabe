"""Planted problems: for every rule, groups that break exactly that rule, plus waived and
near-miss groups that must not fire. Thresholds are the defaults of `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from chalicelib.core.settings import Settings
from jobs.sample.catalog import UNIT_BY_ID
from jobs.sample.groups import NO_ROSTER, OWN_FILE, Group, GroupFactory

_DEFAULTS = {name: info.default for name, info in Settings.model_fields.items()}
MAX_MEMBERS: int = _DEFAULTS["max_members"]
INACTIVE_DAYS: int = _DEFAULTS["inactive_days"]
EXPIRED_GRACE_DAYS: int = _DEFAULTS["expired_grace_days"]
DEPARTED_GRACE_DAYS: int = _DEFAULTS["departed_grace_days"]
FILING_REVIEW_DAYS: int = _DEFAULTS["filing_review_days"]
ROSTER_MAX_AGE_DAYS: int = _DEFAULTS["roster_max_age_days"]

APPROVER = "党委工作部 周建国"


@dataclass(frozen=True)
class WaiverRow:
    platform: str
    group_id: str
    rule: str
    """A rule id or its Chinese title, as a user would type it."""
    reason: str
    expires_on: date
    limit: int | None = None
    approved_by: str = APPROVER


@dataclass
class Planting:
    today: date
    planted: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    waived: list[tuple[str, str, str]] = field(default_factory=list)
    waivers: list[WaiverRow] = field(default_factory=list)

    def fire(self, rule: str, group: Group) -> None:
        self.planted.setdefault(rule, []).append((group.platform, group.group_id))

    def waive(
        self,
        group: Group,
        rule: str,
        days: int,
        *,
        valid: bool,
        label: str | None = None,
        reason: str = "因工作需要,经审批保留",
        limit: int | None = None,
    ) -> None:
        """A waiver for `group` expiring in `days`; `valid` ones are expected to apply."""
        expires_on = self.today + timedelta(days=days)
        self.waivers.append(
            WaiverRow(group.platform, group.group_id, label or rule, reason, expires_on, limit)
        )
        if valid:
            self.waived.append((group.platform, group.group_id, rule))

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


def plant_groups(factory: GroupFactory, today: date) -> Planting:
    plan = Planting(today)
    for planter in (
        _unfiled,
        _oversized,
        _inactive,
        _expired,
        _owner_departed,
        _departed_members,
        _unidentified,
        _outsider,
        _naming,
        _owner_mismatch,
        _filing_stale,
        _roster_missing,
        _stale_export,
        _duplicate,
    ):
        planter(factory, plan)
    return plan


def add_quiet_filings(factory: GroupFactory, *, bad_date: bool) -> None:
    """Filings without rosters that must not fire: a closed one and, with `bad_date`, one
    whose filing date does not exist (a row error)."""
    factory.make(UNIT_BY_ID["U04"], "work", "wechat", sink=NO_ROSTER).filed().status = "closed"
    if bad_date:
        factory.make(UNIT_BY_ID["U05"], "work", "wechat", sink=NO_ROSTER).filed().bad_date = True


def _unfiled(f: GroupFactory, plan: Planting) -> None:
    new = f.make(UNIT_BY_ID["U11"], "class", "qq", size=48, name="经管学院2025级新生答疑群")
    new.filing = None
    plan.fire("unfiled", new)
    closed = f.make(UNIT_BY_ID["U13"], "work", "wechat", size=10)
    closed.filed().status = "closed"
    plan.fire("unfiled", closed)


def _oversized(f: GroupFactory, plan: Planting) -> None:
    u03 = UNIT_BY_ID["U03"]
    plan.fire("oversized", f.make(u03, "club", "qq", size=MAX_MEMBERS + 13, sink=OWN_FILE))
    waived = f.make(u03, "league", "qq", size=MAX_MEMBERS + 25, name="校团委迎新志愿者总群")
    plan.waive(waived, "oversized", 10, valid=True, label="超规模", reason="迎新期间临时扩容")
    limited = f.make(u03, "club", "qq", size=MAX_MEMBERS + 35)
    plan.waive(limited, "oversized", 200, valid=False, limit=200, reason="全校性社团,核定上限")
    f.make(u03, "club", "qq", size=MAX_MEMBERS)  # exactly at the limit: no finding


def _inactive(f: GroupFactory, plan: Planting) -> None:
    dead = f.make(UNIT_BY_ID["U12"], "class", "qq", size=40, sink=OWN_FILE)
    dead.set_age(700, plan.today)
    dead.last_spoke = plan.days_ago(INACTIVE_DAYS + 30)
    plan.fire("inactive", dead)
    edge = f.make(UNIT_BY_ID["U14"], "class", "qq", size=38, sink=OWN_FILE)
    edge.set_age(400, plan.today)
    edge.last_spoke = plan.days_ago(INACTIVE_DAYS)  # exactly at the limit: no finding


def _expired(f: GroupFactory, plan: Planting) -> None:
    over = f.make(UNIT_BY_ID["U10"], "temporary", "wechat", size=30)
    over.set_age(80, plan.today)
    over.filed().end_on = plan.days_ago(EXPIRED_GRACE_DAYS + 13)
    plan.fire("expired", over)
    edge = f.make(UNIT_BY_ID["U17"], "temporary", "qq", size=25)
    edge.set_age(60, plan.today)
    edge.filed().end_on = plan.days_ago(EXPIRED_GRACE_DAYS)  # last day of grace: no finding


def _owner_departed(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U16"], "work", "wechat", size=12)
    owner = f.pop.take_departed("U16", staff=True)
    f.pop.persons[owner].status = "退休"
    f.pop.persons[owner].left_on = plan.days_ago(60)
    group.members[0] = owner
    group.filed().owner = owner
    group.filed().responsible = group.members[1]
    plan.fire("owner_departed", group)


def _departed_members(f: GroupFactory, plan: Planting) -> None:
    pop = f.pop
    group = f.make(UNIT_BY_ID["U10"], "class", "qq", size=40)
    graduate = pop.take_departed("U10", staff=False)
    pop.persons[graduate].status = "毕业"
    pop.persons[graduate].left_on = plan.days_ago(DEPARTED_GRACE_DAYS + 26)
    quitter = pop.take_departed("U10", staff=True)
    pop.persons[quitter].status = "离职"
    pop.persons[quitter].left_on = None
    group.members += [graduate, quitter]
    plan.fire("departed_members", group)
    edge = f.make(UNIT_BY_ID["U11"], "class", "qq", size=36)
    recent = pop.take_departed("U11", staff=False)
    pop.persons[recent].status = "毕业"
    pop.persons[recent].left_on = plan.days_ago(DEPARTED_GRACE_DAYS - 1)  # within grace
    edge.members.append(recent)


def _unidentified(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U17"], "class", "qq", size=42)
    group.members += [f.pop.new_unknown() for _ in range(3)]
    # expires more than 365 days ahead: a row error, so the finding stays open
    plan.waive(group, "unidentified_members", 400, valid=False, label="不明身份人员")
    plan.fire("unidentified_members", group)


def _outsider(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U11"], "work", "wechat", size=12)
    group.members.append(f.rng.choice(f.pop.staff["U05"]))
    plan.fire("outsider_members", group)
    waived = f.make(UNIT_BY_ID["U12"], "work", "wecom", size=12)
    waived.members.append(f.rng.choice(f.pop.staff["U06"]))
    plan.waive(waived, "outsider_members", 60, valid=True, reason="后勤处派驻联络员")


def _naming(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U16"], "class", "qq", size=40, name="2024级工程造价3班")
    plan.waive(group, "naming", -30, valid=False, label="群名不规范", reason="改名过渡期")
    plan.fire("naming", group)


def _owner_mismatch(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U15"], "work", "qq", size=10)
    group.filed().owner = group.members[1]  # an admin in the roster
    plan.fire("owner_mismatch", group)


def _filing_stale(f: GroupFactory, plan: Planting) -> None:
    group = f.make(UNIT_BY_ID["U13"], "party", "wechat", size=10)
    group.set_age(FILING_REVIEW_DAYS + 145, plan.today)
    group.filed().reviewed_on = None
    plan.fire("filing_stale", group)


def _roster_missing(f: GroupFactory, plan: Planting) -> None:
    plan.fire("roster_missing", f.make(UNIT_BY_ID["U14"], "work", "wecom", sink=NO_ROSTER))
    stale = f.make(UNIT_BY_ID["U18"], "class", "qq", size=35, sink=OWN_FILE)
    stale.exported_at = _at(plan.days_ago(ROSTER_MAX_AGE_DAYS + 6), 10, 0)  # its only export
    plan.fire("roster_missing", stale)


def _stale_export(f: GroupFactory, plan: Planting) -> None:
    """A clean fresh export, and an older one that would break two rules if it won."""
    group = f.make(UNIT_BY_ID["U10"], "class", "qq", size=45, sink=OWN_FILE)
    group.exported_at = _at(plan.days_ago(2), 9, 30)
    group.stale_extra = tuple(f.pop.new_unknown() for _ in range(MAX_MEMBERS - 30))


def _duplicate(f: GroupFactory, plan: Planting) -> None:
    u15 = UNIT_BY_ID["U15"]
    first = f.make(u15, "class", "qq", size=45)
    second = f.make(u15, "class", "qq", size=45, name=f"{first.name}(新群)")
    taken = set(first.members)
    newcomers = [i for i in f.pop.students["U15"] if i not in taken][:2]
    second.members = [*first.members[:43], *newcomers]  # Jaccard 43/47
    second.admins = first.admins
    second.filed().owner = first.filed().owner
    second.filed().responsible = first.filed().responsible
    plan.fire("duplicate", first)
    plan.fire("duplicate", second)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute))
