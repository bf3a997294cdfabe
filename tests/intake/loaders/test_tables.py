"""read_file over every file of a folder: each read as tables; a file is all or nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.intake import schema
from chalicelib.intake.loaders.rows import Row, RowError, parse_table
from chalicelib.intake.loaders.tables import FILE_GONE, read_file
from chalicelib.intake.readers import Table
from chalicelib.intake.source import DataSource, LocalSource, SourceFile
from tests.intake.loaders import write
from tests.intake.readers import DEFAULT_SETTINGS, limits, lines, xlsx_bytes


def member(row: Row) -> str:
    """A roster row's member id; `bad` is a row error, to see where row errors go."""
    member_id = row.required("member_id")
    if member_id == "bad":
        raise RowError("member_id", "测试用的坏行")
    return member_id


def member_ids(file: SourceFile, table: Table, errors: list[DataError]) -> tuple[str, list[str]]:
    return table.name, parse_table(member, DEFAULT_SETTINGS)(file, table, errors)


def read_members(
    root: Path, settings: Settings = DEFAULT_SETTINGS
) -> tuple[dict[str, list[str]], list[DataError]]:
    """Member ids by table name, and the errors."""
    errors: list[DataError] = []
    found = read_folder(LocalSource(root), settings, errors, all_sheets=True)
    return dict(found), errors


def read_folder(
    source: DataSource, settings: Settings, errors: list[DataError], *, all_sheets: bool = False
) -> list[tuple[str, list[str]]]:
    """Every roster file's tables, as `member_ids` reads them."""
    return [
        found
        for file in source.list("rosters/")
        for found in read_file(
            source, file, schema.ROSTERS, settings, errors, member_ids, all_sheets=all_sheets
        )
    ]


def test_reads_every_file_at_any_depth_whatever_its_extension(tmp_path: Path) -> None:
    # GIVEN exports named .csv, .txt, .xls (really text) and without extension, in sub-folders
    write(tmp_path, "rosters/qq/2026-11/a.csv", lines("QQ号", "1"))
    write(tmp_path, "rosters/qq/b.txt", lines("QQ号", "2"))
    write(tmp_path, "rosters/wechat/c.xls", lines("微信号", "3"))
    write(tmp_path, "rosters/d", lines("userid", "4"))
    # WHEN the folder is read THEN every file is a table, in path order
    found, errors = read_members(tmp_path)
    assert errors == []
    assert found == {
        "rosters/d": ["4"],
        "rosters/qq/2026-11/a.csv": ["1"],
        "rosters/qq/b.txt": ["2"],
        "rosters/wechat/c.xls": ["3"],
    }


def test_a_missing_folder_reads_as_nothing(tmp_path: Path) -> None:
    assert read_members(tmp_path) == ({}, [])


def test_file_over_max_rows_contributes_no_rows_and_exactly_one_error(tmp_path: Path) -> None:
    # GIVEN a file of 6 rows, one of them bad, and a good file after it
    write(tmp_path, "rosters/a.csv", lines("QQ号", "1", "bad", "3", "4", "5", "6"))
    write(tmp_path, "rosters/b.csv", lines("QQ号", "7"))
    # WHEN read with max_rows 5
    found, errors = read_members(tmp_path, limits(max_rows=5))
    # THEN the big file gives no rows and one error without row or column; its row error is dropped
    assert found == {"rosters/b.csv": ["7"]}
    assert errors == [
        DataError(file="rosters/a.csv", reason="表格超过 5 行的上限,请拆分后重新上传")
    ]


def test_file_over_max_cells_is_rejected_whole(tmp_path: Path) -> None:
    write(tmp_path, "rosters/a.csv", lines("QQ号,昵称", "1,a", "2,b", "3,c"))
    found, errors = read_members(tmp_path, limits(max_cells=4))
    assert found == {}
    assert len(errors) == 1
    assert "4 个单元格的上限" in errors[0].reason


class CountingSource(LocalSource):
    def __init__(self, root: Path):
        super().__init__(root)
        self.reads: list[str] = []

    def read(self, path: str, at_most: int | None = None) -> bytes:
        self.reads.append(path)
        return super().read(path, at_most)


def test_file_over_max_file_bytes_is_rejected_before_it_is_read(tmp_path: Path) -> None:
    # GIVEN a 1 KB file and a 100-byte limit
    write(tmp_path, "rosters/a.csv", lines("QQ号", *(str(10000 + i) for i in range(150))))
    source = CountingSource(tmp_path)
    (file,) = source.list("rosters/")
    errors: list[DataError] = []
    # WHEN read
    results = read_file(
        source,
        file,
        schema.ROSTERS,
        limits(max_file_bytes=100),
        errors,
        parse_table(member, DEFAULT_SETTINGS),
    )
    # THEN it is rejected with its size and the limit, without being read
    assert results == []
    assert source.reads == []
    assert errors == [
        DataError(
            file="rosters/a.csv",
            reason=f"文件大小 {file.size} 字节,超过 100 字节的上限,请拆分后重新上传",
        )
    ]


def test_workbook_sheet_over_max_rows_rejects_the_whole_workbook(tmp_path: Path) -> None:
    # GIVEN a good first sheet and a second sheet over the limit
    data = xlsx_bytes({"群1": [["QQ号"], [1]], "群2": [["QQ号"], *([i] for i in range(6))]})
    write(tmp_path, "rosters/all.xlsx", data)
    # WHEN read THEN nothing of the workbook is kept
    found, errors = read_members(tmp_path, limits(max_rows=5))
    assert found == {}
    assert errors == [
        DataError(file="rosters/all.xlsx", reason="工作表“群2”超过 5 行的上限,请拆分后重新上传")
    ]


def test_sheet_without_header_is_one_error_while_other_sheets_load(tmp_path: Path) -> None:
    data = xlsx_bytes(
        {"群1": [["QQ号"], [1], ["bad"]], "备注": [["仅供参考"]], "群3": [["QQ号"], [3]]}
    )
    write(tmp_path, "rosters/all.xlsx", data)
    found, errors = read_members(tmp_path)
    assert found == {"rosters/all.xlsx#群1": ["1"], "rosters/all.xlsx#群3": ["3"]}
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("rosters/all.xlsx", None, None),
        ("rosters/all.xlsx#群1", 3, "QQ号"),
    ]
    assert "工作表“备注”" in errors[0].reason


def test_unreadable_file_is_one_error_and_other_files_still_load(tmp_path: Path) -> None:
    write(tmp_path, "rosters/a.csv", b"\x00\x01\x02garbage")
    write(tmp_path, "rosters/b.csv", b"")
    write(tmp_path, "rosters/c.xlsx", b"PK\x03\x04broken")
    write(tmp_path, "rosters/d.csv", lines("QQ号", "4"))
    found, errors = read_members(tmp_path)
    assert found == {"rosters/d.csv": ["4"]}
    assert [e.file for e in errors] == ["rosters/a.csv", "rosters/b.csv", "rosters/c.xlsx"]
    assert all(e.row is None and e.column is None and e.reason for e in errors)


def test_blank_rows_are_skipped_without_error(tmp_path: Path) -> None:
    write(tmp_path, "rosters/a.csv", lines("QQ号,昵称", "1,a", ",", "   ,  ", "", "5,e"))
    found, errors = read_members(tmp_path)
    assert (found, errors) == ({"rosters/a.csv": ["1", "5"]}, [])


def test_local_source_lists_files_with_shanghai_modification_time(tmp_path: Path) -> None:
    # GIVEN a file last modified at 2026-11-13 17:30 UTC
    target = write(tmp_path, "rosters/qq/a.csv", "QQ号\n1\n")
    instant = datetime(2026, 11, 13, 17, 30, tzinfo=UTC).timestamp()
    os.utime(target, (instant, instant))
    # WHEN listed THEN its time is naive Shanghai time, its path relative with `/`
    (file,) = LocalSource(tmp_path).list("rosters/")
    assert file == SourceFile(
        "rosters/qq/a.csv", datetime(2026, 11, 14, 1, 30), len("QQ号\n1\n".encode())
    )
    assert LocalSource(tmp_path).read(file.path) == "QQ号\n1\n".encode()


def test_a_row_the_reader_cannot_read_is_a_row_error_in_row_order(tmp_path: Path) -> None:
    # GIVEN a bad row (refused by the consumer) on row 3 and a NUL byte on row 2
    write(tmp_path, "rosters/a.csv", lines("QQ号,昵称", "1\x00,a", "bad,b", "3,c"))
    # WHEN read
    found, errors = read_members(tmp_path)
    # THEN the other rows are read and both errors name their row, in row order
    assert found == {"rosters/a.csv": ["3"]}
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("rosters/a.csv", 2, "QQ号"),
        ("rosters/a.csv", 3, "QQ号"),
    ]
    assert "空字符" in errors[0].reason


def test_an_oversized_cell_is_a_row_error_naming_its_column(tmp_path: Path) -> None:
    write(tmp_path, "rosters/a.csv", lines("QQ号,昵称", "1,a", "2," + "长" * 40, "3,c"))
    found, errors = read_members(tmp_path, limits(max_cell_chars=32))
    assert found == {"rosters/a.csv": ["1", "3"]}
    assert [(e.row, e.column) for e in errors] == [(3, "昵称")]
    assert errors[0].reason.startswith("单元格超过 32 个字符")


class VanishingSource(LocalSource):
    """A folder where some files are deleted after the listing, before they are read."""

    def __init__(self, root: Path, gone: set[str]):
        super().__init__(root)
        self.gone = gone

    def list(self, prefix: str) -> list[SourceFile]:
        listed = super().list(prefix)
        for path in self.gone:
            (self.root / path).unlink()
        return listed


def test_a_file_gone_when_read_is_an_error_for_that_file_only(tmp_path: Path) -> None:
    # GIVEN three files, the second deleted between the listing and the read
    for name in ("a", "b", "c"):
        write(tmp_path, f"rosters/{name}.csv", lines("QQ号", name))
    errors: list[DataError] = []
    source = VanishingSource(tmp_path, {"rosters/b.csv"})
    # WHEN the folder is read
    found = dict(read_folder(source, DEFAULT_SETTINGS, errors))
    # THEN the other two are read and the gone one is one error saying so
    assert found == {"rosters/a.csv": ["a"], "rosters/c.csv": ["c"]}
    assert errors == [DataError(file="rosters/b.csv", reason=FILE_GONE)]
    assert FILE_GONE.startswith("文件在读取时已不存在(可能已被移走或删除)")


def test_local_listing_skips_a_file_removed_while_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "rosters/a.csv", lines("QQ号", "1"))
    write(tmp_path, "rosters/b.csv", lines("QQ号", "2"))
    stat = Path.stat

    def vanished(path: Path, **kwargs: bool) -> os.stat_result:
        if path.name == "a.csv":
            raise FileNotFoundError(path)
        return stat(path, **kwargs)

    monkeypatch.setattr(Path, "stat", vanished)
    assert [f.path for f in LocalSource(tmp_path).list("rosters/")] == ["rosters/b.csv"]
