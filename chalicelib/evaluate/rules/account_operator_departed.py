from __future__ import annotations

from itertools import count

from chalicelib.core.masking import mask_id, mask_name
from chalicelib.core.models import PersonStatus, Severity
from chalicelib.core.values import nfkc
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule
from chalicelib.intake.directory import Directory


@account_rule(
    "account_operator_departed",
    title="运营者已离职离校",
    severity=Severity.HIGH,
    clause="通知 三",
    remedy="请按“谁建谁管”由本单位指定一名在职在校人员接任运营者,修改账号管理员并更新登记表。",
    judged_on={Source.ACCOUNTS, Source.DIRECTORY},
)
def account_operator_departed(account: AccountView, ctx: RuleContext) -> Violation | None:
    operator = account.account.operator if account.account is not None else None
    if not operator:
        return None
    index = _person(ctx, operator, account.unit.unit_id if account.unit else None)
    if index is None or ctx.directory.statuses[index] is not PersonStatus.DEPARTED:
        return None
    person = ctx.directory.person(index)
    name = mask_name(person.name)
    left = f"(离开日期 {person.left_on.isoformat()})" if person.left_on else "(离开日期不详)"
    return Violation(
        f"账号“{account.name}”的运营者 {name} 在人员名册中已离职离校{left},"
        "运营者应由本单位在职在校人员担任。",
        {
            "operator": name,
            "person_id": mask_id(person.person_id),
            "left_on": person.left_on,
        },
    )


def _person(ctx: RuleContext, operator: str, unit_id: str | None) -> int | None:
    """By person_id; else by a name that exactly one person of the account's unit has."""
    written = nfkc(operator)  # as the directory's ids are: `１９９７…` is `1997…`
    index = _by_id(ctx).get(written)
    if index is not None or unit_id is None:
        return index
    found = _by_name(ctx, unit_id).get(written, [])
    return found[0] if len(found) == 1 else None


def _by_id(ctx: RuleContext) -> dict[str, int]:
    if "operator_ids" not in ctx.cache:
        directory: Directory = ctx.directory
        ctx.cache["operator_ids"] = dict(zip(directory.person_ids, count(), strict=False))
    return ctx.cache["operator_ids"]  # type: ignore[no-any-return]


def _by_name(ctx: RuleContext, unit_id: str) -> dict[str, list[int]]:
    """The unit's persons by name as compared (`nfkc`), built when an account of the unit
    first asks: only the units with a registered operator pay for it."""
    by_unit: dict[str, dict[str, list[int]]] = ctx.cache.setdefault("operator_names", {})
    if unit_id not in by_unit:
        names = ctx.directory.names
        by_name: dict[str, list[int]] = {}
        for i in sorted(ctx.directory.in_unit(unit_id)):
            by_name.setdefault(nfkc(names[i]), []).append(i)
        by_unit[unit_id] = by_name
    return by_unit[unit_id]
