"""The replenishment settings' and ordering refusals read exactly as before and keep their templates and values,
so the portal can show them in the reader's language."""
import json
from decimal import Decimal

import pytest

from models.core.errors import NotFound, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Joined, Text
from models.planning.replenishment_orders import (
    edit_suggested_quantities,
    order_suggestions,
)
from models.planning.settings import (
    ReplenishmentSettings,
    set_sku_automatic,
    set_supplier_automatic,
)
from tests.factories import make_world
from tests.models.planning.test_replenishment import ACTOR, WITHIN


def test_bad_settings_name_each_setting_in_one_message():
    with pytest.raises(ValueError) as raised:
        ReplenishmentSettings(service_levels={"A": Decimal("0.2"), "B": Decimal("0.9"), "C": Decimal("0.9")},
                              class_shares={"A": Decimal("0.9"), "B": Decimal("0.2")}, review_period_days=400)
    message = raised.value.args[0]
    english = ("service_levels: each from 0.50 to 0.9999 (50 % to 99.99 %); "
               "class_shares: each above 0, together at most 1 (C is the rest); review_period_days: from 0 to 365 days")
    assert isinstance(message, TextMessage) and message == english == str(raised.value)
    assert isinstance(message.text, Joined)
    assert [part.template for part in message.text.parts] == ["%(field)s: %(problem)s"] * 3
    assert [part.values["problem"].template for part in message.text.parts] == [
        "each from %(lowest)s to %(highest)s (%(lowest_percent)s to %(highest_percent)s)",
        "each above 0, together at most 1 (C is the rest)", "from 0 to %(days)s days"]
    with pytest.raises(ValueError, match=r"^service_levels: give one for each class A, B, C$"):
        ReplenishmentSettings(service_levels={"A": Decimal("0.9")})


def test_ordering_refusals_keep_their_templates(any_db):
    make_world()
    with pytest.raises(ValidationFailed) as raised:
        order_suggestions({}, actor=ACTOR, send=False, answer_within=WITHIN)
    [message] = raised.value.messages["suggestions"]
    assert isinstance(message, TextMessage) and message == "choose at least one suggestion to order"
    with pytest.raises(ValidationFailed) as raised:
        edit_suggested_quantities({7: -1}, actor=ACTOR)
    [message] = raised.value.messages["suggestion 7"]
    assert message == "the quantity must be a whole number from 0 to 1000000"
    assert message.text.template == "the quantity must be a whole number from %(lowest)s to %(highest)s"
    assert str(Text.from_json(json.loads(json.dumps(message.text.as_json())))) == message
    with pytest.raises(ValidationFailed) as raised:
        edit_suggested_quantities({999_999: 3}, actor=ACTOR)
    assert raised.value.messages["suggestion 999999"][0].text == Text("no such suggestion; reload the page")


def test_an_unknown_sku_or_supplier_to_switch_keeps_its_template(any_db):
    make_world()
    for switch, name, english in ((set_sku_automatic, "NOPE", "no SKU 'NOPE'"),
                                  (set_supplier_automatic, "NOBODY", "no supplier 'NOBODY'")):
        with pytest.raises(NotFound) as raised:
            switch(name, True, actor=ACTOR)
        assert str(raised.value) == english and raised.value.args[0].text.values == {
            "sku" if switch is set_sku_automatic else "code": repr(name)}
