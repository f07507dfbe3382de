"""Schemathesis against the served OpenAPI description: every operation, called with a valid token on a seeded
world, never answers 5xx and never answers what the description does not allow (status or body).

Nothing is excluded. The signed webhooks (carrier events, shop orders) are fuzzed unsigned: their answers are the
401 the description gives; their signed paths are proven in tests/portal/test_api.py and test_api_channels.py."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from models.partners.tables import ApiToken, User
from models.returns.requesting import RequestedLine, request_return
from models.supply.purchasing import PurchaseLineInput, create_purchase_order
from models.supply.tables import PurchaseOrder
from tests.factories import allow_repeat_orders, delivered_order
from tests.portal.conftest import USERS, place, put_on_hold

pytestmark = pytest.mark.slow(seconds=120)

EXAMPLES = 12  # per operation and token: ~70 operations stay within a couple of minutes on a busy machine
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def seed_world() -> dict[str, object]:
    """Records the path parameters can name, so calls reach the views' real work and not only their 404."""
    allow_repeat_orders()
    place("FUZZ-OPEN", placed_by="DIST1")
    held = place("FUZZ-HELD")
    put_on_hold(held.id)
    delivered = delivered_order("FUZZ-DELIVERED")
    returned = request_return(delivered.id, resolution="refund", reason="damaged", comment="", via="api",
                              actor="test", lines=[RequestedLine("WIDGET", 1)])
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor="test",
                                     lines=[PurchaseLineInput(sku="WIDGET", quantity=5, unit_price=None)])
    shipment_id = delivered.shipments.get().id
    return {"order_id": held.id, "return_id": returned.id, "shipment_id": shipment_id,
            "number": PurchaseOrder.get_by_id(purchase.id).number, "code": None}


def known_value(path: str, name: str, seeded: dict[str, object]) -> object:
    if name == "code":  # the one name several routes give different things
        return ("SUP1" if "/suppliers/" in path else "EAST" if "/warehouses/" in path
                else "CUST1" if "/customers/" in path else "shop")
    return seeded.get(name)


def fuzz(app, role: str, seeded: dict[str, object]) -> list[str]:
    """Run every operation as ``role``; the failures, each named by its operation."""
    token = ApiToken.issue(User.get(User.email == USERS[role][0]))
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            run_operation(operation, headers, seeded)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - gather every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:3000])
    return failures


def run_operation(operation, headers: dict[str, str], seeded: dict[str, object]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def call(data):
        case = data.draw(operation.as_strategy())
        if case.path_parameters and data.draw(st.booleans()):  # half the calls name records that exist
            for name in case.path_parameters:
                value = known_value(operation.path, name, seeded)
                if value is not None:
                    case.path_parameters[name] = value
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()


def test_every_operation_holds_to_the_description_for_ops(app):
    failures = fuzz(app, "ops_admin", seed_world())
    assert not failures, "\n\n".join(failures)


def test_every_operation_holds_to_the_description_for_a_distributor(app):
    failures = fuzz(app, "distributor", seed_world())
    assert not failures, "\n\n".join(failures)
