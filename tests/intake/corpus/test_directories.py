"""人员名册 as HR (人事) and academic (学籍) systems and Excel export them (docs/formats.md
§6, §7), read as the weekly scan reads directory/* (units 计算机学院 CS, 外国语学院 FL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chalicelib.core.models import PersonStatus, Platform
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.directory import Directory
from chalicelib.intake.inspection import TableFacts, check_file
from chalicelib.intake.source import LocalSource
from tests.intake.corpus import ERROR, TODAY, put, reported
from tests.intake.corpus import other_exports as other
from tests.intake.loaders import load_directory
from tests.intake.readers import DEFAULT_SETTINGS

ACTIVE, DEPARTED, EXTERNAL = PersonStatus.ACTIVE, PersonStatus.DEPARTED, PersonStatus.EXTERNAL
Row = tuple[str, str, str | None, PersonStatus, date | None]


def persons(directory: Directory) -> list[Row]:
    """Each person as (id, name, unit, status, left_on), in file order."""
    return [(p.person_id, p.name, p.unit_id, p.status, p.left_on) for p in directory.persons]


def accounts(directory: Directory, platform: Platform) -> dict[str, str]:
    """Account -> the person id it maps to."""
    return {a: directory.person_ids[i] for a, i in directory.accounts[platform].items()}


def test_two_row_header_under_a_merged_heading_is_combined(tmp_path: Path) -> None:
    # GIVEN an HR workbook whose row 1 has 工号 ... 人员状态 and a merged 联系方式, and
    # whose row 2 has QQ号 / 微信号 / 企业微信 under it
    put(tmp_path, "directory/教职工.xlsx", other.two_row_header_directory())

    # WHEN the scan reads the directory
    directory, errors = load_directory(tmp_path)

    # THEN the second row names the account columns and the data starts on row 3
    assert persons(directory) == [
        ("T2019001", "张老师", "CS", ACTIVE, None),
        ("T2020417", "李四", "FL", ACTIVE, None),
    ]
    assert accounts(directory, Platform.QQ) == {"1043879021": "T2019001", "2596631840": "T2020417"}
    assert accounts(directory, Platform.WECHAT) == {
        "wxid_zhang01": "T2019001",
        "lisi_teach": "T2020417",
    }
    assert accounts(directory, Platform.WECOM) == {"ZhangLaoShi": "T2019001", "LiSi": "T2020417"}
    assert errors == []


def test_receipt_of_a_two_row_header_names_the_combined_columns(tmp_path: Path) -> None:
    # GIVEN the same workbook, with the unit list the directory refers to
    put(tmp_path, "config/units.csv", "单位编码,单位名称\nCS,计算机学院\nFL,外国语学院\n".encode())
    put(tmp_path, "directory/教职工.xlsx", other.two_row_header_directory())
    source = LocalSource(tmp_path)

    # WHEN the file is checked as an upload is
    receipt = check_file(
        source, source.list("directory/")[0], DEFAULT_SETTINGS, TODAY, waivable_rules()
    )

    # THEN the receipt shows the header read from rows 1 and 2, the data from row 3

    assert (receipt.rows_read, receipt.error_count, receipt.rejected) == (2, 0, None)
    assert receipt.tables == [
        TableFacts(
            sheet="教职工",
            format="XLSX 工作簿",
            header_row=2,
            columns={
                "person_id": "工号",
                "name": "姓名",
                "unit": "所在单位",
                "status": "人员状态",
                "qq": "QQ号",
                "wechat": "微信号",
                "wecom": "企业微信",
            },
            ignored=[],
        )
    ]


def test_hr_export_reads_its_status_words_and_leaving_dates(tmp_path: Path) -> None:
    # GIVEN an HR system export under a title row: 人员状态 在职 / 离职 / 退休 / 返聘,
    # 所在单位, 离岗日期 as Excel dates
    put(tmp_path, "directory/人事.xlsx", other.hr_directory())

    # WHEN the scan reads the directory
    directory, errors = load_directory(tmp_path)

    # THEN 离职 and 退休 are departed with their dates; 返聘 (a rehired retiree) is an
    # approved outsider by the default status words (settings.DEFAULT_STATUS_WORDS)
    assert persons(directory) == [
        ("T2019001", "张老师", "CS", ACTIVE, None),
        ("T2008032", "赵六", "CS", DEPARTED, date(2026, 7, 1)),
        ("T1990007", "钱七", "CS", DEPARTED, date(2025, 12, 31)),
        ("T1988011", "孙八", "CS", EXTERNAL, None),
    ]
    assert accounts(directory, Platform.QQ) == {
        "1043879021": "T2019001",
        "1566001234": "T2008032",
        "2233445566": "T1990007",
        "3344556677": "T1988011",
    }
    assert errors == []


def test_student_export_not_enrolled_is_departed_whatever_its_status(tmp_path: Path) -> None:
    # GIVEN an academic export with 学籍状态 and 是否在籍: 在学/是, 毕业/否, and 在学/否
    put(tmp_path, "directory/学籍.csv", other.student_directory())

    # WHEN the scan reads the directory
    directory, errors = load_directory(tmp_path)

    # THEN 毕业 is departed, and so is the student whose 是否在籍 is 否 though 学籍状态 says 在学
    assert persons(directory) == [
        ("2024010101", "王五", "CS", ACTIVE, None),
        ("2020010133", "周九", "CS", DEPARTED, None),
        ("2024010118", "吴十", "CS", DEPARTED, None),
    ]
    assert errors == []


def test_numeric_status_codes_reject_the_file_once(tmp_path: Path) -> None:
    # GIVEN a staff export with 人员状态 as JY/T 1001 codes (11, 07, 01), beside a good file
    put(tmp_path, "directory/codes.csv", other.coded_status_directory())
    put(tmp_path, "directory/学籍.csv", other.student_directory())

    # WHEN the scan reads the directory
    directory, errors = load_directory(tmp_path)

    # THEN the coded file is rejected whole with one reason; the other file is read
    assert reported(errors) == [("directory/codes.csv", None, None, ERROR)]
    assert errors[0].reason.startswith("状态列是数字代码(如 11),各学校的编码不同")
    assert [p.person_id for p in directory.persons] == ["2024010101", "2020010133", "2024010118"]


def test_excel_scientific_notation_ids_are_row_errors_asking_for_a_text_column(
    tmp_path: Path,
) -> None:
    # GIVEN a staff and student list re-saved by Excel as CSV (GBK), its 15-digit 学号
    # saved as displayed: 2.02605E+14
    put(tmp_path, "directory/名单.csv", other.excel_scientific_directory())

    # WHEN the scan reads the directory
    directory, errors = load_directory(tmp_path)

    # THEN those rows are skipped and reported; the rest is read
    assert persons(directory) == [("T2019001", "张老师", "CS", ACTIVE, None)]
    assert reported(errors) == [
        ("directory/名单.csv", 3, "学工号", ERROR),
        ("directory/名单.csv", 4, "学工号", ERROR),
    ]
    for error in errors:
        assert "科学计数法" in error.reason and "“文本”格式" in error.reason
