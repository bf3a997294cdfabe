"""config/units.* (单位名录) and config/offices.* (汇总报送部门)."""

from __future__ import annotations

import re

from chalicelib.core.errors import ValueRefused
from chalicelib.core.models import Category, Channel, DataError, Office, Robot, Unit
from chalicelib.core.robots import SecretRefused, parse_robot
from chalicelib.core.settings import Settings
from chalicelib.core.values import nfkc
from chalicelib.intake.loaders.rows import (
    SUMMARY_ROW,
    Row,
    RowError,
    is_summary,
    parse_rows,
    row_error,
)
from chalicelib.intake.loaders.tables import Consume
from chalicelib.intake.readers import Table
from chalicelib.intake.source import SourceFile
from chalicelib.intake.vocab import CATEGORY_WORDS

_KEYWORD_SEPARATORS = re.compile(r"[;；、,，]")


class UnitIndex:
    """Units in the order listed; a unit may be named by its id or its exact name (compared
    after Unicode NFKC, so a full-width or Kangxi-radical spelling finds it too; ids and
    names are otherwise exact). A name two units share is the unit listed first."""

    def __init__(self, units: list[Unit]):
        self.units = units
        self.by_id = {u.unit_id: u for u in units}
        # reversed: of two units with one name, the one listed first is written last
        self._refs = {nfkc(u.name): u.unit_id for u in reversed(units)} | {
            nfkc(u.unit_id): u.unit_id for u in units
        }

    def resolve(self, reference: str) -> str | None:
        return self._refs.get(nfkc(reference))


def parse_unit(row: Row) -> Unit:
    if is_summary([row.raw("unit_id") or ""]):  # an Excel table's total row: 汇总, 合计 …
        raise RowError("unit_id", SUMMARY_ROW)
    name = row.required("name")
    keywords = [k.strip() for k in _KEYWORD_SEPARATORS.split(row.text("keywords") or "")]
    unit_id = row.id("unit_id", required=True)
    assert unit_id is not None
    return Unit(
        unit_id=unit_id,
        name=name,
        keywords=tuple(k for k in keywords if k) or (name,),
        contact_email=row.email("contact_email"),
        head_name=row.text("head_name"),
        head_email=row.email("head_email"),
        party_org=row.text("party_org"),
        party_org_email=row.email("party_org_email"),
        invalid_emails=tuple(row.bad_emails),
        robot=_robot(row),
    )


def _robot(row: Row) -> Robot | None:
    """The unit's group robot. An unusable cell is reported and the unit is read without
    a robot (its emails go out as before): no request ever goes to an address it names."""
    address, secret = row.raw("robot"), row.raw("robot_secret")
    if address is None:
        if secret is not None:
            row.notes.append(RowError("robot_secret", "填写了机器人密钥但没有群机器人地址,已忽略"))
        return None
    try:
        robot = parse_robot(address, secret)
    except ValueRefused as refused:
        field = "robot_secret" if isinstance(refused, SecretRefused) else "robot"
        row.notes.append(RowError(field, f"{refused};该单位不会收到群机器人通知"))
        return None
    if robot.channel is Channel.WECOM and secret is not None:
        row.notes.append(RowError("robot_secret", "企业微信群机器人不需要密钥,已忽略"))
    return robot


def read_units(settings: Settings) -> Consume[list[Unit]]:
    """A consumer of units tables: units in the order listed, a repeated id reported; a
    repeated name is a warning (the name refers to the unit listed first)."""

    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> list[Unit]:
        units: dict[str, Unit] = {}
        names: dict[str, int] = {}  # name as compared -> row of the unit listed first
        for row_number, unit in parse_rows(table, parse_unit, errors, settings):
            if unit.unit_id in units:
                reason = f"单位编码“{unit.unit_id}”重复"
                errors.append(row_error(table, row_number, "unit_id", reason))
                continue
            units[unit.unit_id] = unit
            first = names.setdefault(nfkc(unit.name), row_number)
            if first != row_number:
                reason = (
                    f"名称“{unit.name}”与第 {first} 行的单位重名,按名称引用时指向第 {first} 行"
                    "的单位;请修改名称或改用单位编码引用"
                )
                errors.append(row_error(table, row_number, "name", reason, warning=True))
        return list(units.values())

    return consume


def parse_office(row: Row) -> Office:
    scope = (row.text("scope") or "all").strip()
    categories: tuple[Category, ...] | None = None
    if scope.casefold() != "all":
        words = [w.strip() for w in _KEYWORD_SEPARATORS.split(scope) if w.strip()]
        unknown = [w for w in words if w.casefold() not in CATEGORY_WORDS]
        if unknown:
            raise RowError("scope", f"无法识别的范围“{'、'.join(unknown)}”(可用:all 或群类别)")
        categories = tuple(CATEGORY_WORDS[w.casefold()] for w in words)
    email = row.email("email", required=True)
    assert email is not None
    return Office(
        office=row.required("office"),
        email=email,
        scope=categories,
        address=row.text("address"),
        phone=row.text("phone"),
    )
