from decimal import Decimal

import pytest
from marshmallow import ValidationError

from schemas.master_data import KINDS, REQUIRED_HEADERS, ROW_SCHEMAS

GOOD = {
    "suppliers": {"code": "SUP1", "name": "Supplier One", "email": "s@example.com", "lead_time_days": "7"},
    "customers": {"code": "C1", "name": "Customer One", "kind": "customer", "distributor_code": "D1",
                  "email": "c@example.com", "region": "east", "credit_limit": "1000.00",
                  "payment_terms_days": "30", "outstanding_balance": "12.50", "blocked": "no"},
    "products": {"sku": "W1", "name": "Widget", "unit_price": "9.99", "currency": "USD", "weight_kg": "0.125",
                 "supplier_code": "SUP1", "dropship": "false", "reorder_point": "10"},
    "warehouses": {"code": "EAST", "name": "East", "region": "east", "address": "1 Road"},
    "lanes": {"warehouse_code": "EAST", "region": "west", "cost": "4.50", "lead_time_days": "2"},
    "stock": {"warehouse_code": "EAST", "sku": "W1", "on_hand": "5"},
}


def load(kind: str, cells: dict | None = None) -> dict:
    """The kind's good row with ``cells`` replaced, loaded."""
    return ROW_SCHEMAS[kind].load(GOOD[kind] | (cells or {}))


def errors(kind: str, cells: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(kind, cells)
    return caught.value.messages


def test_every_kind_has_a_schema_and_headers():
    assert set(ROW_SCHEMAS) == set(KINDS) == set(REQUIRED_HEADERS)


@pytest.mark.parametrize("kind", KINDS)
def test_good_row_loads(kind):
    assert load(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_every_required_header_is_a_field(kind):
    assert set(REQUIRED_HEADERS[kind]) <= set(ROW_SCHEMAS[kind].fields)


@pytest.mark.parametrize("kind, cells, expected", [
    ("suppliers", {"lead_time_days": "0"}, {"lead_time_days": 0}),
    ("suppliers", {"lead_time_days": "", "email": ""}, {"lead_time_days": None, "email": ""}),
    ("customers", {"credit_limit": ""}, {"credit_limit": None}),
    ("customers", {"credit_limit": "0"}, {"credit_limit": Decimal("0")}),
    ("customers", {"blocked": "", "payment_terms_days": "", "outstanding_balance": ""},
     {"blocked": False, "payment_terms_days": 30, "outstanding_balance": Decimal("0")}),
    ("customers", {"distributor_code": ""}, {"distributor_code": None}),
    ("customers", {"kind": " Distributor ", "distributor_code": ""}, {"kind": "distributor"}),
    ("customers", {"blocked": "YES"}, {"blocked": True}),
    ("customers", {"blocked": "1"}, {"blocked": True}),
    ("customers", {"blocked": "0"}, {"blocked": False}),
    ("customers", {"blocked": "True"}, {"blocked": True}),
    ("products", {"unit_price": "0.01"}, {"unit_price": Decimal("0.01")}),
    ("products", {"unit_price": "500"}, {"unit_price": Decimal("500")}),
    ("products", {"currency": "eur"}, {"currency": "EUR"}),
    ("products", {"currency": "", "weight_kg": "", "supplier_code": "", "dropship": "", "reorder_point": ""},
     {"currency": "USD", "weight_kg": Decimal("0"), "supplier_code": None, "dropship": False, "reorder_point": 0}),
    ("products", {"weight_kg": "1.125"}, {"weight_kg": Decimal("1.125")}),
    ("warehouses", {"address": ""}, {"address": ""}),
    ("lanes", {"cost": "0.00", "lead_time_days": "0"}, {"cost": Decimal("0"), "lead_time_days": 0}),
    ("stock", {"on_hand": " 0 "}, {"on_hand": 0}),
    ("stock", {"sku": "  W1  "}, {"sku": "W1"}),
])
def test_accepted_values(kind, cells, expected):
    loaded = load(kind, cells)
    assert {name: loaded[name] for name in expected} == expected


@pytest.mark.parametrize("kind, cells, field", [
    ("suppliers", {"code": ""}, "code"),
    ("suppliers", {"name": "  "}, "name"),
    ("suppliers", {"email": "not-an-email"}, "email"),
    ("suppliers", {"lead_time_days": "-1"}, "lead_time_days"),
    ("suppliers", {"lead_time_days": "2.5"}, "lead_time_days"),
    ("customers", {"kind": "supplier"}, "kind"),
    ("customers", {"region": ""}, "region"),
    ("customers", {"credit_limit": "1000.001"}, "credit_limit"),
    ("customers", {"credit_limit": "-0.01"}, "credit_limit"),
    ("customers", {"credit_limit": "NaN"}, "credit_limit"),
    ("customers", {"outstanding_balance": "ten"}, "outstanding_balance"),
    ("customers", {"payment_terms_days": "-30"}, "payment_terms_days"),
    ("customers", {"blocked": "maybe"}, "blocked"),
    ("customers", {"blocked": "y"}, "blocked"),
    ("customers", {"kind": "distributor"}, "distributor_code"),  # GOOD names a distributor for it
    ("customers", {"distributor_code": "C1"}, "distributor_code"),
    ("products", {"unit_price": "9.999"}, "unit_price"),
    ("products", {"unit_price": "-1.00"}, "unit_price"),
    ("products", {"unit_price": ""}, "unit_price"),
    ("products", {"unit_price": "1000000000000.00"}, "unit_price"),
    ("products", {"weight_kg": "0.0001"}, "weight_kg"),
    ("products", {"weight_kg": "-0.5"}, "weight_kg"),
    ("products", {"currency": "XXX"}, "currency"),
    ("products", {"dropship": "perhaps"}, "dropship"),
    ("products", {"dropship": "yes", "supplier_code": ""}, "supplier_code"),
    ("products", {"reorder_point": "-1"}, "reorder_point"),
    ("products", {"sku": "X" * 65}, "sku"),
    ("warehouses", {"region": ""}, "region"),
    ("lanes", {"cost": "4.555"}, "cost"),
    ("lanes", {"cost": "-4.50"}, "cost"),
    ("lanes", {"lead_time_days": ""}, "lead_time_days"),
    ("stock", {"on_hand": "-1"}, "on_hand"),
    ("stock", {"on_hand": "1.5"}, "on_hand"),
    ("stock", {"on_hand": "2147483648"}, "on_hand"),
    ("stock", {"warehouse_code": ""}, "warehouse_code"),
])
def test_rejected_values_name_the_field(kind, cells, field):
    assert field in errors(kind, cells)


def test_blank_required_cell_says_so():
    assert errors("stock", {"on_hand": ""}) == {"on_hand": ["may not be blank"]}


def test_three_decimal_price_message():
    assert errors("products", {"unit_price": "1.005"}) == {"unit_price": ["at most 2 decimal places"]}


def test_headers_match_in_any_case_and_extra_columns_are_ignored():
    row = {" Warehouse_Code ": "EAST", "SKU": "W1", "On_Hand": "3", "comment": "counted on Monday"}
    assert ROW_SCHEMAS["stock"].load(row) == {"warehouse_code": "EAST", "sku": "W1", "on_hand": 3}
