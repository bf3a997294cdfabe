from __future__ import annotations

from chalicelib.core.models import AccountStatus, Platform
from chalicelib.evaluate.rules.account_duplicate import account_duplicate, bare_name
from tests.factories import make_account, make_account_view, make_context, make_unit

UNIT = make_unit()


def test_flags_both_accounts_with_the_same_name_after_filler_words() -> None:
    first = make_account_view(make_account("gh_a", name="信息学院团委"), UNIT)
    second = make_account_view(make_account("gh_b", name="信息学院团委 官方"), UNIT)
    context = make_context(accounts=[first, second])
    one, two = account_duplicate(first, context), account_duplicate(second, context)
    assert one is not None and two is not None
    assert one.evidence == {
        "partners": [{"platform": "wechat_mp", "account_id": "gh_b", "name": "信息学院团委 官方"}],
        "partner_count": 1,
    }
    assert "“信息学院团委 官方”" in one.message


def test_flags_accounts_with_the_same_purpose() -> None:
    first = make_account_view(make_account("gh_a", name="信息学院", purpose=" 招生宣传"), UNIT)
    second = make_account_view(make_account("gh_b", name="信息招生", purpose="招生宣传 "), UNIT)
    assert account_duplicate(first, make_context(accounts=[first, second])) is not None


def test_passes_across_platforms_units_and_closed_or_paused_accounts() -> None:
    first = make_account_view(make_account("gh_a", name="信息学院"), UNIT)
    weibo = make_account_view(make_account("77", name="信息学院", platform=Platform.WEIBO), UNIT)
    other = make_account_view(
        make_account("gh_c", name="信息学院", unit_id="U02"), make_unit("U02")
    )
    paused = make_account_view(
        make_account("gh_d", name="信息学院", status=AccountStatus.PAUSED), UNIT
    )
    context = make_context(accounts=[first, weibo, other, paused])
    assert account_duplicate(first, context) is None


def test_different_purposes_and_names_are_not_duplicates() -> None:
    first = make_account_view(make_account("gh_a", name="信息学院", purpose="招生"), UNIT)
    second = make_account_view(make_account("gh_b", name="信息学院就业", purpose="就业"), UNIT)
    assert account_duplicate(first, make_context(accounts=[first, second])) is None


def test_bare_name_drops_spaces_punctuation_and_filler_words() -> None:
    assert bare_name("信息学院·团委(官方)") == bare_name("信息学院团委") == "信息学院团委"
    assert bare_name("ＸＸ大学 服务号") == "XX大学"


def test_names_that_are_only_filler_words_are_not_twins() -> None:
    first = make_account_view(make_account("gh_a", name="官方"), UNIT)
    second = make_account_view(make_account("gh_b", name="官微!"), UNIT)
    assert account_duplicate(first, make_context(accounts=[first, second])) is None


def test_an_account_seen_only_posting_is_no_twin() -> None:
    first = make_account_view(make_account("gh_a", name="信息学院"), UNIT)
    posting = make_account_view(None, UNIT, name="信息学院", key=(Platform.WECHAT_MP, "信息学院"))
    context = make_context(accounts=[first, posting])
    assert account_duplicate(first, context) is None
    assert account_duplicate(posting, context) is None


def test_many_twins_are_found_in_linear_time_and_named_up_to_five() -> None:
    views = [
        make_account_view(make_account(f"gh_{i}", name=f"信息学院{i}", purpose="招生"), UNIT)
        for i in range(2_000)
    ]
    context = make_context(accounts=views)
    violation = account_duplicate(views[0], context)
    assert violation is not None
    assert violation.evidence["partner_count"] == 1_999
    assert len(violation.evidence["partners"]) == 5 and "等 1999 个" in violation.message
