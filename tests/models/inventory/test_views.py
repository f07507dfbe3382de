"""Stock positions count incoming units as the supplier confirmed them and date them by the ASN."""
from datetime import date, timedelta

from models.inventory.views import stock_positions
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from schemas.stock import StockPositionOut
from tests.factories import make_world

ACTOR = "buyer@relay.test"


def test_incoming_is_what_the_supplier_confirmed_and_dated_by_its_asn(any_db):
    world = make_world(on_hand=10)
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor=ACTOR,
                                     lines=[PurchaseLineInput("WIDGET", 30), PurchaseLineInput("GADGET", 5)])
    send_purchase_order(purchase.number, actor=ACTOR, answer_within=timedelta(days=3))
    confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 20, date(2031, 3, 10)),
                                             ConfirmationInput("GADGET", 5, date(2031, 3, 12))],
                           supplier_id=world["supplier"].id, actor="sup1@relay.test")
    create_asn(purchase.number, supplier_id=world["supplier"].id, lines=[AsnLineInput("WIDGET", 20)],
               carrier="Road", tracking_number="T-1", expected_on=date(2031, 3, 4), actor="sup1@relay.test")
    positions, _ = stock_positions(warehouse="EAST", limit=10)
    by_sku = {p.sku: (p.incoming, p.incoming_on) for p in positions}
    assert by_sku == {"GADGET": (5, date(2031, 3, 12)), "WIDGET": (20, date(2031, 3, 4))}
    assert StockPositionOut().dump(positions[1])["incoming_on"] == "2031-03-04"
