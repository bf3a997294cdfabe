"""What a form may carry: bounded, printable text and a date within the waiver limit.
Each refusal is one Chinese sentence shown on the page; nothing half-valid is stored."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from urllib.parse import parse_qs

from chalicelib.core.models import Platform
from chalicelib.ledger.actions import ActionKind

MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_FORM_BYTES = 16 * 1024  # a form is a few fields: anything larger is refused whole


class FormRefused(Exception):
    """Why a submitted form was not accepted, in Chinese."""


def fields(body: bytes) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body, each field once (a repeated field is
    refused: which one would count?)."""
    if len(body) > MAX_FORM_BYTES:
        raise FormRefused("提交的内容过大。")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=20)  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        raise FormRefused("提交的内容无法识别。") from None
    if any(len(values) > 1 for values in parsed.values()):
        raise FormRefused("提交的内容有重复字段。")
    return {name: values[0] for name, values in parsed.items()}


def text(value: str, label: str, limit: int, *, required: bool) -> str:
    """Trimmed text of at most `limit` characters, line breaks allowed, no other control or
    format characters (they hide text from a reader, or break a CSV or a log line)."""
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise FormRefused(f"请填写{label}。")
    if len(value) > limit:
        raise FormRefused(f"{label}不能超过 {limit} 个字(现 {len(value)} 个)。")
    if any(ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise FormRefused(f"{label}含有不可见的控制字符,请删除后重新提交。")
    return value


def kind(value: str) -> ActionKind:
    try:
        return ActionKind(value)
    except ValueError:
        raise FormRefused("未知的操作。") from None


def platform(value: str) -> Platform:
    try:
        return Platform(value)
    except ValueError:
        raise FormRefused("未知的平台。") from None


def until(value: str, today: date, max_days: int) -> date:
    """A waiver's last day: after today, at most `max_days` ahead."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise FormRefused("请填写豁免截止日期(年-月-日)。") from None
    if day <= today:
        raise FormRefused("豁免截止日期应晚于今天。")
    if day > today + timedelta(days=max_days):
        raise FormRefused(f"豁免期限最长 {max_days} 天(至 {today + timedelta(days=max_days)})。")
    return day
