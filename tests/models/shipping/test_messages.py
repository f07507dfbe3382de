"""The booking desk's refusals read as before in English and keep their Text for the portal."""
from __future__ import annotations

import pytest

from models.core.errors import InvalidTransition, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.shipping.waybill_changes import book_again, cancellable_waybill
from tests.models.shipping.test_waybill_changes import CARRIERS, OPS, make_world, ready


def test_a_wrong_service_level_or_carrier_reads_as_before():
    with pytest.raises(ValidationFailed) as refused:
        book_again(1, actor=OPS, service_level="warp", carriers=CARRIERS)
    (problem,) = refused.value.messages["service_level"]
    assert problem == "one of economy, standard, express" and problem.text.template == "one of %(choices)s"
    with pytest.raises(ValidationFailed) as refused:
        book_again(1, actor=OPS, carrier="pigeon", carriers=CARRIERS)
    assert refused.value.messages["carrier"] == ["one of sandbox, sandbox_freight"]


def test_a_refused_cancellation_keeps_its_text_and_reads_as_before(any_db):
    make_world()
    _, shipment_id = ready()
    with pytest.raises(InvalidTransition) as refused:
        cancellable_waybill(shipment_id)
    message = refused.value.args[0]
    assert str(refused.value) == (f"shipment {shipment_id} is ready: only a dispatched shipment's waybill can be "
                                  "cancelled")
    assert isinstance(message, TextMessage) and message.text.values["status"] == Text("ready")
    assert Text.from_json(message.text.as_json()) == message.text
