"""`python -m jobs inspect FILE…`: how qungov reads each file, before the weekly run does.

For a file inside a data root (under rosters/, directory/, filings/, waivers/ or config/)
the folder says what it is and the root's unit list checks its units; elsewhere, say what
it is with `--kind` (and for a roster, `--platform`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake import schema
from chalicelib.intake.catalogue import DATA_FOLDERS, KINDS
from chalicelib.intake.inspection import Receipt, check_file, describe_error
from chalicelib.intake.readers import FileRejected, not_a_table, read_tables
from chalicelib.intake.source import LocalSource, SourceFile
from chalicelib.notify.wording import PLATFORM_NAMES

SHOWN_ERRORS = 10
SCHEMAS = {kind.name: kind.schema for kind in KINDS}
TITLES = {**{kind: s.title for kind, s in SCHEMAS.items()}, "config": "配置"}


def run_inspect(
    paths: list[Path], kind: str | None, platform: str | None, today: date, settings: Settings
) -> int:
    """Print what each file holds. 0 when every file was read; 1 when one was rejected;
    2 when one could not be looked at (missing, a folder, of no kind that can be told)."""
    status = 0
    for path in paths:
        if path.is_dir():
            print(
                f"{path}:这是文件夹,不是文件;请指定其中的表格文件(检查整个数据目录请用 scan --data)\n"
            )
            status = 2
            continue
        if not path.is_file():
            print(f"{path}:文件不存在\n")
            status = 2
            continue
        what = not_a_table(path.read_bytes()[:16])
        if what is not None:
            print(f"{path}\n  已拒收:{what}\n")
            status = max(status, 1)
            continue
        try:
            place = locate(path, kind or guess_kind(path, settings), platform)
        except ValueError as why:
            print(f"{path}:{why}\n")
            status = 2
            continue
        receipt = check_file(place.source, place.file, settings, today, waivable_rules())
        print("\n".join(describe(receipt, path)) + "\n")
        if receipt.rejected is not None:
            status = max(status, 1)
    return status


def guess_kind(path: Path, settings: Settings) -> str | None:
    """For a file outside a data root: the first kind whose header its first table carries
    (config kinds as `config:<name>`); None when no header fits, or it is inside one."""
    resolved = path.resolve()
    if any(parent.name in DATA_FOLDERS for parent in resolved.parents):
        return None
    data = resolved.read_bytes()[: settings.max_file_bytes + 1]
    order = ("directory", "filings", "waivers", "rosters", "units", "offices", "policy")
    for name in order:
        table_kind = next(k for k in KINDS if k.name == name)
        try:
            read_tables(resolved.name, data, table_kind.schema, settings)
        except FileRejected:
            continue
        return f"config:{name}" if table_kind.folder == "config" else table_kind.folder
    return None


@dataclass(frozen=True)
class Place:
    source: LocalSource
    file: SourceFile


def locate(path: Path, kind: str | None, platform: str | None) -> Place:
    """The data root a file is in and its path there, or a root made up for it."""
    resolved = path.resolve()
    for parent in resolved.parents:
        if parent.name in DATA_FOLDERS and (kind is None or parent.name == kind):
            source = LocalSource(parent.parent)
            return Place(source, _file(source.root, resolved.relative_to(parent.parent)))
    if kind is None:
        raise ValueError(
            f"不在数据目录中(rosters/、directory/、filings/、waivers/、config/ 之下),"
            f"也无法从表头判断是哪类表格;请用 --kind 说明:{'、'.join(DATA_FOLDERS)}"
        )
    folder, _, config_name = kind.partition(":")
    if folder == "rosters" and platform is None:
        raise ValueError(
            "看起来是群成员导出;不在数据目录中时,请用 --platform 说明平台:qq、wechat、wecom、dingtalk"
        )
    if folder == "rosters":
        inside = Path(folder, platform or "", resolved.name)
    elif config_name:  # a unit list, offices or policy guessed from its header
        inside = Path(folder, config_name + resolved.suffix)
    else:
        inside = Path(folder, resolved.name)
    return Place(_OneFile(resolved, inside), _file(resolved.parent, inside, real=resolved))


class _OneFile(LocalSource):
    """A lone file seen as if it were at `inside` in a data root (with nothing else)."""

    def __init__(self, real: Path, inside: Path) -> None:
        super().__init__(real.parent)
        self.real, self.inside = real, inside.as_posix()

    def list(self, prefix: str) -> list[SourceFile]:
        return (
            [_file(self.root, Path(self.inside), real=self.real)]
            if self.inside.startswith(prefix)
            else []
        )

    def read(self, path: str, at_most: int | None = None) -> bytes:
        return super().read(self.real.name, at_most)


def _file(root: Path, inside: Path, *, real: Path | None = None) -> SourceFile:
    stat = (real or root / inside).stat()
    modified = datetime.fromtimestamp(stat.st_mtime, SHANGHAI).replace(tzinfo=None)
    return SourceFile(inside.as_posix(), modified, stat.st_size)


def describe(receipt: Receipt, path: Path) -> list[str]:
    """The receipt in words, as a unit secretary reads it."""
    lines = [f"{path}({TITLES.get(receipt.kind, receipt.kind)})"]
    if receipt.rejected is not None:
        return [*lines, f"  已拒收:{receipt.rejected}", *(f"  说明:{n}" for n in receipt.notes)]
    kind = Path(receipt.file).stem.lower() if receipt.kind == "config" else receipt.kind
    labels = SCHEMAS.get(kind)
    for table in receipt.tables:
        where = f"工作表“{table.sheet}”" if table.sheet else "表格"
        lines.append(f"  {where}:{table.format},表头在第 {table.header_row} 行")
        columns = "、".join(
            f"{_label(labels, name)} ← “{written}”" for name, written in table.columns.items()
        )
        lines.append(f"    读取的列:{columns}")
        if table.ignored:
            lines.append(f"    未使用的列:{'、'.join(table.ignored)}")
    for group in receipt.groups:
        name = f"「{group.group_name}」" if group.group_name else ""
        owner = f",群主 {group.owner}" if group.owner else ",未标明群主"
        activity = ",有发言时间" if group.activity else ",无可用的发言时间"
        lines.append(
            f"  群:{PLATFORM_NAMES[group.platform]} {group.group_id}{name}"
            f" {group.members} 人{owner}{activity}"
        )
    lines.append(f"  共读取 {receipt.rows_read} 行,数据错误 {receipt.error_count} 条")
    for error in receipt.row_errors[:SHOWN_ERRORS]:
        lines.append(f"    {describe_error(receipt.file, error)}")
    if receipt.error_count > SHOWN_ERRORS:
        lines.append(f"    ……另有 {receipt.error_count - SHOWN_ERRORS} 条")
    lines += [f"  提示:{warning}" for warning in receipt.warnings]
    lines += [f"  说明:{note}" for note in receipt.notes]
    return lines


def _label(table_schema: schema.TableSchema | None, name: str) -> str:
    return table_schema.field(name).label if table_schema is not None else name
