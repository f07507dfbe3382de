"""The supply refusals and validation messages read exactly as before and keep their template and values, so the
portal can show them in the reader's language; a status or a list of statuses stays a code in English."""
import json

import pytest

from models.core.errors import InvalidTransition, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.supply.asns import AsnLineInput, create_asn
from models.supply.changes import cancel_purchase_order, close_purchase_order
from models.supply.confirmation_file import parse_confirmation_csv
from models.supply.confirmations import (
    ConfirmationInput,
    confirm_purchase_order,
    reject_counter,
)
from models.supply.dropship import ship_dropship_asn
from models.supply.purchasing import PurchaseLineInput, create_purchase_order
from models.supply.receipts import receive_purchase_order
from models.supply.tables import PurchaseOrder
from tests.factories import make_world
from tests.models.supply.test_confirmations import BUYER, answers, sent_purchase_order
from tests.models.supply.test_receipts import ACTOR, purchase


def kept(message: object, english: str, template: str) -> None:
    """``message`` reads ``english``, carries ``template``, and its stored form reads the same English again."""
    assert isinstance(message, TextMessage) and message == english
    assert message.text.template == template
    assert str(Text.from_json(json.loads(json.dumps(message.text.as_json())))) == english


def validation(call) -> dict:
    with pytest.raises(ValidationFailed) as raised:
        call()
    return raised.value.messages


def refusal(call) -> object:
    with pytest.raises(InvalidTransition) as raised:
        call()
    return raised.value.args[0]


def test_a_new_order_names_each_bad_line(any_db):
    world = make_world()
    messages = validation(lambda: create_purchase_order(
        supplier_code=world["supplier"].code, warehouse_code="EAST", actor=BUYER,
        lines=[PurchaseLineInput("NOPE", 1), PurchaseLineInput("WIDGET", 0), PurchaseLineInput("WIDGET", 1)]))
    kept(messages["lines[0].sku"][0], "unknown SKU 'NOPE'", "unknown SKU %(sku)s")
    kept(messages["lines[1].quantity"][0], "quantity must be a whole number of at least 1",
         "quantity must be a whole number of at least 1")
    kept(messages["lines[2].sku"][0], "WIDGET is on the order twice; give it once",
         "%(sku)s is on the order twice; give it once")
    messages = validation(lambda: create_purchase_order(supplier_code="NOBODY", warehouse_code="EAST", actor=BUYER,
                                                        lines=[PurchaseLineInput("WIDGET", 1)]))
    kept(messages["supplier"][0], "no supplier 'NOBODY'", "no supplier %(code)s")


def test_status_refusals_write_the_status_codes(any_db):
    world = make_world()
    sent = sent_purchase_order(world)
    message = refusal(lambda: close_purchase_order(sent.number, actor=BUYER, reason="done"))
    kept(message, f"{sent.number} is sent; only shipped, partially_received, received orders can be closed; "
                  "cancel it instead",
         "%(number)s is %(status)s; only %(statuses)s orders can be closed; cancel it instead")
    assert [str(status) for status in message.text.values["statuses"]] == ["shipped", "partially_received",
                                                                          "received"]
    kept(refusal(lambda: reject_counter(sent.number, actor=BUYER, reason="no")),
         f"{sent.number} is sent: there is no counter-proposal to decide",
         "%(number)s is %(status)s: there is no counter-proposal to decide")
    kept(validation(lambda: cancel_purchase_order(sent.number, actor=BUYER, reason=" "))["reason"][0],
         "say why you cancel the purchase order", "say why you cancel the purchase order")
    assert cancel_purchase_order(sent.number, actor=BUYER, reason="not needed")
    kept(refusal(lambda: confirm_purchase_order(sent.number, answers(10, 5), supplier_id=None, actor=BUYER)),
         f"{sent.number} is cancelled; only a sent or answered purchase order can be confirmed",
         "%(number)s is %(status)s; only a sent or answered purchase order can be confirmed")


def test_answers_and_announced_deliveries_name_the_line(any_db):
    world = make_world()
    sent = sent_purchase_order(world)
    messages = validation(lambda: confirm_purchase_order(
        sent.number, [ConfirmationInput("WIDGET", 10, None)], supplier_id=None, actor=BUYER))
    kept(messages["lines[0].promised_date"][0], "give the date you promise to deliver",
         "give the date you promise to deliver")
    kept(messages["lines.GADGET"][0], "GADGET is not answered; answer every line (0 when you cannot supply it)",
         "%(sku)s is not answered; answer every line (0 when you cannot supply it)")
    messages = validation(lambda: create_asn(sent.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 11)],
                                             carrier="", tracking_number="", expected_on=None, actor=BUYER))
    kept(messages["carrier"][0], "name the carrier", "name the carrier")
    kept(messages["lines[0].quantity"][0], "only 10 of WIDGET are still to announce",
         "only %(left)s of %(sku)s are still to announce")
    assert PurchaseOrder.get_by_id(sent.id).status == "sent"
    asn = create_asn(sent.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 2)], carrier="DHL",
                     tracking_number="T1", expected_on=None, actor=BUYER)
    kept(validation(lambda: ship_dropship_asn(asn.id, actor=BUYER))["asn"][0],
         f"{sent.number} is a stock order: its deliveries go to a warehouse",
         "%(number)s is a stock order: its deliveries go to a warehouse")


def test_a_receipt_names_what_is_wrong(any_db):
    world = make_world(on_hand=0)
    purchase(world, "DS-1", dropship=True)
    purchase(world, status="partially_confirmed")
    kept(validation(lambda: receive_purchase_order("DS-1", {"WIDGET": 1}, actor=ACTOR))["number"][0],
         "DS-1 is a drop-ship order: the customer receives it",
         "%(number)s is a drop-ship order: the customer receives it")
    messages = validation(lambda: receive_purchase_order("PO-9001", {"WIDGET": 11, "BOLT": 1}, actor=ACTOR))
    kept(messages["lines.WIDGET"][0], "only 10 of 10 are still to receive",
         "only %(open)s of %(ordered)s are still to receive")
    kept(messages["lines.BOLT"][0], "BOLT is not on this purchase order", "%(sku)s is not on this purchase order")
    kept(validation(lambda: receive_purchase_order("PO-9001", {"WIDGET": 1}, actor=ACTOR, asn_id=999))["asn"][0],
         "no shipping notice 999 on PO-9001", "no shipping notice %(asn)s on %(number)s")


def test_a_confirmation_file_names_the_row_and_column():
    messages = validation(lambda: parse_confirmation_csv(b"sku,quantity,promised_date,counter\n,x,31.3.2031,maybe\n"))
    kept(messages["row 2.sku"][0], "give the SKU", "give the SKU")
    kept(messages["row 2.quantity"][0], "'x' is not a whole number of 0 or more",
         "%(value)s is not a whole number of 0 or more")
    kept(messages["row 2.promised_date"][0], "'31.3.2031' is not a date (YYYY-MM-DD)",
         "%(value)s is not a date (YYYY-MM-DD)")
    kept(messages["row 2.counter"][0], "'maybe' is not yes or no", "%(value)s is not yes or no")
    kept(validation(lambda: parse_confirmation_csv(b"sku,amount\nWIDGET,1\n"))["file"][0],
         "the header must name the columns sku, quantity, promised_date (and optionally counter); missing: "
         "quantity, promised_date",
         "the header must name the columns %(columns)s (and optionally counter); missing: %(missing)s")
