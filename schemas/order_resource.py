"""The order resource as the API returns it (dump only)."""
from __future__ import annotations

from marshmallow import Schema, fields

from schemas.fields import UtcDateTime


class ReservationOut(Schema):
    warehouse = fields.Function(lambda r: r.warehouse.code)
    quantity = fields.Integer()
    status = fields.String()


class LineOut(Schema):
    line_no = fields.Integer()
    sku = fields.String()
    quantity = fields.Integer()
    unit_price = fields.Decimal(as_string=True)
    line_total = fields.Decimal(as_string=True)
    price_given = fields.Boolean()  # False: review priced the line from the price book
    list_price = fields.Decimal(as_string=True, allow_none=True)  # what the price book resolved at review
    price_note = fields.String()  # how the line was priced and taxed, in words
    tax_rate = fields.Decimal(places=4, as_string=True)  # a fraction: 0.2000 = 20 %
    tax_amount = fields.Decimal(as_string=True)
    reservations = fields.Method("_reservations")

    def _reservations(self, line) -> list:
        return ReservationOut(many=True).dump(line.reservations)


class TrackingEventOut(Schema):
    code = fields.String()
    description = fields.String()
    location = fields.String()
    occurred_at = UtcDateTime(format="iso")


class ShipmentOut(Schema):
    id = fields.Integer()
    warehouse = fields.Function(lambda s: s.warehouse.code if s.warehouse_id else None)  # None: drop-shipped
    supplier = fields.Function(lambda s: s.supplier.code if s.supplier_id else None)  # who ships a drop-ship part
    status = fields.String()
    weight_kg = fields.Decimal(as_string=True)
    carrier = fields.String()
    service_level = fields.String()
    dispatch_note_url = fields.Function(lambda s: f"/api/v1/shipments/{s.id}/dispatch-note.pdf")
    waybill_number = fields.Method("_waybill_number")
    tracking_number = fields.Method("_waybill_number")  # the carrier's number the parcel is followed by
    waybill_status = fields.Method("_waybill_status")
    tracking_url = fields.Method("_tracking_url")
    tracking_events = fields.Method("_events")

    def _waybill_number(self, shipment):
        return shipment.waybill.waybill_number if shipment.waybill else None

    def _waybill_status(self, shipment):
        return shipment.waybill.status if shipment.waybill else None

    def _tracking_url(self, shipment):
        return shipment.waybill.tracking_url if shipment.waybill else None

    def _events(self, shipment) -> list:
        return TrackingEventOut(many=True).dump(sorted(shipment.tracking_events, key=lambda e: e.occurred_at))


class AuditOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String()
    reason = fields.String()
    at = UtcDateTime(format="iso")


class OrderOut(Schema):
    id = fields.Integer()
    channel = fields.String()
    external_ref = fields.String()
    customer_code = fields.Function(lambda o: o.customer.code)
    currency = fields.String()
    subtotal = fields.Decimal(as_string=True)
    shipping_total = fields.Decimal(as_string=True)
    tax_total = fields.Decimal(as_string=True)
    prices_include_tax = fields.Boolean()  # True: the tax is inside the prices and the total, not added to it
    total = fields.Decimal(as_string=True)
    status = fields.String()
    status_reason = fields.String()
    priority = fields.Integer()
    submitted_by = fields.String()
    source_batch_id = fields.Integer(allow_none=True)
    source_message_id = fields.Integer(allow_none=True)
    ship_to = fields.Function(lambda o: {
        "name": o.ship_to_name, "phone": o.ship_to_phone, "email": o.ship_to_email, "address": o.ship_to_address,
        "city": o.ship_to_city, "region": o.ship_to_region, "postcode": o.ship_to_postcode,
        "country": o.ship_to_country})
    requested_delivery_date = fields.Date(allow_none=True)
    notes = fields.String()
    created_at = UtcDateTime(format="iso")
    awaiting_supplier = fields.Function(lambda o: bool(o.awaiting_supplier))
    drop_ship = fields.Method("_drop_ship")
    lines = fields.Method("_lines")
    shipments = fields.Method("_shipments")
    audit_trail = fields.Method("_audit")
    review = fields.Method("_review")
    allocation = fields.Method("_allocation")

    def _lines(self, order) -> list:
        return LineOut(many=True).dump(order.loaded_lines)

    def _shipments(self, order) -> list:
        return ShipmentOut(many=True).dump(order.loaded_shipments)

    def _audit(self, order) -> list:
        return AuditOut(many=True).dump(order.loaded_audit)

    def _review(self, order) -> list:
        return [review.as_document() for review in order.loaded_reviews]

    def _allocation(self, order) -> dict | None:
        return order.loaded_allocation

    def _drop_ship(self, order) -> list:
        return [{"number": part.number, "status": part.status, "supplier": part.supplier_code,
                 "ordered": part.ordered, "shipped": part.shipped} for part in order.loaded_dropship]


class PartnerLineOut(LineOut):
    class Meta:
        exclude = ("reservations",)  # where stock is held is the planner's business


class PartnerOrderOut(OrderOut):
    """The order as a partner's token reads it (load_partner_order_view's ``partner_view``): no allocation plan,
    reservations or review figures, and "Relay OMS" for everyone who acted inside the OMS."""

    status_reason = fields.Function(lambda o: o.partner_view.status_reason)
    submitted_by = fields.Function(lambda o: o.partner_view.submitted_by)
    hold_reasons = fields.Function(lambda o: list(o.partner_view.hold_reasons))

    class Meta:
        exclude = ("allocation", "review", "drop_ship")  # purchase orders are between the OMS and its suppliers

    def _lines(self, order) -> list:
        return PartnerLineOut(many=True).dump(order.loaded_lines)

    def _audit(self, order) -> list:
        return AuditOut(many=True).dump(order.partner_view.trail)


order_out = OrderOut()
partner_order_out = PartnerOrderOut()
