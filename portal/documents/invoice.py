"""A customer invoice: who owes what for which order, the lines, the totals, what was paid and the balance."""
from __future__ import annotations

from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from models.receivables.invoice_documents import InvoiceDocument
from portal.documents import BOLD, COMPANY, CONTENT_WIDTH, build_pdf, grid_table, para

LINE_WIDTHS = [10 * mm, 30 * mm, 56 * mm, 14 * mm, 24 * mm, 22 * mm, 24 * mm]


def render_invoice(invoice: InvoiceDocument) -> bytes:
    """The invoice as an A4 PDF."""
    story = [_header(invoice), Spacer(1, 5 * mm), _parties(invoice), Spacer(1, 6 * mm), _lines(invoice),
             Spacer(1, 4 * mm), _totals(invoice)]
    footer = f"{COMPANY} - invoice {invoice.number}"
    return build_pdf(story, title=f"Invoice {invoice.number}", footer=footer)


def _header(invoice: InvoiceDocument) -> Table:
    left = [para(COMPANY, "company"), para("Invoice", "title")]
    right = [para(invoice.number, "big"), para(f"Issued {invoice.issued_at:%Y-%m-%d}"),
             para(f"Due {invoice.due_on:%Y-%m-%d}", bold=True),
             para("Paid" if invoice.status == "paid" else "Open", "small")]
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
                               ("BOTTOMPADDING", (0, 0), (-1, 0), 6)]))
    return table


def _parties(invoice: InvoiceDocument) -> Table:
    customer = [para("CUSTOMER", "heading"), para(invoice.customer_name, "strong"),
                para(f"Customer {invoice.customer_code}", "small")]
    if invoice.customer_email:
        customer.append(para(invoice.customer_email, "small"))
    for line in invoice.bill_to:
        customer.append(para(line))
    reference = [para("REFERENCE", "heading")]
    if invoice.order_id is None:
        reference.append(para("Opening balance"))
    else:
        reference += [para(f"Order {invoice.order_ref}", bold=True), para(f"Order #{invoice.order_id}", "small")]
    reference.append(para(f"Currency {invoice.currency}", "small"))
    half = CONTENT_WIDTH / 2
    table = Table([[customer, reference]], colWidths=[half, half])
    table.setStyle(TableStyle([("BOX", (0, 0), (0, 0), 0.8, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return table


def _lines(invoice: InvoiceDocument) -> Table:
    rows: list[list] = [["#", "SKU", "Description", "Qty", "Unit price", "Tax", "Amount"]]
    for line in invoice.lines:
        rows.append([str(line.line_no), para(line.sku, "cell"), para(line.description, "cell"), str(line.quantity),
                     _money(line.unit_price), _money(line.tax_amount), _money(line.line_total)])
    return grid_table(rows, LINE_WIDTHS, long=True, extra=(("ALIGN", (3, 0), (-1, -1), "RIGHT"),))


def _totals(invoice: InvoiceDocument) -> Table:
    currency = invoice.currency
    rows = [["Subtotal", f"{_money(invoice.subtotal)} {currency}"],
            ["Shipping", f"{_money(invoice.shipping)} {currency}"],
            ["Tax (incl.)" if invoice.prices_include_tax else "Tax", f"{_money(invoice.tax)} {currency}"],
            ["Total", f"{_money(invoice.amount)} {currency}"],
            ["Paid", f"{_money(invoice.paid)} {currency}"],
            ["Balance due", f"{_money(invoice.balance)} {currency}"]]
    table = Table(rows, colWidths=[40 * mm, 44 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, 3), (-1, 3), BOLD),
                               ("FONTNAME", (0, -1), (-1, -1), BOLD), ("LINEABOVE", (0, 3), (-1, 3), 0.8, colors.black),
                               ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black)]))
    return table


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"
