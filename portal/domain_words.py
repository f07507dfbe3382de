"""Words the domain hands the portal in English (status codes, the tracking page's status words, reasons), marked
here so the catalogues carry them; the ``words`` template filter looks a word up in the page's language.

tests/portal/test_translations.py checks every word of the dictionaries they come from is listed."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale, gettext, lazy_gettext

from models.core.audit_reasons import parse as parse_reason
from models.orders.partner_view import HOLD_WORDS, OTHER_HOLD
from portal.domain_text import translate_text


def N_(text: str) -> str:
    """Mark ``text`` for the catalogues without translating it here."""
    return text


ORDER_STATUSES = (N_("received"), N_("reviewing"), N_("on_hold"), N_("approved"), N_("rejected"),
                  N_("partially_allocated"), N_("backordered"), N_("allocated"), N_("shipped"), N_("delivered"),
                  N_("cancelled"), N_("all"))
SHIPMENT_STATUSES = (N_("ready"), N_("failed"), N_("dispatched"), N_("in_transit"), N_("exception"), N_("delivered"),
                     N_("returned"), N_("cancelled"))
RETURN_STATUSES = (N_("requested"), N_("approved"), N_("rejected"), N_("label_issued"), N_("in_transit"),
                   N_("received"), N_("inspected"), N_("refunded"), N_("exchanged"), N_("closed"))
RETURN_REASONS = (N_("damaged"), N_("defective"), N_("wrong item"), N_("not as described"), N_("no longer needed"),
                  N_("other"))  # models.returns.rules.REASONS as the pages write them (no underscores)
PURCHASE_ORDER_WORDS = (  # models.supply.states.PO_STATUSES as the pages write them, and the kinds
    N_("draft"), N_("sent"), N_("confirmed"), N_("partially confirmed"), N_("countered"), N_("partially received"),
    N_("stock"), N_("drop-ship"),
)
EVENT_CODES = (N_("picked_up"), N_("in_transit"), N_("out_for_delivery"), N_("delivered"), N_("failed_attempt"),
               N_("exception"), N_("lost"), N_("returned_to_sender"))  # tracking_lookup.EVENT_WORDS' keys
BATCH_STATUSES = (N_("processing"), N_("completed"), N_("failed"))
PAGE_TITLES = (N_("Shipments"), N_("My shipments"))  # portal.shipments passes these to the list page
DASHBOARD_ACTIONS = (  # models.operations.dashboard_rules
    N_("Holds you may decide"), N_("Credit holds to decide"), N_("Dead letters"), N_("Stuck work"),
    N_("Returns to decide"), N_("Returns to inspect"), N_("Replenishment suggestions to order"),
    N_("Draft purchase orders to send"), N_("Customers with overdue invoices"), N_("Your orders on hold"),
    N_("Your orders on backorder"), N_("Returns approved: send the goods back"),
)
PARTNER_WORDS = (  # models.orders.partner_view: STATUS_WORDS, HOLD_WORDS, OTHER_HOLD, AWAITING_SUPPLIER_WORDS
    N_("order received"), N_("being checked"), N_("on hold for review"), N_("accepted"),
    N_("not accepted after review"), N_("stock reserved, being prepared for shipping"),
    N_("partly reserved, the rest waits for stock"), N_("waiting for stock"), N_("shipped"), N_("delivered"),
    N_("cancelled"),
    N_("customer account closed to new orders"), N_("credit check"), N_("payment check"), N_("order amount check"),
    N_("stock check"), N_("ship-to address incomplete"), N_("ship-to region not served"),
    N_("possible repeat of a recent order"), N_("SKU not in the catalogue"), N_("review by our team"),
    N_("awaiting supplier: part of the order ships straight from the supplier"),
)
TRACKING_WORDS = (
    # models.shipping.tracking_lookup.ORDER_STATUS_WORDS
    N_("Received"), N_("Being processed"), N_("Being prepared for shipping"), N_("Partly being prepared for shipping"),
    N_("Waiting for stock"), N_("Shipped"), N_("Delivered"), N_("Not accepted"), N_("Cancelled"),
    # SHIPMENT_STATUS_WORDS
    N_("Preparing"), N_("Handed to the carrier"), N_("On its way"), N_("Delayed: the carrier reported a problem"),
    N_("Returned to sender"),
    # RETURN_STATUS_WORDS
    N_("Waiting for our review"), N_("Approved: your return label is on its way"),
    N_("Label ready: please send the parcel"), N_("On its way back to us"), N_("Received at our warehouse"),
    N_("Checked: being completed"), N_("Refunded"), N_("Exchanged"), N_("Completed"),
    # RETURN_REASON_WORDS and its fallback
    N_("it is later than our usual return window"),
    N_("the value of the return is above what we approve automatically"),
    N_("returns for this reason are checked by our team"), N_("we check accounts with several recent returns"),
    N_("some items were sold as final sale"), N_("some of these items were returned before"),
    N_("our team checks it"),
    # EVENT_WORDS
    N_("Picked up"), N_("In transit"), N_("Out for delivery"), N_("Delivery attempt failed"),
    N_("Problem reported"), N_("Reported lost"),
    # portal.tracking_page: REASON_WORDS, NOT_FOUND, INCOMPLETE; resolutions
    N_("Arrived damaged"), N_("Does not work"), N_("Not what I ordered"), N_("Not as described"),
    N_("No longer needed"), N_("Another reason"),
    N_("We could not find an order with that number and postcode or email."),
    N_("Enter your order number and the postcode or email address the order ships to."),
    N_("refund"), N_("exchange"),
)


_KNOWN = frozenset((*ORDER_STATUSES, *SHIPMENT_STATUSES, *RETURN_STATUSES, *DASHBOARD_ACTIONS, *PARTNER_WORDS,
                    *TRACKING_WORDS))


def translate_words(text: object) -> str:
    """``text`` in the page's language when the catalogue has it, else as given (a name, a code of no list)."""
    return gettext(str(text)) if text not in (None, "") else ""


def translate_reason(text: object) -> str:
    """A status reason made of known words ("on hold for review: credit check, stock check") in the page's
    language, part by part; anything else (a person's own words) as written."""
    text = "" if text is None else str(text)
    head, colon, tail = text.partition(": ")
    parts = [head, *(tail.split(", ") if colon else ())]
    if text in _KNOWN or not all(part in _KNOWN for part in parts):
        written = parse_reason(text)  # one the OMS writes itself, with values
        return translate_text(written) if written is not None and written.values else translate_words(text)
    translated = translate_words(head)
    return translated + (gettext(": ") + gettext(", ").join(translate_words(part) for part in parts[1:])
                         if colon else "")


REVIEW_OUTCOMES = (N_("approve"), N_("hold"), N_("reject"))  # models.review.rules' outcomes, shown by |words


def hold_code_words(codes: list[str]) -> str:
    """Review reason codes as ops name them: the codes themselves in English, their words in other languages."""
    if get_locale() is None or str(get_locale()) == "en":
        return ", ".join(codes)
    return gettext(", ").join(hold_words(code) for code in codes)


def hold_words(code: str) -> str:
    """A review reason code as a partner reads it ("credit_limit" -> "credit check"), in the page's language."""
    return translate_words(HOLD_WORDS.get(code, OTHER_HOLD))


# models.partners.tables.ROLES as the admin pages name them
ROLE_WORDS = {"ops_admin": lazy_gettext("ops admin"), "ops_agent": lazy_gettext("ops agent"),
              "credit_controller": lazy_gettext("credit controller"), "sales_manager": lazy_gettext("sales manager"),
              "supplier": lazy_gettext("supplier"), "distributor": lazy_gettext("distributor")}


def role_words(role: str) -> str:
    """A role code in the page's language ("ops_admin" -> "ops admin" in English)."""
    return str(ROLE_WORDS.get(role, role))


def init_domain_words(app: Flask) -> None:
    app.add_template_global(role_words, "role_words")
    app.add_template_filter(translate_words, "words")
    app.add_template_filter(hold_words, "hold_words")
    app.add_template_filter(hold_code_words, "hold_code_words")
    app.add_template_filter(translate_reason, "reason_words")
