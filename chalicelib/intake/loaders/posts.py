"""posts/** (新媒体发布记录): what accounts published, from which each account's last post
date comes (the 公众号 platform's 发表记录, creator-centre exports; docs/formats.md §11).

Which account a row is: its account id or name column; else the table's `公众号:` /
`账号:` line above the header; else the file name, when it is a registered account's
whole id or name (the real exports name no account inside: docs/formats.md §11). A table
that names no account by any of these is rejected whole: its dates could belong to any
account, and no folder or part of a name is guessed from. The platform: a column, else a `平台:` line, else the nearest folder
named like a platform (`posts/微博/…`, `posts/weibo/…`), else the registered account's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

from chalicelib.core.models import DataError, GroupKey, Platform
from chalicelib.core.settings import Settings
from chalicelib.core.values import clean_text, normalize_id
from chalicelib.intake.loaders.accounts import AccountRegister, AmbiguousName
from chalicelib.intake.loaders.rows import Row, RowError, parse_rows
from chalicelib.intake.loaders.tables import Consume
from chalicelib.intake.readers import FileRejected, Table
from chalicelib.intake.source import SourceFile
from chalicelib.intake.vocab import ACCOUNT_PLATFORM_WORDS

BY_ID = "请在表中加“账号ID”列,或把文件命名为账号ID(如 posts/微信公众号/gh_xxxx.xlsx)"
NO_PLATFORM = "无法确定平台:请加“平台”列,或把文件放在以平台命名的文件夹中(如 posts/微博/)"


@dataclass
class PostsSeen:
    """What posts tables showed: each account's latest post and the name it was seen under."""

    latest: dict[GroupKey, date] = field(default_factory=dict)
    names: dict[GroupKey, str] = field(default_factory=dict)

    def see(self, key: GroupKey, name: str | None, published: date) -> None:
        if key not in self.latest or published > self.latest[key]:
            self.latest[key] = published
        if name and key not in self.names:
            self.names[key] = name

    def merge(self, other: PostsSeen) -> None:
        for key, published in other.latest.items():
            self.see(key, other.names.get(key), published)


@dataclass(frozen=True, slots=True)
class _Named:
    """The account a whole table is about (from a line above the header or its file name)."""

    platform: Platform | None
    account_id: str | None
    name: str | None


def read_posts(register: AccountRegister, today: date, settings: Settings) -> Consume[PostsSeen]:
    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> PostsSeen:
        whole = _table_account(table, register, settings)
        seen = PostsSeen()
        found: dict[tuple[Platform | None, str | None, str | None], GroupKey] = {}

        def parse(row: Row) -> None:
            platform = row.word("platform", ACCOUNT_PLATFORM_WORDS) or whole.platform
            account_id = row.id("account_id") or whole.account_id
            name = row.text("account_name") or whole.name
            if account_id is None and name is None:
                raise RowError(
                    "account_id" if "account_id" in table.columns else "account_name",
                    "账号ID和账号名称都为空,无法确定是哪个账号",
                )
            published = row.date("published_at", required=True, happened_by=today)
            assert published is not None
            asked = (platform, account_id, name)
            key = found.get(asked)
            if key is None:
                key = found[asked] = _key(register, platform, account_id, name)
            seen.see(key, name, published)

        for _ in parse_rows(table, parse, errors, settings):
            pass
        return seen

    return consume


def _key(
    register: AccountRegister, platform: Platform | None, account_id: str | None, name: str | None
) -> GroupKey:
    """The registered account's key; else the account as the export names it (an account
    seen only here is unfiled), by its id, else by its name."""
    try:
        registered = register.find(platform, account_id, name)
    except AmbiguousName as ambiguous:
        raise RowError(
            "account_name", f"账号名称“{name}”{ambiguous.reason},无法确定是哪一个:{BY_ID}"
        ) from None
    if registered is not None:
        return registered.key
    if platform is None:
        raise RowError("platform", NO_PLATFORM)
    return (platform, account_id or name or "")


def _table_account(table: Table, register: AccountRegister, settings: Settings) -> _Named:
    """The platform and account the table's lines, folder or file name give for every row."""
    platform = _platform(table)
    account_id = _meta_id(table, settings)
    name = clean_text(table.meta.get("account_name", ""), settings.max_text_chars)[0] or None
    if account_id or name or {"account_id", "account_name"} & table.columns.keys():
        return _Named(platform, account_id, name)
    stem = PurePosixPath(table.path).stem
    try:
        registered = register.find(platform, stem, stem)
    except AmbiguousName as ambiguous:
        raise FileRejected(
            f"无法确定这份发布记录属于哪个账号:文件名“{stem}”{ambiguous.reason}。{BY_ID}"
        ) from None
    if registered is None:
        raise FileRejected(
            "无法确定这份发布记录属于哪个账号:表中没有“账号ID”或“账号名称”列,表头上方没有"
            f"“公众号:名称”或“账号:名称”行,文件名“{stem}”也不是登记表中任何账号的ID或名称"
            "(请把文件命名为账号名称,如 posts/微信公众号/某某学院.xlsx)"
        )
    return _Named(registered.platform, registered.account_id, None)


def _platform(table: Table) -> Platform | None:
    written = table.meta.get("platform")
    if written:
        platform = ACCOUNT_PLATFORM_WORDS.get(written.strip().casefold())
        if platform is None:
            allowed = "、".join(sorted(ACCOUNT_PLATFORM_WORDS))
            raise FileRejected(f"表头上方的平台“{written}”无法识别(可用:{allowed})")
        return platform
    for folder in reversed(PurePosixPath(table.path).parts[1:-1]):
        platform = ACCOUNT_PLATFORM_WORDS.get(folder.casefold())
        if platform is not None:
            return platform
    return None


def _meta_id(table: Table, settings: Settings) -> str | None:
    written = table.meta.get("account_id")
    if not written:
        return None
    try:
        return normalize_id(written, settings.max_id_chars) or None
    except ValueError as refused:
        raise FileRejected(f"表头上方的账号ID无法使用:{refused}") from None
