"""The 13 rules, one module each; importing this package registers them all.

`REGISTRY` lists them in the order of DESIGN.md's rule table, the order users see."""

from chalicelib.rules import (  # noqa: F401  (imported for registration)
    departed_members,
    duplicate,
    expired,
    filing_stale,
    inactive,
    naming,
    outsider_members,
    oversized,
    owner_departed,
    owner_mismatch,
    roster_missing,
    unfiled,
    unidentified_members,
)
from chalicelib.rules.context import GroupSnapshot, GroupView, RuleContext
from chalicelib.rules.registry import REGISTRY, Rule, RuleMeta, Violation

RULE_ORDER = (
    "unfiled",
    "oversized",
    "inactive",
    "expired",
    "owner_departed",
    "departed_members",
    "unidentified_members",
    "outsider_members",
    "naming",
    "owner_mismatch",
    "filing_stale",
    "roster_missing",
    "duplicate",
)
_registered = dict(REGISTRY)
REGISTRY.clear()
REGISTRY.update((rule_id, _registered.pop(rule_id)) for rule_id in RULE_ORDER)
if _registered:
    raise RuntimeError(f"rules missing from RULE_ORDER: {sorted(_registered)}")

__all__ = [
    "REGISTRY",
    "RULE_ORDER",
    "GroupSnapshot",
    "GroupView",
    "Rule",
    "RuleContext",
    "RuleMeta",
    "Violation",
]
