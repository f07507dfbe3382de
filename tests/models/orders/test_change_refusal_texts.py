"""Why an order may not be changed: the English as before, with its template and the status as a word."""
import pytest

from models.core.texts import Text, render
from models.orders.change_rules import refusal


@pytest.mark.parametrize("status, role, left, holds, english", [
    ("allocated", "ops_admin", True, True,
     "a shipment of this order has left the warehouse; it can no longer be changed"),
    ("shipped", "ops_admin", False, False, "the order is shipped; it can no longer be changed"),
    ("on_hold", "distributor", False, True,
     "stock is already reserved for this order; ask our order desk to change it"),
    ("partially_allocated", "distributor", False, False,
     "stock is already reserved for this order; ask our order desk to change it"),
])
def test_the_refusal_reads_as_before_and_keeps_its_text(status, role, left, holds, english):
    why = refusal(status, role=role, shipment_left=left, holds_stock=holds)
    assert why == english and str(why.text) == english
    assert str(Text.from_json(why.text.as_json())) == english


def test_the_status_inside_a_refusal_is_a_word_of_its_own():
    why = refusal("cancelled", role="ops_admin", shipment_left=False, holds_stock=False)
    catalogue = {"the order is %(status)s; it can no longer be changed": "訂單狀態為%(status)s；無法再修改",
                 "cancelled": "已取消"}
    assert render(why.text, lambda template: catalogue.get(template, template)) == "訂單狀態為已取消；無法再修改"
