"""An order's status reasons in the page's language: the ones the review or the allocation plan wrote are matched
to the templates kept beside them; the audit trail's own reasons are read back by models.core.audit_reasons."""
from __future__ import annotations

from models.core.texts import Joined, Text
from models.orders.partner_view import HOLD_WORDS, OTHER_HOLD
from portal.domain_text import translate_text
from portal.domain_words import translate_reason
from portal.i18n import current_language
from portal.languages import DEFAULT


def order_reason_texts(reviews: list, plan: dict | None) -> dict[str, object]:
    """The English reasons this order's reviews and last plan wrote, each with the template to show instead."""
    texts: dict[str, object] = {}
    for review in reviews:
        reasons = review.reasons
        if reasons and all(reason.get("text") for reason in reasons):
            summary = "; ".join(f"{reason['code']}: {reason['message']}" for reason in reasons)
            texts[summary] = Joined([Text("%(code)s: %(message)s", code=Text(HOLD_WORDS.get(reason["code"], OTHER_HOLD)),
                                          message=Text.from_json(reason["text"])) for reason in reasons], "; ")
    if plan and plan.get("explanation_text"):  # the stored plan document (models.allocation.rules)
        texts[plan["explanation"][:2000]] = plan["explanation_text"]
    return texts


def reason_in_language(reason: str | None, texts: dict[str, object]) -> str:
    """``reason`` in the page's language: from ``texts`` when this order wrote it, else as the audit trail reads;
    in English, as stored (the codes stay codes there)."""
    if reason in texts and current_language() != DEFAULT:
        return translate_text(texts[reason])
    return translate_reason(reason)
