"""directory/* (人员名册): persons, their status and their accounts on each platform.

A directory can hold hundreds of thousands of people: rows go straight into the
directory's columns, and each status word, unit and date is checked once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from chalicelib.core.dates import DateFormatError, is_never, parse_date
from chalicelib.core.errors import ValueRefused
from chalicelib.core.masking import mask_id
from chalicelib.core.models import DataError, PersonStatus, Platform
from chalicelib.core.settings import Settings
from chalicelib.core.values import check_email, clean_text, cut_notice, normalize_id
from chalicelib.intake.directory import Directory, PersonColumns
from chalicelib.intake.loaders.rows import (
    RowError,
    is_blank,
    is_summary,
    row_error,
    summary_warning,
)
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.readers import FileRejected, Table
from chalicelib.intake.source import SourceFile

_ACCOUNT_SEPARATORS = re.compile(r"[;；,，、\s]+")
_YES = {"是", "y", "yes", "1", "true", "在籍", "在册"}
_NO = {"否", "n", "no", "0", "false", "不在籍", "不在册"}


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
        columns = table.columns
        id_at, name_at, status_at = columns["person_id"], columns["name"], columns["status"]
        unit_at, left_at, email_at = (columns.get(f) for f in ("unit", "left_on", "email"))
        enrolled_at = columns.get("enrolled")
        account_columns = [(p, columns[p.value]) for p in Platform if p.value in columns]
        cells = _CellReader(self.units, self.settings)
        statuses, unit_ids, days = cells.statuses, cells.unit_ids, cells.days  # the memos
        max_id, max_text = self.settings.max_id_chars, self.settings.max_text_chars
        staged, staged_ids = PersonColumns(), set[str]()
        base = len(self.directory)
        accounts = {platform: _Accounts() for platform, _ in account_columns}
        start = 0
        for batch in table.batches():
            for index, row in enumerate(batch, start):
                notes: list[RowError] = []
                try:
                    person_id = row[id_at].strip()
                    if not (
                        person_id.isascii() and person_id.isalnum() and len(person_id) <= max_id
                    ):
                        person_id = cells.person_id(person_id)
                    name = row[name_at].strip()
                    if not name.isprintable() or len(name) > max_text:
                        name = cells.name(name, notes)
                    if not person_id or not name:
                        if is_blank(row):
                            continue
                        raise RowError("name" if person_id else "person_id", "不能为空")
                    status = statuses.get(row[status_at]) or cells.status(row[status_at])
                    if enrolled_at is not None and not cells.enrolled(row[enrolled_at]):
                        status = PersonStatus.DEPARTED
                    unit_id = left_on = None
                    if unit_at is not None:
                        raw = row[unit_at]
                        unit_id = unit_ids[raw] if raw in unit_ids else cells.unit(raw)
                    if left_at is not None:
                        raw = row[left_at]
                        left_on = days[raw] if raw in days else cells.left_on(raw)
                    if person_id in staged_ids or person_id in self._seen:
                        raise RowError("person_id", f"人员编号“{mask_id(person_id)}”在名册中重复")
                except RowError as bad:
                    number = table.row_number(index)
                    if is_summary(row):
                        errors.append(summary_warning(table, number))
                    else:
                        errors.append(row_error(table, number, bad.field, bad.reason))
                    continue
                position = base + len(staged_ids)
                staged_ids.add(person_id)
                staged.person_ids.append(person_id)
                staged.names.append(name)
                staged.statuses.append(status)
                staged.unit_ids.append(unit_id)
                staged.left_on.append(left_on)
                staged.emails.append(
                    cells.email(row[email_at], notes) if email_at is not None else None
                )
                for platform, at in account_columns:
                    if row[at]:
                        accounts[platform].add(row[at], position, platform, notes, max_id)
                if notes:
                    number = table.row_number(index)
                    errors.extend(row_error(table, number, n.field, n.reason) for n in notes)
            start += len(batch)
        self._commit(staged, accounts)
        return len(staged)

    def build(self) -> Directory:
        return self.directory

    def _commit(self, staged: PersonColumns, accounts: dict[Platform, _Accounts]) -> None:
        self.directory.extend(staged)
        self._seen.update(staged.person_ids)
        for platform, listed in accounts.items():
            self.directory.add_accounts(platform, listed.first_listings())


@dataclass
class _Accounts:
    """Accounts of one platform listed by a table, with the persons they belong to."""

    accounts: list[str] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)

    def add(
        self, cell: str, person: int, platform: Platform, notes: list[RowError], max_id: int
    ) -> None:
        """The accounts of one cell; an unusable one is reported and left out (the person
        and their other accounts are kept)."""
        # Most cells hold one QQ number or one wxid_...: plain, and no separator in them.
        if cell.isascii() and (cell.isdigit() or cell.isidentifier()) and len(cell) <= max_id:
            self.accounts.append(cell)
            self.persons.append(person)
            return
        for part in _ACCOUNT_SEPARATORS.split(cell):
            try:
                account = normalize_id(part, max_id) if part else ""
            except ValueRefused as refused:
                notes.append(RowError(platform.value, f"{refused};该账号不会被使用"))
                continue
            if account:
                self.accounts.append(account)
                self.persons.append(person)

    def first_listings(self) -> dict[str, int]:
        """Each account with the first person listing it, in the order first listed (a
        person's first account is the first in their cell)."""
        listings = dict(zip(self.accounts, self.persons, strict=True))
        if len(listings) < len(self.accounts):  # one listed twice: keeps its place, not person
            listings.update(zip(reversed(self.accounts), reversed(self.persons), strict=True))
        return listings


class _CellReader:
    """Status words, unit references and dates, each checked once per distinct value; ids,
    names and addresses that miss the fast path in `DirectoryBuilder.read`."""

    def __init__(self, units: UnitIndex, settings: Settings):
        self.units = units
        self.max_id, self.max_text = settings.max_id_chars, settings.max_text_chars
        self.words = {w.strip().casefold(): s for w, s in settings.status_words.items()}
        words = settings.status_words
        shown = [w for status in PersonStatus for w in [w for w in words if words[w] is status][:8]]
        self.allowed = "、".join(shown) + (" 等" if len(shown) < len(words) else "")
        self.statuses: dict[str, PersonStatus] = {}
        self.unit_ids: dict[str, str | None] = {}
        self.days: dict[str, date | None] = {}

    def status(self, value: str) -> PersonStatus:
        known = self.statuses.get(value)
        if known is None:
            word = value.strip()
            if not word:
                raise RowError("status", "不能为空")
            known = self.words.get(word.casefold())
            if known is None and word.isdigit():  # schools renumber the national codes
                raise FileRejected(
                    f"状态列是数字代码(如 {word}),各学校的编码不同,无法判断在职在读还是已离开;"
                    f"请导出文字状态(如 {'、'.join(list(self.words)[:6])} 等)"
                )
            if known is None:
                raise RowError("status", f"无法识别的取值“{word}”(可用:{self.allowed})")
            self.statuses[value] = known
        return known

    def enrolled(self, value: str) -> bool:
        """是否在籍 / 是否在册: 否 makes a person departed whatever the status says (学籍状态
        正常 with 是否在籍 否 is a student who has left); empty says nothing."""
        word = value.strip().casefold()
        if word in _NO:
            return False
        if word in _YES or not word:
            return True
        raise RowError("enrolled", f"无法识别的取值“{value.strip()}”(可用:是、否)")

    def person_id(self, value: str) -> str:
        try:
            return normalize_id(value, self.max_id)
        except ValueRefused as refused:
            raise RowError("person_id", str(refused)) from None

    def name(self, value: str, notes: list[RowError]) -> str:
        name, cut = clean_text(value, self.max_text)
        if cut:
            notes.append(RowError("name", cut_notice(len(value), self.max_text)))
        return name

    def email(self, value: str, notes: list[RowError]) -> str | None:
        if not value.strip():
            return None
        try:
            return check_email(value)
        except ValueRefused as refused:
            notes.append(RowError("email", f"{refused};该地址不会被使用"))
            return None

    def unit(self, value: str) -> str | None:
        if value not in self.unit_ids:
            unit_id = self.units.resolve(value) if value.strip() else None
            if value.strip() and unit_id is None:
                raise RowError("unit", f"单位“{value.strip()}”不在单位名录中")
            self.unit_ids[value] = unit_id
        return self.unit_ids[value]

    def left_on(self, value: str) -> date | None:
        if value not in self.days:
            try:
                day = value.strip()
                self.days[value] = None if is_never(day) else parse_date(day)
            except DateFormatError as error:
                raise RowError("left_on", str(error)) from None
        return self.days[value]
