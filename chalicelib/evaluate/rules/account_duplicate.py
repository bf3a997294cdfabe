from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from chalicelib.core.models import AccountStatus, Severity
from chalicelib.core.values import nfkc
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule

# Words that do not tell two accounts apart (DESIGN.md: 官方, 官微, 服务号, 订阅号).
_FILLER = re.compile("官方|官微|服务号|订阅号")


@account_rule(
    "account_duplicate",
    title="新媒体重复建设",
    severity=Severity.LOW,
    clause="通知 一.3",
    remedy="同一单位在同一平台上用途相同或名称相同的账号请合并,保留一个,其余注销并更新登记表。",
    judged_on={Source.ACCOUNTS},
)
def account_duplicate(account: AccountView, ctx: RuleContext) -> Violation | None:
    if account.unit is None or account.status is not AccountStatus.ACTIVE:
        return None
    partners = _twins(ctx).get(account.key, [])
    if not partners:
        return None
    names = "、".join(f"“{p.name}”" for p in partners)
    return Violation(
        f"本单位在同一平台上还有运营中的账号 {names},与账号“{account.name}”用途相同或名称相同,"
        "同一单位同一平台上同一用途只应保留一个账号。",
        {
            "partners": [
                {"platform": p.platform.value, "account_id": p.account_id, "name": p.name}
                for p in partners
            ]
        },
    )


def _twins(ctx: RuleContext) -> dict[tuple[object, str], list[AccountView]]:
    """Each active account's twins: same unit and platform, same purpose or same name."""
    if "account_twins" in ctx.cache:
        return ctx.cache["account_twins"]  # type: ignore[no-any-return]
    twins: dict[tuple[object, str], list[AccountView]] = defaultdict(list)
    for accounts in ctx.accounts_by_unit.values():
        by: dict[tuple[object, ...], list[AccountView]] = defaultdict(list)
        for account in accounts:
            if account.status is not AccountStatus.ACTIVE:
                continue
            purpose = (account.account.purpose or "").strip() if account.account else ""
            if purpose:
                by[(account.platform, "purpose", purpose)].append(account)
            by[(account.platform, "name", bare_name(account.name))].append(account)
        for same in by.values():
            for account in same:
                for other in same:
                    if other is not account and other not in twins[account.key]:
                        twins[account.key].append(other)
    ctx.cache["account_twins"] = twins
    return twins


def bare_name(name: str) -> str:
    """A name as compared for duplicates: NFKC, without spaces, punctuation and the words
    官方, 官微, 服务号, 订阅号."""
    text = _FILLER.sub("", nfkc(name))
    return "".join(c for c in text if not unicodedata.category(c).startswith(("P", "Z", "S")))
