"""Dates as exports write them, read as Asia/Shanghai calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.core.dates import DateFormatError, parse_date, parse_datetime, shanghai_today


def unix(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> str:
    """Unix seconds of a UTC wall-clock time."""
    return str(int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()))


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024/03/05",
        "2024.3.5",
        "2024年3月5日",
        "2024年03月05日",
        " 2024-03-05 ",
        "2024 年 3 月 5 日",
        "2024-03-05 10:30",
        "2024-03-05 10:30:15",
        "2024-03-05T10:30:15",
        "2024-03-05 10:30:15.123",
        "2024/3/5 9:05",
        "2024年3月5日 10:30",
        "2024-03-05 23：59",
        "45356",
        "45356.0",
        "45356.99",
    ],
)
def test_reads_every_documented_date_form(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5)),
        ("2024/3/5 9:05", datetime(2024, 3, 5, 9, 5)),
        ("2024年3月5日 10:30:15", datetime(2024, 3, 5, 10, 30, 15)),
        ("2024-03-05T23:59:59", datetime(2024, 3, 5, 23, 59, 59)),
        ("45356", datetime(2024, 3, 5)),
        ("45356.75", datetime(2024, 3, 5, 18, 0)),
        ("1", datetime(1899, 12, 31)),
    ],
)
def test_reads_date_times_as_naive_shanghai_times(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_unix_seconds_are_shanghai_local_time() -> None:
    # 2024-03-04 16:00 UTC is 2024-03-05 00:00 in Shanghai
    assert unix(2024, 3, 4, 16) == "1709568000"
    assert parse_datetime("1709568000") == datetime(2024, 3, 5, 0, 0)


@pytest.mark.parametrize(
    ("utc", "shanghai_date"),
    [
        ((2024, 3, 4, 15, 59, 59), date(2024, 3, 4)),  # 23:59:59 in Shanghai
        ((2024, 3, 4, 16, 0, 0), date(2024, 3, 5)),  # midnight in Shanghai
        ((2024, 3, 4, 17, 0, 0), date(2024, 3, 5)),  # still 4 March in UTC
        ((2024, 3, 5, 15, 59, 59), date(2024, 3, 5)),
        ((2024, 12, 31, 16, 0, 0), date(2025, 1, 1)),  # new year in Shanghai first
    ],
)
def test_unix_seconds_take_the_shanghai_calendar_date(
    utc: tuple[int, ...], shanghai_date: date
) -> None:
    assert parse_date(unix(*utc)) == shanghai_date


def test_unix_milliseconds_and_fractional_seconds_are_accepted() -> None:
    assert parse_datetime("1709571600000") == datetime(2024, 3, 5, 1, 0)
    assert parse_date("1709571600000") == date(2024, 3, 5)
    assert parse_datetime("1709571600.5") == datetime(2024, 3, 5, 1, 0, 0, 500000)


def test_shanghai_today_converts_an_aware_instant() -> None:
    assert shanghai_today(datetime(2024, 3, 4, 17, 0, tzinfo=UTC)) == date(2024, 3, 5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-13-45", "日期“2024-13-45”不存在"),
        ("2024-02-30", "日期“2024-02-30”不存在"),
        ("2023-02-29", "不存在"),
        ("2024年2月30日", "不存在"),
        ("2024-02-30 10:00", "不存在"),
        ("2024-03-05 25:00", "不存在"),
        ("2024-03-05 10:60", "不存在"),
        ("明天", "无法识别的日期“明天”"),
        ("2024-03", "无法识别的日期"),
        ("03/05/2024", "无法识别的日期"),
        ("2024-03-05 上午", "无法识别的日期"),
        ("2024-03-05 10:00 garbage", "无法识别的日期"),
        ("2024-03-05T10:00:00Z", "无法识别的日期"),
        ("-45356", "无法识别的日期"),
        ("", "无法识别的日期"),
        ("0", "既不是 Excel 日期序列号,也不是 Unix 秒"),
        ("12345678", "既不是 Excel 日期序列号,也不是 Unix 秒"),
        ("20241305", "日期“20241305”不存在"),
    ],
)
def test_rejects_what_is_not_a_date_with_a_chinese_reason(text: str, reason: str) -> None:
    for parse in (parse_date, parse_datetime):
        with pytest.raises(DateFormatError) as error:
            parse(text)
        assert reason in str(error.value)


def test_date_format_error_is_a_value_error() -> None:
    assert issubclass(DateFormatError, ValueError)


def test_day_of_a_date_time_ignores_only_a_valid_time() -> None:
    # GIVEN many rows sharing one day with different times (the day is cached)
    days = {parse_date(f"2024-03-05 {h:02d}:{m:02d}") for h in range(24) for m in (0, 59)}
    # THEN they are one day, and a number before a space is not taken for a serial number
    assert days == {date(2024, 3, 5)}
    for not_a_date in ("2024 10:00", "45356 10:00", "1709568000 10:00"):
        with pytest.raises(DateFormatError):
            parse_date(not_a_date)


def test_reads_eight_digit_days_as_hr_systems_and_the_wechat_platform_write_them() -> None:
    assert parse_date("20240305") == date(2024, 3, 5)
    assert parse_datetime("20220329") == datetime(2022, 3, 29)
