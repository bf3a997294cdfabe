"""The sample directory: staff, students and a few approved outsiders, with their accounts.

Accounts come from bijections of the person's index (`(n * A + salt) mod M`), so they are
unique without bookkeeping and an "unknown" account can never collide with a real one."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from jobs.sample.catalog import GIVEN, MAIL_DOMAIN, SURNAMES, TOP_SURNAMES, UNITS, UnitSpec

STAFF_WEIGHT, COLLEGE_STAFF_WEIGHT = 1.0, 1.2
DEPARTED_SHARE = 0.04
MIN_DEPARTED_STAFF, MIN_DEPARTED_STUDENTS = 2, 3
SECOND_QQ_SHARE = 0.06
BAD_STATUS = "在岗X"

# factors near 0.618 * span (coprime with it) scatter neighbouring indices
_QQ_BASE, _QQ_SPAN, _QQ_FACTOR = 100_000_000, 1_900_000_000, 1_174_264_579
_WX_SPAN, _WX_FACTOR = 36**12, 2_928_480_718_504_553_473
_SECOND_QQ, _UNKNOWN_QQ, _UNKNOWN_WX = 500_000_000, 1_000_000_000, 10**15
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(slots=True)
class Person:
    index: int
    person_id: str
    name: str
    unit: UnitSpec
    kind: str
    """staff, student or external."""
    status: str
    left_on: date | None
    qq: list[str]
    wechat: str
    wecom: str
    email: str


@dataclass
class Population:
    persons: list[Person]
    accounts: Accounts
    staff: dict[str, list[int]] = field(default_factory=dict)
    """Active staff by unit id: the pools normal groups draw from."""
    students: dict[str, list[int]] = field(default_factory=dict)
    externals: dict[str, list[int]] = field(default_factory=dict)
    departed_staff: dict[str, list[int]] = field(default_factory=dict)
    departed_students: dict[str, list[int]] = field(default_factory=dict)
    all_staff: list[int] = field(default_factory=list)
    all_students: list[int] = field(default_factory=list)
    unknown_count: int = 0

    def account(self, member: int, platform: str) -> str:
        """The account a member uses on `platform`; a negative member is not in the directory."""
        if member < 0:
            return self.accounts.unknown(-member - 1, platform)
        person = self.persons[member]
        if platform == "qq":
            return person.qq[-1]
        return person.wechat if platform == "wechat" else person.wecom

    def new_unknown(self) -> int:
        self.unknown_count += 1
        return -self.unknown_count

    def take_departed(self, unit_id: str, *, staff: bool) -> int:
        pool = (self.departed_staff if staff else self.departed_students)[unit_id]
        return pool.pop(0)


class Accounts:
    def __init__(self, rng: random.Random):
        self.qq_salt = rng.randrange(_QQ_SPAN)
        self.wx_salt = rng.randrange(_WX_SPAN)

    def qq(self, n: int) -> str:
        return str(_QQ_BASE + (n * _QQ_FACTOR + self.qq_salt) % _QQ_SPAN)

    def wechat(self, n: int, prefix: str = "wxid_") -> str:
        return prefix + _base36((n * _WX_FACTOR + self.wx_salt) % _WX_SPAN).rjust(12, "0")

    def unknown(self, k: int, platform: str) -> str:
        if platform == "qq":
            return self.qq(_UNKNOWN_QQ + k)
        return self.wechat(_UNKNOWN_WX + k, "wxid_" if platform == "wechat" else "wm")


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _ALPHABET[rest] + digits
    return digits or "0"


def chinese_name(rng: random.Random) -> str:
    surname = rng.choice(TOP_SURNAMES) if rng.random() < 0.4 else rng.choice(SURNAMES)
    given = rng.choice(GIVEN)
    return surname + (given if rng.random() < 0.3 else given + rng.choice(GIVEN))


def build_population(rng: random.Random, people: int, today: date, *, bad_row: bool) -> Population:
    """Exactly `people` persons; with `bad_row`, one of them has an unknown status word."""
    builder = _Builder(rng, today)
    externals = max(4, people // 300)
    buckets = [(unit, "staff") for unit in UNITS] + [(u, "student") for u in UNITS if u.college]
    weights = [
        (COLLEGE_STAFF_WEIGHT if unit.college else STAFF_WEIGHT)
        if kind == "staff"
        else unit.student_weight
        for unit, kind in buckets
    ]
    counts = _shares(people - externals - int(bad_row), weights)
    for (unit, kind), count in zip(buckets, counts, strict=True):
        builder.bucket(unit, kind, count)
    colleges = [unit for unit in UNITS if unit.college]
    for n in range(externals):
        builder.external(colleges[n % len(colleges)], n)
    if bad_row:
        builder.person(UNITS[6], "staff", BAD_STATUS, None)
    return builder.population


def _shares(total: int, weights: list[float]) -> list[int]:
    """Split `total` by `weights` (largest remainder), each share at least 1."""
    raw = [max(total, len(weights)) * w / sum(weights) for w in weights]
    shares = [max(1, int(r)) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: int(raw[i]) - raw[i])
    for i in by_remainder[: max(0, total - sum(shares))]:
        shares[i] += 1
    return shares


class _Builder:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.population = Population([], Accounts(rng))
        self.seq = 0

    def bucket(self, unit: UnitSpec, kind: str, count: int) -> None:
        minimum = MIN_DEPARTED_STAFF if kind == "staff" else MIN_DEPARTED_STUDENTS
        departed = min(count // 3, max(minimum, round(count * DEPARTED_SHARE)))
        pop = self.population
        active_pool = (pop.staff if kind == "staff" else pop.students).setdefault(unit.unit_id, [])
        departed_pool = pop.departed_staff if kind == "staff" else pop.departed_students
        departed_pool.setdefault(unit.unit_id, [])
        all_pool = pop.all_staff if kind == "staff" else pop.all_students
        departed_at = set(self.rng.sample(range(count), departed))
        for n in range(count):
            if n in departed_at:
                status, left_on = self._departed(kind)
                departed_pool[unit.unit_id].append(self.person(unit, kind, status, left_on).index)
            else:
                index = self.person(unit, kind, self._active(kind), None).index
                active_pool.append(index)
                all_pool.append(index)

    def external(self, unit: UnitSpec, n: int) -> None:
        status = "外聘" if n % 2 == 0 else "校外"
        person = self.person(unit, "external", status, None)
        person.person_id = f"{'WP' if status == '外聘' else 'XW'}{n + 1:04d}"
        self.population.externals.setdefault(unit.unit_id, []).append(person.index)

    def person(self, unit: UnitSpec, kind: str, status: str, left_on: date | None) -> Person:
        rng, pop = self.rng, self.population
        index = len(pop.persons)
        self.seq += 1
        if kind == "student":
            person_id = f"{rng.randint(2021, 2025)}{unit.unit_id[1:]}{self.seq:06d}"
        else:
            person_id = f"{rng.randint(1990, 2024)}{self.seq:06d}"
        qq = [pop.accounts.qq(index)]
        if rng.random() < SECOND_QQ_SHARE:
            qq.append(pop.accounts.qq(_SECOND_QQ + index))
        person = Person(
            index=index,
            person_id=person_id,
            name=chinese_name(rng),
            unit=unit,
            kind=kind,
            status=status,
            left_on=left_on,
            qq=qq,
            wechat=pop.accounts.wechat(index),
            wecom=person_id if kind == "staff" else "",
            email=f"{person_id}@{MAIL_DOMAIN}" if kind == "staff" else "",
        )
        pop.persons.append(person)
        return person

    def _active(self, kind: str) -> str:
        roll = self.rng.random()
        if kind == "staff":
            return "在职" if roll < 0.97 else "停职" if roll < 0.98 else "正常"
        return "在读" if roll < 0.9 else "在校" if roll < 0.98 else "休学"

    def _departed(self, kind: str) -> tuple[str, date | None]:
        rng = self.rng
        if kind == "student":
            status = rng.choice(("毕业", "毕业", "毕业", "退学", "结业"))
            year = self.today.year - rng.randint(1, 3)
            return status, date(year, 6, 30) if rng.random() < 0.85 else None
        status = rng.choice(("离职", "退休", "调出"))
        left_on = self.today - timedelta(days=rng.randint(30, 1500))
        return status, left_on if rng.random() < 0.8 else None
