"""The 13 rules, one module each; importing this package registers them all.

Modules are imported in the order of DESIGN.md's rule table, so `REGISTRY` lists the
rules in the order users see them."""

# isort: skip_file
from chalicelib.evaluate.rules import (  # noqa: F401  (imported for registration, in this order)
    unfiled,
    oversized,
    inactive,
    expired,
    owner_departed,
    departed_members,
    unidentified_members,
    outsider_members,
    naming,
    owner_mismatch,
    filing_stale,
    roster_missing,
    duplicate,
)
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import REGISTRY, Rule, RuleMeta, Violation, waivable_rules

__all__ = [
    "REGISTRY",
    "GroupView",
    "Rule",
    "RuleContext",
    "RuleMeta",
    "Violation",
    "waivable_rules",
]
