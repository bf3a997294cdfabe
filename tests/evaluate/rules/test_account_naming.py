from __future__ import annotations

from chalicelib.evaluate.rules.account_naming import account_naming
from tests.factories import make_account, make_account_view, make_context, make_unit

UNIT = make_unit(keywords=("信息工程学院", "信息学院"))


def test_flags_a_name_without_the_unit_keywords() -> None:
    view = make_account_view(make_account(name="校园生活圈"), UNIT)
    violation = account_naming(view, make_context())
    assert violation is not None
    assert violation.message == (
        "账号名称“校园生活圈”不含本单位核心词(信息工程学院、信息学院),名称须包含其中至少一个。"
    )
    assert violation.evidence == {"unit_id": "U01", "keywords": ["信息工程学院", "信息学院"]}


def test_passes_a_name_with_a_keyword_after_nfkc() -> None:
    view = make_account_view(make_account(name="信息学院 团委"), UNIT)
    assert account_naming(view, make_context()) is None


def test_passes_without_unit_or_register_row() -> None:
    assert account_naming(make_account_view(make_account(name="x")), make_context()) is None
    assert account_naming(make_account_view(None, UNIT, name="x"), make_context()) is None
