"""A digest in words: the Chinese subject, an HTML body for mail clients and a plain-text
body. Every value from the data reaches the HTML through Jinja2's autoescape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chalicelib.core.models import SEED_REGULATIONS, DataError, Office, Unit
from chalicelib.notify.digests.members import IN_BODY, MemberView, member_total, member_views
from chalicelib.notify.digests.models import ComingDue, Digest, DigestItem
from chalicelib.notify.mail.templating import RenderedEmail, email_templates
from chalicelib.notify.wording import (
    DEFAULT_OFFICE,
    PLATFORM_NAMES,
    SEVERITY_NAMES,
    chinese_day,
    kinds_named,
    objects_named,
    week_span,
)

TEMPLATES = Path(__file__).parent / "templates"


UNNAMED_GROUP = "(未知群名)"
PROBLEMS_SHOWN = 30  # data problems listed in one email

_ENV = email_templates(TEMPLATES)


RenderedDigest = RenderedEmail


@dataclass(frozen=True, slots=True)
class ItemView:
    group: str
    is_account: bool
    platform: str
    group_id: str
    title: str
    severity: str
    message: str
    citation: str
    remedy: str
    weeks_open: int
    fix_by: str  # `11月22日`, "" for a fixed item
    warning: str  # what the next run does if it is not fixed, "" when nothing changes
    members: Sequence[MemberView]  # the first IN_BODY members concerned
    members_note: str  # how many there are, and where the rest are listed


@dataclass(frozen=True, slots=True)
class DueView:
    group: str
    platform: str
    group_id: str
    due_on: str
    what: str


@dataclass(frozen=True, slots=True)
class ProblemView:
    file: str
    place: str  # `第 603 行“状态”列`, or `整个文件`
    reason: str
    action: str


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    kind: str  # new | open | fixed | due | data
    items: Sequence[ItemView | DueView | ProblemView]
    note: str = ""  # under the heading


def render_digest(
    digest: Digest, units: Mapping[str, Unit], office: Office | None = None
) -> RenderedDigest:
    """`office`: the supervising office, named in the footer (党委工作部 when unknown)."""
    citations = Citations(dict(digest.regulations) or SEED_REGULATIONS)
    views = {
        name: [_item_view(item, citations, units) for item in items]
        for name, items in (
            ("new", digest.new),
            ("open", digest.still_open),
            ("fixed", digest.fixed),
        )
    }
    headings = (("new", "本周新发现"), ("open", "仍未整改"), ("fixed", "上周以来已整改"))
    sections = [
        *(Section(heading, kind, _groups(views[kind])) for kind, heading in headings),
        Section("即将到期", "due", [_due_view(due) for due in digest.coming_due]),
        *(Section(f"新媒体账号 · {h}", kind, _accounts(views[kind])) for kind, h in headings),
        _data_section(digest.data_problems),
    ]
    items = digest.new + digest.still_open + digest.fixed
    context = {
        "subject": subject_of(digest),
        "period": week_span(digest.period),
        "today": digest.today.isoformat(),
        "unit_names": _unit_names(digest, units),
        "objects": kinds_named(item.platform for item in items),
        "only_data": not (digest.new or digest.still_open or digest.fixed or digest.coming_due),
        "sections": [section for section in sections if section.items],
        "copies": copy_notes(digest.cc, units),
        "office": office.contact_line if office is not None else DEFAULT_OFFICE,
        "answers": digest.answers,
        "portal_link": digest.portal_link,
    }
    return RenderedDigest(
        subject=context["subject"],
        html=_ENV.get_template("digest.html.j2").render(context),
        text=_ENV.get_template("digest.txt.j2").render(context),
    )


def subject_of(digest: Digest) -> str:
    """Counts only: no value from the data reaches the subject line."""
    head = f"【群组合规提醒】{week_span(digest.period)}"
    pending = digest.new + digest.still_open
    if pending:
        objects = objects_named(item.group_key for item in pending)
        return f"{head} 您负责的 {objects}有 {len(pending)} 项待整改"
    if digest.coming_due:
        objects = objects_named((due.platform, due.group_id) for due in digest.coming_due)
        return f"{head} 您负责的 {objects}有 {len(digest.coming_due)} 项即将到期"
    if digest.fixed:
        objects = kinds_named(item.platform for item in digest.fixed)
        return f"{head} 您负责的{objects}上周以来已整改 {len(digest.fixed)} 项"
    return f"{head} 您单位上传的文件有 {len(digest.data_problems)} 处数据问题"


def copy_notes(cc: Sequence[str], units: Mapping[str, Unit]) -> list[str]:
    """Who was copied and why, e.g. "本提醒已抄送单位第一责任人:信息工程学院 王五"."""
    wanted = {address.lower() for address in cc}
    heads: list[str] = []
    parties: list[str] = []
    for unit in sorted(units.values(), key=lambda u: u.unit_id):
        if unit.head_email and unit.head_email.strip().lower() in wanted:
            heads.append(f"{unit.name} {unit.head_name}" if unit.head_name else unit.name)
        if unit.party_org_email and unit.party_org_email.strip().lower() in wanted:
            parties.append(unit.party_org or f"{unit.name}党组织")
    notes = []
    if heads:
        notes.append(f"本提醒已抄送单位第一责任人:{'、'.join(heads)}")
    if parties:
        notes.append(f"本提醒已抄送党组织:{'、'.join(parties)}")
    if cc and not notes:
        notes.append(f"本提醒已抄送:{'、'.join(cc)}")
    return notes


class Citations:
    """`管理办法 第五条(四)` -> the document's full title on first use, its short name after
    (the titles: config/policy.csv's, else the seeds')."""

    def __init__(self, regulations: Mapping[str, str]) -> None:
        self.regulations = regulations
        self._named: set[str] = set()

    def __call__(self, clause: str) -> str:
        return ";".join(self._one(part.strip()) for part in clause.split(";") if part.strip())

    def _one(self, part: str) -> str:
        short, _, article = part.partition(" ")
        title = self.regulations.get(short)
        if title is None:
            return part
        if short in self._named:
            return f"《{short}》{article}"
        self._named.add(short)
        return f"《{title}》(以下简称《{short}》){article}"


def _item_view(item: DigestItem, cite: Citations, units: Mapping[str, Unit]) -> ItemView:
    members = member_views(item, units) if item.fix_by is not None else []
    return ItemView(
        group=item.group_name or UNNAMED_GROUP,
        is_account=item.platform.is_account,
        platform=PLATFORM_NAMES[item.platform],
        group_id=item.group_id,
        title=item.title,
        severity=SEVERITY_NAMES[item.severity],
        message=item.message,
        citation=cite(item.clause),
        remedy=item.remedy,
        weeks_open=item.weeks_open,
        fix_by=chinese_day(item.fix_by) if item.fix_by is not None else "",
        warning=_warning(item),
        members=members[:IN_BODY],
        members_note=_members_note(len(members), member_total(item)),
    )


def _groups(views: list[ItemView]) -> list[ItemView]:
    return [view for view in views if not view.is_account]


def _accounts(views: list[ItemView]) -> list[ItemView]:
    """A digest lists accounts under their own headings (DESIGN.md, New-media accounts)."""
    return [view for view in views if view.is_account]


def _members_note(listed: int, total: int) -> str:
    if listed == 0:
        return ""
    if listed <= IN_BODY and listed == total:
        return f"涉及成员 {total} 人:"
    shown = f"以下列出前 {min(listed, IN_BODY)} 人"
    rest = ",完整名单见附件《群成员名单》" if listed > IN_BODY else ""
    unlisted = f"(名单最多列出 {listed} 人)" if total > listed else ""
    return f"涉及成员 {total} 人{unlisted},{shown}{rest}:"


def _warning(item: DigestItem) -> str:
    """`若 11月22日 前仍未整改,将抄送单位第一责任人(信息工程学院 王五)。`"""
    escalation = item.next_escalation
    if escalation is None or item.fix_by is None:
        return ""
    if not escalation.to:
        what = "下周将列为超期问题"
    elif escalation.level >= 2:
        what = f"下周提醒将抄送{escalation.to},并列为超期问题"
    else:
        what = f"下周提醒将抄送{escalation.to}"
    return f"若 {chinese_day(item.fix_by)} 前仍未整改,{what}。"


def _due_view(due: ComingDue) -> DueView:
    return DueView(
        group=due.group_name or UNNAMED_GROUP,
        platform=PLATFORM_NAMES[due.platform],
        group_id=due.group_id,
        due_on=due.due_on.isoformat(),
        what=due.what,
    )


def _data_section(problems: Sequence[DataError]) -> Section:
    """The unit's rejected files and skipped rows: the first PROBLEMS_SHOWN of them."""
    views = [problem_view(problem) for problem in problems[:PROBLEMS_SHOWN]]
    rest = len(problems) - len(views)
    note = "以下文件或数据行本周未能读取,请按说明更正后重新上传;其余数据已照常检查。"
    if rest > 0:
        note += f"另有 {rest} 处未列出:请按同样的原因核对整个文件,更正后重新上传。"
    return Section("数据问题", "data", views, note)


def problem_view(problem: DataError) -> ProblemView:
    if problem.row is None:
        place, action = "整个文件", "请按原因修正或重新导出后,重新上传该文件"
    else:
        column = f"“{problem.column}”列" if problem.column else ""
        place, action = f"第 {problem.row} 行{column}", "请在原表中更正该行后重新上传该文件"
    return ProblemView(file=problem.file, place=place, reason=problem.reason, action=action)


def _unit_names(digest: Digest, units: Mapping[str, Unit]) -> list[str]:
    ids = {item.unit_id for item in digest.new + digest.still_open + digest.fixed}
    return sorted(units[uid].name for uid in ids if uid is not None and uid in units)
