"""A refused payment's messages read as before in English and keep their Text for the portal."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.receivables.payments import _checked


def test_a_refused_payment_names_each_field_as_before():
    supplier = SimpleNamespace(code="SUP1", kind="supplier", is_buyer=False)
    with pytest.raises(ValidationFailed) as refused:
        _checked(supplier, amount=Decimal("1.005"), currency="XXX", reference=" ", method="barter",
                 received_on="today")
    messages = refused.value.messages
    assert messages == {"customer_code": ["SUP1 is a supplier, not a customer"],
                        "amount": ["at most 2 decimal places"],
                        "currency": [messages["currency"][0]], "reference": ["must be 1 to 64 characters"],
                        "method": ["must be one of bank_transfer, card, cheque, other"],
                        "received_on": ["must be a date"]}
    assert messages["currency"][0].startswith("must be one of ")
    for problems in messages.values():
        assert all(isinstance(problem, TextMessage) for problem in problems)
    assert messages["customer_code"][0].text.template == "%(code)s is a %(kind)s, not a customer"
