"""The demo price book: a catalogue list with volume breaks, a distributor's list at a discount off it with a deeper
break, a customer group's list and one contract price, saved as the book's first version."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from models.inventory.tables import Product
from models.partners.tables import Partner
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList
from models.pricing.versions import price_book_in_force, save_price_book

CENT = Decimal("0.01")
CATALOGUE = "CAT-USD"
TRADE_GROUP = "trade"  # the customer group the demo gives some buyers


def seed_demo_prices(*, distributor_code: str, contract_customer: str, today: date) -> int:
    """Save the demo book as the next version (the first, in an empty database); returns its version id."""
    products = list(Product.select(Product.sku, Product.unit_price).where(Product.currency == "USD")
                    .order_by(Product.sku).tuples())
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    catalogue = PriceList(CATALOGUE, "USD", "catalogue", name=f"Catalogue {today.year}", entries={
        sku: (PriceBreak(1, price), PriceBreak(50, _share(price, "0.95"))) for sku, price in products})
    volume_sku, contract_sku = products[0][0], products[1][0]
    distributor = PriceList(f"{distributor_code}-{today.year}", "USD", "distributor", party=distributor_code,
                            name="Distributor terms", valid_from=year_start, valid_to=year_end, base=CATALOGUE,
                            discount_percent=Decimal("8"), tolerance_percent=Decimal("2"),
                            entries={volume_sku: (PriceBreak(100, discount_percent=Decimal("15")),)})
    trade = PriceList("TRADE-USD", "USD", "group", party=TRADE_GROUP, name="Trade customers",
                      entries={sku: (PriceBreak(1, _share(price, "0.93")),) for sku, price in products[2:12]})
    contract = ContractPrice(contract_customer, contract_sku, "USD", _share(products[1][1], "0.85"),
                             reference=f"{contract_customer}-{today.year}", min_quantity=10,
                             valid_from=year_start, valid_to=year_end)
    Partner.update(customer_group=TRADE_GROUP).where(Partner.kind == "customer", Partner.distributor.is_null(),
                                                      Partner.payment_terms_days == 60).execute()
    book = PriceBook((catalogue, distributor, trade), (contract,))
    version, _ = price_book_in_force()  # none in an empty database; a test may seed twice
    return save_price_book(book, expected_version=version, actor="demo", note="demo price lists").id


def _share(price: Decimal, factor: str) -> Decimal:
    return (price * Decimal(factor)).quantize(CENT, rounding=ROUND_HALF_UP)
