"""A customer invoice: who owes what for which order, the lines, the totals, what was paid and the balance."""
from __future__ import annotations

from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from models.receivables.invoice_documents import InvoiceDocument
from portal.documents import (
    BOLD,
    COMPANY,
    CONTENT_WIDTH,
    build_pdf,
    cjk_cells,
    document_language,
    grid_table,
    label,
    para,
)

LINE_WIDTHS = [10 * mm, 30 * mm, 56 * mm, 14 * mm, 24 * mm, 22 * mm, 24 * mm]


def render_invoice(invoice: InvoiceDocument) -> bytes:
    """The invoice as an A4 PDF, in its customer's language."""
    with document_language(invoice.language):
        return _render(invoice)


def _render(invoice: InvoiceDocument) -> bytes:
    story = [_header(invoice), Spacer(1, 5 * mm), _parties(invoice), Spacer(1, 6 * mm), _lines(invoice),
             Spacer(1, 4 * mm), _totals(invoice)]
    footer = label("{company} - invoice {number}", company=COMPANY, number=invoice.number)
    return build_pdf(story, title=label("Invoice {number}", number=invoice.number), footer=footer)


def _header(invoice: InvoiceDocument) -> Table:
    left = [para(COMPANY, "company"), para(label("Invoice"), "title")]
    right = [para(invoice.number, "big"), para(label("Issued {date}", date=f"{invoice.issued_at:%Y-%m-%d}")),
             para(label("Due {date}", date=f"{invoice.due_on:%Y-%m-%d}"), bold=True),
             para(label("Paid") if invoice.status == "paid" else label("Open"), "small")]
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
                               ("BOTTOMPADDING", (0, 0), (-1, 0), 6)]))
    return table


def _parties(invoice: InvoiceDocument) -> Table:
    customer = [para(label("CUSTOMER"), "heading"), para(invoice.customer_name, "strong"),
                para(label("Customer {code}", code=invoice.customer_code), "small")]
    if invoice.customer_email:
        customer.append(para(invoice.customer_email, "small"))
    for line in invoice.bill_to:
        customer.append(para(line))
    reference = [para(label("REFERENCE"), "heading")]
    if invoice.order_id is None:
        reference.append(para(label("Opening balance")))
    else:
        reference += [para(label("Order {ref}", ref=invoice.order_ref), bold=True),
                      para(label("Order #{id}", id=invoice.order_id), "small")]
    reference.append(para(label("Currency {code}", code=invoice.currency), "small"))
    half = CONTENT_WIDTH / 2
    table = Table([[customer, reference]], colWidths=[half, half])
    table.setStyle(TableStyle([("BOX", (0, 0), (0, 0), 0.8, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return table


def _lines(invoice: InvoiceDocument) -> Table:
    rows: list[list] = [["#", label("SKU"), label("Description"), label("Qty"), label("Unit price"), label("Tax"),
                         label("Amount")]]
    for line in invoice.lines:
        rows.append([str(line.line_no), para(line.sku, "cell"), para(line.description, "cell"), str(line.quantity),
                     _money(line.unit_price), _money(line.tax_amount), _money(line.line_total)])
    return grid_table(rows, LINE_WIDTHS, long=True, extra=(("ALIGN", (3, 0), (-1, -1), "RIGHT"),))


def _totals(invoice: InvoiceDocument) -> Table:
    currency = invoice.currency
    rows = [[label("Subtotal"), f"{_money(invoice.subtotal)} {currency}"],
            [label("Shipping"), f"{_money(invoice.shipping)} {currency}"],
            [label("Tax (incl.)") if invoice.prices_include_tax else label("Tax"), f"{_money(invoice.tax)} {currency}"],
            [label("Total"), f"{_money(invoice.amount)} {currency}"],
            [label("Paid"), f"{_money(invoice.paid)} {currency}"],
            [label("Balance due"), f"{_money(invoice.balance)} {currency}"]]
    table = Table(cjk_cells(rows), colWidths=[40 * mm, 44 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, 3), (-1, 3), BOLD),
                               ("FONTNAME", (0, -1), (-1, -1), BOLD), ("LINEABOVE", (0, 3), (-1, 3), 0.8, colors.black),
                               ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black)]))
    return table


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"
