"""Every threshold and limit, one name everywhere: `max_members` here, `MAX_MEMBERS` in the
environment, in the docs and in the tests."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError

from chalicelib.core.models import PersonStatus


def _words(text: str) -> list[str]:
    return text.split()


# Status words of HR (人事) and academic (学籍) exports and of WeCom's contacts (docs/
# formats.md, "Status vocabularies"). Numeric codes are not words: schools renumber them.
DEFAULT_STATUS_WORDS: dict[str, PersonStatus] = {
    **dict.fromkeys(
        _words(
            "在职 在岗 待岗 延聘 待退休 停职 在读 在学 在校 在籍 注册学籍 有学籍 正常 休学 复学 保留学籍 "
            "延期毕业 已激活 active"
        ),
        PersonStatus.ACTIVE,
    ),
    **dict.fromkeys(
        _words(
            "离职 辞职 退休 离休 调出 开除 死亡 下落不明 毕业 结业 肄业 退学 辍学 转出 转学 离校 不在籍 "
            "无学籍 已禁用 退出企业 departed retired graduated"
        ),
        PersonStatus.DEPARTED,
    ),
    **dict.fromkeys(_words("校外 外聘 返聘 external"), PersonStatus.EXTERNAL),
}

MIB = 1024 * 1024

# The bucket's key shapes are chalicelib/core/layout.py; the data root's folders are the
# catalogue's (chalicelib/intake/catalogue.py).
TABLE_KEYS = ("pk", "sk")  # the ledger table's hash and range keys, both strings


class SettingsError(Exception):
    """A setting from the environment is out of range: one line naming it and what is allowed."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, case_sensitive=False)

    # Rule thresholds (DESIGN.md, Rules).
    max_members: int = Field(150, ge=0)
    inactive_days: int = Field(90, ge=0, le=36500)
    expired_grace_days: int = Field(7, ge=0, le=3650)
    departed_grace_days: int = Field(14, ge=0, le=3650)
    filing_review_days: int = Field(365, ge=0, le=36500)
    roster_max_age_days: int = Field(14, ge=0, le=3650)
    duplicate_overlap: float = Field(0.8, gt=0, le=1)
    duplicate_min_persons: int = Field(10, ge=0)
    waiver_max_days: int = Field(365, ge=0, le=3650)
    # New-media accounts (DESIGN.md, New-media accounts).
    account_dormant_days: int = Field(180, ge=0, le=36500)
    borrowed_name_words: tuple[str, ...] = ("财政厅",)  # as JSON in BORROWED_NAME_WORDS

    # Guards (DESIGN.md, Guards): a source that shrank by more than this share against the
    # last complete week, or more new findings of one rule than max(guard_new_min,
    # guard_new_share × groups), holds the new findings it would open.
    guard_shrink_share: float = Field(0.3, gt=0, le=1)
    guard_new_min: int = Field(20, ge=0)
    guard_new_share: float = Field(0.1, gt=0, le=1)

    # Reminders: what is "coming due" in a digest.
    waiver_due_days: int = Field(14, ge=0, le=365)
    temporary_due_days: int = Field(7, ge=0, le=365)

    # Where things live on AWS. The defaults serve local runs on moto; a deployment sets
    # each from its stack (resource_names and jobs/template/).
    data_bucket: str = "qungov-data"
    ledger_table: str = "qungov-ledger"
    digest_queue: str = "qungov-digests"
    upload_queue: str = "qungov-uploads"
    sender_email: str = "qungov-noreply@example.edu.cn"
    mail_events_queue: str = "qungov-mail-events"  # SES bounces and complaints, via SNS
    ses_configuration_set: str = ""  # "": SES sends without one (no bounce events)
    portal_url: str = ""  # the portal's address, ending in `/`; "": emails carry no link
    portal_key_parameter: str = "/qungov/portal-keys"  # SSM SecureString: the signing keys

    # Mail (DESIGN.md, Channels): SES, or an SMTP server where there is no SES (AWS China,
    # ap-east-1). The SMTP password is never a setting: only the name of the SSM
    # SecureString that holds it.
    mail_transport: Literal["ses", "smtp"] = "ses"
    smtp_host: str = ""
    smtp_port: int = Field(465, gt=0, lt=65536)
    smtp_security: Literal["tls", "starttls"] = "tls"  # implicit TLS (465) or STARTTLS (587)
    smtp_username: str = ""  # "": the sender's address
    smtp_password_parameter: str = "/qungov/smtp-password"
    smtp_timeout_seconds: int = Field(20, gt=0, le=50)  # below the sender's 60 s timeout

    # Group robots (DESIGN.md, Channels; docs/robots.md): a unit's `robot` cell gives only
    # a key; each notice is posted to the provider's API here, never to an address from
    # the data. Plain http only to this machine (the tests' stand-in for the providers).
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    dingtalk_api_base: str = "https://oapi.dingtalk.com"
    robot_timeout_seconds: int = Field(10, gt=0, le=50)  # below the sender's 60 s timeout

    # Input limits: a file over any of them is rejected whole with a clear message.
    max_file_bytes: int = Field(64 * MIB, gt=0)
    max_rows: int = Field(1_000_000, gt=0)
    max_cells: int = Field(20_000_000, gt=0)
    max_strings_bytes: int = Field(64 * MIB, gt=0)
    """Uncompressed size of a workbook's shared strings (xl/sharedStrings.xml), which
    calamine holds whole, at ~4× its size: a 1M-row roster's are 27 to 52 MB."""
    max_part_ratio: int = Field(100, gt=1)
    """How many times its compressed size a workbook part over 16 MiB may inflate: real
    exports compress 5-20:1, a zip bomb ~1000:1 (the 311 KB workbook whose shared strings
    inflate to 300 MB is refused by this, before anything is inflated)."""
    max_part_bytes: int = Field(256 * MIB, gt=0)
    """Uncompressed size of any one part (sheet, styles ...) of a workbook, checked before
    the workbook is parsed. Measured with xlsxwriter, one sheet: a 200k-row roster's
    largest part is 98 MB; a 1M-row roster's is 223 MB (6 columns, shared strings) and
    reading it peaks at 0.6 GB; with 8 text columns or inline strings (285 to 493 MB) it is
    refused, to be split. One workbook's scan stays within ~1 GB (tests/faults)."""
    # Cell limits: a cell over them makes its row an error, the other rows are read.
    max_cell_chars: int = Field(32_767, gt=0)  # Excel's own limit for one cell
    max_id_chars: int = Field(64, gt=0)  # group, member, person and account ids
    max_text_chars: int = Field(200, gt=0)  # names and free text are cut to this, reported

    # Directory status words (case-insensitive), as JSON in STATUS_WORDS.
    status_words: dict[str, PersonStatus] = DEFAULT_STATUS_WORDS


def load_settings() -> Settings:
    """The settings from the environment; `SettingsError` with one clear line naming the
    first setting that is out of range or not of its type, and what it accepts."""
    try:
        return Settings()
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field_name = str(error["loc"][0]) if error["loc"] else ""
        raise SettingsError(_message(field_name, str(error.get("input", "")))) from None
    except PydanticSettingsError as invalid:  # a JSON setting that is not JSON
        field_name = next((n for n in Settings.model_fields if f'"{n}"' in str(invalid)), "")
        raise SettingsError(_message(field_name, os.environ.get(field_name.upper(), ""))) from None


def _message(field_name: str, value: str) -> str:
    shown = value if len(value) <= 40 else value[:40] + "…"
    return f"设置错误:{field_name.upper()}={shown} 无效,{allowed(field_name)}"


_KINDS = {int: "整数", float: "数字", str: "文本"}
_SYMBOLS = (("Gt", ">"), ("Ge", "≥"), ("Lt", "<"), ("Le", "≤"))


def allowed(field_name: str) -> str:
    """What a setting accepts, from its declared type and constraints."""
    info = Settings.model_fields.get(field_name)
    if info is None:
        return "请检查环境变量"
    if field_name == "status_words":
        return f"应为 JSON 对象,值为 {'、'.join(PersonStatus)} 之一"
    kind = (
        _KINDS.get(info.annotation, "JSON 对象")
        if isinstance(info.annotation, type)
        else "JSON 对象"
    )
    bounds = {type(meta).__name__: meta for meta in info.metadata}
    parts = [
        f"{symbol} {getattr(bounds[name], name.lower())}"
        for name, symbol in _SYMBOLS
        if name in bounds
    ]
    return f"应为{kind}" + (f",取值 {' 且 '.join(parts)}" if parts else "")


# The environment variable of each AWS name; the template sets them on every function.
AWS_NAME_VARIABLES = {
    "data_bucket": "DATA_BUCKET",
    "ledger_table": "LEDGER_TABLE",
    "digest_queue": "DIGEST_QUEUE",
    "upload_queue": "UPLOAD_QUEUE",
    "sender_email": "SENDER_EMAIL",
    "mail_events_queue": "MAIL_EVENTS_QUEUE",
    "ses_configuration_set": "SES_CONFIGURATION_SET",
    "portal_key_parameter": "PORTAL_KEY_PARAMETER",
    "smtp_password_parameter": "SMTP_PASSWORD_PARAMETER",
}


def resource_names(stage: str) -> dict[str, str]:
    """The names a deployment's resources take in `stage` (the bucket is a parameter: its
    name must be unique in all of AWS)."""
    return {
        "ledger_table": f"qungov-ledger-{stage}",
        "digest_queue": f"qungov-digests-{stage}",
        "upload_queue": f"qungov-uploads-{stage}",
        "failed_runs_queue": f"qungov-failed-runs-{stage}",
        "mail_events_queue": f"qungov-mail-events-{stage}",
        "ses_configuration_set": f"qungov-{stage}",
        "portal_key_parameter": f"/qungov/{stage}/portal-keys",
        "smtp_password_parameter": f"/qungov/{stage}/smtp-password",
    }


def dead_letter_queue(queue: str) -> str:
    return f"{queue}-dlq"
