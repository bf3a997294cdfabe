"""Every header alias of DESIGN.md's data root is accepted for its field."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.intake import schema
from chalicelib.intake.schema import Field, TableSchema, normalize_header
from tests.intake.readers import lines, read_one

SCHEMAS = [
    schema.UNITS,
    schema.OFFICES,
    schema.DIRECTORY,
    schema.FILINGS,
    schema.WAIVERS,
    schema.ROSTERS,
]

CASES = [
    pytest.param(
        table_schema, table_field, alias, id=f"{table_schema.kind}.{table_field.name}={alias}"
    )
    for table_schema in SCHEMAS
    for table_field in table_schema.fields
    for alias in table_field.accepted
]


def header_with(table_schema: TableSchema, field: Field, written: str) -> list[str]:
    """The required columns by their English names, then `written` for `field`, then an
    unknown column."""
    header = [f.name for f in table_schema.required if f.name != field.name]
    return ["序号", *header, written, "备注"]


@pytest.mark.parametrize(("table_schema", "field", "alias"), CASES)
def test_accepts_every_alias_trimmed_and_in_any_case(
    table_schema: TableSchema, field: Field, alias: str
) -> None:
    # GIVEN a header that writes the field as its alias, padded and with its case swapped
    written = f" \u3000{alias.swapcase()}\t"
    header = header_with(table_schema, field, written)
    data = lines(",".join(header), ",".join("x" for _ in header)).encode("utf-8")
    # WHEN the file is read
    table = read_one(data, table_schema)
    # THEN the column is that field, and errors will name it as written (trimmed)
    assert table.columns[field.name] == header.index(written)
    assert table.column_name(field.name) == alias.swapcase()
    assert set(table.columns) == {f.name for f in table_schema.required} | {field.name}


@pytest.mark.parametrize("table_schema", SCHEMAS, ids=lambda s: s.kind)
def test_no_header_is_claimed_by_two_fields_of_one_table(table_schema: TableSchema) -> None:
    names = Counter(
        name for f in table_schema.fields for name in {normalize_header(a) for a in f.accepted}
    )
    assert [name for name, count in names.items() if count > 1] == []


def test_documented_aliases_are_accepted() -> None:
    # A sample of DESIGN.md's tables, as users would write them
    # of two member-id columns, the alias listed first (QQ号 before userid)
    assert schema.ROSTERS.locate(["USERID", " QQ号 ", "Nick"]) == {
        "member_id": 1,
        "display_name": 2,
    }
    # the group card is preferred to the nickname, whatever the column order
    assert schema.ROSTERS.locate(["昵称", "群名片", "QQ号"]) == {"display_name": 1, "member_id": 2}
    assert schema.DIRECTORY.locate(
        ["学工号", "姓名", "学院", "状态", "离校日期", "QQ", "微信"]
    ) == {
        "person_id": 0,
        "name": 1,
        "unit": 2,
        "status": 3,
        "left_on": 4,
        "qq": 5,
        "wechat": 6,
    }
    assert schema.FILINGS.locate(["类型", "群ID", "单位", "备案日期", "截止日期"]) == {
        "platform": 0,
        "group_id": 1,
        "unit": 2,
        "filed_on": 3,
        "end_on": 4,
    }


def test_repeated_counts_an_accepted_name_written_twice_in_any_case() -> None:
    header = ["QQ号", "群名片", " qq号 ", "备注", "备注", "QQ号"]
    # THEN the name is given as first written; the unknown 备注 is not a repeat
    assert schema.ROSTERS.repeated(header) == {"QQ号": 3}


def test_two_aliases_of_one_field_are_not_a_repeat() -> None:
    header = ["成员账号", "群名片", "昵称", "QQ号"]
    assert schema.ROSTERS.repeated(header) == {}
    assert schema.ROSTERS.locate(header) == {"member_id": 0, "display_name": 1}
