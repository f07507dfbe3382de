"""What a printed invoice shows: its number, dates, customer, the order's lines, totals, what was paid and the
balance. A loader only; the portal lays it out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import peewee

from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.receivables.ledger import ZERO, Invoice


@dataclass(frozen=True)
class InvoiceLine:
    line_no: int
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    tax_amount: Decimal = ZERO


@dataclass(frozen=True)
class InvoiceDocument:
    id: int
    number: str
    status: str
    issued_at: datetime
    due_on: date
    currency: str
    customer_code: str
    customer_name: str
    customer_email: str
    order_id: int | None  # None: an opening balance
    order_ref: str
    bill_to: tuple[str, ...]  # the order's ship-to lines; empty for an opening balance
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    shipping: Decimal
    amount: Decimal  # the order's total: with its tax, added to net prices or inside gross ones
    paid: Decimal
    tax: Decimal = ZERO
    prices_include_tax: bool = False
    language: str = ""  # the customer's (Partner.locale): the invoice is printed in it

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


def invoice_document(invoice_id: int) -> InvoiceDocument | None:
    """The invoice as printed, or None when there is none with that id; three queries."""
    invoice = (Invoice.select(Invoice, Partner).join(Partner).where(Invoice.id == invoice_id).first())
    if invoice is None:
        return None
    order = Order.get_or_none(Order.id == invoice.order_id) if invoice.order_id else None
    if order is None:
        lines = (InvoiceLine(1, "", "Opening balance", 1, invoice.amount, invoice.amount),)
        subtotal, shipping, bill_to, order_ref = invoice.amount, ZERO, (), ""
        tax, included = ZERO, False
    else:
        lines = tuple(InvoiceLine(line.line_no, line.sku, line.product.name if line.product_id else line.sku,
                                  line.quantity, line.unit_price, line.line_total, line.tax_amount)
                      for line in OrderLine.select(OrderLine, Product).join(Product, peewee.JOIN.LEFT_OUTER)
                      .where(OrderLine.order == order.id).order_by(OrderLine.line_no))
        subtotal, shipping, order_ref = order.subtotal, order.shipping_total, order.external_ref
        tax, included = order.tax_total, order.prices_include_tax
        place = " ".join(part for part in (order.ship_to_postcode, order.ship_to_city) if part)
        bill_to = tuple(part for part in (order.ship_to_name, order.ship_to_address, place,
                                          ", ".join(p for p in (order.ship_to_region, order.ship_to_country) if p))
                        if part)
    customer = invoice.customer
    return InvoiceDocument(id=invoice.id, number=invoice.number, status=invoice.status, issued_at=invoice.issued_at,
                           due_on=invoice.due_on, currency=invoice.currency, customer_code=customer.code,
                           customer_name=customer.name, customer_email=customer.email,
                           order_id=invoice.order_id, order_ref=order_ref, bill_to=bill_to, lines=lines,
                           subtotal=subtotal, shipping=shipping, amount=invoice.amount, paid=invoice.paid,
                           tax=tax, prices_include_tax=included, language=customer.locale)
