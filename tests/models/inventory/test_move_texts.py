"""A refused stock move names its problem as before, each message keeping its template and values."""
import pytest

from models.core.errors import ValidationFailed
from models.core.texts import Text
from models.inventory.moves import adjust_stock
from tests.factories import make_world

ACTOR = "agent@relay.test"


def test_the_messages_read_as_before_and_keep_their_texts(any_db):
    make_world(on_hand=10)
    with pytest.raises(ValidationFailed) as caught:
        adjust_stock("WEST", "GADGET", -11, reason_code="cycle_count", actor=ACTOR)
    [message] = caught.value.messages["quantity_change"]
    assert message == "WEST has only 10 GADGET on hand; cannot take 11"
    assert message.text.template == "%(warehouse)s has only %(on_hand)s %(sku)s on hand; cannot take %(taken)s"
    assert str(Text.from_json(message.text.as_json())) == message
    with pytest.raises(ValidationFailed) as caught:
        adjust_stock("WEST", "GADGET", 5, reason_code="damaged", actor=ACTOR)
    [message] = caught.value.messages["quantity_change"]
    assert message == "damaged can only take units away" and message.text.values["reason"] == Text("damaged")
