"""Returns stage: an approved return gets its replacement order and its reverse label; an inspected one is
refunded or exchanged and closed."""
from __future__ import annotations

import dramatiq

from models.core.stages import RETURNS
from models.returns.flow import prepare_approved, settle_return
from models.returns.labels import (
    fail_label,
    note_label_error,
    prepare_label,
    record_label,
    return_parcel,
)
from models.returns.states import RETURN_APPROVED, RETURN_INSPECTED
from models.returns.tables import ReturnLabel, ReturnRequest
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.carriers import carrier_for
from workers.carriers.base import ShipTo, WaybillRequest
from workers.options import CARRIER_STAGE
from workers.shipping import book_once, choose_carrier

ACTOR = f"worker:{RETURNS.actor_name}"


@dramatiq.actor(queue_name=RETURNS.queue_name, actor_name=RETURNS.actor_name, **CARRIER_STAGE)
def advance_returns(return_ids: list[int]) -> None:
    run_for_each(return_ids, advance_return, what="return")


def advance_return(return_id: int) -> None:
    """Take one return as far as it can go without a person."""
    status = ReturnRequest.select(ReturnRequest.status).where(ReturnRequest.id == return_id).scalar()
    if status == RETURN_APPROVED:
        prepare_approved(return_id, actor=ACTOR)
        issue_label(return_id)
    elif status == RETURN_INSPECTED:
        settle_return(return_id, actor=ACTOR)


def issue_label(return_id: int) -> None:
    """The reverse waybill, exactly once: the key is committed first and an unanswered call is looked up."""
    settings = current_settings()
    booked = ReturnLabel.select(ReturnLabel.carrier).where(ReturnLabel.return_request == return_id).scalar()
    job = prepare_label(return_id, carrier=booked or choose_carrier(return_parcel(return_id), settings).carrier)
    if job is None:
        return
    carrier = carrier_for(job.carrier, settings)
    request = WaybillRequest(reference=job.reference, idempotency_key=job.idempotency_key,
                             ship_to=ShipTo(**job.ship_to), weight_kg=job.weight_kg, service_level="economy",
                             callback_url=f"{settings.portal_url}/api/v1/carriers/{job.carrier}/events")
    issued = book_once(carrier, request, what="the return label", attempt=job.attempt,
                       max_attempts=settings.waybill_max_attempts, give_up=lambda why: fail_label(return_id, why),
                       note=lambda error: note_label_error(return_id, error))
    if issued is None:
        return
    record_label(return_id, waybill_number=issued.waybill_number, tracking_url=issued.tracking_url, actor=ACTOR)
