"""The dispatch note that travels with a shipment: addresses, references, waybill barcode, lines and signatures."""
from __future__ import annotations

from decimal import Decimal

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from models.shipping.documents import DispatchNote, ShipFrom, ShipTo
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
    signature_boxes,
)

BARCODE_WIDTH = 80 * mm
BAR_WIDTH = 0.42 * mm  # narrowest bar; shrunk for long numbers, never below what scanners read well
MIN_BAR_WIDTH = 0.25 * mm
LINE_WIDTHS = [10 * mm, 38 * mm, 66 * mm, 18 * mm, 22 * mm, 26 * mm]


def render_dispatch_note(note: DispatchNote) -> bytes:
    """The dispatch note of one shipment as an A4 PDF, in its customer's language."""
    with document_language(note.language):
        return _render(note)


def _render(note: DispatchNote) -> bytes:
    story = [
        _header(note), Spacer(1, 5 * mm), _references(note), Spacer(1, 5 * mm),
        _addresses(note.ship_from, note.ship_to), Spacer(1, 6 * mm), _lines(note), Spacer(1, 4 * mm),
        *_order_value(note), Spacer(1, 8 * mm),
        signature_boxes((label("Packed by"), label("Checked by"), label("Received by carrier"))),
    ]
    footer = label("{company} - dispatch note {ref}", company=COMPANY, ref=note.shipment_ref)
    return build_pdf(story, title=label("Dispatch note {ref}", ref=note.shipment_ref), footer=footer)


def barcode_value(note: DispatchNote) -> str:
    """What the barcode encodes: the waybill number, or the shipment reference while none is issued."""
    number = note.waybill_number
    return number if number and _code128_safe(number) else note.shipment_ref


def _header(note: DispatchNote) -> Table:
    left = [para(COMPANY, "company"), para(label("Dispatch note"), "title")]
    value = barcode_value(note)
    if not note.waybill_number:
        caption = label("Shipment {ref} - waybill pending", ref=note.shipment_ref)
    elif value == note.waybill_number:
        caption = label("Waybill {number}", number=note.waybill_number)
    else:  # a number Code 128 cannot carry: say what the bars hold
        caption = label("Waybill {number} (barcode: shipment {ref})", number=note.waybill_number, ref=note.shipment_ref)
    code = _barcode(value, BARCODE_WIDTH)
    rows = [[left, [code, para(caption, "caption")] if code else para(caption, "caption")]]
    if code is None:  # too long for the corner: a row of its own, across the page
        rows.append([_barcode(value, CONTENT_WIDTH, at_any_size=True), ""])
    table = Table(rows, colWidths=[CONTENT_WIDTH - BARCODE_WIDTH, BARCODE_WIDTH])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "CENTER"),
                               ("SPAN", (0, 1), (1, 1)), ("ALIGN", (0, 1), (1, 1), "CENTER"),
                               ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.black),
                               ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
    return table


def _barcode(value: str, width: float, *, at_any_size: bool = False) -> Drawing | None:
    """Code 128 of ``value`` at most ``width`` wide; None when that needs bars thinner than scanners like."""
    drawing = _code128(value, BAR_WIDTH)
    if drawing.width <= width:
        return drawing
    bar = BAR_WIDTH * width / drawing.width  # every part of the symbol scales with the bar width
    if bar < MIN_BAR_WIDTH and not at_any_size:
        return None
    return _code128(value, bar, human_readable=False)  # the caption carries the number


def _code128(value: str, bar_width: float, *, human_readable: bool = True) -> Drawing:
    drawing = createBarcodeDrawing("Code128", value=value, barHeight=15 * mm, barWidth=bar_width,
                                   humanReadable=human_readable)
    drawing.hAlign = "CENTER"
    return drawing


def _code128_safe(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _references(note: DispatchNote) -> Table:
    waybill = note.waybill_number or label("pending")
    rows = [
        [label("Order"), para(f"{note.order_ref}  (#{note.order_id})", bold=True),
         label("Shipment"), para(f"{note.shipment_ref}  {label('(wave {wave})', wave=note.wave)}", bold=True)],
        [label("Carrier"), para(f"{note.carrier} / {note.service_level}"), label("Waybill"), para(waybill, bold=True)],
        [label("Printed"), para(f"{note.printed_at:%Y-%m-%d %H:%M} UTC"), label("Parcels"), para(str(note.parcels))],
    ]
    width = CONTENT_WIDTH / 2
    return grid_table(rows, [22 * mm, width - 22 * mm, 22 * mm, width - 22 * mm], header=False,
                      extra=(("FONTNAME", (0, 0), (0, -1), BOLD), ("FONTNAME", (2, 0), (2, -1), BOLD),
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))


def _addresses(ship_from: ShipFrom, ship_to: ShipTo) -> Table:
    sender = [para(label("SHIP FROM"), "heading"), para(ship_from.name, "strong"), para(ship_from.address),
              para(label("Supplier {code} (drop-ship)", code=ship_from.code) if ship_from.kind == "supplier"
                   else label("Warehouse {code}", code=ship_from.code), "small")]
    place = " ".join(part for part in (ship_to.postcode, ship_to.city) if part)
    recipient = [para(label("SHIP TO"), "heading"), para(ship_to.name, "strong"), para(ship_to.address),
                 para(place), para(", ".join(part for part in (ship_to.region, ship_to.country) if part))]
    if ship_to.phone:
        recipient.append(para(label("Tel. {phone}", phone=ship_to.phone), "small"))
    half = CONTENT_WIDTH / 2
    table = Table([[sender, recipient]], colWidths=[half - 3 * mm, half + 3 * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (0, 0), 0.8, colors.black), ("BOX", (1, 0), (1, 0), 1.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6), ("LEFTPADDING", (0, 0), (-1, -1), 6)]))
    return table


def _lines(note: DispatchNote) -> Table:
    rows: list[list] = [["#", label("SKU"), label("Product"), label("Qty"), label("Unit kg"), label("Line kg")]]
    for line in note.lines:
        rows.append([str(line.line_no), para(line.sku, "cell"),
                     para(line.product_name or label("(not in catalogue)"), "cell"),
                     str(line.quantity), _kg(line.unit_weight_kg), _kg(line.line_weight_kg)])
    if not note.lines:
        rows.append(["", "", para(label("No lines on this shipment."), "cell"), "", "", ""])
    rows.append(["", "", label("Total"), str(note.total_quantity), "", f"{_kg(note.total_weight_kg)} kg"])
    return grid_table(rows, LINE_WIDTHS, extra=(
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD),
        ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black), ("ALIGN", (2, -1), (2, -1), "RIGHT")))


def _order_value(note: DispatchNote) -> list:
    """The order's totals with its tax (of the whole order, which may ship in several parts)."""
    value = note.order_value
    if value is None:
        return []
    tax = label("Tax (incl.)") if value.prices_include_tax else label("Tax")
    rows = [[label("Order subtotal"), f"{value.subtotal:,.2f} {value.currency}"],
            [label("Shipping"), f"{value.shipping:,.2f} {value.currency}"],
            [tax, f"{value.tax:,.2f} {value.currency}"],
            [label("Order total"), f"{value.total:,.2f} {value.currency}"]]
    table = Table(cjk_cells(rows), colWidths=[40 * mm, 44 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD),
                               ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    return [table]


def _kg(value: Decimal) -> str:
    return f"{value:.3f}"
