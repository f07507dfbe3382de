"""Price list, price break and tax rate refusals read exactly as before and keep their template, through
editing (a ValidationFailed naming the field) and the tax rate import."""
from datetime import date
from decimal import Decimal

import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage, split_field_problem
from models.pricing.editing import edit_price_book
from models.pricing.rules import PriceBreak, PriceList
from models.pricing.tax_import import save_tax_rate
from models.pricing.tax_rules import TaxRate


@pytest.mark.parametrize("build, english", [
    (lambda: PriceBreak(1), "a price break has either a price or a discount_percent"),
    (lambda: PriceBreak(0, Decimal("1")), "min_quantity: must be 1 or more, got 0"),
    (lambda: PriceList("L", "EUR", "planet"),
     "applies_to: one of customer, distributor, group, catalogue, got 'planet'"),
    (lambda: PriceList("L", "EUR", "catalogue", valid_from=date(2030, 2, 1), valid_to=date(2030, 1, 1)),
     "valid_to 2030-01-01 is before valid_from 2030-02-01"),
    (lambda: TaxRate("", "DE", "", Decimal("0.19")), "tax_class: required"),
    (lambda: TaxRate("std", "DE", "", Decimal("1.5")), "rate: a fraction from 0 up to 1 (0.2 = 20 %), got "
                                                        "Decimal('1.5')"),
    (lambda: TaxRate("std", "DE", "", Decimal("0.12345")), "rate: at most four decimals, got 0.12345"),
], ids=["break", "min-quantity", "applies-to", "valid-to", "tax-class", "rate", "decimals"])
def test_refusals_read_as_before_and_keep_their_template(build, english):
    with pytest.raises(ValueError) as caught:
        build()
    assert str(caught.value) == english and isinstance(caught.value.args[0], TextMessage)
    assert str(caught.value.args[0].text) == english


def test_an_edit_refused_names_its_field_and_keeps_the_template(any_db):
    def edit(book):
        return PriceBreak(0, Decimal("1"))  # a break refused inside an edit
    with pytest.raises(ValidationFailed) as caught:
        edit_price_book(edit, expected_version=None, actor="t", note="")
    problem = caught.value.messages["min_quantity"][0]
    assert problem == "must be 1 or more, got 0" and isinstance(problem, TextMessage)


def test_a_tax_rate_refused_on_save_names_its_field(any_db):
    with pytest.raises(ValidationFailed) as caught:
        save_tax_rate({"tax_class": "std", "country": "DE", "rate": Decimal("0.12345")}, actor="t")
    problem = caught.value.messages["rate"][0]
    assert problem == "at most four decimals, got 0.12345" and problem.text.template.startswith("at most four")
    assert split_field_problem("plain words") == ("", "plain words")
