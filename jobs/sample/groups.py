"""Chat groups of the sample college, each with its filing. A group made here is clean: it
breaks none of the rules (planting then spoils chosen groups on purpose)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from jobs.sample.catalog import (
    CLUBS,
    EVENTS,
    LEAGUE_TOPICS,
    PARTY_TOPICS,
    UNITS,
    WORK_TOPICS,
    UnitSpec,
)
from jobs.sample.people import Population

NO_ROSTER = "none"
OWN_FILE = "own_file"
"""Sinks a group may be given before rosters are laid out: no export at all, or its own
per-group file with an activity column. Empty means: let the layout choose."""

OVERLAP_CHECK = 0.5
"""Normal groups of one unit stay below this Jaccard overlap (the rule fires at 0.8)."""
SMALL_POOL = 20
"""Overlaps are checked only when the pool is under this many times the group size."""
PLANT_TRIES = 30
"""Draws before giving up on a planted group that keeps overlapping (too few people)."""

PLATFORMS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "class": (("qq", "wechat"), (0.8, 0.2)),
    "work": (("wechat", "wecom", "qq"), (0.45, 0.35, 0.2)),
    "party": (("wechat", "qq"), (0.6, 0.4)),
    "league": (("qq", "wechat"), (0.7, 0.3)),
    "club": (("qq", "wechat"), (0.8, 0.2)),
    "temporary": (("wechat", "qq"), (0.6, 0.4)),
}


@dataclass(slots=True)
class Filing:
    owner: int
    responsible: int
    with_email: bool
    filed_on: date
    reviewed_on: date | None
    end_on: date | None
    status: str = "filed"
    bad_date: bool = False


@dataclass(slots=True)
class Group:
    platform: str
    group_id: str
    name: str
    unit: UnitSpec
    category: str
    members: list[int]
    """Person indices (negative: an account not in the directory); the first is the owner."""
    admins: int
    created: date
    last_spoke: date
    seed: int
    filing: Filing | None = None
    sink: str = ""
    exported_at: datetime | None = None
    stale_extra: tuple[int, ...] = ()
    """When set, an older (stale) export of the group also lists these members."""

    def filed(self) -> Filing:
        if self.filing is None:
            raise ValueError(f"group {self.group_id} has no filing")
        return self.filing

    def set_age(self, days: int, today: date) -> None:
        """Make the group `days` old, keeping its filing fresh (reviewed when it is old)."""
        self.created = today - timedelta(days=days)
        if self.filing is not None:
            self.filing.filed_on = self.created + timedelta(days=2)
            self.filing.reviewed_on = today - timedelta(days=120) if days > 300 else None


def _templates() -> tuple[list[tuple[UnitSpec, str]], list[float]]:
    """(unit, category) choices for normal groups and their weights."""
    choices: list[tuple[UnitSpec, str, float]] = []
    for unit in UNITS:
        if unit.college:
            mix = {"class": 8.0, "work": 1.5, "party": 1.0, "league": 1.0, "temporary": 0.5}
        elif unit.unit_id == "U03":
            mix = {"club": 4.0, "league": 1.5, "work": 0.5}
        else:
            mix = {"work": 2.0, "party": 1.0 if unit.unit_id == "U01" else 0.4}
        choices += [(unit, category, weight) for category, weight in mix.items()]
    return [(u, c) for u, c, _ in choices], [w for _, _, w in choices]


class GroupFactory:
    def __init__(self, rng: random.Random, pop: Population, today: date, size_scale: float = 1.0):
        self.rng = rng
        self.size_scale = size_scale  # scales the usual 20-140 members (mode 55)
        self.pop = pop
        self.today = today
        self.groups: list[Group] = []
        self._ids: set[str] = set()
        self._names: set[str] = set()
        self._by_pool: dict[tuple[str, int], list[Group]] = {}
        """Groups by unit and by the pool they were drawn from (overlaps across pools are
        at most the head)."""
        self._choices, weights = _templates()
        self._cum_weights = list(accumulate(weights))

    @property
    def roster_groups(self) -> int:
        return sum(1 for g in self.groups if g.sink != NO_ROSTER)

    def fill(self, target: int) -> None:
        """Add normal groups until `target` groups have a roster."""
        missing = target - self.roster_groups
        for _ in range(max(0, missing)):
            unit, category = self.rng.choices(self._choices, cum_weights=self._cum_weights)[0]
            self.make(unit, category)

    def make(
        self,
        unit: UnitSpec,
        category: str,
        platform: str | None = None,
        *,
        size: int | None = None,
        name: str | None = None,
        sink: str = "",
    ) -> Group:
        """A clean, filed group; with `size`, exactly that many members or ValueError.
        Its members overlap no other group of its unit drawn from the same pool enough to
        come near the duplicate rule."""
        rng = self.rng
        if platform is None:
            platforms, weights = PLATFORMS[category]
            platform = rng.choices(platforms, weights)[0]
        scale = self.size_scale
        wanted = size or int(rng.triangular(20 * scale, 140 * scale, 55 * scale))
        normal = size is None
        pool = self._pool(unit, category, platform)
        members = self._members(unit, category, platform, pool, wanted, normal)
        for _ in range(PLANT_TRIES):
            if not self._too_close(unit, members, pool) or (normal and wanted <= 6):
                break  # six members can never make a duplicate
            wanted = wanted * 3 // 4 if normal else wanted
            members = self._members(unit, category, platform, pool, wanted, normal)
        else:
            raise ValueError(f"too few people in {unit.unit_id} to plant distinct groups")
        if size is not None and len(members) != size:
            raise ValueError(f"too few people in {unit.unit_id} to plant a {size}-member group")
        created = self.today - timedelta(days=rng.randint(20, 900))
        group = Group(
            platform=platform,
            group_id=self._new_id(platform),
            name=name or self._name(unit, category, created),
            unit=unit,
            category=category,
            members=members,
            admins=rng.randint(1, 3) if len(members) > 5 else 1,
            created=created,
            last_spoke=max(created, self.today - timedelta(days=rng.randint(13, 40))),
            seed=rng.getrandbits(32),
            sink=sink,
        )
        group.filing = self._filing(group)
        self.groups.append(group)
        self._by_pool.setdefault((unit.unit_id, id(pool)), []).append(group)
        return group

    def _students(self, unit: UnitSpec) -> list[int]:
        if unit.unit_id == "U03":  # the Youth League's groups span every college
            return self.pop.all_students
        return self.pop.students.get(unit.unit_id, [])

    def _staff_only(self, unit: UnitSpec, category: str, platform: str) -> bool:
        return category in ("work", "party") or platform == "wecom" or not self._students(unit)

    def _pool(self, unit: UnitSpec, category: str, platform: str) -> list[int]:
        """Whom a group's members (besides the head) are drawn from: staff for work and
        party groups (all staff for the college-wide party group), else students."""
        if not self._staff_only(unit, category, platform):
            return self._students(unit)
        if unit.unit_id == "U01" and category == "party":
            return self.pop.all_staff
        return self.pop.staff[unit.unit_id]

    def _members(
        self,
        unit: UnitSpec,
        category: str,
        platform: str,
        pool: list[int],
        wanted: int,
        normal: bool,
    ) -> list[int]:
        """Active people of the unit, a staff head first (cross-unit only where allowed). A
        `normal` group takes at most 3/5 of its pool and its work group may also hold an
        approved outsider (external expert); a planted one takes exactly `wanted`."""
        rng, uid = self.rng, unit.unit_id
        head = rng.choice(self.pop.staff[uid])
        if self._staff_only(unit, category, platform):
            members = [head, *self._sample(pool, self._capped(wanted, pool, normal) - 1, head)]
            externals = self.pop.externals.get(uid, [])
            guest = normal and category == "work" and platform != "wecom"
            if guest and externals and rng.random() < 0.25:
                members.append(rng.choice(externals))
            return members
        studs = self._sample(pool, self._capped(wanted - 1, pool, normal), head)
        if category != "temporary" and studs and rng.random() < 0.4:
            return [studs[0], head, *studs[1:]]  # a student owns the group, the head admins it
        return [head, *studs]

    @staticmethod
    def _capped(wanted: int, pool: list[int], normal: bool) -> int:
        return min(wanted, len(pool) * 3 // 5) if normal else wanted

    def _sample(self, pool: list[int], count: int, exclude: int) -> list[int]:
        picked = self.rng.sample(pool, min(len(pool), max(0, count) + 1))
        return [i for i in picked if i != exclude][: max(0, count)]

    def _too_close(self, unit: UnitSpec, members: list[int], pool: list[int]) -> bool:
        """Whether `members` overlap a group of the unit too much to stay clear of the
        duplicate rule; random draws from a large pool never do."""
        if len(pool) > SMALL_POOL * len(members):
            return False
        mine = set(members)
        for other in self._by_pool.get((unit.unit_id, id(pool)), ()):
            if len(other.members) * OVERLAP_CHECK > len(mine) or (
                len(mine) * OVERLAP_CHECK > len(other.members)
            ):
                continue  # sizes alone keep the overlap below the check
            theirs = set(other.members)
            common = len(mine & theirs)
            if common / (len(mine) + len(theirs) - common) >= OVERLAP_CHECK:
                return True
        return False

    def _filing(self, group: Group) -> Filing:
        rng, today = self.rng, self.today
        owner = group.members[0]
        responsible = owner if self.pop.persons[owner].kind == "staff" else group.members[1]
        filed_on = group.created + timedelta(days=rng.randint(0, 6))
        reviewed_on = None
        if (today - group.created).days > 300:
            reviewed_on = today - timedelta(days=rng.randint(14, 300))
        elif rng.random() < 0.3:
            reviewed_on = filed_on + timedelta(days=rng.randint(0, (today - filed_on).days - 14))
        end_on = None
        if group.category == "temporary":
            end_on = today + timedelta(days=rng.randint(3, 60))
        return Filing(
            owner=owner,
            responsible=responsible,
            with_email=rng.random() < 0.85,
            filed_on=filed_on,
            reviewed_on=reviewed_on,
            end_on=end_on,
            status="pending" if rng.random() < 0.08 else "filed",
        )

    def _new_id(self, platform: str) -> str:
        rng = self.rng
        while True:
            if platform == "qq":
                group_id = str(rng.randrange(100_000_000, 999_999_999))
            elif platform == "wechat":
                group_id = f"{rng.randrange(10**10, 10**11)}@chatroom"
            else:
                group_id = "wr" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijk", k=18))
            if group_id not in self._ids:
                self._ids.add(group_id)
                return group_id

    def _name(self, unit: UnitSpec, category: str, created: date) -> str:
        rng = self.rng
        for attempt in range(8):
            if category == "class":
                grade = created.year % 100 - rng.randint(0, 2)
                major = rng.choice(unit.majors)
                name = f"{unit.short}{grade}级{major}{rng.randint(1, 6)}班"
            elif category == "temporary":
                name = f"{unit.short}{created.year}{rng.choice(EVENTS)}临时群"
            else:
                topics = {"work": WORK_TOPICS, "party": PARTY_TOPICS, "league": LEAGUE_TOPICS}
                name = f"{unit.short}{rng.choice(topics.get(category, CLUBS))}群"
            if attempt:
                name = f"{name}{attempt + 1}" if category != "class" else name
            if name not in self._names:
                break
        self._names.add(name)
        return name
