"""Prices for a customer from the price book in force: the price check of the ops page, a distributor's own
prices and the prices API. Loads the customer's chain (its distributor, group), the products and the rates once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.currency.rates import converter_on
from models.inventory.tables import Product
from models.partners.tables import Partner
from models.pricing.rules import PriceQuery, PriceResolution, resolve_price
from models.pricing.versions import price_book_in_force

MAX_SKUS = 500  # a page or an API answer prices at most this many SKUs


@dataclass(frozen=True)
class PricedSku:
    sku: str
    name: str
    resolution: PriceResolution | None  # None: nothing in the chain prices it

    def as_document(self) -> dict:
        found = self.resolution.as_document() if self.resolution else {"price": None, "explanation": "no price"}
        return {"sku": self.sku, "name": self.name, **found}


@dataclass(frozen=True)
class CustomerPrices:
    customer: str
    currency: str
    quantity: int
    day: date
    version: int | None  # the price book version that priced them
    prices: list[PricedSku]


def customer_prices(customer: Partner, *, skus: list[str] | None = None, quantity: int = 1,
                    currency: str | None = None, day: date) -> CustomerPrices:
    """The resolved price of each of ``skus`` (None: every active product, by SKU, at most MAX_SKUS) for
    ``quantity`` units bought by ``customer`` on ``day`` in ``currency`` (None: the customer's own)."""
    currency = currency or customer.currency
    query = Product.select(Product.sku, Product.name, Product.unit_price, Product.currency).order_by(Product.sku)
    query = query.where(Product.sku.in_(skus)) if skus is not None else query.where(Product.active)
    products = list(query.limit(MAX_SKUS).tuples())
    distributor = "" if customer.distributor_id is None else (
        Partner.select(Partner.code).where(Partner.id == customer.distributor_id).scalar() or "")
    version, book = price_book_in_force()
    foreign = {product_currency for *_, product_currency in products} - {currency}
    convert = converter_on(day, currencies={currency, *foreign}) if foreign else None
    prices = [PricedSku(sku, name, resolve_price(book, PriceQuery(
        sku=sku, quantity=quantity, currency=currency, day=day, customer=customer.code, distributor=distributor,
        customer_group=customer.customer_group, catalogue_price=unit_price, catalogue_currency=product_currency),
        convert=convert)) for sku, name, unit_price, product_currency in products]
    return CustomerPrices(customer.code, currency, quantity, day, version, prices)
