"""The week's notice to a unit's group robot: one short markdown message per unit with
open findings — counts by severity, the groups concerned, the deadline and the unit's
portal link. Never a member's name or id, nor a group's: the whole group reads it.

Each notice is sent once per unit, ISO week, kind and channel, through the send log like
a digest: its recipient is `robot:<unit id>` (chalicelib/notify/sending.py)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from chalicelib.core.models import Unit
from chalicelib.ledger.models import LedgerEntry
from chalicelib.notify.digests.build import fix_by
from chalicelib.notify.robots.message import RobotNotice
from chalicelib.notify.wording import SEVERITY_NAMES, chinese_day, objects_named, week_span

TITLE = "群组合规提醒"
# Characters that would make a unit's name a link, a heading or emphasis in markdown.
_MARKUP = re.compile(r"[\\`*_#>\[\]()<!|~]")
# WeCom takes at most 4096 bytes of markdown (DingTalk more): a unit's name, one cell of
# units.csv, is shortened so that the notice always fits.
MAX_NAME_CHARS = 60


def robot_notices(
    entries: Iterable[LedgerEntry],
    units: Sequence[Unit],
    today: date,
    period: str,
    link: Callable[[str], str] | None = None,
) -> list[RobotNotice]:
    """A notice for each unit that has a robot and active findings, in units.csv order.
    `link`: the unit's portal link by unit id ("" without a portal)."""
    active: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        if entry.active and entry.unit_id is not None:
            active[entry.unit_id].append(entry)
    return [
        RobotNotice(
            unit_id=unit.unit_id,
            robot=unit.robot,
            title=TITLE,
            markdown=notice_markdown(
                unit, active[unit.unit_id], today, period, link(unit.unit_id) if link else ""
            ),
        )
        for unit in units
        if unit.robot is not None and active.get(unit.unit_id)
    ]


def notice_markdown(
    unit: Unit, entries: Sequence[LedgerEntry], today: date, period: str, link: str
) -> str:
    """Markdown both providers render: a heading, bold, a quote and a link."""
    severities = Counter(entry.severity for entry in entries)
    counts = " · ".join(
        f"{word} {severities[severity]} 项"
        for severity, word in SEVERITY_NAMES.items()
        if severities[severity]
    )
    objects = objects_named(entry.group_key for entry in entries)
    lines = [
        f"### {TITLE}({week_span(period)})",
        f"**{_shown_name(unit.name)}** 有 **{len(entries)}** 项群组问题待整改,涉及 {objects}。",
        f"> 严重程度:{counts}",
        f"请于 **{chinese_day(fix_by(today))}** 前完成整改。",
    ]
    if link:
        lines.append(f"[打开单位工作台,查看明细并反馈]({link})")
    lines.append("明细见发给单位联系人的提醒邮件;本通知不列出群名和成员。")
    return "\n\n".join(lines)


def _shown_name(name: str) -> str:
    plain = _MARKUP.sub("", name)
    return plain if len(plain) <= MAX_NAME_CHARS else f"{plain[: MAX_NAME_CHARS - 1]}…"
