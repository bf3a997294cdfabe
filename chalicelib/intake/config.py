"""config/units.* and config/offices.*, each read whole: the unit list every other table
is checked against (without one nothing can run), and the offices the rollups go to."""

from __future__ import annotations

from datetime import date

from chalicelib.core.models import DataError, Office, Unit
from chalicelib.core.settings import Settings
from chalicelib.intake.catalogue import OFFICES, UNITS, Reading, files_of, read_one
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.source import DataSource

NO_DAY = date.min  # the unit list and the offices hold no dates


class ScanAborted(Exception):
    """The scan cannot run at all (no readable unit list)."""


def load_units(source: DataSource, settings: Settings, errors: list[DataError]) -> UnitIndex:
    """The units of config/units.*; `ScanAborted` when there is no usable one."""
    reading = Reading(NO_DAY, settings)
    unit_errors: list[DataError] = []
    units: dict[str, Unit] = {}
    for file in files_of(source, UNITS):
        for table_units in read_one(source, file, UNITS, reading, unit_errors):
            for unit in table_units:
                if unit.unit_id in units:
                    reason = f"单位编码“{unit.unit_id}”在多个单位名录文件中重复,以先读到的为准"
                    unit_errors.append(DataError(file=file.path, reason=reason))
                units.setdefault(unit.unit_id, unit)
    errors.extend(unit_errors)
    if not units:
        why = ";".join(f"{e.file}:{e.reason}" for e in unit_errors) or "没有这个文件"
        raise ScanAborted(f"没有可用的单位名录 config/units.csv(或 .xlsx),无法进行检查。{why}")
    return UnitIndex(list(units.values()))


def load_offices(source: DataSource, settings: Settings, errors: list[DataError]) -> list[Office]:
    """The offices of config/offices.*; an office listed twice is served once, as first
    listed (its rollup, archive and send are named after it), and reported."""
    reading = Reading(NO_DAY, settings)
    offices: dict[str, Office] = {}
    for file in files_of(source, OFFICES):
        tables = read_one(source, file, OFFICES, reading, errors)
        for office in (office for table in tables for office in table):
            if office.office in offices:
                reason = f"部门“{office.office}”重复列出,只向先列出的邮箱发送"
                errors.append(DataError(file=file.path, reason=reason, warning=True))
                continue
            offices[office.office] = office
    return list(offices.values())


def supervisor(offices: list[Office]) -> Office | None:
    """The office that sees every group (scope `all`): named in every email's footer."""
    return next((office for office in offices if office.scope is None), None)
