"""The pick list of a warehouse batch: a row per SKU with its total (continued on further rows when many shipments
need it), then the batch's shipments, to tick off while walking the shelves."""
from __future__ import annotations

from collections.abc import Iterator
from math import ceil

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from models.shipping.documents import PickItem, PickList, PickNeed
from portal.documents import (
    BOLD,
    COMPANY,
    CONTENT_WIDTH,
    FONT,
    STYLES,
    CheckBox,
    build_pdf,
    grid_table,
    markup,
    para,
    signature_boxes,
)

ITEM_WIDTHS = [11 * mm, 36 * mm, 52 * mm, 17 * mm, 64 * mm]
SHIPMENT_WIDTHS = [11 * mm, 28 * mm, 85 * mm, 18 * mm, 38 * mm]
# A table row never breaks over a page, so a SKU's shipments go on rows of at most this many printed lines
# (a third of a page) and the SKU is repeated "(continued)" on each further row.
LINES_PER_ROW = 20
NEEDS_TEXT_WIDTH = ITEM_WIDTHS[4] - 12  # less the cell's default left and right padding


def render_pick_list(pick_list: PickList) -> bytes:
    """The pick list of one warehouse's batch of shipments as an A4 PDF."""
    story = [_header(pick_list), Spacer(1, 5 * mm)]
    if pick_list.items:
        story += [_items(pick_list.items), Spacer(1, 6 * mm), para("Shipments in this batch", "title"),
                  Spacer(1, 2 * mm), _shipments(pick_list), Spacer(1, 8 * mm),
                  signature_boxes(("Picked by", "Checked by"))]
    else:
        why = "the shipments in this batch have no lines" if pick_list.shipments else "no shipment is waiting"
        story.append(para(f"Nothing to pick at {pick_list.warehouse.code}: {why}.", "strong"))
    footer = f"{COMPANY} - pick list {pick_list.warehouse.code} - {pick_list.printed_at:%Y-%m-%d %H:%M} UTC"
    return build_pdf(story, title=f"Pick list {pick_list.warehouse.code}", footer=footer)


def _header(pick_list: PickList) -> Table:
    warehouse = pick_list.warehouse
    left = [para(COMPANY, "company"), para("Pick list", "title"),
            para(f"{len(pick_list.shipments)} shipments, {len(pick_list.items)} SKUs, "
                 f"{pick_list.total_quantity} units - printed {pick_list.printed_at:%Y-%m-%d %H:%M} UTC", "small"),
            para("Sorted by SKU: bin locations are not recorded.", "small")]
    right = [para(warehouse.code, "big"), para(warehouse.name, "strong"), para(warehouse.address, "small")]
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH - 70 * mm, 70 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
                               ("BOTTOMPADDING", (0, 0), (-1, 0), 6)]))
    return table


def _items(items: tuple[PickItem, ...]) -> Table:
    rows: list[list] = [["", "SKU", "Product", "Qty", "Shipments (order) x units"]]
    for item in items:
        name = item.product_name or "(not in catalogue)"
        for part, needs in enumerate(_rows_of_needs(item.needs)):
            text = "<br/>".join(_need_markup(need) for need in needs)
            if part == 0:
                rows.append([CheckBox(), para(item.sku, "cell", bold=True), para(name, "cell"),
                             str(item.total_quantity), Paragraph(text, STYLES["cell"])])
            else:
                rows.append(["", para(f"{item.sku} (continued)", "cell", bold=True), para(name, "cell"), "",
                             Paragraph(text, STYLES["cell"])])
    return grid_table(rows, ITEM_WIDTHS, long=True,
                      extra=(("ALIGN", (3, 0), (3, -1), "RIGHT"), ("FONTNAME", (3, 1), (3, -1), BOLD),
                             ("FONTSIZE", (3, 1), (3, -1), 11), ("ALIGN", (0, 1), (0, -1), "CENTER")))


def _rows_of_needs(needs: tuple[PickNeed, ...]) -> Iterator[tuple[PickNeed, ...]]:
    """``needs`` cut into runs of at most LINES_PER_ROW printed lines (a long reference wraps onto several)."""
    start, lines = 0, 0
    for index, need in enumerate(needs):
        height = _printed_lines(f"S{need.shipment_id} ({need.order_ref}) x {need.quantity}")
        if index > start and lines + height > LINES_PER_ROW:
            yield needs[start:index]
            start, lines = index, 0
        lines += height
    if start < len(needs):
        yield needs[start:]


def _printed_lines(text: str) -> int:
    """An upper estimate of the lines ``text`` wraps onto in the needs column."""
    latin = "".join(char for char in text if char <= "\xff")
    width = stringWidth(latin, FONT, STYLES["cell"].fontSize) + (len(text) - len(latin)) * STYLES["cell"].fontSize
    # a line ends at a word break, so it may hold less than a full width: one line spare per wrap
    return max(1, ceil(width / NEEDS_TEXT_WIDTH) * 2 - 1)


def _need_markup(need: PickNeed) -> str:
    return f"S{need.shipment_id} ({markup(need.order_ref)}) x {need.quantity}"


def _shipments(pick_list: PickList) -> Table:
    rows: list[list] = [["", "Shipment", "Order", "Wave", "Status"]]
    for shipment in pick_list.shipments:
        rows.append([CheckBox(), f"S{shipment.shipment_id}",
                     para(f"{shipment.order_ref}  (#{shipment.order_id})", "cell"), str(shipment.wave),
                     shipment.status])
    return grid_table(rows, SHIPMENT_WIDTHS, long=True, extra=(("FONTNAME", (1, 1), (1, -1), BOLD),
                                                               ("ALIGN", (0, 1), (0, -1), "CENTER")))
