"""Text no database can store is found wherever it sits in a body, whether the quick pass over the whole body or
the walk that names the field answers."""
import pytest

from schemas.fields import NUL_TEXT, SURROGATE_TEXT, unstorable_text

STORABLE = [
    {"external_ref": "PO-1", "lines": [{"sku": "BRK-ST-100", "quantity": 2}], "notes": "北京 — ünïcode, tab\there"},
    {"notes": "a literal \\u0000, backslash and all"},  # reads like an escaped NUL to the quick pass; is not one
    [{"sku": "x"}, "y", 3, None, True],
    {1: "a key that is not text", "b": "c"},
]


@pytest.mark.parametrize("body", STORABLE)
def test_storable_bodies_pass(body):
    assert unstorable_text(body) is None


@pytest.mark.parametrize("text, why", [("a\x00b", NUL_TEXT), ("\ud800", SURROGATE_TEXT)])
def test_unstorable_text_is_named_by_its_path(text, why):
    assert unstorable_text({"ship_to": {"name": "ok"}, "lines": [{"sku": "ok"}, {"sku": text}]}) == \
        {"lines": {1: {"sku": [why]}}}
    assert unstorable_text([{"notes": text}]) == {0: {"notes": [why]}}
    key = f"na{text}me"
    assert unstorable_text({key: 1}) == {key.encode("unicode_escape").decode("ascii"): [f"the field name {why}"]}
