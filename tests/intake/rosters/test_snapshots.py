"""Roster snapshots: which export counts for a group, and what the scan keeps of it."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from chalicelib.core.dates import SHANGHAI
from chalicelib.core.models import DataError, Person, PersonStatus, Platform
from chalicelib.core.settings import Settings
from chalicelib.intake.catalogue import ROSTERS, Reading, read_kind
from chalicelib.intake.directory import Directory
from chalicelib.intake.readers import table as table_module
from chalicelib.intake.rosters.snapshots import GroupSnapshot, SnapshotBook
from chalicelib.intake.source import LocalSource

TODAY = date(2026, 11, 16)


def directory() -> Directory:
    persons = [
        Person(person_id="T1", name="张三", unit_id="U1", status=PersonStatus.ACTIVE),
        Person(person_id="T2", name="李四", unit_id="U1", status=PersonStatus.DEPARTED),
    ]
    return Directory(persons, {Platform.QQ: {"10001": 0, "10002": 1}})


def write(root: Path, path: str, text: str, *, encoding: str = "utf-8") -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding=encoding)
    return target


def read(
    root: Path, settings: Settings | None = None
) -> tuple[dict[tuple[Platform, str], GroupSnapshot], list[DataError]]:
    errors: list[DataError] = []
    book = SnapshotBook()
    reading = Reading(TODAY, settings or Settings(), directory=directory())
    for table in read_kind(LocalSource(root), ROSTERS, reading, errors):
        book.offer(table)
    return book.snapshots(), errors


def test_newest_export_of_a_group_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "rosters/qq/a.csv",
        "群号,QQ号,导出时间\n9,10001,2026-11-10 08:00\n9,10002,2026-11-10 08:00\n",
    )
    write(tmp_path, "rosters/qq/b.csv", "群号,QQ号,导出时间\n9,10001,2026-11-12 08:00\n")

    snapshots, errors = read(tmp_path)

    snapshot = snapshots[(Platform.QQ, "9")]
    assert (snapshot.member_count, snapshot.source) == (1, "rosters/qq/b.csv")
    assert errors == []


def test_tie_on_export_time_goes_to_the_path_that_sorts_last(tmp_path: Path) -> None:
    write(tmp_path, "rosters/qq/b.csv", "群号,QQ号,导出时间\n9,10001,2026-11-10 08:00\n")
    write(
        tmp_path,
        "rosters/qq/a.csv",
        "群号,QQ号,导出时间\n9,10001,2026-11-10 08:00\n9,10002,2026-11-10 08:00\n",
    )

    snapshots, _ = read(tmp_path)

    assert snapshots[(Platform.QQ, "9")].source == "rosters/qq/b.csv"


def test_tie_within_a_workbook_goes_to_the_sheet_with_the_most_members(tmp_path: Path) -> None:
    # GIVEN a workbook with the group twice at one export time: sheet B lists 1 member, A 2
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "B"
    first.append(["群号", "QQ号", "导出时间"])
    first.append([9, 10001, "2026-11-10 08:00"])
    second = workbook.create_sheet("A")
    second.append(["群号", "QQ号", "导出时间"])
    second.append([9, 10001, "2026-11-10 08:00"])
    second.append([9, 10002, "2026-11-10 08:00"])
    (tmp_path / "rosters/qq").mkdir(parents=True)
    workbook.save(tmp_path / "rosters/qq/book.xlsx")

    snapshots, _ = read(tmp_path)

    # THEN the complete list wins, not the sheet whose name sorts last
    assert snapshots[(Platform.QQ, "9")].source == "rosters/qq/book.xlsx#A"
    assert snapshots[(Platform.QQ, "9")].member_count == 2


@pytest.mark.parametrize(
    ("exported", "fresh"), [("2026-11-02 23:59", True), ("2026-11-01 23:59", False)]
)
def test_exports_more_than_max_age_days_old_are_ignored(
    tmp_path: Path, exported: str, fresh: bool
) -> None:
    write(tmp_path, "rosters/qq/a.csv", f"群号,QQ号,导出时间\n9,10001,{exported}\n")

    snapshots, _ = read(tmp_path)

    assert ((Platform.QQ, "9") in snapshots) is fresh


def test_stale_newer_looking_file_does_not_hide_a_fresh_export(tmp_path: Path) -> None:
    write(
        tmp_path,
        "rosters/qq/old.csv",
        "群号,QQ号,导出时间\n9,10001,2026-10-01 08:00\n9,10002,2026-10-01 08:00\n",
    )
    write(tmp_path, "rosters/qq/new.csv", "群号,QQ号,导出时间\n9,10001,2026-11-15 08:00\n")

    snapshots, _ = read(tmp_path)

    assert snapshots[(Platform.QQ, "9")].member_count == 1


def test_object_time_is_the_export_time_when_the_file_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, "rosters/qq/555001.csv", "QQ号\n10001\n")
    stale = datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI).timestamp()
    write(tmp_path, "rosters/qq/556.csv", "QQ号\n10001\n")
    os.utime(tmp_path / "rosters/qq/556.csv", (stale, stale))
    fresh = datetime(2026, 11, 15, 12, 0, tzinfo=SHANGHAI).timestamp()
    os.utime(path, (fresh, fresh))

    snapshots, _ = read(tmp_path)

    assert set(snapshots) == {(Platform.QQ, "555001")}
    assert snapshots[(Platform.QQ, "555001")].exported_at == datetime(2026, 11, 15, 12, 0)


def test_qq_export_takes_group_id_and_name_from_lines_above_the_header(tmp_path: Path) -> None:
    text = (
        "群名称:机电学院工作群\n群号:123456\n导出时间:2026-11-14 09:30\n"
        "QQ号\t群名片\t身份\t入群时间\t最后发言\n"
        "10001\t张三\t群主\t2025-01-01\t2026-11-10 08:00\n"
        "10002\t李四\t成员\t2024/3/5\t从未发言\n"
        "10002\t李四\t成员\t2024/3/5\t\n"
        "88888\t王五\t管理员\t1709568000\t\n"
    )
    write(tmp_path, "rosters/qq/export.txt", text, encoding="gb18030")

    snapshots, errors = read(tmp_path)

    snapshot = snapshots[(Platform.QQ, "123456")]
    assert errors == []
    assert snapshot.group_name == "机电学院工作群"
    assert snapshot.exported_at == datetime(2026, 11, 14, 9, 30)
    assert snapshot.member_count == 3  # distinct ids
    assert snapshot.owner_id == "10001"
    assert snapshot.has_activity
    assert snapshot.last_spoke_on == date(2026, 11, 10)
    assert snapshot.first_joined_on == date(2024, 3, 5)
    assert list(snapshot.persons) == [0, 1]
    assert (snapshot.unmapped_count, snapshot.unmapped_ids) == (1, ("88888",))


def test_group_id_falls_back_to_the_file_name_and_platform_to_the_folder(tmp_path: Path) -> None:
    write(tmp_path, "rosters/wechat/2026/7700123456@chatroom.csv", "微信号,最后发言\nwxid_a,\n")

    snapshots, _ = read(tmp_path)

    snapshot = snapshots[(Platform.WECHAT, "7700123456@chatroom")]
    assert snapshot.has_activity and snapshot.last_spoke_on is None  # nobody ever spoke


def test_rejects_a_roster_whose_platform_cannot_be_told(tmp_path: Path) -> None:
    write(tmp_path, "rosters/misc/9.csv", "QQ号\n10001\n")

    snapshots, errors = read(tmp_path)

    assert snapshots == {}
    assert [e.file for e in errors] == ["rosters/misc/9.csv"]
    assert "平台" in errors[0].reason


def test_interleaved_multi_group_file_keeps_each_group_apart(tmp_path: Path) -> None:
    rows = "".join(f"{'QQ群' if i % 2 else 'wechat'},{i % 3},m{i}\n" for i in range(30))
    write(tmp_path, "rosters/all.csv", "平台,群号,成员账号\n" + rows)

    snapshots, errors = read(tmp_path)

    assert errors == []
    assert len(snapshots) == 6
    assert sum(s.member_count for s in snapshots.values()) == 30


def test_bad_rows_are_reported_with_row_numbers_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_module, "BATCH_ROWS", 3)
    lines = ["10001,成员,2025-01-01"] * 4 + [
        ",成员,2025-01-01",
        "10002,大王,2025-01-01",
        "10003,成员,2025-02-30",
        "",
    ]
    write(
        tmp_path,
        "rosters/qq/900009.csv",
        "QQ号,身份,入群时间\n" + "\n".join(lines) + "\n10004,群主,2024-12-01\n",
    )

    snapshots, errors = read(tmp_path)

    assert [(e.row, e.column) for e in errors] == [(6, "QQ号"), (7, "身份"), (8, "入群时间")]
    assert "大王" in errors[1].reason and "2025-02-30" in errors[2].reason
    snapshot = snapshots[(Platform.QQ, "900009")]
    assert (snapshot.member_count, snapshot.owner_id) == (2, "10004")
    assert snapshot.first_joined_on == date(2024, 12, 1)


def test_a_file_over_the_row_limit_is_rejected_whole_and_others_still_count(tmp_path: Path) -> None:
    write(tmp_path, "rosters/qq/big.csv", "群号,QQ号\n" + "".join(f"1,{i}\n" for i in range(6)))
    write(tmp_path, "rosters/qq/200002.csv", "QQ号\n10001\n")

    snapshots, errors = read(tmp_path, Settings(max_rows=5))

    assert set(snapshots) == {(Platform.QQ, "200002")}
    assert [e.file for e in errors] == ["rosters/qq/big.csv"]
    assert "5 行" in errors[0].reason
