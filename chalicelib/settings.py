"""Every threshold and limit, one name everywhere: `max_members` here, `MAX_MEMBERS` in the
environment, in the docs and in the tests."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib.models import PersonStatus

DEFAULT_STATUS_WORDS: dict[str, PersonStatus] = {
    **dict.fromkeys(
        ["在职", "在读", "在校", "正常", "休学", "停职", "active"], PersonStatus.ACTIVE
    ),
    **dict.fromkeys(
        [
            "离职",
            "退休",
            "调出",
            "毕业",
            "结业",
            "退学",
            "离校",
            "departed",
            "retired",
            "graduated",
        ],
        PersonStatus.DEPARTED,
    ),
    **dict.fromkeys(["校外", "外聘", "external"], PersonStatus.EXTERNAL),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, case_sensitive=False)

    # Rule thresholds (DESIGN.md, Rules).
    max_members: int = Field(150, ge=0)
    inactive_days: int = Field(90, ge=0)
    expired_grace_days: int = Field(7, ge=0)
    departed_grace_days: int = Field(14, ge=0)
    filing_review_days: int = Field(365, ge=0)
    roster_max_age_days: int = Field(14, ge=0)
    duplicate_overlap: float = Field(0.8, gt=0, le=1)
    duplicate_min_persons: int = Field(10, ge=0)
    waiver_max_days: int = Field(365, ge=0)

    # Reminders: what is "coming due" in a digest.
    waiver_due_days: int = Field(14, ge=0)
    temporary_due_days: int = Field(7, ge=0)

    # Where things live on AWS (the same names locally against moto).
    data_bucket: str = "qungov-data"
    ledger_table: str = "qungov-ledger"
    digest_queue: str = "qungov-digests"
    upload_queue: str = "qungov-uploads"
    sender_email: str = "qungov-noreply@example.edu.cn"

    # Input limits: a file over any of them is rejected whole with a clear message.
    max_file_bytes: int = Field(64 * 1024 * 1024, gt=0)
    max_rows: int = Field(1_000_000, gt=0)
    max_cells: int = Field(20_000_000, gt=0)

    # Directory status words (case-insensitive), as JSON in STATUS_WORDS.
    status_words: dict[str, PersonStatus] = DEFAULT_STATUS_WORDS
