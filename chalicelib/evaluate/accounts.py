"""Every known new-media account: its register row (if any), its posts (if any), its unit."""

from __future__ import annotations

from chalicelib.core.models import AccountStatus, DataError, Unit
from chalicelib.evaluate.groups import unit_named_in
from chalicelib.evaluate.rules.context import AccountView
from chalicelib.intake.loaders.accounts import AccountRegister
from chalicelib.intake.loaders.posts import PostsSeen


def build_accounts(
    register: AccountRegister, posts: PostsSeen, units: list[Unit]
) -> list[AccountView]:
    """Accounts registered or seen in posts/, sorted by platform and id. The last post date
    is the latest of the posts and the register's 最近发布日期. An account whose row names
    no unit, or that was seen only in posts/, belongs to the unit its name names, as an
    unfiled group does (DESIGN.md, "Unit of an unfiled group"), so that its unit is told."""
    by_id = {unit.unit_id: unit for unit in units}
    views = []
    for key in sorted(register.accounts.keys() | posts.latest.keys()):
        account, posted = register.accounts.get(key), posts.latest.get(key)
        listed = account.last_post_on if account is not None else None
        dates = [d for d in (posted, listed) if d is not None]
        name = account.name if account is not None else posts.names.get(key, key[1])
        if account is not None and account.unit_id:
            unit = by_id.get(account.unit_id)
        else:
            unit = unit_named_in(name, units)
        views.append(AccountView(key[0], key[1], unit, account, name, max(dates, default=None)))
    return views


def unknown_activity(accounts: list[AccountView]) -> list[DataError]:
    """A warning for each operating account without any post date: whether it is dormant
    cannot be judged, and it is never a finding (DESIGN.md, account_dormant)."""
    return [
        DataError(
            file=view.account.file,
            row=view.account.row,
            reason=f"账号“{view.name}”没有发布记录,登记表也未填写"
            "最近发布日期,无法判断是否长期未更新;请上传该账号的发布记录或填写“最近发布日期”",
            warning=True,
        )
        for view in accounts
        if view.account is not None
        and view.account.status is AccountStatus.ACTIVE
        and view.last_post_on is None
    ]
