"""`oms bench pricing`: the pure pricing rules (models.pricing) over a price book the size a wholesaler keeps —
a list per customer, distributor lists, contracts, a tax rate per region — timed per order as a review batch
prices them. No database or broker: the figure is the rules' own CPU, which grows with the book only where a
look-up scans it."""
from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

import click

from models.pricing.order_pricing import (
    LineToPrice,
    OrderToPrice,
    PricedOrder,
    price_order,
)
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList
from models.pricing.tax_rules import TaxRate

SKU_CODES = tuple(f"SKU{n:04d}" for n in range(500))
SKUS_PER_LIST = 20
TAX_CLASSES = ("standard", "reduced", "zero", "food")
DAY = date(2026, 12, 1)
ROUNDS = 5  # the batch priced this many times; the fastest is reported, as the machine's neighbours slow others


@click.command("pricing")
@click.option("--customers", default=2000, show_default=True, type=click.IntRange(min=1),
              help="customers, each with its own price list")
@click.option("--distributors", default=200, show_default=True, type=click.IntRange(min=1),
              help="distributors, each with its own price list")
@click.option("--contracts", default=5000, show_default=True, type=click.IntRange(min=0))
@click.option("--regions", default=50, show_default=True, type=click.IntRange(min=1),
              help="regions with their own tax rate per tax class")
@click.option("--orders", default=1000, show_default=True, type=click.IntRange(min=1), help="orders of 3 lines")
def bench_pricing(customers: int, distributors: int, contracts: int, regions: int, orders: int) -> None:
    """Price ORDERS orders of 3 lines as one review batch does (resolutions and tax findings shared among them)
    under a book of a list per customer and per distributor, CONTRACTS contracts and a tax rate per region and
    tax class, and print the CPU an order; every order is checked against pricing it alone."""
    rng = random.Random(7)
    book = _book(rng, customers, distributors, contracts)
    rates = _rates(regions)
    batch = _orders(rng, orders, customers, distributors, regions)
    best, priced = float("inf"), []
    for _ in range(ROUNDS):
        started = time.process_time()
        known: dict = {}
        priced = [price_order(order, book, rates, known=known) for order in batch]
        best = min(best, time.process_time() - started)
    alone = [price_order(order, book, rates) for order in batch]
    if priced != alone:
        raise click.ClickException("orders priced in a batch differ from the same orders priced alone")
    per_order_us = best / len(batch) * 1e6
    click.echo(f"book     {len(book.lists)} price lists, {len(book.contracts)} contracts, {len(rates)} tax rates")
    click.echo(f"pricing  {len(batch)} orders × 3 lines in {best * 1000:.1f} ms of CPU (fastest of {ROUNDS}): "
               f"{per_order_us:.1f} µs an order; every order as priced alone")
    click.echo(f"RESULT us_per_order={per_order_us:.1f} lists={len(book.lists)} contracts={len(book.contracts)} "
               f"rates={len(rates)} total={_total(priced)}")


def _book(rng: random.Random, customers: int, distributors: int, contracts: int) -> PriceBook:
    skus = SKU_CODES

    def entries() -> dict:
        return {sku: (PriceBreak(1, Decimal("10.00")), PriceBreak(10, Decimal("9.00")))
                for sku in rng.sample(skus, SKUS_PER_LIST)}
    lists = [PriceList(f"C{n}", "USD", "customer", f"CUST{n}", entries=entries()) for n in range(customers)]
    lists += [PriceList(f"D{n}", "USD", "distributor", f"DIST{n}", entries=entries()) for n in range(distributors)]
    lists.append(PriceList("CAT", "USD", "catalogue", entries={sku: (PriceBreak(1, Decimal("12.00")),) for sku in skus}))
    agreed = [ContractPrice(f"CUST{rng.randrange(customers)}", rng.choice(skus), "USD", Decimal("8.00"),
                            reference=f"K{n}", min_quantity=rng.choice((1, 5))) for n in range(contracts)]
    return PriceBook(lists=tuple(lists), contracts=tuple(agreed))


def _rates(regions: int) -> tuple[TaxRate, ...]:
    rates = [TaxRate(tax_class, "US", f"R{n:03d}", Decimal("0.05")) for tax_class in TAX_CLASSES
             for n in range(regions)]
    return tuple(rates + [TaxRate(tax_class, "US", "", Decimal("0.04")) for tax_class in TAX_CLASSES])


def _orders(rng: random.Random, count: int, customers: int, distributors: int, regions: int) -> list[OrderToPrice]:
    skus = SKU_CODES
    batch = []
    for _ in range(count):
        customer = rng.randrange(customers)
        lines = tuple(LineToPrice(number, sku, rng.choice((1, 3, 12)), Decimal("0.00"), False, True,
                                  Decimal("12.00"), "USD", rng.choice(TAX_CLASSES))
                      for number, sku in enumerate(rng.sample(skus, 3), start=1))
        batch.append(OrderToPrice(currency="USD", day=DAY, customer=f"CUST{customer}",
                                  distributor=f"DIST{customer % distributors}", customer_group="", country="US",
                                  region=f"R{rng.randrange(regions):03d}", shipping_total=Decimal("5.00"),
                                  lines=lines))
    return batch


def _total(priced: list[PricedOrder]) -> Decimal:
    return sum((order.total for order in priced), Decimal(0))
