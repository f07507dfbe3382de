"""Reverse labels: the database side of asking a carrier for a return's waybill, exactly once per return.

Like outbound waybills: ``prepare_label`` commits the ``requested`` row and its idempotency key before the
carrier is called, ``record_label`` stores the number and moves the return to ``label_issued``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import peewee

from models.core.audit_reasons import LABEL_MOVING, RETURN_LABEL, say
from models.core.base import utc_now
from models.core.db import database
from models.core.stages import RETURN_MAILS, RETURNS
from models.core.transitions import transition
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order, OrderLine
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_IN_TRANSIT,
    RETURN_LABEL_ISSUED,
)
from models.returns.tables import ReturnLabel, ReturnLine, ReturnRequest
from models.shipping.dispatch import Parcel
from models.shipping.rules import ParcelFacts


@dataclass(frozen=True)
class LabelJob:
    return_id: int
    carrier: str
    reference: str
    idempotency_key: str
    weight_kg: Decimal
    ship_to: dict  # the warehouse the parcel goes back to
    attempt: int


def return_parcel(return_id: int) -> Parcel:
    """The returned units' weight, travelling to the return's warehouse."""
    request = ReturnRequest.get_by_id(return_id)
    order = Order.get_by_id(request.order_id)
    weight = sum((line.quantity * (line.order_line.product.weight_kg if line.order_line.product else 0)
                  for line in ReturnLine.select(ReturnLine, OrderLine, Product).join(OrderLine)
                  .join(Product, peewee.JOIN.LEFT_OUTER).where(ReturnLine.return_request == return_id)),
                 Decimal("0")) or Decimal("0.5")
    warehouse = Warehouse.get_or_none(Warehouse.id == request.warehouse_id)
    ship_to = {"name": f"Returns, {warehouse.name if warehouse else 'warehouse'}",
               "address": (warehouse.address if warehouse else "") or "Returns desk",
               # A warehouse without its own city or postcode (older master data) falls back to what it has.
               "city": (warehouse.city or warehouse.region) if warehouse else order.ship_to_city,
               "region": warehouse.region if warehouse else order.ship_to_region,
               "postcode": (warehouse.postcode or warehouse.code) if warehouse else order.ship_to_postcode,
               "country": (warehouse.country if warehouse else "") or order.ship_to_country, "phone": ""}
    facts = ParcelFacts(region=ship_to["region"], country=ship_to["country"], weight_kg=weight,
                        service_level="economy")
    return Parcel(facts=facts, ship_to=ship_to)


def prepare_label(return_id: int, *, carrier: str) -> LabelJob | None:
    """Commit the ``requested`` label row once and count an attempt; None when nothing is to be asked."""
    request = ReturnRequest.get_or_none(ReturnRequest.id == return_id)
    if request is None or request.status != RETURN_APPROVED:
        return None
    try:
        with database.atomic():
            ReturnLabel.create(return_request=return_id, carrier=carrier, idempotency_key=uuid.uuid4().hex)
    except peewee.IntegrityError:
        pass  # a concurrent run, or an earlier attempt, made it
    with database.atomic():
        label = ReturnLabel.get(ReturnLabel.return_request == return_id)
        if label.status != "requested":
            return None
        (ReturnLabel.update(attempts=ReturnLabel.attempts + 1, last_attempt_at=utc_now())
         .where(ReturnLabel.id == label.id).execute())
    parcel = return_parcel(return_id)
    order_ref = Order.select(Order.external_ref).where(Order.id == request.order_id).scalar()
    return LabelJob(return_id=return_id, carrier=label.carrier,
                    reference=f"{order_ref}/R{return_id}-{label.idempotency_key[:8]}",
                    idempotency_key=label.idempotency_key, weight_kg=parcel.facts.weight_kg,
                    ship_to=parcel.ship_to, attempt=label.attempts + 1)


def note_label_error(return_id: int, error: str) -> None:
    ReturnLabel.update(last_error=error[:2000]).where(ReturnLabel.return_request == return_id).execute()


def fail_label(return_id: int, error: str) -> None:
    """The carrier refused or kept failing: the label is ``failed`` and the return waits for ops."""
    (ReturnLabel.update(status="failed", last_error=error[:2000])
     .where(ReturnLabel.return_request == return_id, ReturnLabel.status == "requested").execute())


def record_label(return_id: int, *, waybill_number: str, tracking_url: str, actor: str) -> bool:
    """Store the issued reverse waybill and move the return to ``label_issued`` (once)."""
    with database.atomic():
        if not transition("return", return_id, RETURN_LABEL_ISSUED, actor=actor,
                          reason=say(RETURN_LABEL, waybill=waybill_number), expected=RETURN_APPROVED):
            return False
        (ReturnLabel.update(status="issued", waybill_number=waybill_number, tracking_url=tracking_url,
                            issued_at=utc_now(), last_error="")
         .where(ReturnLabel.return_request == return_id).execute())
        RETURN_MAILS.nudge(return_id, RETURN_LABEL_ISSUED)
    return True


def retry_label(return_id: int) -> bool:
    """Ops ask again for a failed label, with the same idempotency key."""
    with database.atomic():
        changed = (ReturnLabel.update(status="requested", attempts=0, last_error="")
                   .where(ReturnLabel.return_request == return_id, ReturnLabel.status == "failed").execute())
        if changed:
            RETURNS.nudge([return_id])
    return bool(changed)


def mark_in_transit(carrier: str, waybill_number: str, *, actor: str) -> bool:
    """A carrier event on a reverse label: the customer's parcel is on its way back."""
    return_id = (ReturnLabel.select(ReturnLabel.return_request)
                 .where(ReturnLabel.carrier == carrier, ReturnLabel.waybill_number == waybill_number).scalar())
    if return_id is None:
        return False
    with database.atomic():
        if not transition("return", return_id, RETURN_IN_TRANSIT, actor=actor,
                          reason=say(LABEL_MOVING, waybill=waybill_number), expected=RETURN_LABEL_ISSUED):
            return False
        RETURN_MAILS.nudge(return_id, RETURN_IN_TRANSIT)
    return True


def is_return_label(carrier: str, waybill_number: str) -> bool:
    return (ReturnLabel.select()
            .where(ReturnLabel.carrier == carrier, ReturnLabel.waybill_number == waybill_number).exists())
