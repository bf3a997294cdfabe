from __future__ import annotations

from datetime import date

from chalicelib.core.models import PersonStatus
from chalicelib.evaluate.rules.account_operator_departed import account_operator_departed
from tests.factories import make_account, make_account_view, make_context, make_directory, make_unit

UNIT = make_unit()
DIRECTORY = make_directory(
    [
        ({"name": "张三", "status": PersonStatus.DEPARTED, "left_on": date(2026, 6, 30)}, {}),
        ({"name": "李四"}, {}),
        ({"name": "王五", "status": PersonStatus.DEPARTED, "unit_id": "U02"}, {}),
        ({"name": "赵六", "status": PersonStatus.DEPARTED}, {}),
        ({"name": "赵六"}, {}),
    ]
)


def check(operator: str) -> object:
    view = make_account_view(make_account(operator=operator, name="信息学院"), UNIT)
    return account_operator_departed(view, make_context(directory=DIRECTORY))


def test_flags_an_operator_departed_by_person_id_masked() -> None:
    violation = check("P00000")
    assert violation is not None
    assert violation.message == (  # type: ignore[attr-defined]
        "账号“信息学院”的运营者 张* 在人员名册中已离职离校(离开日期 2026-06-30),"
        "运营者应由本单位在职在校人员担任。"
    )
    assert violation.evidence == {  # type: ignore[attr-defined]
        "operator": "张*",
        "person_id": "P0****00",
        "left_on": date(2026, 6, 30),
    }
    assert "张三" not in str(violation)


def test_flags_an_operator_departed_by_a_name_unique_in_the_unit() -> None:
    assert check("张三") is not None


def test_passes_an_active_operator_an_unknown_one_and_an_ambiguous_name() -> None:
    assert check("李四") is None
    assert check("P00001") is None
    assert check("钱七") is None
    assert check("赵六") is None  # two persons of the unit bear this name


def test_a_name_of_another_unit_is_not_matched() -> None:
    assert check("王五") is None
    assert check("P00002") is not None  # by id it is found wherever the person is


def test_a_full_width_person_id_is_read_as_the_directory_reads_ids() -> None:
    assert check("Ｐ０００００") is not None
