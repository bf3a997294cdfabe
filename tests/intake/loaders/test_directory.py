"""directory/* (人员名册): persons, their status and their accounts on each platform."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib.core.models import DataError, PersonStatus, Platform
from chalicelib.core.settings import DEFAULT_STATUS_WORDS
from tests.intake.loaders import load_directory, write
from tests.intake.readers import DEFAULT_SETTINGS, limits, lines, xlsx_bytes

HEADER = "工号,姓名,单位,状态,离职日期,QQ号,微信号,企业微信,邮箱"


def test_loads_persons_with_accounts_on_several_platforms(tmp_path: Path) -> None:
    # GIVEN a teacher with two QQ numbers, a WeChat id and a WeCom account
    write(
        tmp_path,
        "directory/staff.csv",
        lines(HEADER, "T001,张三,CS,在职,,10001;10002,zhangsan,zs01,zs@example.edu.cn"),
    )
    # WHEN the directory is loaded
    directory, errors = load_directory(tmp_path)
    # THEN every account maps to the person
    assert errors == []
    (person,) = directory.persons
    assert (person.person_id, person.name, person.unit_id, person.status, person.email) == (
        "T001",
        "张三",
        "CS",
        PersonStatus.ACTIVE,
        "zs@example.edu.cn",
    )
    for platform, account in [
        (Platform.QQ, "10001"),
        (Platform.QQ, "10002"),
        (Platform.WECHAT, "zhangsan"),
        (Platform.WECOM, "zs01"),
    ]:
        assert directory.person_of(platform, account) == person
    assert directory.person_of(Platform.WECHAT, "10001") is None


@pytest.mark.parametrize(
    "accounts", ["10001;10002", "10001；10002", "10001、10002", "10001, 10002"]
)
def test_splits_several_accounts_in_one_cell(tmp_path: Path, accounts: str) -> None:
    write(tmp_path, "directory/a.csv", lines("工号\t姓名\t状态\tQQ", f"T1\t张三\t在职\t{accounts}"))
    directory, _ = load_directory(tmp_path)
    assert directory.accounts[Platform.QQ] == {"10001": 0, "10002": 0}


@pytest.mark.parametrize(("word", "status"), sorted(DEFAULT_STATUS_WORDS.items()))
def test_maps_every_default_status_word(tmp_path: Path, word: str, status: PersonStatus) -> None:
    write(tmp_path, "directory/a.csv", lines("学号,姓名,状态", f"S1,李四,{word}"))
    directory, errors = load_directory(tmp_path)
    assert errors == []
    assert directory.persons[0].status is status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Active", PersonStatus.ACTIVE),
        (" DEPARTED ", PersonStatus.DEPARTED),
        ("Retired", PersonStatus.DEPARTED),
        ("EXTERNAL", PersonStatus.EXTERNAL),
    ],
)
def test_status_words_ignore_case_and_spaces(
    tmp_path: Path, word: str, status: PersonStatus
) -> None:
    write(tmp_path, "directory/a.csv", lines("学号,姓名,状态", f"S1,李四,{word}"))
    directory, _ = load_directory(tmp_path)
    assert directory.persons[0].status is status


def test_status_words_are_configurable(tmp_path: Path) -> None:
    # GIVEN a college that writes 在岗 for active staff
    settings = DEFAULT_SETTINGS.model_copy(
        update={"status_words": {**DEFAULT_STATUS_WORDS, "在岗": PersonStatus.ACTIVE}}
    )
    write(tmp_path, "directory/a.csv", lines("工号,姓名,状态", "T1,张三,在岗"))
    directory, errors = load_directory(tmp_path, settings=settings)
    assert errors == []
    assert directory.persons[0].status is PersonStatus.ACTIVE


def test_unit_is_named_by_id_or_exact_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "directory/a.csv",
        lines(
            "工号,姓名,部门,状态", "T1,张三,CS,在职", "T2,李四, 外国语学院 ,在职", "T3,王五,,在职"
        ),
    )
    directory, errors = load_directory(tmp_path)
    assert errors == []
    assert [p.unit_id for p in directory.persons] == ["CS", "FL", None]


def test_skips_bad_rows_with_file_row_column_and_reason_while_others_load(tmp_path: Path) -> None:
    # GIVEN a directory with good rows around four bad ones
    write(
        tmp_path,
        "directory/students.csv",
        lines(
            "学号,姓名,学院,状态,离校日期,QQ",
            "S1,甲,CS,在读,,10001",
            "S2,乙,CS,休假,,10002",  # unknown status word
            "S3,丙,数学学院,在读,,10003",  # unknown unit
            ",丁,CS,在读,,10004",  # empty id
            "S5,戊,CS,毕业,2024-02-30,10005",  # no such date
            "S6,己,CS,,,10006",  # empty status
            "S7,庚,FL,毕业,2024/7/1,10007",
        ),
    )
    # WHEN loaded
    directory, errors = load_directory(tmp_path)
    # THEN the good rows load, and each bad row is one error a user can act on
    assert [p.person_id for p in directory.persons] == ["S1", "S7"]
    assert directory.persons[1].left_on == date(2024, 7, 1)
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("directory/students.csv", 3, "状态"),
        ("directory/students.csv", 4, "学院"),
        ("directory/students.csv", 5, "学号"),
        ("directory/students.csv", 6, "离校日期"),
        ("directory/students.csv", 7, "状态"),
    ]
    assert "无法识别的取值“休假”" in errors[0].reason
    assert "在读" in errors[0].reason  # lists the words that are accepted
    assert errors[1].reason == "单位“数学学院”不在单位名录中"
    assert errors[2].reason == "不能为空"
    assert "不存在" in errors[3].reason
    assert errors[4].reason == "不能为空"
    # AND the accounts of rejected rows stay unmapped
    assert directory.person_of(Platform.QQ, "10002") is None


def test_rejects_a_person_id_listed_in_two_directory_files(tmp_path: Path) -> None:
    # GIVEN the same id in the staff list and, by mistake, in the student list
    write(tmp_path, "directory/1-staff.csv", lines("工号,姓名,状态,QQ", "T1,张三,在职,10001"))
    write(
        tmp_path,
        "directory/2-students.csv",
        lines("学号,姓名,状态,QQ", "S1,李四,在读,20001", "T1,张三(重名),在读,20002"),
    )
    # WHEN loaded
    directory, errors = load_directory(tmp_path)
    # THEN the first listing wins and the second is an error on its own row
    assert [p.name for p in directory.persons] == ["张三", "李四"]
    assert errors == [
        DataError(
            file="directory/2-students.csv", row=3, column="学号", reason="人员编号“T*”在名册中重复"
        )
    ]
    assert directory.person_of(Platform.QQ, "20002") is None


def test_an_account_listed_for_two_persons_maps_to_the_first(tmp_path: Path) -> None:
    write(
        tmp_path,
        "directory/a.csv",
        lines("工号,姓名,状态,QQ", "T1,张三,在职,10001", "T2,李四,离职,10001"),
    )
    directory, errors = load_directory(tmp_path)
    assert errors == []
    person = directory.person_of(Platform.QQ, "10001")
    assert person is not None and person.person_id == "T1"


def test_a_persons_first_account_is_the_one_listed_first(tmp_path: Path) -> None:
    # GIVEN two files; a second QQ of 张三 that 王五 also lists, in the second file
    write(tmp_path, "directory/a.csv", lines("工号,姓名,状态,QQ", "T1,张三,在职,10001;10002"))
    write(tmp_path, "directory/b.csv", lines("工号,姓名,状态,QQ", "T2,王五,在职,10002;20001"))
    # WHEN the directory is loaded
    directory, errors = load_directory(tmp_path)
    # THEN each person's first account is the first in their cell, the rest are later ones,
    # and an account both list stays with the first file's person
    assert errors == []
    assert dict(directory.account_of(Platform.QQ)) == {0: "10001", 1: "20001"}
    assert directory.later_accounts(Platform.QQ) == {"10002"}
    assert directory.accounts[Platform.QQ] == {"10001": 0, "10002": 0, "20001": 1}


def test_reads_ids_from_number_cells_of_a_workbook(tmp_path: Path) -> None:
    data = xlsx_bytes(
        {"名册": [["工号", "姓名", "状态", "QQ号"], [20210001, "张三", "在职", 9876543210]]}
    )
    write(tmp_path, "directory/staff.xlsx", data)
    directory, errors = load_directory(tmp_path)
    assert errors == []
    assert directory.persons[0].person_id == "20210001"
    assert directory.index_of(Platform.QQ, "9876543210") == 0


def test_errors_in_a_workbook_name_the_sheet(tmp_path: Path) -> None:
    data = xlsx_bytes(
        {"教职工": [["说明:2026 年名册"], ["工号", "姓名", "状态"], ["T1", "张三", "未知"]]}
    )
    write(tmp_path, "directory/staff.xlsx", data)
    _, errors = load_directory(tmp_path)
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("directory/staff.xlsx#教职工", 3, "状态")
    ]


def test_a_rejected_directory_file_adds_no_person(tmp_path: Path) -> None:
    # GIVEN a directory file over max_rows (its first rows are valid) and a good file after it
    write(
        tmp_path,
        "directory/1-big.csv",
        lines("工号,姓名,状态,QQ", *(f"T{i},某,在职,{i}" for i in range(6))),
    )
    write(tmp_path, "directory/2-small.csv", lines("工号,姓名,状态,QQ", "T0,张三,在职,10001"))
    # WHEN loaded with max_rows 5
    directory, errors = load_directory(tmp_path, settings=limits(max_rows=5))
    # THEN the big file contributes no person, no account and exactly one error;
    # its ids do not make the next file's rows duplicates
    assert [p.person_id for p in directory.persons] == ["T0"]
    assert directory.accounts[Platform.QQ] == {"10001": 0}
    assert errors == [
        DataError(file="directory/1-big.csv", reason="表格超过 5 行的上限,请拆分后重新上传")
    ]
