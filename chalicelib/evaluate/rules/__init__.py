"""The 13 group rules and the 7 account rules, one module each; importing this package
registers them all.

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
    account_unapproved,
    account_unfiled,
    account_dormant,
    account_duplicate,
    account_operator_departed,
    account_borrowed_name,
    account_naming,
)
from chalicelib.evaluate.rules.context import AccountView, GroupView, RuleContext
from chalicelib.evaluate.rules.registry import (
    REGISTRY,
    Rule,
    RuleMeta,
    Subject,
    Violation,
    rules_of,
    waivable_rules,
)

__all__ = [
    "REGISTRY",
    "AccountView",
    "GroupView",
    "Rule",
    "RuleContext",
    "RuleMeta",
    "Subject",
    "Violation",
    "rules_of",
    "waivable_rules",
]
