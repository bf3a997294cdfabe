"""What operators really do to a data root, read as the scan reads it: nothing that looks
like ours is dropped in silence, and no summary line becomes a member, a person or a
filing (issue "No wrong reminder", item 5)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from chalicelib.core.models import DataError, Platform
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.catalogue import strays
from chalicelib.intake.inspection import check_file
from chalicelib.intake.loaders.rows import SUMMARY_ROW
from chalicelib.intake.source import LocalSource
from tests.intake.loaders import TODAY, load_directory, load_filings, load_units, write
from tests.intake.readers import DEFAULT_SETTINGS
from tests.intake.rosters.test_snapshots import read


def warnings(errors: list[DataError]) -> list[tuple[int | None, str]]:
    return [(e.row, e.reason) for e in errors if e.warning]


def test_folders_and_files_outside_the_data_folders_are_named_with_where_they_belong(
    tmp_path: Path,
) -> None:
    for path in ("roster/qq/551047987.csv", "名册/学生.csv", "Rosters/a.csv", "units.csv"):
        write(tmp_path, path, "x\n")
    for path in ("rosters/qq/1.csv", "receipts/rosters/qq/1.csv.json", "quarantine/x.csv"):
        write(tmp_path, path, "x\n")

    found = {e.file: e.reason for e in strays(LocalSource(tmp_path))}

    assert sorted(found) == ["Rosters/", "roster/", "units.csv", "名册/"]
    assert all(e.warning and e.at_top for e in strays(LocalSource(tmp_path)))
    assert "应放在 rosters/ 中" in found["roster/"] and "应放在 rosters/ 中" in found["Rosters/"]
    assert "应放在 directory/ 中" in found["名册/"] and "应放在 config/ 中" in found["units.csv"]
    assert "config/、directory/、filings/、waivers/、rosters/" in found["roster/"]


def test_common_email_headers_are_read_as_the_address_they_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        "单位编码,单位名称,联系人邮箱,负责人,负责人邮箱\nU1,信息学院,xx@college.cn,王院长,w@college.cn\n",
    )
    write(
        tmp_path,
        "filings/登记表.csv",
        "平台,群号,单位,备案日期,负责人邮箱\nqq,551047987,CS,2026-09-01,li@college.cn\n",
    )

    (unit,), unit_errors = load_units(tmp_path)
    (filing,), filing_errors = load_filings(tmp_path)

    assert (unit.contact_email, unit.head_name, unit.head_email) == (
        "xx@college.cn",
        "王院长",
        "w@college.cn",
    )
    assert filing.responsible_email == "li@college.cn"
    assert unit_errors == filing_errors == []


def test_an_unread_column_full_of_addresses_is_a_warning_naming_the_accepted_names(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "config/units.csv",
        "单位编码,单位名称,办公室信箱\nU1,信息学院,xx@college.cn\nU2,外语学院,fl@college.cn\n",
    )

    units, errors = load_units(tmp_path)

    assert [u.contact_email for u in units] == [None, None]
    ((row, reason),) = warnings(errors)
    assert row is None and reason.startswith(
        "“办公室信箱”列的内容看起来是邮箱地址,但该列没有被读取"
    )
    assert "联系人邮箱" in reason


def test_a_roster_total_row_is_never_a_member(tmp_path: Path) -> None:
    # GIVEN an Excel table with its total row (汇总, the count under the member column)
    # and a QQ exporter's 共 N 人 line below a second table
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["群名片", "QQ号", "身份"])
    for index in range(150):
        sheet.append([f"成员{index}", str(10000 + index), "群主" if index == 0 else "成员"])
    sheet.append(["汇总", "150", ""])
    book.save(write(tmp_path, "rosters/qq/551047987.xlsx", b""))
    write(tmp_path, "rosters/qq/363416442.csv", "QQ号,身份\n20001,群主\n20002,成员\n共 2 人,\n")

    snapshots, errors = read(tmp_path)

    assert snapshots[(Platform.QQ, "551047987")].member_count == 150
    assert snapshots[(Platform.QQ, "363416442")].member_count == 2
    assert warnings(errors) == [(4, SUMMARY_ROW), (152, SUMMARY_ROW)]  # files in path order
    assert [e for e in errors if not e.warning] == []


def test_a_summary_row_in_a_directory_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "directory/教职工.csv",
        "工号,姓名,单位,状态\nT1,张三,CS,在职\nT2,李四,FL,离职\n合计,2 人,,\n",
    )

    directory, errors = load_directory(tmp_path)

    assert len(directory) == 2
    assert warnings(errors) == [(4, SUMMARY_ROW)]
    assert [e for e in errors if not e.warning] == []


def test_a_total_row_of_the_unit_list_is_never_a_unit(tmp_path: Path) -> None:
    # GIVEN a unit list saved from an Excel table with its total row (汇总, a count of names)
    write(
        tmp_path,
        "config/units.csv",
        "单位编码,单位名称,联系邮箱\nCS,计算机学院,cs@x.edu\nFL,外国语学院,fl@x.edu\n汇总,2,\n",
    )
    # WHEN it is read
    units, errors = load_units(tmp_path)
    # THEN the total row is skipped with a warning, never a unit named 2 (whose keyword 2
    # would claim unfiled groups)
    assert [u.unit_id for u in units] == ["CS", "FL"]
    assert warnings(errors) == [(4, SUMMARY_ROW)]
    assert [e for e in errors if not e.warning] == []


def test_an_owner_column_makes_its_member_the_owner(tmp_path: Path) -> None:
    # GIVEN a flattened WeCom groupchat/get dump (the owner's userid on every row) and an
    # export that marks the owner's row 是
    write(
        tmp_path,
        "rosters/wecom/wrOgQhDgAAcwMTB7YmDkbeBsAAAAAAAA.csv",
        "userid,owner\nzhangsan,lisi\nlisi,lisi\nwangwu,lisi\n",
    )
    write(tmp_path, "rosters/qq/551047987.csv", "QQ号,群主\n10001,否\n10002,是\n10003,否\n")

    snapshots, errors = read(tmp_path)

    assert snapshots[(Platform.WECOM, "wrOgQhDgAAcwMTB7YmDkbeBsAAAAAAAA")].owner_id == "lisi"
    assert snapshots[(Platform.QQ, "551047987")].owner_id == "10002"
    assert errors == []


def test_files_a_computer_leaves_beside_the_exports_are_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    """A .DS_Store copied up with a folder, or the lock file of a workbook left open, is not
    a rejected directory file: that would hold every finding the directory decides."""
    write(tmp_path, "directory/staff.csv", "工号,姓名,部门,状态\n10001,王老师,计算机学院,在职\n")
    litter = ("directory/.DS_Store", "directory/~$staff.xlsx", "directory/._staff.csv",
              "directory/Thumbs.db", "directory/.~lock.staff.csv#")  # fmt: skip
    for path in litter:
        write(tmp_path, path, b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00\xff\xfe")

    directory, errors = load_directory(tmp_path)

    assert directory.person_ids == ["10001"]
    assert sorted(e.file for e in errors) == sorted(litter)
    assert all(e.warning and not e.rejects_file for e in errors)
    assert all("自动生成的文件" in e.reason for e in errors)


def test_a_look_alike_of_litter_is_still_read(tmp_path: Path) -> None:
    write(tmp_path, "directory/$staff.csv", "工号,姓名,部门,状态\n10001,王老师,计算机学院,在职\n")
    write(
        tmp_path, "directory/thumbs.db.csv", "工号,姓名,部门,状态\n10002,李老师,计算机学院,在职\n"
    )

    directory, errors = load_directory(tmp_path)

    assert directory.person_ids == ["10001", "10002"] and errors == []


def test_the_upload_receipt_of_a_lock_file_says_what_it_is(tmp_path: Path) -> None:
    write(tmp_path, "rosters/qq/~$551047987.xlsx", b"\x06Wang  \x00" * 20)
    source = LocalSource(tmp_path)
    (file,) = source.list("rosters/")

    receipt = check_file(source, file, DEFAULT_SETTINGS, TODAY, waivable_rules())

    assert receipt.rejected is not None and "锁定文件" in receipt.rejected


def test_never_markers_in_date_columns_are_empty_dates(tmp_path: Path) -> None:
    """DESIGN.md, Real exports: 无, 未知, -, 0 or 0000-00-00 in a date column is no date."""
    write(
        tmp_path,
        "filings/登记表.csv",
        "平台,群号,单位,备案日期,复核日期,截止日期\n"
        "qq,551047987,计算机学院,2026-09-01,无,未知\n"
        "qq,551047988,计算机学院,2026-09-01,0000-00-00,-\n"
        "qq,551047989,计算机学院,无,2026-10-01,\n",
    )
    write(
        tmp_path,
        "directory/staff.csv",
        "工号,姓名,部门,状态,离职日期\n10001,王老师,计算机学院,在职,无\n10002,李老师,计算机学院,离职,0\n",
    )

    filings, filing_errors = load_filings(tmp_path)
    directory, directory_errors = load_directory(tmp_path)

    assert [(f.group_id, f.reviewed_on, f.end_on) for f in filings] == [
        ("551047987", None, None),
        ("551047988", None, None),
    ]
    assert [(e.row, e.column, e.reason) for e in filing_errors] == [
        (4, "备案日期", "不能为空(“无”表示没有日期)")
    ]
    assert directory.left_on == [None, None] and directory_errors == []
