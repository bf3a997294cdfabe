"""The portal function: units and offices answer in the browser (DESIGN.md, Portal).

Every route takes a `Visit` (what the browser sent) and gives a `Page`; `ports(clients,
settings)` wires the AWS adapters. Who may see and do what comes only from the signed
session: a unit link's units, an office link's categories; every id in a URL or a form is
checked against it, and a finding or request outside it is "not found" (nothing says it
exists)."""

from __future__ import annotations

import contextlib
import csv
import io
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlsplit

from chalicelib.aws.actions import DynamoActionLog, DynamoRevocations
from chalicelib.aws.clients import Clients
from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.portalkeys import ssm_keyring
from chalicelib.aws.presign import S3Presigner
from chalicelib.aws.s3objects import S3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.core.dates import SHANGHAI, iso_period
from chalicelib.core.layout import RECEIPTS, REPORTS, receipt_key
from chalicelib.core.models import Platform, Unit
from chalicelib.core.settings import Settings
from chalicelib.core.values import neutralise, safe_filename
from chalicelib.intake.config import ScanAborted, load_units
from chalicelib.intake.source import BucketObjects, DataSource
from chalicelib.ledger.actions import (
    ActionKind,
    ActionLog,
    Decision,
    UnitAction,
    action_id,
    first_decision,
)
from chalicelib.ledger.store import Ledger
from chalicelib.notify.wording import PLATFORM_NAMES
from chalicelib.portal import forms
from chalicelib.portal.pages import Page, message, render, security_headers
from chalicelib.portal.receipts import UploadView, receipt_view, upload_views
from chalicelib.portal.tokens import (
    REVOKED,
    Grant,
    Keyring,
    PortalRole,
    Purpose,
    TokenRefused,
    read,
    session_of,
    sign,
)
from chalicelib.portal.uploads import (
    PORTAL_WAIVERS,
    Presigner,
    UploadForm,
    unit_folder,
    waiver_key,
)
from chalicelib.portal.views import office_page, unit_page

COOKIE = "qungov_session"
UPLOAD_SECONDS = 3600  # an upload form stays valid this long
READ_ONLY = "群机器人通知中的链接只能查看。反馈整改、申请豁免或异议,请使用单位联系人收到的提醒邮件中的链接。"
DOWNLOAD_SECONDS = 300  # a rollup's download link
UPLOAD_WEEKS = 8


@dataclass(frozen=True)
class PortalPorts:
    source: DataSource  # config/units.*, the units' upload folders
    objects: BucketObjects  # receipts, rollups, the waivers it writes
    ledger: Ledger  # read only
    actions: ActionLog
    keyring: Callable[[], Keyring]
    revoked_since: Callable[[str], datetime | None]  # recipient -> links before it are void
    presigner: Presigner


def ports(clients: Clients, settings: Settings) -> PortalPorts:
    return PortalPorts(
        source=S3Source(clients.s3, settings.data_bucket),
        objects=S3Objects(clients.s3, settings.data_bucket),
        ledger=DynamoLedger(clients.dynamodb, settings.ledger_table),
        actions=DynamoActionLog(clients.dynamodb, settings.ledger_table),
        keyring=lambda: ssm_keyring(clients.ssm, settings.portal_key_parameter),
        revoked_since=DynamoRevocations(clients.dynamodb, settings.ledger_table).revoked_since,
        presigner=S3Presigner(clients.s3, settings.data_bucket),
    )


@dataclass(frozen=True)
class Visit:
    """What the browser sent, as the handler read it."""

    query: Mapping[str, str]
    cookies: Mapping[str, str]
    body: bytes
    now: datetime
    base_url: str  # the portal's own URL, ending in `/`: where forms and redirects point

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()


@dataclass
class Portal:
    ports: PortalPorts
    settings: Settings
    _units: dict[str, Unit] | None = field(default=None, repr=False)

    # -- entry: the link from an email -------------------------------------------------

    def open_link(self, visit: Visit) -> Page:
        """Trade the link's token for a session cookie, then move to a URL without it."""
        try:
            grant = self._checked(read(visit.query.get("t", ""), Purpose.LINK, self._keys()))
        except TokenRefused as refused:
            return message(403, "链接无法使用", str(refused))
        session = session_of(grant, visit.now)
        page = message(200, "正在进入工作台", "正在进入……", refresh_to=_home(grant))
        page.cookies.append(_cookie(sign(session, Purpose.SESSION, self._keys()), session, visit))
        return page

    # -- unit pages ---------------------------------------------------------------------

    def unit(self, visit: Visit, notice: str = "", error: str = "", status: int = 200) -> Page:
        grant, refused = self._session(visit, PortalRole.UNIT)
        if grant is None:
            return refused
        notice = notice or DONE_NOTICES.get(visit.query.get("done", ""), "")
        unit_id = visit.query.get("u") or (grant.scope[0] if grant.scope else "")
        if not grant.covers_unit(unit_id):
            return message(404, "找不到该单位", "您的链接不包含该单位。")
        units = self._unit_index()
        page = unit_page(
            grant, unit_id, units, self.ports.ledger.entries(), self.ports.actions.actions(),
            visit.today, visit.today + timedelta(days=self.settings.waiver_max_days),
        )  # fmt: skip
        platform = _platform(visit.query.get("platform", "qq"))
        upload = None if grant.read_only else self._upload_form(visit, unit_id, platform)
        body = render(
            "unit.html.j2",
            f"单位工作台 · {page.unit.name}",
            page=page,
            csrf=grant.csrf,
            notice=notice,
            error=error,
            platforms=[(p.value, UPLOAD_NAMES[p]) for p in Platform],
            upload=upload,
            uploads=[] if grant.read_only else self._uploads(unit_id, visit.today),
            signed_in=True,
            session_end=_local(grant.expires),
            read_only=grant.read_only,
        )
        return Page(status, body, security_headers(_origin(upload.url if upload else "")))

    def act(self, visit: Visit) -> Page:
        """已整改, 申请豁免 or 有异议 on one finding of the unit."""
        grant, refused = self._session(visit, PortalRole.UNIT)
        if grant is None:
            return refused
        if grant.read_only:
            return message(403, "此链接只能查看", READ_ONLY)
        try:
            form = self._form(visit, grant)
        except forms.FormRefused as refused_form:
            return self.unit(visit, error=str(refused_form), status=400)
        back = _with_query(visit, u=form.get("u", ""))
        try:
            key = (forms.platform(form.get("platform", "")), form.get("group_id", ""),
                   form.get("rule", ""))  # fmt: skip
            entry = self.ports.ledger.entries().get(key)
            if entry is None or not entry.active or not grant.covers_unit(entry.unit_id):
                return message(404, "找不到该问题", "该问题不存在、已解决,或不属于您的单位。")
            kind = forms.kind(form.get("kind", ""))
            reason = forms.text(form.get("reason", ""), "理由", forms.MAX_REASON_CHARS,
                                required=kind is not ActionKind.FIXED)  # fmt: skip
            until = (
                forms.until(form.get("until", ""), visit.today, self.settings.waiver_max_days)
                if kind is ActionKind.WAIVER
                else None
            )
        except forms.FormRefused as refused_form:
            return self.unit(back, error=str(refused_form), status=400)
        unit_id = entry.unit_id or ""
        period = iso_period(visit.today)
        action = UnitAction(
            **entry.ref(),
            action_id=action_id(entry, kind, grant.recipient, period, reason, until),
            category=entry.category,
            title=entry.title,
            kind=kind,
            by=grant.recipient,
            at=visit.now,
            period=period,
            reason=reason,
            until=until,
            decision=first_decision(kind),
        )
        asked = _asked_already(action, self.ports.actions.actions())
        done = "recorded" if not asked and self.ports.actions.record(action) else "duplicate"
        return Page.redirect(f"{visit.base_url}unit?u={quote(unit_id)}&done={done}")

    def receipt(self, visit: Visit) -> Page:
        """One upload's receipt; while it is being checked, the page reloads itself."""
        grant, refused = self._session(visit, PortalRole.UNIT)
        if grant is None:
            return refused
        if grant.read_only:
            return message(403, "此链接只能查看", READ_ONLY)
        unit_id, key = visit.query.get("u", ""), visit.query.get("key", "")
        if not grant.covers_unit(unit_id) or not _in_unit_folders(key, unit_id):
            return message(404, "找不到该文件", "该文件不在您单位的上传文件夹中。")
        view = receipt_view(key, self._receipt_bytes(key))
        refresh = f"{visit.base_url}receipt?u={quote(unit_id)}&key={quote(key)}"
        body = render(
            "receipt.html.j2",
            "上传回执",
            receipt=view,
            unit_id=unit_id,
            refresh=refresh if view.waiting else "",
            refresh_seconds=3,
            signed_in=True,
            session_end=_local(grant.expires),
        )
        return Page(200, body)

    # -- office pages -------------------------------------------------------------------

    def office(self, visit: Visit, notice: str = "", error: str = "", status: int = 200) -> Page:
        grant, refused = self._session(visit, PortalRole.OFFICE)
        if grant is None:
            return refused
        notice = notice or DONE_NOTICES.get(visit.query.get("done", ""), "")
        self._mend_waivers(grant)
        page = office_page(
            grant,
            self._unit_index(),
            self.ports.ledger.entries(),
            self.ports.actions.actions(),
            visit.today,
            self._rollup_key(grant).rsplit("/", 1)[-1],
        )
        body = render(
            "office.html.j2",
            f"部门工作台 · {grant.office}",
            page=page,
            csrf=grant.csrf,
            notice=notice,
            error=error,
            signed_in=True,
            session_end=_local(grant.expires),
        )
        return Page(status, body)

    def decide(self, visit: Visit) -> Page:
        """Approve or decline a waiver request, answer a dispute; an approval writes the
        waiver the next weekly run honours (waivers/portal/<action>.csv)."""
        grant, refused = self._session(visit, PortalRole.OFFICE)
        if grant is None:
            return refused
        try:
            form = self._form(visit, grant)
            wanted = {a.action_id: a for a in self.ports.actions.actions()}.get(
                form.get("action_id", "")
            )
            if wanted is None or not grant.covers_category(wanted.category):
                return message(404, "找不到该申请", "该申请不存在,或不属于本部门处理。")
            decision = _decision(form.get("decision", ""), wanted)
            note = forms.text(form.get("note", ""), "意见", forms.MAX_NOTE_CHARS,
                              required=decision is Decision.DECLINED)  # fmt: skip
        except forms.FormRefused as refused_form:
            return self.office(visit, error=str(refused_form), status=400)
        decided = self.ports.actions.decide(wanted.action_id, decision, grant.office, note,
                                            visit.now)  # fmt: skip
        done = "decided" if decided is not None else "already"
        if decided is not None and decided.decision is Decision.APPROVED:
            self._write_waiver(decided)  # a failure here is mended when the page is reloaded
        return Page.redirect(f"{visit.base_url}office?done={done}")

    def rollup(self, visit: Visit) -> Page:
        """This week's rollup workbook of the office, by a download link valid 5 minutes."""
        grant, refused = self._session(visit, PortalRole.OFFICE)
        if grant is None:
            return refused
        key = self._rollup_key(grant)
        if not key:
            return message(404, "还没有周汇总", "本部门还没有周汇总。")
        return Page.redirect(self.ports.presigner.download_link(key, DOWNLOAD_SECONDS), 303)

    # -- the session ----------------------------------------------------------------------

    def _session(self, visit: Visit, role: PortalRole) -> tuple[Grant | None, Page]:
        token = visit.cookies.get(COOKIE, "")
        if not token:
            if visit.query.get("again") != "1":
                # Back from the bucket's redirect (another site), the browser keeps a
                # SameSite=Strict cookie back; a navigation from this site sends it.
                query = "&".join(f"{quote(k)}={quote(v)}" for k, v in visit.query.items())
                again = f"?{query}&again=1" if query else "?again=1"
                return None, message(200, "正在进入", "正在进入……", refresh_to=again)
            return None, message(401, "请从邮件中的链接进入",
                                 "您尚未登录或会话已结束。请打开最近一封邮件中的工作台链接。")  # fmt: skip
        try:
            grant = self._checked(read(token, Purpose.SESSION, self._keys()))
        except TokenRefused as refused:
            return None, message(
                401, "会话已失效", str(refused), "请打开最近一封邮件中的工作台链接。"
            )
        if grant.role is not role:
            return None, message(403, "无权访问", "您的链接不能打开这个工作台。")
        return grant, Page(200, "")

    def _checked(self, grant: Grant) -> Grant:
        since = self.ports.revoked_since(grant.recipient)
        if since is not None and grant.issued <= since:
            raise TokenRefused(REVOKED)
        return grant

    def _form(self, visit: Visit, grant: Grant) -> dict[str, str]:
        form = forms.fields(visit.body)
        if not grant.csrf or not secrets.compare_digest(form.get("csrf", ""), grant.csrf):
            raise forms.FormRefused("页面已过期,请刷新后重新提交。")
        return form

    def _keys(self) -> Keyring:
        return self.ports.keyring()

    def _unit_index(self) -> dict[str, Unit]:
        if self._units is None:
            try:
                index = load_units(self.ports.source, self.settings, [])
                self._units = {u.unit_id: u for u in index.units}
            except ScanAborted:
                self._units = {}
        return self._units

    # -- uploads, receipts, rollups ----------------------------------------------------------

    def _upload_form(self, visit: Visit, unit_id: str, platform: Platform) -> UploadForm:
        folder = unit_folder(platform, unit_id)
        back = f"{visit.base_url}receipt?u={quote(unit_id)}"
        return self.ports.presigner.upload_form(
            folder, self.settings.max_file_bytes, back, UPLOAD_SECONDS, platform
        )

    def _uploads(self, unit_id: str, today: date) -> list[UploadView]:
        since = datetime.combine(today - timedelta(weeks=UPLOAD_WEEKS), datetime.min.time())
        files, receipts = [], set()
        for platform in Platform:
            folder = unit_folder(platform, unit_id)
            files += [f for f in self.ports.source.list(folder) if f.modified >= since]
            receipts.update(self.ports.objects.keys(RECEIPTS + folder))
        return upload_views(files, receipts)

    def _receipt_bytes(self, key: str) -> bytes | None:
        try:
            return self.ports.objects.get(receipt_key(key))
        except (KeyError, FileNotFoundError, *AWS_ERRORS):
            return None

    def _rollup_key(self, grant: Grant) -> str:
        """The office's latest weekly workbook (reports/<year>/W<week>/…_<period>_<office>.xlsx)."""
        name = f"{safe_filename(grant.office)}.xlsx"
        keys = self.ports.objects.keys(REPORTS)
        return max((k for k in keys if _weekly_workbook_of(k) == name), default="")

    def _mend_waivers(self, grant: Grant) -> None:
        """An approval whose waiver file was not written (the write failed after the
        decision was stored) gets it now: the office's approval always reaches the run."""
        written = set(self.ports.objects.keys(PORTAL_WAIVERS))
        for action in self.ports.actions.actions():
            if (action.decision is Decision.APPROVED and action.decided_by == grant.office
                    and waiver_key(action) not in written):  # fmt: skip
                self._write_waiver(action)

    def _write_waiver(self, action: UnitAction) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["platform", "group_id", "rule", "reason", "approved_by", "expires_on"])
        # one line, and inert if a spreadsheet opens it (a reason starting with `=` …)
        reason = neutralise(" ".join(action.reason.split()))
        writer.writerow([action.platform.value, action.group_id, action.rule, reason,
                         action.decided_by, str(action.until)])  # fmt: skip
        self.ports.objects.put(
            waiver_key(action),
            ("\ufeff" + out.getvalue()).encode("utf-8"),
            "text/csv; charset=utf-8",
        )


def _asked_already(action: UnitAction, actions: list[UnitAction]) -> bool:
    """A request that still waits for the office is not asked again: a waiver while any
    waiver request of the finding waits (the page offers none), a dispute while the same
    one waits (the same form posted again after the week turned, when its id differs)."""
    waiting = [a for a in actions if a.pending and a.kind is action.kind and a.key == action.key]
    if action.kind is ActionKind.WAIVER:
        return bool(waiting)
    return any(a.reason == action.reason and a.by == action.by for a in waiting)


def _decision(value: str, action: UnitAction) -> Decision:
    allowed = (
        (Decision.APPROVED, Decision.DECLINED)
        if action.kind is ActionKind.WAIVER
        else (Decision.ANSWERED,)
    )
    chosen = next((d for d in allowed if d.value == value), None)
    if chosen is None:
        raise forms.FormRefused("未知的处理结果。")
    return chosen


def visit_of(query: Mapping[str, str] | None, headers: Mapping[str, str], body: bytes | str,
             base_url: str) -> Visit:  # fmt: skip
    """What a request to the portal carries (cookies from the `Cookie` header)."""
    cookies = SimpleCookie()
    with contextlib.suppress(CookieError):  # an unreadable Cookie header: no session
        cookies.load(headers.get("cookie", ""))
    return Visit(
        query=dict(query or {}),
        cookies={name: morsel.value for name, morsel in cookies.items()},
        body=body.encode() if isinstance(body, str) else body,
        now=datetime.now(UTC),
        base_url=base_url,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _platform(value: str) -> Platform:
    try:
        return Platform(value)
    except ValueError:
        return Platform.QQ


# What a unit uploads for each platform: a group's member list, an account's posts.
UPLOAD_NAMES = {
    p: f"{PLATFORM_NAMES[p]}发布记录" if p.is_account else f"{PLATFORM_NAMES[p]}成员名单"
    for p in Platform
}


def _weekly_workbook_of(key: str) -> str:
    """`reports/2026/W47/群组合规汇总_2026-W47_学生处.xlsx` -> `学生处.xlsx`: the office's part
    of a weekly workbook's name, read after the week its folder names (so that the office
    `学生处` is never taken for the end of `宣传部_学生处`); "" for any other key."""
    parts = key.removeprefix(REPORTS).split("/")
    if len(parts) != 3 or not parts[1].startswith("W"):
        return ""
    year, week, name = parts
    _, sep, office = name.partition(f"_{year}-{week}_")
    return office if sep else ""


def _in_unit_folders(key: str, unit_id: str) -> bool:
    inside = any(key.startswith(unit_folder(p, unit_id)) for p in Platform)
    return inside and "/../" not in f"/{key}/" and "/./" not in f"/{key}/"


def _home(grant: Grant) -> str:
    return "unit" if grant.role is PortalRole.UNIT else "office"


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _cookie(token: str, session: Grant, visit: Visit) -> str:
    seconds = max(0, int((session.expires - visit.now).total_seconds()))
    return f"{COOKIE}={token}; Max-Age={seconds}; Path=/; HttpOnly; Secure; SameSite=Strict"


def _with_query(visit: Visit, **values: str) -> Visit:
    return Visit({**visit.query, **values}, visit.cookies, b"", visit.now, visit.base_url)


DONE_NOTICES = {
    "recorded": "已提交。",
    "duplicate": "同样的内容已提交过,未重复记录。",
    "decided": "已处理。",
    "already": "该申请已处理过,未重复记录。",
}
