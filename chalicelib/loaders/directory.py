"""directory/* (人员名册): persons, their status and their accounts on each platform.

A directory can hold hundreds of thousands of people, so its rows are read column by
column (`loaders/columns.py`) straight into the directory's columns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TypeVar

from chalicelib.dates import parse_date
from chalicelib.directory import Directory, PersonColumns
from chalicelib.loaders.columns import (
    BatchCheck,
    ColumnCheck,
    check_days,
    each_value,
    not_blank,
    padded,
    row_numbers,
    transpose,
)
from chalicelib.loaders.rows import row_error
from chalicelib.loaders.units import UnitIndex
from chalicelib.models import DataError, PersonStatus, Platform
from chalicelib.readers import Table
from chalicelib.settings import Settings
from chalicelib.source import SourceFile

_ACCOUNT_SEPARATORS = re.compile(r"[;；,，、\s]+")
T = TypeVar("T")


def by_distinct(values: list[str], parse: Callable[[str], T]) -> list[T | None]:
    """Each value parsed, once per distinct value; empty values are None."""
    known = {value: parse(value) if value else None for value in set(values)}
    return list(map(known.__getitem__, values))


@dataclass
class DirectoryBuilder:
    """Accumulates persons across directory files; person ids are unique across files."""

    units: UnitIndex
    settings: Settings
    directory: Directory = field(default_factory=Directory)
    _seen: set[str] = field(default_factory=set)

    def read(self, file: SourceFile, table: Table, errors: list[DataError]) -> int:
        """Add the persons of one table; returns how many were added.

        The whole table is read before anyone is added: a table rejected midway (over a
        limit) adds no one, or its ids would make the next file's rows duplicates."""
        statuses = {w.strip().casefold(): s for w, s in self.settings.status_words.items()}
        check = BatchCheck(table, self._checks(statuses))
        staged = PersonColumns()
        accounts: list[tuple[Platform, str, int]] = []
        start = 0
        for batch in table.batches():
            rows = padded(batch, len(table.header))
            check.distinct(transpose(rows, len(table.header)))
            numbers = row_numbers(table, batch, start)
            if check.bad:
                rows = check.drop_bad_rows(rows, numbers, errors)
            rows = self._drop_duplicates(rows, staged, table, numbers, errors)
            offset = len(staged)
            self._add_columns(rows, table, statuses, staged)
            accounts.extend(self._accounts(rows, table, offset))
            start += len(batch)
        self._commit(staged, accounts)
        return len(staged)

    def build(self) -> Directory:
        return self.directory

    def _checks(self, statuses: dict[str, PersonStatus]) -> dict[str, ColumnCheck]:
        allowed = "、".join(sorted(self.settings.status_words))

        def status(value: str) -> str | None:
            if not value.strip():
                return "不能为空"
            known = value.strip().casefold() in statuses
            return None if known else f"无法识别的取值“{value.strip()}”(可用:{allowed})"

        def unit(value: str) -> str | None:
            if not value.strip() or self.units.resolve(value) is not None:
                return None
            return f"单位“{value.strip()}”不在单位名录中"

        return {
            "person_id": not_blank("不能为空"),
            "name": not_blank("不能为空"),
            "status": each_value(status),
            "unit": each_value(unit),
            "left_on": check_days,
        }

    def _drop_duplicates(
        self,
        rows: list[list[str]],
        staged: PersonColumns,
        table: Table,
        row_number: Callable[[list[str]], int],
        errors: list[DataError],
    ) -> list[list[str]]:
        ids = [cell.strip() for cell in map(itemgetter(table.columns["person_id"]), rows)]
        known = self._seen.union(staged.person_ids) if staged.person_ids else self._seen
        if len(set(ids)) == len(ids) and known.isdisjoint(ids):
            return rows
        kept, seen = [], set(known)
        for row, person_id in zip(rows, ids, strict=True):
            if person_id in seen:
                reason = f"人员编号“{person_id}”在名册中重复"
                errors.append(row_error(table, row_number(row), "person_id", reason))
            else:
                seen.add(person_id)
                kept.append(row)
        return kept

    def _add_columns(
        self,
        rows: list[list[str]],
        table: Table,
        statuses: dict[str, PersonStatus],
        staged: PersonColumns,
    ) -> None:
        def column(name: str) -> list[str]:
            index = table.columns.get(name)
            if index is None:
                return [""] * len(rows)
            return [cell.strip() for cell in map(itemgetter(index), rows)]

        staged.person_ids.extend(column("person_id"))
        staged.names.extend(column("name"))
        words = column("status")
        status_of = {word: statuses[word.casefold()] for word in set(words)}
        staged.statuses.extend(map(status_of.__getitem__, words))
        staged.unit_ids.extend(by_distinct(column("unit"), self.units.resolve))
        staged.left_on.extend(by_distinct(column("left_on"), parse_date))
        staged.emails.extend(value or None for value in column("email"))

    def _accounts(
        self, rows: list[list[str]], table: Table, offset: int
    ) -> list[tuple[Platform, str, int]]:
        """(platform, account, staged index) for each account listed; several per cell."""
        found = []
        for platform in Platform:  # each platform's column is named by its value
            index = table.columns.get(platform.value)
            if index is None:
                continue
            for person, cell in enumerate(map(itemgetter(index), rows), start=offset):
                for account in _ACCOUNT_SEPARATORS.split(cell.strip()) if cell else ():
                    if account:
                        found.append((platform, account, person))
        return found

    def _commit(self, staged: PersonColumns, accounts: list[tuple[Platform, str, int]]) -> None:
        base = len(self.directory)
        self.directory.extend(staged)
        self._seen.update(staged.person_ids)
        for platform, account, person in accounts:
            self.directory.accounts[platform].setdefault(account, base + person)
