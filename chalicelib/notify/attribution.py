"""Which unit a data file belongs to, so that its problems reach the unit that uploaded it.

In this order:
1. a folder on its path names the unit: its id, its name or one of its keywords
   (`rosters/qq/信工学院/群.xlsx`), the deepest such folder deciding;
2. else every group the scan took from the file belongs to one unit;
3. else nobody in particular: its problems go to the office that sees everything (the
   rollup of the office with scope `all`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from chalicelib.core.models import DataError, Unit
from chalicelib.core.values import fold
from chalicelib.evaluate.rules.context import GroupView


def file_of(table: str) -> str:
    """`filings/登记表.xlsx#Sheet1` -> `filings/登记表.xlsx`: a table's file."""
    return table.partition("#")[0]


def data_problems_by_unit(
    errors: Iterable[DataError], units: Sequence[Unit], groups: Iterable[GroupView]
) -> dict[str | None, list[DataError]]:
    """The scan's rejected files and skipped rows by the unit id of the file they are in
    (None: no unit); of its warnings, only those about the top of the data root, which no
    one else would see."""
    names = unit_names(units)
    units_of_files = _units_of_files(groups)
    problems: dict[str | None, list[DataError]] = defaultdict(list)
    for error in errors:
        if not error.warning or error.at_top:
            path = file_of(error.file)
            problems[unit_of_file(path, names, units_of_files.get(path, set()))].append(error)
    return dict(problems)


def unit_of_file(path: str, names: Mapping[str, str], group_units: set[str]) -> str | None:
    """`names`: a unit's id, name or keyword, folded -> its id (ambiguous ones left out). A
    folder names a unit when it is one of them, else when it holds one (the longest, as a
    group's name does: `外语学院` holds the keyword 外语)."""
    for folder in reversed(PurePosixPath(path).parts[1:-1]):
        unit_id = names.get(fold(folder)) or _holding(fold(folder), names)
        if unit_id is not None:
            return unit_id
    return next(iter(group_units)) if len(group_units) == 1 else None


def _holding(folder: str, names: Mapping[str, str]) -> str | None:
    """The unit whose longest name or keyword the folder holds, when only one unit's does."""
    held = [
        (len(name), unit_id) for name, unit_id in names.items() if len(name) > 1 and name in folder
    ]
    if not held:
        return None
    longest = max(length for length, _ in held)
    units = {unit_id for length, unit_id in held if length == longest}
    return units.pop() if len(units) == 1 else None


def unit_names(units: Sequence[Unit]) -> dict[str, str]:
    """A unit's id, name or keyword, folded -> its id; a name two units claim is left out."""
    claims: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        for name in (unit.unit_id, unit.name, *unit.keywords):
            claims[fold(name)].add(unit.unit_id)
    return {name: next(iter(ids)) for name, ids in claims.items() if len(ids) == 1 and name}


def _units_of_files(groups: Iterable[GroupView]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for group in groups:
        if group.snapshot is not None and group.unit is not None:
            found[file_of(group.snapshot.source)].add(group.unit.unit_id)
    return found
