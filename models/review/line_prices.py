"""The prices and tax of a batch of orders under review: the price book in force and the tax rates loaded once per
batch, each order priced by the pure models.pricing.order_pricing, and the results written for the whole batch in
two statements (lines, then orders) whatever its size."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import peewee

from models.core.bulk import update_from_values
from models.core.bulk_values import among
from models.core.model_rows import value_rows
from models.core.texts import Text, dumps
from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.pricing.order_pricing import (
    LineToPrice,
    OrderToPrice,
    PricedOrder,
    price_order,
)
from models.pricing.rules import Converter, PriceBook
from models.pricing.tax_rules import TaxRate
from models.pricing.tax_tables import tax_rates_for
from models.pricing.versions import price_book_in_force
from models.returns.exchanges import EXCHANGE_CHANNEL
from models.review.rules import LinePriceFacts

MONEY = "NUMERIC(14, 2)"
LINE_COLUMNS = ("oid", "line_no", "unit_price", "line_total", "list_price", "price_note", "tax_rate", "tax_amount",
                "price_note_text")
LINE_CASTS = {"oid": "INTEGER", "line_no": "INTEGER", "unit_price": MONEY, "line_total": MONEY, "list_price": MONEY,
              "price_note": "TEXT", "tax_rate": "NUMERIC(7, 4)", "tax_amount": MONEY, "price_note_text": "TEXT"}
# An order's totals, written by the review step in the update that moves its status (``totals_row`` gives them).
TOTAL_COLUMNS = ("subtotal", "tax_total", "total", "prices_include_tax")
TOTAL_CASTS = {"subtotal": MONEY, "tax_total": MONEY, "total": MONEY, "prices_include_tax": "BOOLEAN"}


@dataclass
class BatchPricing:
    """What pricing a batch needs: the book (and its version), the destinations' tax rates, each order's lines
    with their products' prices and tax classes, and the customers' distributor codes."""

    version: int | None
    book: PriceBook
    rates: list[TaxRate]
    lines: dict[int, list[LineToPrice]]
    customers: dict[int, Partner]
    distributors: dict[int, str]  # partner id -> code
    known: dict = field(default_factory=dict)  # day -> the resolutions made for that day's orders, by query

    @classmethod
    def load(cls, orders: list[Order], customers: dict[int, Partner]) -> BatchPricing:
        version, book = price_book_in_force()
        distributor_ids = sorted({c.distributor_id for c in customers.values() if c.distributor_id is not None})
        distributors = dict(Partner.select(Partner.id, Partner.code).where(among(Partner.id, distributor_ids))
                            .tuples()) if distributor_ids else {}
        return cls(version, book, tax_rates_for({order.ship_to_country.upper() for order in orders}),
                   _lines_to_price([order.id for order in orders]), customers, distributors)

    def price(self, order: Order, *, convert: Converter | None = None) -> PricedOrder:
        """``order`` priced and taxed; ``convert`` (at the order's day) prices a catalogue price in another currency."""
        customer = self.customers[order.customer_id]
        query = OrderToPrice(
            currency=order.currency, day=order.created_at.date(), customer=customer.code,
            distributor=self.distributors.get(customer.distributor_id, ""), customer_group=customer.customer_group,
            country=order.ship_to_country.upper(), region=order.ship_to_region, shipping_total=order.shipping_total,
            lines=tuple(self.lines.get(order.id, ())))
        # ``convert`` is the rates of the order's day: resolutions are shared among the orders of one day
        return price_order(query, self.book, self.rates, convert=convert,
                           known=self.known.setdefault(query.day, {}))


def take_prices(order: Order, priced: PricedOrder) -> None:
    """Give the loaded ``order`` its priced totals, so the credit and amount rules judge what it will cost."""
    order.subtotal, order.tax_total, order.total = priced.subtotal, priced.tax_total, priced.total
    order.prices_include_tax = priced.prices_include_tax


def price_facts(order: Order, priced: PricedOrder) -> tuple[LinePriceFacts, ...]:
    """The price rule's view of the catalogue lines; none for an exchange, whose replacement goods go at no charge
    on purpose."""
    if order.channel == EXCHANGE_CHANNEL:
        return ()
    currency = order.currency
    return tuple(LinePriceFacts(line.line_no, line.sku, line.unit_price if line.price_given else None,
                                line.resolution, currency) for line in priced.lines if line.matched)


def persist_prices(priced: dict[int, PricedOrder]) -> None:
    """Write every line's price and tax: one statement (per 500 rows). The orders' totals go with their status
    (``totals_row``)."""
    if not priced:
        return
    line_rows = [(order_id, line.line_no, line.unit_price, line.line_total, line.list_price,
                  _note_words(line.price_note_text), line.tax_rate, line.tax_amount, _note_json(line.price_note_text))
                 for order_id, order in sorted(priced.items()) for line in order.lines]
    update_from_values(OrderLine, LINE_COLUMNS, line_rows, set_from_values=LINE_COLUMNS[2:],
                       match=(("order_id", "oid"), ("line_no", "line_no")), casts=LINE_CASTS)


def totals_row(order: PricedOrder) -> tuple:
    """An order's totals as the columns ``TOTAL_COLUMNS`` take them."""
    return order.subtotal, order.tax_total, order.total, order.prices_include_tax


def _note_words(note: Text | str) -> str:
    """The English kept beside a price note: none when its template is kept (OrderLine.price_note renders it)."""
    return "" if isinstance(note, Text) else str(note)[:2000]


def _note_json(note: Text | str) -> str | None:
    """A price note's template and values as the line keeps them; None when there is no template to keep."""
    return dumps(note) if isinstance(note, Text) else None


def _lines_to_price(order_ids: list[int]) -> dict[int, list[LineToPrice]]:
    lines: dict[int, list[LineToPrice]] = {}
    if not order_ids:
        return lines
    query = (OrderLine.select(OrderLine.order, OrderLine.line_no, OrderLine.sku, OrderLine.quantity,
                              OrderLine.unit_price, OrderLine.price_given, OrderLine.product, Product.unit_price,
                              Product.currency, Product.tax_class)
             .join(Product, peewee.JOIN.LEFT_OUTER).where(among(OrderLine.order, order_ids))
             .order_by(OrderLine.order, OrderLine.line_no))
    for order_id, line_no, sku, quantity, unit_price, given, product_id, price, currency, tax_class in value_rows(
            query):
        lines.setdefault(order_id, []).append(LineToPrice(
            line_no, sku, quantity, _money(unit_price), bool(given), product_id is not None,
            None if price is None else _money(price), currency or "", tax_class or ""))
    return lines


def _money(value) -> Decimal:
    # a joined column comes back as the driver gives it (SQLite: a float), not through the field's converter
    return Decimal(str(value)).quantize(Decimal("0.01"))
