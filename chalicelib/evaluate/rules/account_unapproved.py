from __future__ import annotations

from chalicelib.core.models import Entity, Severity
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule


@account_rule(
    "account_unapproved",
    title="新媒体未审批",
    severity=Severity.HIGH,
    clause="通知 一.2",
    remedy="以学校名义开设的新媒体账号须报党委宣传部门审批;请补办审批并在登记表中填写审批状态、日期和审批人,未获批准的请注销。",
    judged_on={Source.ACCOUNTS},
)
def account_unapproved(account: AccountView, ctx: RuleContext) -> Violation | None:
    row = account.account
    if row is None or row.entity is not Entity.SCHOOL or row.approved:
        return None
    return Violation(
        f"账号“{account.name}”以学校名义注册,登记表中的审批状态为“未审批”,"
        "以学校名义开设的新媒体账号须经审批后方可运营。",
        {"entity": row.entity.value, "approved": False},
    )
