"""Return rule messages kept as templates with values beside the English the API shows."""
import json
from datetime import datetime, timedelta
from decimal import Decimal

from models.core.texts import Text
from models.returns.rules import RULE_CODES, LineFacts, ReturnFacts, decide_return

DELIVERED = datetime(2024, 3, 1, 12, 0)
EVERY_RULE_FIRES = ReturnFacts(
    reason="no_longer_needed", resolution="refund", requested_at=DELIVERED + timedelta(days=45),
    delivered_at=DELIVERED, refund_amount=Decimal("1500.00"), currency="EUR",
    lines=(LineFacts("TEA-GRN-100", 2, final_sale=True, returned_before=1), LineFacts("CUP-CER-6", 1)),
    customer_delivered_orders=10, customer_returns=5)


def test_every_message_reads_the_same_from_its_stored_template():
    decision = decide_return(EVERY_RULE_FIRES)
    assert [reason.code for reason in decision.reasons] == list(RULE_CODES)
    stored = json.loads(json.dumps(decision.stored_reasons()))
    for reason, kept in zip(decision.reasons, stored, strict=True):
        assert reason.message == str(reason.text) == str(Text.from_json(kept["text"]))
    assert decision.reasons[2].message == ("reason no longer needed is not approved automatically "
                                           "(automatic: damaged, defective, wrong_item)")


def test_the_document_without_templates_is_what_the_api_showed():
    decision = decide_return(EVERY_RULE_FIRES)
    assert [{k: v for k, v in kept.items() if k != "text"} for kept in decision.stored_reasons()] == \
        decision.reasons_document()
    assert all(set(kept) == {"code", "message", "numbers"} for kept in decision.reasons_document())
