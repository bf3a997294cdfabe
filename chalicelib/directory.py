"""The person directory: who is who, and which accounts each person uses per platform."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.models import Person, PersonStatus, Platform


class Directory:
    """Persons by compact integer index, and an account index per platform."""

    def __init__(self, persons: list[Person], accounts: Mapping[Platform, dict[str, int]]):
        self.persons = persons
        self.accounts = {platform: dict(accounts.get(platform, {})) for platform in Platform}

    def __len__(self) -> int:
        return len(self.persons)

    def index_of(self, platform: Platform, account: str) -> int | None:
        return self.accounts[platform].get(account)

    def person_of(self, platform: Platform, account: str) -> Person | None:
        index = self.accounts[platform].get(account)
        return None if index is None else self.persons[index]

    def is_departed(self, index: int) -> bool:
        return self.persons[index].status is PersonStatus.DEPARTED
