"""The review settings' validation messages read exactly as before ("key: problem") and keep their template,
with the field apart, so the rules page can put the problem on its field in the reader's language."""
from decimal import Decimal

import pytest

from models.core.text_messages import TextMessage, split_field_problem
from models.review.settings import RuleSettings


@pytest.mark.parametrize("build, english", [
    (lambda: RuleSettings(amount_hold_threshold=Decimal("50000.00"), amount_senior_threshold=Decimal("40000.00")),
     "amount_senior_threshold: 40000.00 is below amount_hold_threshold 50000.00"),
    (lambda: RuleSettings.from_document({"overrides": {"C1": {"bypass": "y"}}}),
     "overrides.C1.bypass: must be true or false, got 'y'"),
    (lambda: RuleSettings.from_document({"amount_hold_threshold": "abc"}),
     "amount_hold_threshold: not an amount: 'abc'"),
    (lambda: RuleSettings.from_document([]), "settings: must be an object, got []"),
], ids=["senior-below-hold", "override-key", "not-an-amount", "not-an-object"])
def test_settings_problems_read_as_before_and_keep_their_template(build, english):
    with pytest.raises(ValueError) as caught:
        build()
    message = caught.value.args[0]
    assert str(caught.value) == english and isinstance(message, TextMessage)
    field, problem = split_field_problem(message)
    assert f"{field}: {problem}" == english and isinstance(problem, TextMessage)
