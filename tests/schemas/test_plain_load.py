"""The plain loader stands in for OrderSchema.load only where the schema would load the very same: on any body the
loader takes, marshmallow takes it too and loads the same dict, and wherever marshmallow refuses, the loader
declines and marshmallow words the error."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate

from schemas.orders import OrderSchema, order_schema
from schemas.plain_load import PlainLoader

SHIP_TO = {"name": "Acme Receiving", "address": "1 Dock Road", "city": "Springfield", "region": "east",
           "country": "US", "postcode": "12345"}
BODY = {"external_ref": "PL-1", "customer_code": "CUST-001", "currency": "USD", "ship_to": SHIP_TO,
        "lines": [{"sku": "BRK-ST-100", "quantity": 2}, {"sku": "HNG-ST-020", "quantity": 4}]}

# values at and beyond the bounds the schema declares, of every JSON type and of none, and text no database stores
ODD = st.sampled_from([
    None, "", " ", "x", "US", "USA", "é", "a\x00b", "\ud800", "x" * 32, "x" * 33, "x" * 64, "x" * 65, "x" * 128,
    "x" * 129, "x" * 200, "x" * 201, 0, 1, 9, 10, -1, 1_000_000, 1_000_001, True, False, 1.0, 2.5, "3", "1.00",
    "1.005", "-1", "2026-12-24", "not a date", "ops@example.com", " ops@example.com ", "not-an-email", [], {},
    ["x"], {"x": 1}, "api", "portal", "nonsense", "EUR", "usd", "\t"])
MISSING = object()
ORDER_KEYS = ["channel", "external_ref", "customer_code", "currency", "ship_to", "lines", "requested_delivery_date",
              "notes", "priority", "unexpected"]
SHIP_TO_KEYS = ["name", "phone", "email", "address", "city", "region", "postcode", "country", "unexpected"]
LINE_KEYS = ["sku", "quantity", "unit_price", "unexpected"]


def _changed(base: dict, keys: list[str]):
    """``base`` with some of ``keys`` set to odd values or taken away."""
    return st.dictionaries(st.sampled_from(keys), st.one_of(ODD, st.just(MISSING)), max_size=3).map(
        lambda changes: {key: value for key, value in {**base, **changes}.items() if value is not MISSING})


LINES = st.lists(st.one_of(_changed({"sku": "BRK-ST-100", "quantity": 2}, LINE_KEYS),
                           _changed({"sku": "HNG-ST-020", "quantity": 3}, LINE_KEYS), ODD), max_size=4)
BODIES = st.builds(lambda order, ship_to, lines, swap: {**order, **({"ship_to": ship_to} if swap & 1 else {}),
                                                        **({"lines": lines} if swap & 2 else {})},
                   _changed(BODY, ORDER_KEYS), _changed(SHIP_TO, SHIP_TO_KEYS), LINES, st.integers(0, 3))


def _schema_load(body):
    """What marshmallow itself makes of ``body``: the loaded dict, or its errors."""
    try:
        return Schema.load(order_schema, body)
    except ValidationError as error:
        return error


def _plain_load(body):
    return order_schema._plain.load(body) if "_plain" in order_schema.__dict__ else _warm_and_load(body)


def _warm_and_load(body):
    order_schema.load(BODY)  # builds the instance's plain loader
    return order_schema._plain.load(body)


@settings(max_examples=1500, deadline=None)
@given(BODIES)
def test_what_the_plain_loader_takes_the_schema_takes_and_loads_the_same(body):
    plain, schema = _plain_load(body), _schema_load(body)
    if isinstance(schema, ValidationError):
        assert plain is None
        with pytest.raises(ValidationError):
            order_schema.load(body)
    else:
        assert plain is None or plain == schema
        assert order_schema.load(body) == schema


@pytest.mark.parametrize("body", [
    BODY,
    {**BODY, "channel": "portal", "notes": "ring twice", "priority": 9, "requested_delivery_date": None},
    {**BODY, "ship_to": {**SHIP_TO, "email": None, "phone": "+1 555"}},
    {**BODY, "ship_to": {**SHIP_TO, "email": "  "}},
    {**BODY, "lines": [{"sku": "BRK-ST-100", "quantity": 1_000_000, "unit_price": None}]},
    {**BODY, "external_ref": "é" * 128},
])
def test_a_plain_body_is_loaded_by_the_plain_loader_as_the_schema_loads_it(body):
    assert _plain_load(body) is not None
    assert _plain_load(body) == Schema.load(order_schema, body)


@pytest.mark.parametrize("body", [
    {**BODY, "lines": [{"sku": "BRK-ST-100", "quantity": 1}, {"sku": "BRK-ST-100", "quantity": 2}]},  # a hook
    {**BODY, "lines": [{"sku": "BRK-ST-100", "quantity": 1, "unit_price": "9.99"}]},  # a price to parse
    {**BODY, "ship_to": {**SHIP_TO, "email": "ops@example.com"}},  # an address to validate
    {**BODY, "notes": "a\x00b"},  # text no database stores
    {**BODY, "priority": True},  # a bool is not an int
])
def test_a_body_needing_more_than_a_glance_goes_through_the_schema(body):
    assert _plain_load(body) is None


def test_a_schema_with_a_field_or_hook_not_understood_is_never_loaded_plainly():
    class Odd(Schema):
        name = fields.String(validate=validate.Regexp("^a"))
    assert PlainLoader(Odd()).load({"name": "abc"}) is None
    assert PlainLoader(OrderSchema()).load(BODY) is None  # its hooks not named as understood
    assert PlainLoader(OrderSchema(), understood_hooks=frozenset({"_refuse_unstorable_text",
                                                                   "_one_line_per_sku"})).load(BODY) is not None
