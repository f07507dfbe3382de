"""Webhook subscription refusals read exactly as before and keep their template for the portal."""
import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.webhooks.subscriptions import _checked_events


@pytest.mark.parametrize("events, english", [
    (["order.nope", "x.y"], "unknown event type: order.nope, x.y"),
    ([], "name at least one event type"),
])
def test_event_refusals_keep_their_template(events, english):
    with pytest.raises(ValidationFailed) as caught:
        _checked_events(events)
    message = caught.value.messages["events"][0]
    assert message == english and isinstance(message, TextMessage) and str(message.text) == english
