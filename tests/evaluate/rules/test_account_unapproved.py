from __future__ import annotations

from chalicelib.core.models import Entity
from chalicelib.evaluate.rules.account_unapproved import account_unapproved
from tests.factories import make_account, make_account_view, make_context


def test_flags_a_school_account_without_approval() -> None:
    view = make_account_view(make_account(name="某某学院", entity=Entity.SCHOOL))
    violation = account_unapproved(view, make_context())
    assert violation is not None
    assert violation.message == (
        "账号“某某学院”以学校名义注册,登记表中的审批状态为“未审批”,"
        "以学校名义开设的新媒体账号须经审批后方可运营。"
    )
    assert violation.evidence == {"entity": "school", "approved": False}


def test_passes_an_approved_school_account() -> None:
    view = make_account_view(make_account(entity=Entity.SCHOOL, approved=True))
    assert account_unapproved(view, make_context()) is None


def test_passes_a_unit_account_and_one_whose_entity_is_not_given() -> None:
    for entity in (Entity.UNIT, None):
        view = make_account_view(make_account(entity=entity))
        assert account_unapproved(view, make_context()) is None


def test_passes_an_account_seen_only_in_posts() -> None:
    assert account_unapproved(make_account_view(), make_context()) is None
