"""Loading the credit exposure of the customers under review, by currency, and of the distributor groups they belong
to, with the rates to convert it: a fixed number of grouped queries per batch whatever its size."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import peewee

from models.core.base import CENT
from models.core.bulk_values import among
from models.core.config import base_currency
from models.currency.rates import load_rate_table
from models.currency.rules import RateTable
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_PARTIALLY_ALLOCATED,
)
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import Invoice, Payment
from models.review.exposure_rules import Exposure, convert_exposure
from models.review.rules import GroupCreditFacts

# Approved but not yet invoiced (shipping issues the invoice): these count against credit.
OPEN_EXPOSURE_STATES = (ORDER_APPROVED, ORDER_PARTIALLY_ALLOCATED, ORDER_BACKORDERED, ORDER_ALLOCATED)
OUTSTANDING, OPEN_ORDERS = "outstanding", "open_orders"


def exposures_of(key: peewee.Node, partners: peewee.Expression) -> dict[int, Exposure]:
    """Exposure by currency of the partners ``partners`` selects, summed by ``key`` (a Partner column), in one
    statement: open invoices, less unapplied credit, and approved orders not yet invoiced."""
    invoices = (Invoice.select(key.alias("k"), peewee.Value(OUTSTANDING).alias("kind"), Invoice.currency,
                               peewee.fn.SUM(Invoice.amount - Invoice.paid))
                .join(Partner, on=(Invoice.customer == Partner.id))
                .where(partners, Invoice.status == "open").group_by(key, Invoice.currency))
    credits = (Payment.select(key, peewee.Value(OUTSTANDING), Payment.currency, peewee.fn.SUM(Payment.unapplied) * -1)
               .join(Partner, on=(Payment.customer == Partner.id))
               .where(partners, Payment.unapplied > 0).group_by(key, Payment.currency))
    orders = (Order.select(key, peewee.Value(OPEN_ORDERS), Order.currency, peewee.fn.SUM(Order.total))
              .join(Partner, on=(Order.customer == Partner.id))
              .where(partners, Order.status.in_(OPEN_EXPOSURE_STATES)).group_by(key, Order.currency))
    found: dict[int, Exposure] = {}
    for owner, kind, currency, amount in (invoices + credits + orders).tuples():  # UNION ALL
        value = Decimal(str(amount or 0)).quantize(CENT)
        exposure = found.setdefault(owner, Exposure())
        if kind == OUTSTANDING:
            exposure.add_outstanding(currency, value)
        else:
            exposure.add_open_order(currency, value)
    return found


@dataclass
class CreditExposures:
    """The exposures a review batch weighs: each customer's, and each capped distributor group's, by currency; the
    rates of the review day. ``approved`` counts an order approved in the batch in the facts of the next ones."""

    day: date
    rates: RateTable
    customers: dict[int, Exposure]
    groups: dict[int, Exposure]  # distributor id -> its group's exposure (only distributors with a cap)
    group_of: dict[int, Partner]  # customer id -> the capped distributor whose group it is in

    @classmethod
    def load(cls, customers: dict[int, Partner], day: date, weighed: Iterable[int] | None = None) -> CreditExposures:
        """The exposures of ``customers`` (by id), which must hold the distributors with a group credit limit that
        serve them: the review step locks those with the customers, so two batches cannot both squeeze under one
        group cap. Three statements at most. ``weighed``: the customers whose own exposure a rule reads (default
        all); the others' count as nothing owed, as no rule looks (summing every open invoice and order of a
        customer without a limit cost a review batch more server time than the rest of it, growing with them)."""
        ids = sorted(customers if weighed is None else set(weighed) & set(customers))
        by_customer = exposures_of(Partner.id, among(Partner.id, ids)) if ids else {}
        group_of = {}
        for customer in customers.values():
            head = customer if customer.kind == "distributor" else customers.get(customer.distributor_id)
            if head is not None and head.group_credit_limit is not None:
                group_of[customer.id] = head
        capped = sorted({head.id for head in group_of.values()})
        group_key = peewee.fn.COALESCE(Partner.distributor, Partner.id)
        groups = exposures_of(group_key, Partner.distributor.in_(capped) | Partner.id.in_(capped)) if capped else {}
        return cls(day=day, rates=load_rate_table(until=day), customers=by_customer, groups=groups,
                   group_of=group_of)

    def credit_facts(self, order: Order, customer: Partner) -> dict:
        """The ReviewFacts fields about credit of ``order``: its customer's exposure in the customer's currency,
        this order converted, the rates used, and the distributor group's cap if one applies."""
        this_order = {order.currency: order.total}
        converted, order_total = convert_exposure(self.customers.get(customer.id, Exposure()), self.rates,
                                                  customer.currency, self.day, this_order)
        head = self.group_of.get(customer.id)
        group = None
        if head is not None:
            in_group, group_order = convert_exposure(self.groups.get(head.id, Exposure()), self.rates, head.currency,
                                                     self.day, this_order)
            group = GroupCreditFacts(distributor_code=head.code, limit=head.group_credit_limit,
                                     currency=head.currency, exposure=in_group.total, order_total=group_order,
                                     rates=in_group.rates, missing_rates=in_group.missing)
        return {"outstanding_balance": converted.outstanding, "open_orders_value": converted.open_orders,
                "credit_currency": customer.currency, "order_total_in_credit_currency": order_total,
                "base_currency": self.rates.base or base_currency(), "exchange_rates": converted.rates,
                "missing_rates": converted.missing, "group": group}

    def approved(self, order: Order) -> None:
        """Count an order approved in this batch as an open order of its customer and its group."""
        self.customers.setdefault(order.customer_id, Exposure()).add_open_order(order.currency, order.total)
        head = self.group_of.get(order.customer_id)
        if head is not None:
            self.groups.setdefault(head.id, Exposure()).add_open_order(order.currency, order.total)
