"""The rule registry: one rule = one id = one module, with its metadata beside the code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field

from chalicelib.core.models import Frozen, Severity
from chalicelib.intake.loaders.waivers import WaivableRule

if TYPE_CHECKING:
    from chalicelib.evaluate.rules.context import AccountView, GroupView, RuleContext

CLAUSE_PATTERN = r"^(管理办法|通知) .+"


class Source(StrEnum):
    """The data a rule reads. A finding not seen in a run is resolved only when every
    source it is judged on was read completely (DESIGN.md, "Resolving")."""

    ROSTER = "roster"
    FILING = "filing"
    DIRECTORY = "directory"
    ACCOUNTS = "accounts"  # the new-media register (accounts/)
    POSTS = "posts"  # the new-media post exports (posts/)
    WAIVERS = "waivers"  # waivers/: no rule is judged on it, any finding may be waived by it


class Subject(StrEnum):
    """What a rule judges: a chat group, or a new-media account."""

    GROUP = "group"
    ACCOUNT = "account"


class RuleMeta(Frozen):
    id: str = Field(pattern=r"^[a-z_]+$")
    subject: Subject = Subject.GROUP
    title: str = Field(min_length=2)
    severity: Severity
    clause: str = Field(pattern=CLAUSE_PATTERN, description="Article(s) of the seed documents.")
    remedy: str = Field(min_length=8, description="What to do, in Chinese.")
    needs_snapshot: bool = Field(description="Applies only to groups seen in current rosters.")
    waiver_sets_limit: bool = Field(
        default=False,
        description="A waiver with a limit replaces the threshold instead of waiving.",
    )
    judged_on: frozenset[Source] = Field(min_length=1, description="The data the rule reads.")
    needs_filing: bool = Field(
        default=False, description="Fires only for a group with a current filing."
    )
    fixed_by_roster: bool = Field(
        default=False, description="A fresh roster of the group alone shows it fixed."
    )
    partners_in_evidence: bool = Field(
        default=False,
        description="Judged on other groups too (evidence['partners']): their rosters count.",
    )
    needs_post_date: bool = Field(
        default=False, description="Shown fixed only by an account's post date (dormant)."
    )


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule saw: a full Chinese sentence with the observed value and the limit."""

    message: str
    evidence: dict[str, Any]


Check = Callable[["GroupView", "RuleContext"], Violation | None]
AccountCheck = Callable[["AccountView", "RuleContext"], Violation | None]


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    check: Callable[[Any, RuleContext], Violation | None]  # a Check or an AccountCheck


REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    title: str,
    severity: Severity,
    clause: str,
    remedy: str,
    judged_on: set[Source],
    needs_snapshot: bool = True,
    needs_filing: bool = False,
    fixed_by_roster: bool = False,
    partners_in_evidence: bool = False,
    waiver_sets_limit: bool = False,
) -> Callable[[Check], Check]:
    """Register a check of groups under its id; the metadata is validated at import."""
    meta = RuleMeta(
        id=rule_id,
        title=title,
        severity=severity,
        clause=clause,
        remedy=remedy,
        needs_snapshot=needs_snapshot,
        waiver_sets_limit=waiver_sets_limit,
        judged_on=frozenset(judged_on),
        needs_filing=needs_filing,
        fixed_by_roster=fixed_by_roster,
        partners_in_evidence=partners_in_evidence,
    )
    return _registering(meta)


def account_rule(
    rule_id: str,
    *,
    title: str,
    severity: Severity,
    clause: str,
    remedy: str,
    judged_on: set[Source],
    needs_post_date: bool = False,
) -> Callable[[AccountCheck], AccountCheck]:
    """Register a check of new-media accounts (DESIGN.md, New-media accounts)."""
    meta = RuleMeta(
        id=rule_id,
        subject=Subject.ACCOUNT,
        title=title,
        severity=severity,
        clause=clause,
        remedy=remedy,
        needs_snapshot=False,
        judged_on=frozenset(judged_on),
        needs_post_date=needs_post_date,
    )
    return _registering(meta)


C = TypeVar("C", Check, AccountCheck)


def _registering(meta: RuleMeta) -> Callable[[C], C]:
    """The decorator that registers a check under `meta`'s id, once."""

    def register(check: C) -> C:
        if meta.id in REGISTRY:
            raise ValueError(f"rule {meta.id!r} registered twice")
        REGISTRY[meta.id] = Rule(meta=meta, check=check)
        return check

    return register


def rules_of(subject: Subject) -> tuple[Rule, ...]:
    return tuple(r for r in REGISTRY.values() if r.meta.subject is subject)


def waivable_rules() -> tuple[WaivableRule, ...]:
    """Every rule as a waiver row may name it (for reading waivers/)."""
    return tuple(
        WaivableRule(rule.meta.id, rule.meta.title, rule.meta.waiver_sets_limit)
        for rule in REGISTRY.values()
    )
