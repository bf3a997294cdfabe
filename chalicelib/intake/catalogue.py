"""The data root's catalogue: which folder holds which table kind, and how each is read.

The scan, the upload check and `jobs inspect` (chalicelib/intake/inspection.py), the
template's upload notifications and the demo take the folders and the kinds from here:

| kind      | folder      | schema             | loader                               |
|-----------|-------------|--------------------|--------------------------------------|
| units     | config/     | units.*            | loaders/units.read_units             |
| offices   | config/     | offices.*          | loaders/units.parse_office           |
| policy    | config/     | policy.* (optional)| loaders/policy.read_policy           |
| directory | directory/  | 人员名册           | loaders/directory.DirectoryBuilder   |
| filings   | filings/    | 群组审备登记表     | loaders/filings.parse_filing         |
| waivers   | waivers/    | 豁免清单           | loaders/waivers.parse_waiver         |
| rosters   | rosters/    | 群成员导出, every sheet | rosters/snapshots.SnapshotReader |
| accounts  | accounts/   | 新媒体账号登记表   | loaders/accounts.read_accounts       |
| posts     | posts/      | 新媒体发布记录     | loaders/posts.read_posts             |
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from chalicelib.core.layout import INVENTORY, OUTBOX, QUARANTINE, RECEIPTS, REPORTS
from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.intake import schema
from chalicelib.intake.directory import Directory
from chalicelib.intake.loaders.accounts import AccountRegister, read_accounts
from chalicelib.intake.loaders.directory import DirectoryBuilder
from chalicelib.intake.loaders.filings import parse_filing
from chalicelib.intake.loaders.policy import read_policy
from chalicelib.intake.loaders.posts import read_posts
from chalicelib.intake.loaders.rows import parse_table
from chalicelib.intake.loaders.tables import Consume, read_file
from chalicelib.intake.loaders.units import UnitIndex, parse_office, read_units
from chalicelib.intake.loaders.waivers import WaivableRule, parse_waiver
from chalicelib.intake.rosters.snapshots import SnapshotReader
from chalicelib.intake.source import DataSource, SourceFile
from chalicelib.intake.vocab import FOLDER_WORDS


@dataclass(frozen=True)
class Reading:
    """What the loaders need besides the rows: the day, the limits, the unit list to check
    unit cells against, the rules a waiver may name, the directory, which the
    directory's loader fills and the rosters' loader maps members to, and the account
    register, which the scan fills and the posts' loader matches accounts against."""

    today: date
    settings: Settings
    units: UnitIndex = field(default_factory=lambda: UnitIndex([]))
    rules: Sequence[WaivableRule] = ()
    directory: Directory = field(default_factory=Directory)
    register: AccountRegister = field(default_factory=AccountRegister)


@dataclass(frozen=True)
class TableKind:
    folder: str  # the data-root folder that holds it
    schema: schema.TableSchema
    loader: Callable[[Reading], Consume[Any]]  # what one table becomes
    all_sheets: bool = False  # every sheet of a workbook is a table, not only the first
    stem: str | None = None  # in config/, a file's name says which table it is

    @property
    def name(self) -> str:  # units, offices, directory, filings, waivers, rosters
        return self.schema.kind

    @property
    def prefix(self) -> str:
        return f"{self.folder}/"

    def holds(self, path: str) -> bool:
        """A file of the kind's folder, at any depth; a config table (`stem`) only directly
        in config/: a copy kept in a sub-folder (config/2025备份/units.csv) is not it."""
        if folder_of(path) != self.folder:
            return False
        if self.stem is None:
            return True
        file = PurePosixPath(path)
        return file.parent == PurePosixPath(self.folder) and file.stem.lower() == self.stem


UNITS = TableKind("config", schema.UNITS, lambda r: read_units(r.settings), stem="units")
OFFICES = TableKind(
    "config",
    schema.OFFICES,
    lambda r: parse_table(parse_office, r.settings),
    stem="offices",
)
POLICY = TableKind(
    "config",
    schema.POLICY,
    lambda r: read_policy(r.settings, r.rules),
    stem="policy",
)
DIRECTORY = TableKind(
    "directory",
    schema.DIRECTORY,
    lambda r: DirectoryBuilder(r.units, r.settings, r.directory).read,
)
FILINGS = TableKind(
    "filings",
    schema.FILINGS,
    lambda r: parse_table(lambda row: parse_filing(row, r.units, r.today), r.settings),
)
WAIVERS = TableKind(
    "waivers",
    schema.WAIVERS,
    lambda r: parse_table(lambda row: parse_waiver(row, r.today, r.settings, r.rules), r.settings),
)
ROSTERS = TableKind(
    "rosters",
    schema.ROSTERS,
    lambda r: SnapshotReader(r.directory, r.today, r.settings).read,
    all_sheets=True,
)
ACCOUNTS = TableKind(
    "accounts",
    schema.ACCOUNTS,
    lambda r: read_accounts(r.units, r.today, r.settings),
)
POSTS = TableKind("posts", schema.POSTS, lambda r: read_posts(r.register, r.today, r.settings))
KINDS = (UNITS, OFFICES, POLICY, DIRECTORY, FILINGS, WAIVERS, ROSTERS, ACCOUNTS, POSTS)
DATA_FOLDERS = tuple(dict.fromkeys(kind.folder for kind in KINDS))  # what units upload
DATA_PREFIXES = tuple(f"{folder}/" for folder in DATA_FOLDERS)
OWN_PREFIXES = (RECEIPTS, QUARANTINE, OUTBOX, REPORTS, INVENTORY)  # what qungov writes


def strays(source: DataSource) -> list[DataError]:
    """What lies at the top of the data root outside its folders (and outside the bucket's
    own: receipts, quarantine, outbox, reports, inventory): never read, so said aloud."""
    expected = "、".join(DATA_PREFIXES)
    problems = []
    for name in source.top():
        if name in DATA_PREFIXES or name in OWN_PREFIXES:
            continue
        meant = meant_folder(name)
        what = f"文件夹“{name}”中的文件" if name.endswith("/") else f"文件“{name}”"
        hint = f",应放在 {meant}/ 中(注意拼写和大小写)" if meant else ""
        reason = (
            f"{what}不在数据目录的文件夹中,没有被读取{hint}。数据文件只从这些文件夹读取:{expected}"
        )
        problems.append(DataError(file=name, reason=reason, warning=True))
    return problems


def meant_folder(name: str) -> str | None:
    """The data folder a misplaced folder or file at the top of the root was meant for:
    `Rosters/`, `roster/`, `名册/`, a `units.csv` (None when nothing says)."""
    folder = name.removesuffix("/").casefold()
    return (
        FOLDER_WORDS.get(folder)
        or next((f for f in DATA_FOLDERS if f == folder), None)
        or next((k.folder for k in KINDS if k.stem and k.holds(f"config/{name}")), None)
    )


def folder_of(path: str) -> str | None:
    """The data-root folder a file is in; None for everything else (receipts/,
    quarantine/, reports/, outbox/, folder markers)."""
    folder, slash, rest = path.partition("/")
    if not slash or not rest or path.endswith("/") or folder not in DATA_FOLDERS:
        return None
    return folder


def kind_of(path: str) -> TableKind | None:
    """The table kind of a data-root file; None outside the data root and for a file of
    config/ that is neither the unit list nor the offices."""
    return next((kind for kind in KINDS if kind.holds(path)), None)


def files_of(source: DataSource, kind: TableKind) -> list[SourceFile]:
    return [file for file in source.list(kind.prefix) if kind.holds(file.path)]


def read_kind(
    source: DataSource, kind: TableKind, reading: Reading, errors: list[DataError]
) -> Iterator[Any]:
    """What the kind's loader made of each table of each of its files, file by file (a
    file is all or nothing: chalicelib/intake/loaders/tables.py)."""
    consume = kind.loader(reading)
    for file in files_of(source, kind):
        yield from read_one(source, file, kind, reading, errors, consume)


def read_one(
    source: DataSource,
    file: SourceFile,
    kind: TableKind,
    reading: Reading,
    errors: list[DataError],
    consume: Consume[Any] | None = None,
) -> list[Any]:
    """What one file's tables became (empty when the file was rejected: `errors` says
    why), read as its kind is read."""
    return read_file(
        source,
        file,
        kind.schema,
        reading.settings,
        errors,
        consume or kind.loader(reading),
        all_sheets=kind.all_sheets,
    )
