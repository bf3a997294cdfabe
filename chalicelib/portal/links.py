"""The portal link each email carries: the recipient's own, signed, valid 28 days from the
run that sent it (so a re-rendered email is the same email)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.models import Office, Unit
from chalicelib.ledger.actions import Decision, UnitAction
from chalicelib.notify.digests.models import Digest
from chalicelib.portal.tokens import Keyring, PortalRole, Purpose, link_grant, sign
from chalicelib.portal.views import answer_words

DECIDED = frozenset({Decision.APPROVED, Decision.DECLINED, Decision.ANSWERED})


@dataclass(frozen=True)
class Links:
    base_url: str  # the portal, ending in `/`
    keyring: Keyring
    issued: datetime  # the run's scheduled time

    def unit(self, recipient: str, unit_ids: Iterable[str]) -> str:
        units = tuple(u for u in unit_ids if u)
        if not units:
            return ""
        return self._link(recipient, PortalRole.UNIT, units)

    def office(self, office: Office) -> str:
        scope = tuple(office.scope) if office.scope is not None else ("all",)
        return self._link(office.email, PortalRole.OFFICE, scope, office.office)

    def _link(self, recipient: str, role: PortalRole, scope: tuple[str, ...],
              office: str = "") -> str:  # fmt: skip
        grant = link_grant(recipient, role, scope, self.issued, office)
        return f"{self.base_url}open?t={sign(grant, Purpose.LINK, self.keyring)}"


def with_portal(digest: Digest, links: Links | None, actions: Sequence[UnitAction],
                units: Mapping[str, Unit], since: datetime) -> Digest:  # fmt: skip
    """The digest with its recipient's link to the units it concerns, and the offices'
    decisions on what those units asked since `since` (the unit reads them in its digest)."""
    concerned = {i.unit_id for i in (*digest.new, *digest.still_open, *digest.fixed) if i.unit_id}
    concerned |= {due.unit_id for due in digest.coming_due if due.unit_id}
    recipient = digest.recipient.lower()
    concerned |= {u.unit_id for u in units.values()
                  if (u.contact_email or "").strip().lower() == recipient}  # fmt: skip
    answers = tuple(
        f"{a.group_name or a.group_id}({a.title}):{answer_words(a)}"
        for a in actions
        if a.unit_id in concerned
        and a.decision in DECIDED
        and a.decided_at is not None
        and a.decided_at >= since
    )
    link = links.unit(digest.recipient, sorted(concerned)) if links is not None else ""
    return digest.model_copy(update={"portal_link": link, "answers": answers})
