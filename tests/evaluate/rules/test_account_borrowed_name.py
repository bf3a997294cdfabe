from __future__ import annotations

from chalicelib.evaluate.rules.account_borrowed_name import account_borrowed_name
from tests.factories import make_account, make_account_view, make_context, make_settings


def test_flags_a_name_containing_the_superior_body() -> None:
    view = make_account_view(make_account(name="江西省财政厅信息学院"))
    violation = account_borrowed_name(view, make_context())
    assert violation is not None
    assert violation.message == (
        "账号名称“江西省财政厅信息学院”含有上级单位名称“财政厅”,不得以上级单位名义开设新媒体账号。"
    )
    assert violation.evidence == {"words": ["财政厅"]}


def test_the_words_are_a_setting() -> None:
    settings = make_settings(borrowed_name_words=("教育厅", "教委"))
    view = make_account_view(make_account(name="省教育局信息学院"))
    assert account_borrowed_name(view, make_context(settings=settings)) is None
    view = make_account_view(make_account(name="市教委信息学院"))
    assert account_borrowed_name(view, make_context(settings=settings)) is not None


def test_passes_an_ordinary_name() -> None:
    assert account_borrowed_name(make_account_view(make_account()), make_context()) is None
