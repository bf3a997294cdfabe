"""Every threshold and limit is a setting, named the same in the environment (upper case)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.core.models import PersonStatus
from chalicelib.core.settings import Settings


def test_defaults_are_the_contract_thresholds() -> None:
    settings = Settings()

    assert (settings.max_members, settings.inactive_days, settings.expired_grace_days) == (
        150,
        90,
        7,
    )
    assert (settings.departed_grace_days, settings.filing_review_days) == (14, 365)
    assert (settings.roster_max_age_days, settings.duplicate_overlap) == (14, 0.8)


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("MAX_MEMBERS", "200", "max_members", 200),
        ("INACTIVE_DAYS", "60", "inactive_days", 60),
        ("ROSTER_MAX_AGE_DAYS", "7", "roster_max_age_days", 7),
        ("DUPLICATE_OVERLAP", "0.9", "duplicate_overlap", 0.9),
        ("MAX_ROWS", "5000", "max_rows", 5000),
    ],
)
def test_environment_variable_in_upper_case_sets_the_threshold(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)

    assert getattr(Settings(), field) == expected


def test_status_words_are_configurable_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUS_WORDS", '{"在岗": "active", "已调离": "departed"}')

    assert Settings().status_words == {"在岗": PersonStatus.ACTIVE, "已调离": PersonStatus.DEPARTED}


@pytest.mark.parametrize(
    ("variable", "value"), [("DUPLICATE_OVERLAP", "1.5"), ("MAX_MEMBERS", "-1")]
)
def test_a_threshold_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError):
        Settings()
