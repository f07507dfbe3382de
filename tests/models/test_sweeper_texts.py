"""The sweeper's refusal reads exactly as before and keeps its template."""
import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.sweeper import redrive_orders


def test_a_status_that_is_not_working_is_refused_with_its_template():
    with pytest.raises(ValidationFailed) as caught:
        redrive_orders("shipped", [1])
    assert caught.value.messages["status"] == ["not a working status: shipped"]
    assert isinstance(caught.value.messages["status"][0], TextMessage)
    assert str(caught.value) == "only working orders are re-driven"
