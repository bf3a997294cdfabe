"""The cells of a roster row that take more than a lookup: dates (memoised across the
tables of a scan, checked against the scan's day), member ids that miss the fast path,
export times, and roles, whose numeric codes mean something only for a known tool."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.core.dates import (
    DateFormatError,
    check_not_future,
    is_never,
    latest_plausible,
    parse_date,
    parse_datetime,
)
from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Role
from chalicelib.core.settings import Settings
from chalicelib.core.values import normalize_id
from chalicelib.intake.loaders.rows import SUMMARY_ROW, RowError, is_summary
from chalicelib.intake.readers import FileRejected, Table
from chalicelib.intake.vocab import ROLE_CODES, ROLE_WORDS

# A join or speaking cell that says "never" is empty (core/dates.py, `is_never`); so is a
# Unix 0 rendered in Shanghai time, 1970-01-01 08:00.
EARLIEST_DAY = "1995-01-01"  # before QQ groups existed: an epoch rendered as a date
ROLE_CHOICES = "、".join(word for word in ROLE_WORDS if word)


# A WeChat or WeCom id as tools write it (wxid_…, ZhangSan): printable ASCII starting with a
# letter, no dot. normalize_id keeps such an id as it is, and no summary word (汇总, 共 150
# 人, total, sum, grand total) can be one unless it starts with s, t or g.
_NOT_SUMMARY_START = frozenset("abcdefhijklmnopqruvwxyzABCDEFHIJKLMNOPQRUVWXYZ")


def plain_id(member: str) -> bool:
    """An ASCII id (already known ASCII and short enough) that `RosterCells.member` would
    return unchanged: the fast path for WeChat and WeCom ids."""
    return member[:1] in _NOT_SUMMARY_START and "." not in member and member.isprintable()


class RosterCells:
    """The checks of roster cells that need the scan's `today` and limits, memoised across
    the tables of a scan.

    Date cells give `YYYY-MM-DD` day keys; cells written `YYYY-MM-DD[ time]` are checked
    once per distinct day and time of day, any other form once per distinct value. Join
    and speaking days and export times may not lie after tomorrow (`latest`)."""

    MAX_MEMO = 200_000

    def __init__(self, today: date, settings: Settings) -> None:
        self.today = today
        self.latest_day = latest_plausible(today).isoformat()
        self.max_id = settings.max_id_chars
        self.max_text = settings.max_text_chars
        self.good_days: set[str] = set()
        self.good_tails: set[str] = set()
        self.memo: dict[str, str] = {}

    def member(self, value: str) -> str:
        """A member id that missed the fast path (ASCII digits), normalised; a summary word
        (汇总, 共 150 人) is not one."""
        if is_summary([value]):
            raise RowError("member_id", SUMMARY_ROW)
        try:
            return normalize_id(value, self.max_id)
        except ValueRefused as refused:
            raise RowError("member_id", str(refused)) from None

    def export_time(self, value: str) -> datetime | None:
        if not value.strip():
            return None
        try:
            moment = parse_datetime(value)
            check_not_future(moment.date(), self.today, value)
        except DateFormatError as error:
            raise RowError("exported_at", str(error)) from None
        return moment

    def day(self, value: str, field: str) -> str:
        """The day of a cell that missed the fast path; "" for empty and never (从未发言)."""
        known = self.memo.get(value)
        if known is not None:
            return known
        text = value.strip()
        if is_never(text):
            day = ""
        else:
            try:
                day = parse_date(text).isoformat()
            except DateFormatError as error:
                raise RowError(field, str(error)) from None
            if day < EARLIEST_DAY:
                day = ""
            if day > self.latest_day:
                try:
                    check_not_future(date.fromisoformat(day), self.today, text)
                except DateFormatError as error:
                    raise RowError(field, str(error)) from None
            if value[:10] == day and len(self.good_tails) < self.MAX_MEMO:
                self.good_days.add(day)
                self.good_tails.add(value[10:])
        if len(self.memo) < self.MAX_MEMO:
            self.memo[value] = day
        return day


NUMERIC_ROLES = (
    "“{column}”列是数字代码(如 {value}),而各工具的编号含义不同:qun.qq.com 0=群主、1=管理员、"
    "2=群员;mirai 2=群主、1=管理员、0=成员;酷Q 3=群主、2=管理员、1=成员;钉钉 1=群主、"
    "2=管理员、3=群员。无法确定本文件来自哪个工具,请导出文字身份(群主、管理员、成员)"
)


class Roles:
    """Role cells, each distinct value checked once: words in any table, numeric codes
    only in a table whose source gives them a meaning (one rejection of the table else,
    not one error per row)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.codes = ROLE_CODES.get(table.tool or "")
        self.known: dict[str, Role] = {}

    def of(self, value: str) -> Role:
        text = value.strip()
        role = ROLE_WORDS.get(text.casefold())
        if role is None and text.isdigit():
            if self.codes is None:
                column = self.table.column_name("role")
                raise FileRejected(NUMERIC_ROLES.format(column=column, value=text))
            role = self.codes.get(text)
        if role is None:
            raise RowError("role", f"无法识别的身份“{text}”(可用:{ROLE_CHOICES})")
        self.known[value] = role
        return role


# An owner column holds the owner's account on every row (WeCom's groupchat/get, flattened),
# or says of each row's member whether it is the owner (是/否).
OWNER_YES = {"是", "y", "yes", "true", "1", "√", "✓", "群主"}
OWNER_NO = {"否", "n", "no", "false", "0", "×", "-", ""}
