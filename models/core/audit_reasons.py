"""The reasons the OMS itself writes into the audit trail, as templates: written with ``say``, read back with
``parse`` so that a page can show a stored reason in its reader's language while the row keeps its English (old rows
included). Reasons a person types, or built around free text, stay outside."""
from __future__ import annotations

import re
from functools import cache

from models.core.texts import N_, Text

PLACED_VIA = N_("placed via %(channel)s")
SPLIT_FROM = N_("split from order %(order)s: units not available now")
BACKORDER_OF = N_("backorder of order %(order)s")
SKU_MATCHED = N_("line %(line)s matched to SKU %(sku)s (was %(was)s)")
PO_OF_CANCELLED_ORDER = N_("order %(order)s cancelled: %(reason)s")
WAYBILL = N_("waybill %(waybill)s")
WAYBILL_CANCELLED = N_("waybill %(waybill)s cancelled: %(reason)s")
SHIPMENT_WAYBILL_CANCELLED = N_("waybill of shipment %(shipment)s cancelled")
SHIPMENT_WAYBILL_CANCELLED_EARLY = N_("waybill of shipment %(shipment)s cancelled before pickup")
CHOSEN_BY = N_("chosen by %(actor)s")
CARRIER_EVENT = N_("carrier event %(code)s")
CARRIER_EVENT_AT = N_("carrier event %(code)s at %(location)s")
REPLACEMENT_ORDER = N_("replacement order %(ref)s")
PAID_OUT = N_("paid out, bank reference %(reference)s")
RETURN_LABEL = N_("return label %(waybill)s")
LABEL_MOVING = N_("label %(waybill)s moving")
COUNTER_REJECTED = N_("counter-proposal rejected: %(reason)s")
PO_CREATED = N_("created (%(origin)s)")
ASN_ANNOUNCED = N_("ASN %(reference)s: %(carrier)s %(tracking)s")
DROPSHIP_OF = N_("drop-ship of %(purchase_order)s")
# reasons without values: the page's catalogue has them as they are
INTO_REVIEW = N_("entered review on placement")
ALL_CHECKS_PASSED = N_("all checks passed")
ALL_DISPATCHED = N_("all shipments dispatched")
ALL_DELIVERED = N_("all shipments delivered")
DELIVERED_TO_CUSTOMER = N_("delivered to the customer")
PARCEL_RECEIVED = N_("parcel received at the warehouse")
RETRY_REQUESTED = N_("retry requested by ops")
SETTLED = N_("settled")
COUNTER_ACCEPTED = N_("counter-proposal accepted")
SENT_TO_SUPPLIER = N_("sent to the supplier")
CHANGED_TO_ANSWER_AGAIN = N_("changed by ops: to answer again")

TEMPLATES = tuple(value for name, value in sorted(globals().items()) if name.isupper() and isinstance(value, str))
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def say(template: str, **values: object) -> str:
    """The English reason (what the audit row stores)."""
    return template % values


def parse(reason: str) -> Text | None:
    """The template and values a stored reason was written with; None when it was not written by ``say``."""
    for template, pattern in _patterns():
        found = pattern.fullmatch(reason)
        if found:
            return Text(template, **found.groupdict())
    return None


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Each template as a pattern, the most literal first (so "waybill … cancelled: …" wins over "waybill …")."""
    def pattern(template: str) -> re.Pattern:
        parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, …
        return re.compile("".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                                  for index, part in enumerate(parts)), re.S)

    def literal_length(template: str) -> int:
        return len(_PLACEHOLDER.sub("", template))

    return tuple((template, pattern(template)) for template in sorted(TEMPLATES, key=literal_length, reverse=True))
