"""The person directory: who is who, and which accounts each person uses per platform.

A college has tens of thousands of people and a province millions, so persons are kept
as columns indexed by a compact integer; `person(i)` gives the model of one of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, count, repeat
from operator import is_, is_not
from typing import overload

from chalicelib.core.models import Person, PersonStatus, Platform


@dataclass
class PersonColumns:
    person_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    unit_ids: list[str | None] = field(default_factory=list)
    statuses: list[PersonStatus] = field(default_factory=list)
    left_on: list[date | None] = field(default_factory=list)
    emails: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.person_ids)

    def append(self, person: Person) -> None:
        self.person_ids.append(person.person_id)
        self.names.append(person.name)
        self.unit_ids.append(person.unit_id)
        self.statuses.append(person.status)
        self.left_on.append(person.left_on)
        self.emails.append(person.email)

    def extend(self, other: PersonColumns) -> None:
        self.person_ids.extend(other.person_ids)
        self.names.extend(other.names)
        self.unit_ids.extend(other.unit_ids)
        self.statuses.extend(other.statuses)
        self.left_on.extend(other.left_on)
        self.emails.extend(other.emails)


class Directory(PersonColumns):
    """Persons by index, and an account index per platform."""

    def __init__(
        self,
        persons: Iterable[Person] = (),
        accounts: Mapping[Platform, Mapping[str, int]] | None = None,
    ):
        super().__init__()
        for person in persons:
            self.append(person)
        self.accounts = {p: dict((accounts or {}).get(p, {})) for p in Platform}
        self._by_status: dict[PersonStatus, frozenset[int]] = {}
        self._by_unit: dict[str | None, frozenset[int]] = {}
        self._inactive: bytes | None = None
        self._account_of: dict[Platform, dict[int, str]] = {}
        self._later_accounts: dict[Platform, frozenset[str]] = {}

    def extend(self, other: PersonColumns) -> None:
        super().extend(other)
        self._clear_derived()

    def _clear_derived(self) -> None:
        self._by_status.clear()
        self._by_unit.clear()
        self._inactive = None
        self._account_of.clear()
        self._later_accounts.clear()

    def add_accounts(self, platform: Platform, listed: dict[str, int]) -> None:
        """Accounts a table lists, each with the first of its persons listing it (`listed`
        is kept, not copied): an account the directory holds stays with its person."""
        self._clear_derived()
        known = self.accounts[platform]
        if not known:
            self.accounts[platform] = listed
            return
        for taken in listed.keys() & known.keys():
            del listed[taken]
        known.update(listed)

    def with_status(self, status: PersonStatus) -> frozenset[int]:
        """Indices of the persons with this status (computed once), for set operations
        against a group's members."""
        if status not in self._by_status:
            self._by_status[status] = frozenset(
                compress(count(), map(is_, self.statuses, repeat(status)))
            )
        return self._by_status[status]

    def in_unit(self, unit_id: str | None) -> frozenset[int]:
        """Indices of the persons of a unit (None: persons without a unit)."""
        if not self._by_unit:
            members: dict[str | None, set[int]] = {}
            for index, unit in enumerate(self.unit_ids):
                members.setdefault(unit, set()).add(index)
            self._by_unit.update((u, frozenset(m)) for u, m in members.items())
        return self._by_unit.get(unit_id, frozenset())

    def person(self, index: int) -> Person:
        return Person(
            person_id=self.person_ids[index],
            name=self.names[index],
            unit_id=self.unit_ids[index],
            status=self.statuses[index],
            left_on=self.left_on[index],
            email=self.emails[index],
        )

    @property
    def persons(self) -> Sequence[Person]:
        return _PersonView(self)

    def inactive_flags(self) -> bytes:
        """1 for each person who is not active, by index, then a 1 for an account the
        directory does not list, looked up as index -1 (computed once)."""
        if self._inactive is None:
            self._inactive = bytes(map(is_not, self.statuses, repeat(PersonStatus.ACTIVE)))
            self._inactive += b"\x01"
        return self._inactive

    def account_of(self, platform: Platform) -> Mapping[int, str]:
        """A person's first account on `platform` (computed once, when first asked); for
        lookups: the mapping's own order is not specified."""
        if platform not in self._account_of:
            accounts = self.accounts[platform]  # read backwards, the first one is kept
            first = dict(zip(reversed(accounts.values()), reversed(accounts), strict=True))
            self._account_of[platform] = first
        return self._account_of[platform]

    def later_accounts(self, platform: Platform) -> frozenset[str]:
        """Accounts on `platform` that are not their person's first one (a second QQ):
        a group holding one of them shows the person by it, not by the first."""
        if platform not in self._later_accounts:
            firsts = self.account_of(platform).values()
            self._later_accounts[platform] = frozenset(self.accounts[platform].keys() - firsts)
        return self._later_accounts[platform]

    def index_of(self, platform: Platform, account: str) -> int | None:
        return self.accounts[platform].get(account)

    def person_of(self, platform: Platform, account: str) -> Person | None:
        index = self.accounts[platform].get(account)
        return None if index is None else self.person(index)


class _PersonView(Sequence[Person]):
    def __init__(self, directory: Directory):
        self._directory = directory

    def __len__(self) -> int:
        return len(self._directory)

    @overload
    def __getitem__(self, index: int) -> Person: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Person]: ...
    def __getitem__(self, index: int | slice) -> Person | Sequence[Person]:
        if isinstance(index, slice):
            return [self._directory.person(i) for i in range(len(self))[index]]
        return self._directory.person(range(len(self))[index])

    def __iter__(self) -> Iterator[Person]:
        return (self._directory.person(i) for i in range(len(self)))
