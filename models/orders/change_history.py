"""An order's changes after placement, oldest first, each with what review made of it: the status the order
left review in after the change (approved, on hold, rejected), "pending" while still in review, or "superseded"
when another change came first. Two queries whatever the number of changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.core.audit import StatusChange
from models.orders.change_tables import OrderChange
from models.orders.partner_view import PARTNER_ACTOR, is_own_actor
from models.orders.states import ORDER_REVIEWING

PENDING = "pending"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class ChangeEntry:
    id: int
    actor: str
    role: str
    note: str
    at: datetime
    status_before: str
    before: dict
    after: dict
    outcome: str  # the status review moved the order to after this change, PENDING or SUPERSEDED

    def fields(self) -> list[tuple[str, object, object]]:
        """(what, before, after) for each changed ship-to field and the requested date; lines apart."""
        rows = [(f"ship-to {name}", self.before.get("ship_to", {}).get(name), value)
                for name, value in self.after.get("ship_to", {}).items()]
        if "requested_delivery_date" in self.after:
            rows.append(("requested delivery date", self.before.get("requested_delivery_date"),
                         self.after["requested_delivery_date"]))
        return rows


def order_changes(order_id: int, *, own_actors: frozenset[str] | None = None) -> list[ChangeEntry]:
    """The order's changes, oldest first. With ``own_actors`` (a partner's, partner_view.own_actor_names) the
    people inside the OMS show as "Relay OMS" and their notes are left out."""
    changes = list(OrderChange.select().where(OrderChange.order == order_id)
                   .order_by(OrderChange.created_at, OrderChange.id))
    if not changes:
        return []
    decisions = list(StatusChange.select(StatusChange.to_status, StatusChange.at).where(
        StatusChange.entity == "order", StatusChange.entity_id == order_id,
        StatusChange.from_status == ORDER_REVIEWING).order_by(StatusChange.at, StatusChange.id))
    entries = []
    for index, change in enumerate(changes):
        following = changes[index + 1].created_at if index + 1 < len(changes) else None
        decided = next((d for d in decisions if d.at >= change.created_at), None)
        if decided is None:
            outcome = SUPERSEDED if following is not None else PENDING
        elif following is not None and decided.at > following:
            outcome = SUPERSEDED
        else:
            outcome = decided.to_status
        shown = own_actors is None or is_own_actor(change.actor, own_actors)
        entries.append(ChangeEntry(id=change.id, actor=change.actor if shown else PARTNER_ACTOR,
                                   role=change.role if shown else "",
                                   note=change.note if shown else "", at=change.created_at,
                                   status_before=change.status_before, before=change.before, after=change.after,
                                   outcome=outcome))
    return entries
