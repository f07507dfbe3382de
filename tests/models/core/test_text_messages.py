"""A TextMessage reads, compares and serialises as its English and keeps its Text."""
import copy
import json
import pickle

from models.core.text_messages import TextMessage
from models.core.texts import Text


def test_a_text_message_is_its_english_and_keeps_its_template():
    message = TextMessage(Text("unknown SKU %(sku)s", sku=repr("NOPE")))
    assert message == "unknown SKU 'NOPE'" and isinstance(message, str)
    assert message.text.template == "unknown SKU %(sku)s" and message.text.values == {"sku": "'NOPE'"}
    assert json.dumps({"sku": [message]}) == '{"sku": ["unknown SKU \'NOPE\'"]}'
    for copied in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert copied == message and copied.text == message.text
    assert Text.from_json(json.loads(json.dumps(message.text.as_json()))) == message.text
