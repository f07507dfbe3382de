"""The purchase order on paper and in a spreadsheet: what was ordered, at what price, delivered where (the
warehouse, or for drop-ship the customer's ship-to) and by when, with the supplier's answer so far.

The CSV has one row per line with ``sku``, ``quantity`` and ``promised_date`` columns, so a supplier can fill it
in and upload it back as its confirmation (see confirmation_file)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from models.core.base import utc_now
from models.core.csv_export import write_csv
from models.core.errors import NotFound
from models.core.pdf import (
    BOLD,
    COMPANY,
    CONTENT_WIDTH,
    build_pdf,
    document_language,
    grid_table,
    label,
    para,
)
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order
from models.partners.tables import Partner
from models.supply.tables import PurchaseOrder, PurchaseOrderLine

LINE_WIDTHS = [30 * mm, 50 * mm, 16 * mm, 22 * mm, 24 * mm, 16 * mm, 22 * mm]
CSV_HEADER = ("purchase_order", "revision", "status", "supplier", "deliver_to", "sku", "product", "quantity",
              "unit_price", "currency", "line_total", "expected_at", "confirmed_quantity", "promised_date",
              "received_quantity", "damaged_quantity")


@dataclass(frozen=True)
class DeliverTo:
    """Where the goods go: a warehouse of ours, or the customer of a drop-ship order."""

    name: str
    address: tuple[str, ...]  # printable lines after the name
    reference: str  # "Warehouse EAST" or "Order <ref>"

    def one_line(self) -> str:
        return ", ".join((self.name, *self.address))


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    confirmed_quantity: int | None
    promised_date: date | None
    received_quantity: int
    damaged_quantity: int

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class PurchaseOrderDocument:
    number: str
    kind: str
    status: str
    revision: int
    supplier_code: str
    supplier_name: str
    currency: str
    expected_at: date | None
    created_at: datetime
    sent_at: datetime | None
    confirm_by: datetime | None
    note: str
    deliver_to: DeliverTo
    lines: tuple[DocumentLine, ...]
    printed_at: datetime
    language: str = ""  # the supplier's (Partner.locale): the PDF is printed in it

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


def purchase_order_document(purchase_id: int) -> PurchaseOrderDocument:
    """The purchase order as its documents and mails show it; NotFound when there is none."""
    purchase = PurchaseOrder.get_or_none(PurchaseOrder.id == purchase_id)
    if purchase is None:
        raise NotFound(f"purchase order {purchase_id} not found")
    supplier = Partner.get_by_id(purchase.supplier_id)
    lines = tuple(DocumentLine(sku=line.product.sku, name=line.product.name, quantity=line.quantity,
                               unit_price=line.unit_cost, confirmed_quantity=line.confirmed_quantity,
                               promised_date=line.promised_date, received_quantity=line.received_quantity,
                               damaged_quantity=line.damaged_quantity)
                  for line in PurchaseOrderLine.select(PurchaseOrderLine, Product).join(Product)
                  .where(PurchaseOrderLine.purchase_order == purchase.id).order_by(PurchaseOrderLine.id))
    return PurchaseOrderDocument(
        number=purchase.number, kind=purchase.kind, status=purchase.status, revision=purchase.revision,
        supplier_code=supplier.code, supplier_name=supplier.name, currency=purchase.currency,
        expected_at=purchase.expected_at, created_at=purchase.created_at, sent_at=purchase.sent_at,
        confirm_by=purchase.confirm_by, note=purchase.note, deliver_to=deliver_to(purchase), lines=lines,
        printed_at=utc_now(), language=supplier.locale)


def deliver_to(purchase: PurchaseOrder) -> DeliverTo:
    """The warehouse address, or for a drop-ship order the ship-to of its sales order."""
    if purchase.dropship and purchase.sales_order_id:
        order = Order.get_by_id(purchase.sales_order_id)
        place = " ".join(part for part in (order.ship_to_postcode, order.ship_to_city) if part)
        area = ", ".join(part for part in (order.ship_to_region, order.ship_to_country) if part)
        phone = (f"Tel. {order.ship_to_phone}",) if order.ship_to_phone else ()
        address = tuple(part for part in (*order.ship_to_address.splitlines(), place, area) if part.strip())
        return DeliverTo(order.ship_to_name, address + phone, f"Order {order.external_ref}")
    if purchase.warehouse_id is None:
        return DeliverTo("(no delivery address)", (), "")
    warehouse = Warehouse.get_by_id(purchase.warehouse_id)
    return DeliverTo(warehouse.name, tuple(line for line in warehouse.address.splitlines() if line.strip()),
                     f"Warehouse {warehouse.code}")


def purchase_order_csv(purchase_id: int) -> str:
    """The purchase order as CSV, one row per line (cells that a spreadsheet would run are neutralised)."""
    document = purchase_order_document(purchase_id)
    rows = [CSV_HEADER]
    for line in document.lines:
        rows.append((document.number, document.revision, document.status, document.supplier_code,
                     document.deliver_to.one_line(), line.sku, line.name, line.quantity, line.unit_price,
                     document.currency, line.total, _day(document.expected_at),
                     "" if line.confirmed_quantity is None else line.confirmed_quantity, _day(line.promised_date),
                     line.received_quantity, line.damaged_quantity))
    buffer = io.StringIO(newline="")
    write_csv(buffer, rows)
    return buffer.getvalue()


def purchase_order_pdf(purchase_id: int) -> bytes:
    """The purchase order as an A4 PDF to send or print, in the supplier's language."""
    document = purchase_order_document(purchase_id)
    with document_language(document.language):
        return _render(document)


def _render(document: PurchaseOrderDocument) -> bytes:
    story = [_header(document), Spacer(1, 5 * mm), _references(document), Spacer(1, 5 * mm),
             _parties(document), Spacer(1, 6 * mm), _lines(document)]
    if document.note:
        story += [Spacer(1, 5 * mm), para(label("NOTE"), "heading"), para(document.note)]
    footer = label("{company} - purchase order {number} rev. {revision}", company=COMPANY, number=document.number,
                   revision=document.revision)
    return build_pdf(story, title=label("Purchase order {number}", number=document.number), footer=footer)


def _header(document: PurchaseOrderDocument) -> Table:
    title = label("Purchase order (drop-ship)") if document.kind == "drop_ship" else label("Purchase order")
    rows = [[[para(COMPANY, "company"), para(title, "title")],
             [para(document.number, "big"),
              para(label("Revision {revision} - {status}", revision=document.revision, status=document.status),
                   "small")]]]
    table = Table(rows, colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.black),
                               ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
    return table


def _references(document: PurchaseOrderDocument) -> Table:
    rows = [
        [label("Ordered"), para(_day(document.created_at) or ""), label("Deliver by"),
         para(_day(document.expected_at) or "-", bold=True)],
        [label("Sent"), para(_day(document.sent_at) or label("not yet")), label("Answer by"),
         para(_day(document.confirm_by) or "-")],
        [label("Currency"), para(document.currency), label("Printed"),
         para(f"{document.printed_at:%Y-%m-%d %H:%M} UTC")],
    ]
    half = CONTENT_WIDTH / 2
    return grid_table(rows, [24 * mm, half - 24 * mm, 24 * mm, half - 24 * mm], header=False,
                      extra=(("FONTNAME", (0, 0), (0, -1), BOLD), ("FONTNAME", (2, 0), (2, -1), BOLD)))


def _parties(document: PurchaseOrderDocument) -> Table:
    supplier = [para(label("SUPPLIER"), "heading"), para(document.supplier_name, "strong"),
                para(document.supplier_code, "small")]
    place = document.deliver_to
    recipient = [para(label("DELIVER TO"), "heading"), para(place.name, "strong"),
                 *[para(line) for line in place.address],
                 para(place.reference, "small")]
    half = CONTENT_WIDTH / 2
    table = Table([[supplier, recipient]], colWidths=[half - 3 * mm, half + 3 * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (0, 0), 0.8, colors.black), ("BOX", (1, 0), (1, 0), 1.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6), ("LEFTPADDING", (0, 0), (-1, -1), 6)]))
    return table


def _lines(document: PurchaseOrderDocument) -> Table:
    rows: list[list] = [[label("SKU"), label("Product"), label("Qty"), label("Unit price"), label("Line total"),
                         label("Conf."), label("Promised")]]
    for line in document.lines:
        confirmed = "" if line.confirmed_quantity is None else str(line.confirmed_quantity)
        rows.append([para(line.sku, "cell"), para(line.name, "cell"), str(line.quantity), f"{line.unit_price:.2f}",
                     f"{line.total:.2f}", confirmed, _day(line.promised_date) or ""])
    rows.append(["", label("Total"), str(sum(line.quantity for line in document.lines)), "",
                 f"{document.total:.2f} {document.currency}", "", ""])
    return grid_table(rows, LINE_WIDTHS, long=len(rows) > 40, extra=(
        ("ALIGN", (2, 0), (5, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD),
        ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black)))


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d")
