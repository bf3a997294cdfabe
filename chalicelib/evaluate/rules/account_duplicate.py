from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from chalicelib.core.models import AccountStatus, GroupKey, Severity
from chalicelib.core.values import nfkc
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule

# Words that do not tell two accounts apart (DESIGN.md: 官方, 官微, 服务号, 订阅号).
_FILLER = re.compile("官方|官微|服务号|订阅号")
NAMED = 5  # twins named in a message


@account_rule(
    "account_duplicate",
    title="新媒体重复建设",
    severity=Severity.LOW,
    clause="通知 一.3",
    remedy="同一单位在同一平台上用途相同或名称相同的账号请合并,保留一个,其余注销并更新登记表。",
    judged_on={Source.ACCOUNTS},
)
def account_duplicate(account: AccountView, ctx: RuleContext) -> Violation | None:
    """Registered, operating accounts only: one seen only posting is judged as unfiled."""
    if account.unit is None or account.account is None:
        return None
    partners = _twins(ctx).get(account.key, [])
    if not partners:
        return None
    shown = "、".join(f"“{p.name}”" for p in partners[:NAMED])
    more = f" 等 {len(partners)} 个" if len(partners) > NAMED else ""
    return Violation(
        f"本单位在同一平台上还有运营中的账号 {shown}{more},与账号“{account.name}”用途相同或名称相同,"
        "同一单位同一平台上同一用途只应保留一个账号。",
        {
            "partners": [
                {"platform": p.platform.value, "account_id": p.account_id, "name": p.name}
                for p in partners[:NAMED]
            ],
            "partner_count": len(partners),
        },
    )


def _twins(ctx: RuleContext) -> dict[GroupKey, list[AccountView]]:
    """Each registered operating account's twins: same unit and platform, and the same
    purpose or the same bare name; each twin once, in the order listed."""
    cached: dict[GroupKey, list[AccountView]] | None = ctx.cache.get("account_twins")
    if cached is not None:
        return cached
    twins: dict[GroupKey, dict[GroupKey, AccountView]] = defaultdict(dict)
    for accounts in ctx.accounts_by_unit.values():
        alike: dict[tuple[str, ...], list[AccountView]] = defaultdict(list)
        for view in accounts:
            row = view.account
            if row is None or view.status is not AccountStatus.ACTIVE:
                continue
            purpose, name = (row.purpose or "").strip(), bare_name(view.name)
            if purpose:
                alike[(view.platform.value, "purpose", purpose)].append(view)
            if name:
                alike[(view.platform.value, "name", name)].append(view)
        for same in alike.values():
            if len(same) < 2:
                continue
            for view in same:
                twins[view.key].update((o.key, o) for o in same if o.key != view.key)
    found = {key: list(others.values()) for key, others in twins.items()}
    ctx.cache["account_twins"] = found
    return found


def bare_name(name: str) -> str:
    """A name as compared for duplicates: NFKC, without spaces, punctuation and the words
    官方, 官微, 服务号, 订阅号."""
    text = _FILLER.sub("", nfkc(name))
    return "".join(c for c in text if not unicodedata.category(c).startswith(("P", "Z", "S")))
