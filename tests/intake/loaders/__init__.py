"""Builders for loader tests: a data root in a temporary folder, read as the scan reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chalicelib.core.models import Account, DataError, Filing, Office, Unit, Waiver
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.catalogue import ACCOUNTS, DIRECTORY, FILINGS, WAIVERS, Reading, read_kind
from chalicelib.intake.catalogue import UNITS as UNITS_KIND
from chalicelib.intake.config import load_offices as load_office_list
from chalicelib.intake.directory import Directory
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.source import LocalSource
from tests.intake.readers import DEFAULT_SETTINGS

TODAY = date(2026, 11, 16)


def write(root: Path, path: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return target


def units(*pairs: tuple[str, str]) -> UnitIndex:
    """Units from (unit_id, name) pairs; each unit's keyword is its name."""
    return UnitIndex([Unit(unit_id=i, name=n, keywords=(n,)) for i, n in pairs])


UNITS = units(("CS", "计算机学院"), ("FL", "外国语学院"))


def load_units(
    root: Path, settings: Settings = DEFAULT_SETTINGS
) -> tuple[list[Unit], list[DataError]]:
    errors: list[DataError] = []
    found = read_kind(LocalSource(root), UNITS_KIND, Reading(TODAY, settings), errors)
    return [unit for table in found for unit in table], errors


def load_offices(root: Path) -> tuple[list[Office], list[DataError]]:
    errors: list[DataError] = []
    return load_office_list(LocalSource(root), DEFAULT_SETTINGS, errors), errors


def load_directory(
    root: Path, unit_index: UnitIndex = UNITS, settings: Settings = DEFAULT_SETTINGS
) -> tuple[Directory, list[DataError]]:
    errors: list[DataError] = []
    reading = Reading(TODAY, settings, unit_index)
    for _ in read_kind(LocalSource(root), DIRECTORY, reading, errors):
        pass
    return reading.directory, errors


def load_filings(
    root: Path, unit_index: UnitIndex = UNITS, settings: Settings = DEFAULT_SETTINGS
) -> tuple[list[Filing], list[DataError]]:
    errors: list[DataError] = []
    found = read_kind(LocalSource(root), FILINGS, Reading(TODAY, settings, unit_index), errors)
    return [filing for table in found for filing in table], errors


def load_waivers(
    root: Path, today: date = TODAY, settings: Settings = DEFAULT_SETTINGS
) -> tuple[list[Waiver], list[DataError]]:
    errors: list[DataError] = []
    reading = Reading(today, settings, rules=waivable_rules())
    found = read_kind(LocalSource(root), WAIVERS, reading, errors)
    return [waiver for table in found for waiver in table], errors


def load_accounts(
    root: Path, unit_index: UnitIndex = UNITS, settings: Settings = DEFAULT_SETTINGS
) -> tuple[list[Account], list[DataError]]:
    errors: list[DataError] = []
    found = read_kind(LocalSource(root), ACCOUNTS, Reading(TODAY, settings, unit_index), errors)
    return [account for table in found for account in table], errors
