"""accounts/* (新媒体账号登记表): the new-media accounts units run, one row each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Account, AccountStatus, DataError, GroupKey, Platform
from chalicelib.core.settings import Settings
from chalicelib.core.values import fold, normalize_id
from chalicelib.intake.loaders.rows import Row, RowError, parse_rows
from chalicelib.intake.loaders.tables import Consume
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.readers import Table
from chalicelib.intake.source import SourceFile
from chalicelib.intake.vocab import (
    ACCOUNT_PLATFORM_WORDS,
    ACCOUNT_STATUS_WORDS,
    APPROVAL_WORDS,
    ENTITY_WORDS,
)


def parse_account(row: Row, units: UnitIndex, today: date) -> Account:
    """A register row; its dates cannot lie after today (one day's grace)."""
    platform = row.word("platform", ACCOUNT_PLATFORM_WORDS)
    if platform is None:
        raise RowError("platform", "不能为空")
    account_id = row.id("account_id", required=True)
    assert account_id is not None
    reference = row.text("unit")
    unit_id = units.resolve(reference) if reference is not None else None
    if reference is not None and unit_id is None:
        raise RowError("unit", f"单位“{reference}”不在单位名录中")
    return Account(
        platform=platform,
        account_id=account_id,
        name=row.required("name"),
        unit_id=unit_id,
        entity=row.word("entity", ENTITY_WORDS),
        operator=_operator(row),
        approved=bool(row.word("approval", APPROVAL_WORDS, False)),
        approved_on=row.date("approved_on", happened_by=today),
        approver=row.text("approver"),
        filed_on=row.date("filed_on", happened_by=today),
        status=row.word("status", ACCOUNT_STATUS_WORDS, AccountStatus.ACTIVE),
        purpose=row.text("purpose"),
        last_post_on=row.date("last_post_on", happened_by=today),
        file=row.table.name,
    )


def _operator(row: Row) -> str | None:
    """A person_id, else a name (DESIGN.md, New-media accounts): normalised as every id is,
    so `10001.0` (pandas' id column with blanks) is person 10001; a name is kept as text."""
    text = row.text("operator")
    try:
        return normalize_id(text, row.settings.max_text_chars) if text else None
    except ValueRefused as refused:  # scientific notation: the id is lost
        raise RowError("operator", str(refused)) from None


class AmbiguousName(Exception):
    """A posts export names its account by a name several operating accounts bear."""

    def __init__(self, accounts: list[Account]):
        ids = "、".join(a.account_id for a in accounts)
        super().__init__(f"在登记表中对应多个账号({ids})")
        self.reason = str(self)


@dataclass
class AccountRegister:
    """Every account of the register, by platform and id; the row read last wins, and a
    repeated row is reported (never merged in silence)."""

    accounts: dict[GroupKey, Account] = field(default_factory=dict)
    rows: int = 0  # register rows read, whatever their status
    _index: dict[tuple[str, str], list[Account]] = field(default_factory=dict, repr=False)

    def add(self, account: Account, errors: list[DataError]) -> None:
        self.rows += 1
        earlier = self.accounts.get(account.key)
        if earlier is not None:
            errors.append(
                DataError(
                    file=account.file,
                    row=account.row,
                    column=None,
                    reason=f"账号 {account.account_id} 重复登记(另见 {earlier.file} 第 "
                    f"{earlier.row} 行),以本行为准",
                    warning=True,
                )
            )
        self.accounts[account.key] = account
        self._index.clear()

    def find(
        self, platform: Platform | None, account_id: str | None, name: str | None
    ) -> Account | None:
        """The registered account a posts export names: by its id, else by its name
        (compared after NFKC); only when exactly one account on the platform (or, with no
        platform known, anywhere) matches. Of several, the one not closed: an account
        re-created under its old name keeps its closed row in the register, and a closed
        account publishes nothing. Raises `AmbiguousName` when the name is all there is to
        go by and several accounts still bear it: whose posts they are is unknown."""
        if not self._index:
            for account in self.accounts.values():
                self._index.setdefault(("id", account.account_id), []).append(account)
                self._index.setdefault(("name", fold(account.name)), []).append(account)
        for kind, value in (("id", account_id), ("name", fold(name) if name else None)):
            if value is None:
                continue
            found = [
                a
                for a in self._index.get((kind, value), [])
                if platform is None or a.platform is platform
            ]
            if len(found) > 1:
                found = [a for a in found if a.status is not AccountStatus.CLOSED]
            if len(found) == 1:
                return found[0]
            if kind == "name" and found:
                raise AmbiguousName(found)
        return None


def read_accounts(units: UnitIndex, today: date, settings: Settings) -> Consume[list[Account]]:
    """A table consumer that keeps every row it accepts, with its row number (the scan
    adds them to the register once the whole file was read: a file is all or nothing)."""

    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> list[Account]:
        return [
            account.model_copy(update={"row": number})
            for number, account in parse_rows(
                table, lambda row: parse_account(row, units, today), errors, settings
            )
        ]

    return consume
