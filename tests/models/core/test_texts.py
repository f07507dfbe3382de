"""Domain sentences read in English, keep their values through JSON, and render through any catalogue."""
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.core.texts import Joined, Text, _json_value, dumps, render


def test_a_text_reads_in_english_and_fills_nested_texts_and_lists():
    reason = Text("exposure %(exposure)s %(currency)s is above %(what)s", exposure=Decimal("120.50"), currency="EUR",
                  what=Text("the limit of %(limit)s", limit="100.00"))
    assert str(reason) == "exposure 120.50 EUR is above the limit of 100.00"
    both = Joined([Text("SKU %(sku)s short", sku="A"), Text("SKU %(sku)s short", sku="B")])
    assert str(both) == "SKU A short; SKU B short"
    assert render(["x", Text("y")], lambda t: t) == "x, y"


def test_json_round_trip_keeps_templates_values_and_joins():
    message = Joined([Text("a %(n)s", n=Decimal("1.50")), Text("b %(inner)s", inner=Text("c %(d)s", d=2))], " / ")
    stored = {"message": Text("all: %(parts)s", parts=message).as_json()}
    back = Text.from_json(stored["message"])
    assert str(back) == "all: a 1.50 / b c 2"
    assert Text.from_json("written before templates") == "written before templates"
    assert Text.from_json(None) == ""


def test_rendering_passes_every_template_and_separator_through_the_catalogue():
    catalogue = {"stock short for %(skus)s": "庫存不足：%(skus)s", "SKU %(sku)s": "SKU %(sku)s", "; ": "；"}
    message = Text("stock short for %(skus)s", skus=Joined([Text("SKU %(sku)s", sku="A"), Text("SKU %(sku)s", sku="B")]))
    assert render(message, lambda t: catalogue.get(t, t)) == "庫存不足：SKU A；SKU B"


SHARED = Text("%(when)s: %(cost)s of %(lines)s", when=datetime(2026, 12, 6, 5, 0), cost=Decimal("8.25"),
              lines=Joined([Text("%(n)s line", n=1)], ", "))


@pytest.mark.parametrize("document", [
    Text("plain"),
    {"plan": Text("%(a)s and %(b)s", a=Text("in %(n)s", n=Decimal("1.50")), b=Joined([Text("x"), "y"], " + ")),
     "lines": [Text("on %(day)s", day=date(2026, 12, 3)), "words", 3, None], "flag": True},
    [Text("%(items)s", items=[Text("one"), "two"])],
    {"twice": [SHARED, SHARED, Text("%(parts)s", parts=(SHARED, 2))], "again": Text("%(s)s", s=SHARED)},
])
def test_dumps_writes_what_json_of_as_json_writes(document):
    def tree(value):
        if isinstance(value, (Text, Joined)):
            return _json_value(value)
        if isinstance(value, dict):
            return {key: tree(item) for key, item in value.items()}
        if isinstance(value, list):
            return [tree(item) for item in value]
        return value
    assert json.loads(dumps(document)) == json.loads(json.dumps(tree(document)))
    assert dumps(document) == dumps(document)  # the second time from the trees kept on the texts


def test_english_reads_as_render_does_and_a_shared_part_is_built_once():
    shared = Text("%(sources)s, cost %(cost)s", sources=Joined(["EAST", Text("%(code)s (drop-ship)", code="ACME")],
                                                               " + "), cost=Decimal("8.25"))
    first = Text("Chosen: %(plan)s; %(lines)s.", plan=shared, lines=[Text("line %(n)s", n=1), None, 2])
    second = Text("Runner-up: %(plan)s.", plan=shared)
    assert str(first) == render(first, lambda t: t) == "Chosen: EAST + ACME (drop-ship), cost 8.25; line 1, , 2."
    assert str(second) == render(second, lambda t: t) == "Runner-up: EAST + ACME (drop-ship), cost 8.25."
    assert shared.__dict__["_english"] == "EAST + ACME (drop-ship), cost 8.25"  # kept from the first reading
    assert shared == Text("%(sources)s, cost %(cost)s", sources=shared.values["sources"], cost=Decimal("8.25"))
