"""Dead-letter refusals read exactly as before and keep their template for the portal."""
import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.operations.dead_letters import decide_dead_letters


@pytest.mark.parametrize("call, field, english, summary", [
    (dict(ids=[1, 2], note=""), "note",
     "a note is required when deciding several dead letters at once: say why",
     "a note is required when deciding several dead letters at once: say why"),
    (dict(ids=[], note="x"), "ids", "give ids or a queue", "name the dead letters: ids, or a queue"),
    (dict(ids=range(1, 1002), note="x"), "ids", "at most 1000", "1001 ids; at most 1000 at once"),
    (dict(ids=[1], note="x", decision="keep"), "decision", "retry or discard",
     "unknown decision 'keep'; use retry or discard"),
], ids=["no-note", "nothing-named", "too-many", "unknown-decision"])
def test_refusals_read_as_before_and_keep_their_template(call, field, english, summary):
    with pytest.raises(ValidationFailed) as caught:
        decide_dead_letters(call.pop("ids"), call.pop("decision", "retry"), actor="t", **call)
    message = caught.value.messages[field][0]
    assert message == english and isinstance(message, TextMessage) and str(message.text) == english
    assert str(caught.value) == summary and isinstance(caught.value.args[0], TextMessage)
