"""Shipping stage: shipments per warehouse, then one waybill per shipment from the carrier."""
from __future__ import annotations

import logging

import dramatiq

from models.dispatch import WaybillJob, fail_waybill, note_waybill_error, prepare_waybill, record_waybill
from models.errors import CarrierAmbiguous, CarrierRejected, CarrierUnavailable
from models.order_flow import create_shipments as create_order_shipments
from models.stages import SHIPPING, WAYBILLS
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.carriers import carrier_for
from workers.carriers.base import IssuedWaybill, ShipTo, WaybillRequest
from workers.options import CARRIER_STAGE, DATABASE_STAGE

logger = logging.getLogger(__name__)
CARRIER = "sandbox"


@dramatiq.actor(queue_name=SHIPPING.queue_name, actor_name=SHIPPING.actor_name, **DATABASE_STAGE)
def create_shipments(order_ids: list[int]) -> None:
    actor = f"worker:{SHIPPING.actor_name}"
    run_for_each(order_ids, lambda order_id: create_order_shipments(order_id, actor=actor), what="shipping of order")


@dramatiq.actor(queue_name=WAYBILLS.queue_name, actor_name=WAYBILLS.actor_name, **CARRIER_STAGE)
def request_waybills(shipment_ids: list[int]) -> None:
    run_for_each(shipment_ids, request_waybill, what="waybill for shipment")


def request_waybill(shipment_id: int) -> None:
    """Ask the carrier once per shipment; on an ambiguous failure look the shipment up before asking again."""
    actor = f"worker:{WAYBILLS.actor_name}"
    job = prepare_waybill(shipment_id, carrier=CARRIER)
    if job is None:
        return
    settings = current_settings()
    carrier = carrier_for(CARRIER, base_url=settings.carrier_url)
    try:
        issued = carrier.create_waybill(_waybill_request(job, settings.portal_url))
    except CarrierAmbiguous as exc:
        issued = carrier.find_waybill(job.reference)
        if issued is None:
            note_waybill_error(shipment_id, str(exc))
            raise
    except CarrierRejected as exc:
        fail_waybill(shipment_id, str(exc), actor=actor)
        raise
    except CarrierUnavailable as exc:
        note_waybill_error(shipment_id, str(exc))
        raise
    _record(shipment_id, issued, actor)


def _record(shipment_id: int, issued: IssuedWaybill, actor: str) -> None:
    record_waybill(shipment_id, waybill_number=issued.waybill_number, tracking_url=issued.tracking_url, actor=actor)


def _waybill_request(job: WaybillJob, portal_url: str) -> WaybillRequest:
    return WaybillRequest(
        reference=job.reference, idempotency_key=job.idempotency_key, ship_to=ShipTo(**job.ship_to),
        weight_kg=job.weight_kg, callback_url=f"{portal_url}/api/v1/carriers/{CARRIER}/events",
    )
