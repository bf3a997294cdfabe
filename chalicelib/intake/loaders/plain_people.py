"""The directory's fast path: a batch of rows whose every cell is plain (ASCII ids, short
printable names, known status words, units and dates, plain account ids, usable
addresses, no duplicate) is taken column by column, with C-level checks over each column
and each distinct value checked once. Any other batch is read row by row by
`DirectoryBuilder.read`, which reports each problem: this path never reports anything, so
the directory and every error come out exactly as the row-by-row reading gives them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress
from typing import Any

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import PersonStatus, Platform
from chalicelib.core.values import check_email, normalize_id
from chalicelib.intake.directory import PersonColumns
from chalicelib.intake.loaders.rows import RowError

SEPARATORS = re.compile(r"[;；,，、\s]+")  # between the accounts of one cell
# A cell `_Accounts.add` keeps as it is: empty, ASCII digits, or an ASCII identifier.
_PLAIN = re.compile(r"(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass
class PlainBatches:
    """Takes the plain batches of one directory table into `staged` (see the module)."""

    columns: Mapping[str, int]
    account_columns: Sequence[tuple[Platform, int]]
    cells: Any  # the table's _CellReader: its memos and its checks of one value
    max_id: int
    max_text: int
    seen: set[str]  # person ids of the files read before

    def take(
        self,
        batch: list[list[str]],
        staged: PersonColumns,
        staged_ids: set[str],
        base: int,
        accounts: Mapping[Platform, Any],
    ) -> bool:
        """Add the batch's persons and accounts and say True; False (nothing added) when
        any cell of it is not plain."""
        try:
            persons = self._persons(batch, staged_ids)
            listed = self._accounts(batch, base + len(staged_ids))
        except _NotPlain:
            return False
        ids, names, statuses, units, left, emails = persons
        staged_ids.update(ids)
        staged.person_ids.extend(ids)
        staged.names.extend(names)
        staged.statuses.extend(statuses)
        staged.unit_ids.extend(units)
        staged.left_on.extend(left)
        staged.emails.extend(emails)
        for platform, (found, positions) in listed.items():
            accounts[platform].accounts.extend(found)
            accounts[platform].persons.extend(positions)
        return True

    def _persons(self, batch: list[list[str]], staged_ids: set[str]) -> tuple[list[Any], ...]:
        columns, cells, count = self.columns, self.cells, len(batch)
        ids = [row[columns["person_id"]] for row in batch]
        plain_ids = all(map(str.isalnum, ids)) and all(map(str.isascii, ids))
        if not plain_ids or max(map(len, ids)) > self.max_id:
            raise _NotPlain
        if (
            len(set(ids)) != count
            or not staged_ids.isdisjoint(ids)
            or not self.seen.isdisjoint(ids)
        ):
            raise _NotPlain
        names = [row[columns["name"]].strip() for row in batch]
        if not all(names) or not all(map(str.isprintable, names)):
            raise _NotPlain
        if max(map(len, names)) > self.max_text:
            raise _NotPlain
        statuses = _column(batch, columns["status"], cells.statuses, cells.status)
        enrolled_at = columns.get("enrolled")
        if enrolled_at is not None:
            enrolled = _column(batch, enrolled_at, {}, cells.enrolled)
            statuses = [
                s if e else PersonStatus.DEPARTED for s, e in zip(statuses, enrolled, strict=True)
            ]
        unit_at, left_at, email_at = (columns.get(f) for f in ("unit", "left_on", "email"))
        units = (
            _column(batch, unit_at, cells.unit_ids, cells.unit)
            if unit_at is not None
            else [None] * count
        )
        left: list[date | None] = (
            _column(batch, left_at, cells.days, cells.left_on)
            if left_at is not None
            else [None] * count
        )
        emails = (
            [_email(row[email_at]) for row in batch] if email_at is not None else [None] * count
        )
        return ids, names, statuses, units, left, emails

    def _accounts(
        self, batch: list[list[str]], first: int
    ) -> dict[Platform, tuple[list[str], list[int]]]:
        """Each platform's accounts in row order: a plain cell (one QQ number, one wxid_…)
        as it is, found by one C-level match per cell; a cell listing several, split."""
        listed: dict[Platform, tuple[list[str], list[int]]] = {}
        rows = range(first, first + len(batch))
        for platform, at in self.account_columns:
            cells = [row[at] for row in batch]
            if max(map(len, cells)) > self.max_id:
                raise _NotPlain
            plain = list(map(_PLAIN.fullmatch, cells))
            if all(plain):
                listed[platform] = (list(filter(None, cells)), list(compress(rows, cells)))
                continue
            listed[platform] = _unzip(
                (position, account)
                for position, cell, match in zip(rows, cells, plain, strict=True)
                if cell
                for account in ((cell,) if match else _several(cell, self.max_id))
            )
        return listed


def _unzip(pairs: Iterable[tuple[int, str]]) -> tuple[list[str], list[int]]:
    found: list[str] = []
    positions: list[int] = []
    for position, account in pairs:
        found.append(account)
        positions.append(position)
    return found, positions


class _NotPlain(Exception):
    """A cell the row-by-row reading must see (and may report)."""


def _column(
    batch: list[list[str]], at: int, memo: Mapping[str, Any], check: Callable[[str], Any]
) -> list[Any]:
    """The column's values, each distinct one checked once (by its memo, else `check`)."""
    values = [row[at] for row in batch]
    known = dict(memo)
    for value in dict.fromkeys(values):  # in row order: the first problem is the row's
        if value in known:
            continue
        try:
            known[value] = check(value)
        except RowError:
            raise _NotPlain from None
    return [known[value] for value in values]


def _several(cell: str, max_id: int) -> list[str]:
    """The accounts of a cell that lists several, as `_Accounts.add` reads them."""
    try:
        return [
            a for a in (normalize_id(p, max_id) if p else "" for p in SEPARATORS.split(cell)) if a
        ]
    except ValueRefused:
        raise _NotPlain from None


def _email(cell: str) -> str | None:
    if not cell.strip():
        return None
    try:
        return check_email(cell)
    except ValueRefused:
        raise _NotPlain from None
