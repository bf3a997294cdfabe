"""config/units.*, config/offices.* and config/policy.*, each read whole: the unit list
every other table is checked against (without one nothing can run), the offices the
rollups go to, and the institution's own regulations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from chalicelib.core.models import SEED_REGULATIONS, DataError, Office, Policy, Unit
from chalicelib.core.settings import Settings
from chalicelib.intake.catalogue import OFFICES, POLICY, UNITS, Reading, files_of, read_one
from chalicelib.intake.loaders.policy import LineKind, PolicyLine
from chalicelib.intake.loaders.units import UnitIndex
from chalicelib.intake.loaders.waivers import WaivableRule
from chalicelib.intake.source import DataSource

NO_DAY = date.min  # the unit list and the offices hold no dates


class ScanAborted(Exception):
    """The scan cannot run at all (no readable unit list)."""


def load_units(source: DataSource, settings: Settings, errors: list[DataError]) -> UnitIndex:
    """The units of config/units.*; `ScanAborted` when there is no usable one."""
    reading = Reading(NO_DAY, settings)
    unit_errors: list[DataError] = []
    units: dict[str, Unit] = {}
    files = files_of(source, UNITS)
    for file in files:
        for table_units in read_one(source, file, UNITS, reading, unit_errors):
            for unit in table_units:
                if unit.unit_id in units:
                    reason = f"单位编码“{unit.unit_id}”在多个单位名录文件中重复,以先读到的为准"
                    unit_errors.append(DataError(file=file.path, reason=reason))
                units.setdefault(unit.unit_id, unit)
    errors.extend(unit_errors)
    if not units:
        # a file read without a row of a unit (only its header) is there, and empty
        empty = ";".join(f"{f.path}:没有单位" for f in files)
        why = ";".join(f"{e.file}:{e.reason}" for e in unit_errors) or empty or "没有这个文件"
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


def load_policy(
    source: DataSource,
    settings: Settings,
    errors: list[DataError],
    rules: Sequence[WaivableRule],
) -> Policy:
    """The institution's regulations, articles and thresholds (config/policy.*); the seeds'
    and the settings' where it says nothing. A rule's article must cite a regulation the
    file or the seeds declare; an item given twice counts once, as first given."""
    reading = Reading(NO_DAY, settings, rules=rules)
    lines: list[PolicyLine] = []
    for file in files_of(source, POLICY):
        lines += [
            line for table in read_one(source, file, POLICY, reading, errors) for line in table
        ]
    firsts: list[PolicyLine] = []
    for line in lines:
        if any((first.kind, first.key) == (line.kind, line.key) for first in firsts):
            reason = f"“{line.key}”已在前面给出,以先给出的为准"
            errors.append(DataError(file=line.file, row=line.row, column="项目", reason=reason))
        else:
            firsts.append(line)
    regulations = dict(SEED_REGULATIONS)
    regulations.update((x.key, str(x.value)) for x in firsts if x.kind is LineKind.REGULATION)
    clauses: dict[str, str] = {}
    thresholds: dict[str, int | float] = {}
    for line in firsts:
        if line.kind is LineKind.THRESHOLD:
            thresholds[line.key] = line.value if isinstance(line.value, float) else int(line.value)
        elif line.kind is LineKind.CLAUSE:
            short = str(line.value).partition(" ")[0]
            if short in regulations:
                clauses[line.key] = str(line.value)
                continue
            reason = f"条款“{line.value}”引用的制度“{short}”没有登记(可用:{'、'.join(regulations)})"
            errors.append(DataError(file=line.file, row=line.row, column="内容", reason=reason))
    return Policy(regulations=regulations, clauses=clauses, thresholds=thresholds)


def supervisor(offices: list[Office]) -> Office | None:
    """The office that sees every group (scope `all`): named in every email's footer."""
    return next((office for office in offices if office.scope is None), None)
