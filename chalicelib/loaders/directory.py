"""directory/* (人员名册): persons and the accounts they use on each platform."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.directory import Directory
from chalicelib.loaders.rows import Row, RowError, parse_rows, row_error
from chalicelib.loaders.units import UnitIndex
from chalicelib.models import DataError, Person, PersonStatus, Platform
from chalicelib.readers import Table
from chalicelib.settings import Settings
from chalicelib.source import SourceFile

_ACCOUNT_SEPARATORS = re.compile(r"[;；,，、\s]+")
ACCOUNT_FIELDS = {p: p.value for p in Platform}  # the column of each platform is its name


@dataclass
class DirectoryBuilder:
    """Accumulates persons across directory files; person ids are unique across files."""

    units: UnitIndex
    settings: Settings
    persons: list[Person] = field(default_factory=list)
    accounts: dict[Platform, dict[str, int]] = field(
        default_factory=lambda: {p: {} for p in Platform}
    )
    _seen: set[str] = field(default_factory=set)

    def read(self, file: SourceFile, table: Table, errors: list[DataError]) -> int:
        """Add the persons of one table; returns how many were added."""
        words = {w.casefold(): s for w, s in self.settings.status_words.items()}
        # Read the whole table before adding anyone: a table rejected midway (over a limit)
        # must add no person, or its ids would make the next file's rows duplicates.
        parsed = list(parse_rows(table, lambda row: self._parse(row, words), errors))
        added = 0
        for row_number, (person, accounts) in parsed:
            if person.person_id in self._seen:
                reason = f"人员编号“{person.person_id}”在名册中重复"
                errors.append(row_error(table, row_number, "person_id", reason))
                continue
            self._seen.add(person.person_id)
            index = len(self.persons)
            self.persons.append(person)
            for platform, ids in accounts.items():
                index_of = self.accounts[platform]
                for account in ids:
                    index_of.setdefault(account, index)
            added += 1
        return added

    def build(self) -> Directory:
        return Directory(self.persons, self.accounts)

    def _parse(
        self, row: Row, words: dict[str, PersonStatus]
    ) -> tuple[Person, dict[Platform, list[str]]]:
        status = row.word("status", words)
        if status is None:
            raise RowError("status", "不能为空")
        unit_ref = row.text("unit")
        unit_id = None
        if unit_ref is not None:
            unit_id = self.units.resolve(unit_ref)
            if unit_id is None:
                raise RowError("unit", f"单位“{unit_ref}”不在单位名录中")
        person = Person.model_construct(  # fields checked above; this table can be large
            person_id=row.required("person_id"),
            name=row.required("name"),
            unit_id=unit_id,
            status=status,
            left_on=row.date("left_on"),
            email=row.text("email"),
        )
        accounts = {}
        for platform, column in ACCOUNT_FIELDS.items():
            value = row.text(column)
            if value:
                accounts[platform] = [a for a in _ACCOUNT_SEPARATORS.split(value) if a]
        return person, accounts
