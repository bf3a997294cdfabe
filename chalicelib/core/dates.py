"""Dates as exports write them: `2024-03-05`, `2024/3/5`, `2024年3月5日`, with or without a
time, Excel serial numbers and Unix seconds. Every date a user sees is Asia/Shanghai."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991
EXCEL_EPOCH = datetime(1899, 12, 30)
LATEST = datetime(2100, 12, 31, 23, 59, 59)  # DESIGN.md: no date may be after 2100-12-31
EXCEL_SERIAL_MAX = 100_000  # 2173-10-14; larger numbers are Unix seconds
UNIX_SECONDS_MIN = 100_000_000  # 1973-03-03
WEEKLY_RUN_TIME = time(8, 0)  # the weekly run: Monday 08:00 Shanghai (app.py's schedule)

_TIME_PATTERN = r"(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?"
_DATE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?"
    rf"(?:(?:(?<=日)\s*|[T\s]+){_TIME_PATTERN})?"  # after 日 the time may follow directly
)
_TIME = re.compile(_TIME_PATTERN)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


# What exports write in a date cell for "never" or "unknown" (DESIGN.md, Real exports;
# docs/formats.md, "Activity columns and never-markers"): bots write 0 or -1, the web page
# `-`, plugins 未知 or `0000-00-00 00:00:00`. Such a cell is an empty date.
NEVER = {"", "从未发言", "未发言", "never", "0", "-1", "-", "—", "--", "无", "未知", "null", "none"}
NEVER_PREFIX = "0000-00-00"


def is_never(text: str) -> bool:
    """A date cell (stripped) that says "never" or "unknown": an empty date."""
    return text.casefold() in NEVER or text.startswith(NEVER_PREFIX) or _is_zero(text)


def _is_zero(text: str) -> bool:
    """`0.0`, `-1.0`: a Unix 0 or -1 as pandas re-saves it (a float column)."""
    return text in ("0.0", "-1.0") or (text.replace(".", "", 1).strip("0") == "" and "." in text)


class DateFormatError(ValueError):
    """The reason, in Chinese, why a cell is not a date."""


def shanghai_today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def event_time(text: str) -> datetime:
    """The `time` of an EventBridge event (`2026-11-16T00:00:00Z`), timezone-aware."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def weekly_run(today: date) -> date:
    """The Monday of the weekly run `today` belongs to (a re-run later in the week is
    the same run)."""
    return today - timedelta(days=today.weekday())


def next_weekly_run(today: date) -> date:
    """The next scheduled weekly run after `today`: the coming Monday."""
    return weekly_run(today) + timedelta(days=7)


def iso_period(day: date) -> str:
    """The ISO week a day belongs to, `2026-W47`: a weekly period's name everywhere."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_plausible(today: date) -> date:
    """The last day an export, filing, review, join or speaking date may fall on: one day
    after today (an export made tonight in another time zone is still plausible)."""
    return today + timedelta(days=1)


def check_not_future(day: date, today: date, text: str) -> date:
    """`day` when it is plausible for a date that has already happened; else the reason."""
    if day > latest_plausible(today):
        raise DateFormatError(f"日期“{text.strip()}”晚于检查日 {today.isoformat()},不可能已经发生")
    return day


MAX_DATE_CHARS = 40  # `2024年03月05日 14时05分30秒` is 22: longer cells are not dates


def parse_datetime(text: str) -> datetime:
    """A naive datetime in Shanghai local time."""
    return _parse_datetime(_bounded(text.strip()))


def _bounded(text: str) -> str:
    """The cell, if it is short enough to be a date: what is parsed is also cached."""
    if len(text) > MAX_DATE_CHARS:
        raise DateFormatError(f"日期单元格过长({len(text)} 个字符),不是日期")
    return text


# `2015年10月13日14时5分` (a QQ exporter) reads as `2015年10月13日14:5`.
_CHINESE_TIME = str.maketrans({"时": ":", "分": ":", "秒": ""})


def parse_date(text: str) -> date:
    """The calendar date (Shanghai) of a date or date-time cell."""
    text = _bounded(text.strip())
    day, space, time = text.partition(" ")
    if not space:
        day, space, time = text.partition("T")
    if space and _is_time(time):
        found = _day(day)  # cached by day: many rows share one
        if found is not None:
            return found
    return _parse_datetime(text).date()


@lru_cache(maxsize=65536)
def _is_time(text: str) -> bool:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return False
    return int(match[1]) < 24 and int(match[2]) < 60 and int(match[3] or 0) < 60


@lru_cache(maxsize=4096)
def _day(text: str) -> date | None:
    """The date of a cell written as a date without time (not a number), else None."""
    match = _DATE_TIME.fullmatch(text)
    if match is None or match[4] is not None:
        return None
    try:
        return _parse_datetime(text).date()
    except DateFormatError:
        return None


@lru_cache(maxsize=65536)
def _parse_datetime(text: str) -> datetime:
    moment = _read_datetime(text)
    if moment > LATEST:
        raise DateFormatError(f"日期“{text}”晚于 2100-12-31,不是合理的日期")
    return moment


def _read_datetime(text: str) -> datetime:
    if "时" in text:
        text = text.translate(_CHINESE_TIME).rstrip(":")
    match = _DATE_TIME.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise DateFormatError(f"日期“{text}”不存在") from None
    if _NUMBER.fullmatch(text):
        return _from_number(float(text), text)
    raise DateFormatError(
        f"无法识别的日期“{text}”(支持 2024-03-05、2024/3/5、2024年3月5日、Excel 序列号、Unix 秒)"
    )


def _from_number(value: float, text: str) -> datetime:
    if len(text) == 8 and text.isdigit() and text[:2] in ("19", "20", "21"):
        try:  # `20240305`, as HR systems and the 公众号 platform's exports write a day
            return datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise DateFormatError(f"日期“{text}”不存在") from None
    if 0 < value < EXCEL_SERIAL_MAX:
        return EXCEL_EPOCH + timedelta(days=value)
    if value >= UNIX_SECONDS_MIN:
        if value >= 100_000_000_000:  # milliseconds
            value /= 1000
        try:
            instant = datetime.fromtimestamp(value, UTC).astimezone(SHANGHAI)
        except (OverflowError, OSError, ValueError):
            raise DateFormatError(f"数字“{text}”超出了日期的范围") from None
        return instant.replace(tzinfo=None)
    raise DateFormatError(f"数字“{text}”既不是 Excel 日期序列号,也不是 Unix 秒")
