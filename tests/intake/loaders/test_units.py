"""config/units.* (单位名录) and config/offices.* (汇总报送部门)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.core.models import Category, DataError, Unit
from chalicelib.intake.catalogue import UNITS as UNITS_KIND
from chalicelib.intake.catalogue import kind_of
from chalicelib.intake.loaders.units import UnitIndex
from tests.intake.loaders import load_offices, load_units, write
from tests.intake.readers import lines

UNITS_HEADER = "单位编码,单位名称,核心词,联系邮箱,第一责任人,第一责任人邮箱,所属党组织,党组织邮箱"


@pytest.mark.parametrize(
    "keywords",
    [
        "计算机;计科;软件",
        "计算机；计科；软件",
        "计算机、计科、软件",
        "计算机,计科, 软件",
        "计算机;;计科;软件;",
    ],
)
def test_splits_keywords_on_every_separator(tmp_path: Path, keywords: str) -> None:
    write(tmp_path, "config/units.csv", lines("编码\t单位\t关键词", f"CS\t计算机学院\t{keywords}"))
    units, errors = load_units(tmp_path)
    assert errors == []
    assert units[0].keywords == ("计算机", "计科", "软件")


def test_keywords_default_to_the_unit_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        lines("unit_id,name,keywords", "CS,计算机学院,", "FL,外国语学院, ; "),
    )
    units, _ = load_units(tmp_path)
    assert [u.keywords for u in units] == [("计算机学院",), ("外国语学院",)]


def test_loads_every_unit_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        lines(
            UNITS_HEADER,
            '"CS","计算机学院","计算机","cs@x.edu","王院长","wang@x.edu","计算机学院党委","party@x.edu"',
        ),
    )
    units, _ = load_units(tmp_path)
    assert units == [
        Unit(
            unit_id="CS",
            name="计算机学院",
            keywords=("计算机",),
            contact_email="cs@x.edu",
            head_name="王院长",
            head_email="wang@x.edu",
            party_org="计算机学院党委",
            party_org_email="party@x.edu",
        )
    ]


def test_skips_duplicate_unit_id_and_unit_without_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/units.csv",
        lines("单位编码,单位名称", "CS,计算机学院", "CS,计算机科学学院", "MA,", "FL,外国语学院"),
    )
    units, errors = load_units(tmp_path)
    assert [u.unit_id for u in units] == ["CS", "FL"]
    assert errors == [
        DataError(file="config/units.csv", row=3, column="单位编码", reason="单位编码“CS”重复"),
        DataError(file="config/units.csv", row=4, column="单位名称", reason="不能为空"),
    ]


def test_resolves_a_unit_by_id_or_exact_name() -> None:
    index = UnitIndex(
        [
            Unit(unit_id="CS", name="计算机学院", keywords=("计算机",)),
            Unit(unit_id="FL", name="外国语学院", keywords=("外语",)),
        ]
    )
    assert index.resolve("CS") == "CS"
    assert index.resolve(" 外国语学院 ") == "FL"
    assert index.resolve("计算机") is None  # a keyword is not a name
    assert index.resolve("cs") is None  # ids are exact
    assert index.by_id["FL"].name == "外国语学院"


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("all", None),
        ("ALL", None),
        ("", None),
        ("class", (Category.CLASS,)),
        ("league;club", (Category.LEAGUE, Category.CLUB)),
        ("团组织群、社团群", (Category.LEAGUE, Category.CLUB)),
    ],
)
def test_reads_office_scope(
    tmp_path: Path, scope: str, expected: tuple[Category, ...] | None
) -> None:
    write(tmp_path, "config/offices.csv", lines("部门,邮箱,范围", f"校团委,tw@x.edu,{scope}"))
    offices, errors = load_offices(tmp_path)
    assert errors == []
    assert offices[0].scope == expected


def test_rejects_office_row_with_unknown_scope_word(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/offices.csv",
        lines("部门,邮箱,范围", "党委工作部,dw@x.edu,all", "学生处,xsc@x.edu,class;宿舍群"),
    )
    offices, errors = load_offices(tmp_path)
    assert [o.office for o in offices] == ["党委工作部"]
    assert [(e.file, e.row, e.column) for e in errors] == [("config/offices.csv", 3, "范围")]
    assert "宿舍群" in errors[0].reason


def test_an_office_may_give_its_address_and_phone_for_the_footers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/offices.csv",
        lines(
            "部门,邮箱,范围,办公地址,联系电话",
            "党委工作部,dw@x.edu,all,行政楼 302 室,023-6188 3021",
            "学生处,xsc@x.edu,class,,",
        ),
    )
    offices, errors = load_offices(tmp_path)
    assert errors == []
    assert [o.contact_line for o in offices] == [
        "党委工作部(行政楼 302 室,电话 023-6188 3021)",
        "学生处",
    ]


def test_an_office_listed_twice_is_served_once_as_first_listed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config/offices.csv",
        lines("部门,邮箱,范围", "学生处,a@x.edu,class", "学生处,b@x.edu,all"),
    )
    offices, errors = load_offices(tmp_path)
    assert [(o.office, o.email) for o in offices] == [("学生处", "a@x.edu")]
    assert len(errors) == 1 and errors[0].warning and "重复" in errors[0].reason


def test_a_copy_in_a_sub_folder_of_config_is_not_the_unit_list(tmp_path: Path) -> None:
    # GIVEN config/units.csv and an old copy kept in a sub-folder of config/ (sorted first)
    write(tmp_path, "config/units.csv", lines("单位编码,单位名称", "CS,计算机与软件学院"))
    write(tmp_path, "config/2025备份/units.csv", lines("单位编码,单位名称", "CS,计算机学院"))
    write(tmp_path, "config/2025备份/offices.csv", lines("部门,邮箱", "学生处,old@x.edu"))
    # WHEN the unit list and the offices are read
    units, errors = load_units(tmp_path)
    offices, office_errors = load_offices(tmp_path)
    # THEN only config/units.csv is the unit list (DESIGN.md, Data root): the copy is no
    # unit list, offices list or policy, and never overrides the current file
    assert [(u.unit_id, u.name) for u in units] == [("CS", "计算机与软件学院")]
    assert errors == []
    assert (offices, office_errors) == ([], [])
    assert kind_of("config/2025备份/units.csv") is None
    assert kind_of("config/units.csv") is UNITS_KIND


def test_unit_and_office_columns_under_other_names_are_warnings(tmp_path: Path) -> None:
    # GIVEN a unit list with 关键字 (not 关键词) and an office list with 报送范围 (not 范围)
    write(tmp_path, "config/units.csv", lines("单位编码,单位名称,关键字", "CS,计算机学院,计科"))
    write(tmp_path, "config/offices.csv", lines("部门,邮箱,报送范围", "学生处,xs@x.edu,class"))
    # WHEN they are read
    units, unit_errors = load_units(tmp_path)
    offices, office_errors = load_offices(tmp_path)
    # THEN each is read without that column and says so: the office is not silently sent
    # every category, the unit's keywords are its name (DESIGN.md, Real exports)
    assert (units[0].keywords, offices[0].scope) == (("计算机学院",), None)
    assert [(e.warning, e.reason.partition("但")[0]) for e in unit_errors + office_errors] == [
        (True, "“关键字”列看起来是“核心词”,"),
        (True, "“报送范围”列看起来是“范围”,"),
    ]


def test_a_name_two_units_share_names_the_unit_listed_first_and_is_a_warning(
    tmp_path: Path,
) -> None:
    # GIVEN a unit list where two units have the same name
    write(
        tmp_path,
        "config/units.csv",
        lines("单位编码,单位名称", "CS,计算机学院", "FL,外国语学院", "CS2,计算机学院"),
    )
    # WHEN it is read and a table refers to that name
    units, errors = load_units(tmp_path)
    # THEN both units are read, the name is the unit listed first (as ties go elsewhere),
    # and the second is a warning at its name cell
    assert [u.unit_id for u in units] == ["CS", "FL", "CS2"]
    assert UnitIndex(units).resolve("计算机学院") == "CS"
    assert [(e.row, e.column, e.warning) for e in errors] == [(4, "单位名称", True)]
    assert errors[0].reason.startswith("名称“计算机学院”与第 2 行的单位重名")
