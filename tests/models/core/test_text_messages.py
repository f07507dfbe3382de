"""A TextMessage reads, compares and serialises as its English and keeps its Text."""
import copy
import json
import pickle

import pytest

from models.core.errors import InvalidTransition
from models.core.text_messages import (
    TextMessage,
    field_problem,
    message_text_json,
    split_field_problem,
    stored_message,
)
from models.core.texts import Text
from models.core.transitions import transition


def test_a_text_message_is_its_english_and_keeps_its_template():
    message = TextMessage(Text("unknown SKU %(sku)s", sku=repr("NOPE")))
    assert message == "unknown SKU 'NOPE'" and isinstance(message, str)
    assert message.text.template == "unknown SKU %(sku)s" and message.text.values == {"sku": "'NOPE'"}
    assert json.dumps({"sku": [message]}) == '{"sku": ["unknown SKU \'NOPE\'"]}'
    for copied in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert copied == message and copied.text == message.text
    assert Text.from_json(json.loads(json.dumps(message.text.as_json()))) == message.text


def test_a_field_problem_reads_as_before_and_splits_back():
    message = field_problem("rate", Text("at most four decimals, got %(rate)s", rate="0.12345"))
    assert message == "rate: at most four decimals, got 0.12345"
    field, problem = split_field_problem(message)
    assert field == "rate" and problem == "at most four decimals, got 0.12345" and isinstance(problem, TextMessage)
    assert split_field_problem("code: no list X") == ("code", "no list X")


def test_a_stored_message_comes_back_with_its_template_or_as_written():
    message = TextMessage(Text("unknown SKU %(sku)s", sku=repr("NOPE")))
    back = stored_message(str(message), message_text_json(message))
    assert back == message and back.text == message.text
    assert message_text_json("plain") is None and stored_message("plain", None) == "plain"
    assert stored_message("kept", "not json") == "kept"


def test_a_refused_status_change_reads_as_before():
    with pytest.raises(InvalidTransition) as caught:
        transition("planet", 1, "x", actor="t")
    assert str(caught.value).startswith("unknown entity 'planet'; known: ")
    assert caught.value.args[0].text.template == "unknown entity %(entity)s; known: %(known)s"
