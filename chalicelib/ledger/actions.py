"""What units and offices answered in the portal, finding by finding: a unit says it fixed
a finding (a claim: it resolves nothing, the data does), asks for a waiver or disputes it;
the office of the finding's category approves or declines a waiver request and answers a
dispute. Every action names who (from their link), when, what and which finding.

Stored once: an action's id is a hash of who, which finding, what and the ISO week, so a
double submit records one action; a decision is written only while the action is pending.
Two implementations: `InMemoryActionLog` below, `DynamoActionLog` (chalicelib/aws/)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.core.models import Category, FindingRef


class ActionKind(StrEnum):
    FIXED = "fixed"  # 已整改
    WAIVER = "waiver"  # 申请豁免
    DISPUTE = "dispute"  # 有异议


class Decision(StrEnum):
    PENDING = "pending"  # waiting for the office
    APPROVED = "approved"  # a waiver request granted: the next run honours it
    DECLINED = "declined"
    ANSWERED = "answered"  # a dispute the office has answered
    NOTED = "noted"  # a claim of a fix: nobody decides, the next data shows it


class UnitAction(FindingRef):
    action_id: str
    category: Category | None
    title: str  # the rule's title, as the finding said it
    kind: ActionKind
    by: str  # the recipient of the link that acted
    at: datetime
    period: str  # the ISO week it was made in
    reason: str = ""
    until: date | None = None  # a waiver request's end
    decision: Decision
    decided_by: str = ""  # the office
    decided_at: datetime | None = None
    note: str = ""  # the office's answer

    @property
    def pending(self) -> bool:
        return self.decision is Decision.PENDING


def action_id(ref: FindingRef, kind: ActionKind, by: str, period: str, reason: str,
              until: date | None) -> str:  # fmt: skip
    """The same person asking the same thing of the same finding in the same week: one id."""
    parts = (by, ref.platform, ref.group_id, ref.rule, kind, period, reason, str(until or ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def first_decision(kind: ActionKind) -> Decision:
    return Decision.NOTED if kind is ActionKind.FIXED else Decision.PENDING


class ActionLog(Protocol):
    def record(self, action: UnitAction) -> bool:
        """Store `action`; False when the same action is stored already (a double submit)."""
        ...

    def decide(self, action_id: str, decision: Decision, by: str, note: str,
               at: datetime) -> UnitAction | None:  # fmt: skip
        """Decide a pending action; the decided action, or None when it is not pending
        (decided already, or unknown)."""
        ...

    def actions(self) -> list[UnitAction]:
        """Every action, oldest first."""
        ...


def decided(action: UnitAction, decision: Decision, by: str, note: str, at: datetime) -> UnitAction:
    return action.model_copy(
        update={"decision": decision, "decided_by": by, "note": note, "decided_at": at}
    )


class InMemoryActionLog:
    def __init__(self) -> None:
        self._actions: dict[str, UnitAction] = {}

    def record(self, action: UnitAction) -> bool:
        if action.action_id in self._actions:
            return False
        self._actions[action.action_id] = action
        return True

    def decide(self, action_id: str, decision: Decision, by: str, note: str,
               at: datetime) -> UnitAction | None:  # fmt: skip
        action = self._actions.get(action_id)
        if action is None or not action.pending:
            return None
        self._actions[action_id] = decided(action, decision, by, note, at)
        return self._actions[action_id]

    def actions(self) -> list[UnitAction]:
        return sorted(self._actions.values(), key=lambda a: (a.at, a.action_id))
