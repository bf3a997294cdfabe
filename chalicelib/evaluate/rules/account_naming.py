from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.core.values import fold
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.naming import unit_keywords
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule


@account_rule(
    "account_naming",
    title="账号名称不规范",
    severity=Severity.LOW,
    clause="管理办法 第四条(一)",
    remedy="请修改账号名称,使其包含所属单位的核心词(如单位简称),并同步更新登记表。",
    judged_on={Source.ACCOUNTS},
)
def account_naming(account: AccountView, ctx: RuleContext) -> Violation | None:
    if account.unit is None or account.account is None:
        return None
    keywords = unit_keywords(account.unit)
    name = fold(account.name)
    if any(fold(keyword) in name for keyword in keywords):
        return None
    listed = "、".join(keywords)
    return Violation(
        f"账号名称“{account.name}”不含本单位核心词({listed}),名称须包含其中至少一个。",
        {"unit_id": account.unit.unit_id, "keywords": list(keywords)},
    )
