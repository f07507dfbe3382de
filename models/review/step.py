"""The review step: approve, hold or reject a batch of orders in review under the rule set in force, and persist
every decision with its status change in one transaction, with a fixed number of statements whatever the batch
size; the approved orders are allocated in that transaction when the caller asks (``allocate_now``), the others
nudge the allocation stage."""
from __future__ import annotations

from collections.abc import Callable

from models.core.bulk import BatchResult, Move, transition_many
from models.core.bulk_values import among
from models.core.db import database, is_sqlite, lock_against_writers, lock_for_update
from models.core.errors import InvariantViolated
from models.core.model_rows import model_rows
from models.core.stages import ALLOCATION
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_ON_HOLD,
    ORDER_REJECTED,
    ORDER_REVIEWING,
)
from models.orders.tables import Order
from models.partners.tables import Partner
from models.pricing.order_pricing import PricedOrder
from models.review.facts import ReviewBatch
from models.review.line_prices import (
    TOTAL_CASTS,
    TOTAL_COLUMNS,
    BatchPricing,
    persist_prices,
    price_facts,
    take_prices,
    totals_row,
)
from models.review.reviews import ReviewRuleSet, current_rule_set, record_reviews
from models.review.rules import (
    APPROVE,
    HOLD,
    ReviewDecision,
    RuleSettings,
    review_order,
    weighs_credit,
)

STATUS_AFTER = {APPROVE: ORDER_APPROVED, HOLD: ORDER_ON_HOLD}  # any other outcome rejects
# Parsed settings by (version id, document): a batch reads only the newest version's row, parsing it once.
_SETTINGS: dict[tuple[int, str], RuleSettings] = {}


def review_orders(order_ids: list[int], *, actor: str,
                  allocate_now: Callable[[list[int]], dict[int, str]] | None = None) -> BatchResult:
    """Review those of ``order_ids`` still in review, one after the other in id order as their facts see it;
    ``outcomes`` maps each reviewed order to its decision (approve, hold, reject). An order whose facts or decision
    raised is set aside in ``failed`` (still in review) and the rest commit. Safe to run twice.

    ``allocate_now`` (the review stage's: models.allocation.step.allocate_straight) allocates approved orders in
    this transaction and returns those it allocated with the plan's reason: they move from review to allocated
    in one write, the trail recording the approval and the allocation; the other approved orders wait for the
    allocation stage, nudged as before."""
    result = BatchResult()
    ids = sorted(set(order_ids))
    if not ids:
        return result
    with database.atomic():
        orders = model_rows(lock_for_update(Order.select().where(among(Order.id, ids),
                                                                 Order.status == ORDER_REVIEWING).order_by(Order.id)))
        if not orders:
            return result
        rule_set_id, settings = rule_set_in_force()
        customers = _customers_locked_for_credit(sorted({order.customer_id for order in orders}), settings)
        pricing = BatchPricing.load(orders, customers)
        batch = ReviewBatch.load(orders, customers, settings)
        decisions: dict[int, ReviewDecision] = {}
        prices: dict[int, PricedOrder] = {}
        for order in orders:
            try:
                # priced first: the credit and amount rules judge the total the order will really cost
                # a catalogue price in another currency converts at the rates of the day the order was placed,
                # from the rate table the exposure figures already loaded for this batch
                priced = pricing.price(order, convert=batch.exposures.rates.converter_on(order.created_at.date()))
                take_prices(order, priced)
                facts = batch.facts_for(order, price_lines=price_facts(order, priced))
                decision = review_order(facts, settings)
            except Exception as exc:  # noqa: BLE001 - set aside alone: the rest of the batch commits
                result.failed[order.id] = exc
                continue
            batch.decided(order, decision.outcome)
            decisions[order.id] = decision
            prices[order.id] = priced
        persist_prices(prices)  # the lines; the orders' totals are written with their status, in one update
        approved = sorted(order_id for order_id, decision in decisions.items() if decision.outcome == APPROVE)
        allocated = allocate_now(approved) if allocate_now is not None and approved else {}
        result.outcomes.update(_persist(decisions, rule_set_id, actor=actor, price_book_version=pricing.version,
                                        totals={order_id: totals_row(order) for order_id, order in prices.items()},
                                        allocated=allocated))
    return result


def _customers_locked_for_credit(buyer_ids: list[int], settings: RuleSettings) -> dict[int, Partner]:
    """The buyers and the capped distributors serving them (a group credit limit is weighed against the orders of
    all the distributor's customers), by id; those whose exposure is weighed against a limit are locked (after
    the orders, in id order), which serializes reviews of one customer so that two orders cannot both squeeze
    under the same limit. A partner with no limit is read, not locked: locking it would queue every review of a
    batch sharing customers behind another's for nothing."""
    heads = Partner.alias()
    serving = (Partner.select(Partner.distributor).join(heads, on=(Partner.distributor == heads.id))
               .where(among(Partner.id, buyer_ids), heads.group_credit_limit.is_null(False)))
    customers = {customer.id: customer for customer in
                 Partner.select().where(among(Partner.id, buyer_ids) | Partner.id.in_(serving))}
    limited = sorted(partner_id for partner_id, partner in customers.items()
                     if weighs_credit(settings, customer_code=partner.code, credit_limit=partner.credit_limit,
                                      group_credit_limit=partner.group_credit_limit))
    if limited and not is_sqlite():  # SQLite holds the write lock already; re-read the locked rows as they are now
        customers.update((partner.id, partner) for partner in
                         lock_against_writers(Partner.select().where(among(Partner.id, limited)).order_by(Partner.id)))
    return customers


def rule_set_in_force() -> tuple[int, RuleSettings]:
    """The newest review rule-set version and its settings, in one query of one row; a version saved since the
    last call is picked up at once."""
    newest = (ReviewRuleSet.select(ReviewRuleSet.id, ReviewRuleSet.document_json)
              .order_by(ReviewRuleSet.id.desc()).limit(1).tuples().first())
    if newest is None:  # no version yet: record the defaults as the first
        rule_set = current_rule_set()
        newest = (rule_set.id, rule_set.document_json)
    settings = _SETTINGS.get(newest)
    if settings is None:
        if len(_SETTINGS) > 64:
            _SETTINGS.clear()
        settings = _SETTINGS[newest] = ReviewRuleSet(id=newest[0], document_json=newest[1]).settings
    return newest[0], settings


def _persist(decisions: dict[int, ReviewDecision], rule_set_id: int, *, actor: str,
             totals: dict[int, tuple], price_book_version: int | None = None,
             allocated: dict[int, str] | None = None) -> dict[int, str]:
    """Move each order to the status its decision gives, or to allocated through approved when it is among
    ``allocated`` (order id -> the plan's reason): one guarded update per status, writing its ``totals`` too;
    record the decisions of the orders moved, and nudge allocation with the approved ones left; returns order id
    -> outcome."""
    allocated = allocated or {}
    by_status: dict[str, list[Move]] = {}
    for order_id, decision in decisions.items():
        if order_id in allocated:
            by_status.setdefault(ORDER_ALLOCATED, []).append(Move(order_id, ORDER_REVIEWING, allocated[order_id]))
            continue
        status = STATUS_AFTER.get(decision.outcome, ORDER_REJECTED)
        by_status.setdefault(status, []).append(Move(order_id, ORDER_REVIEWING, decision.summary()))
    moved: set[int] = set()
    for status, moves in by_status.items():
        through = ORDER_APPROVED if status == ORDER_ALLOCATED else None
        moved |= transition_many("order", moves, status, actor=actor, also_set=TOTAL_COLUMNS, also_values=totals,
                                 casts=TOTAL_CASTS, via=through,
                                 via_reasons={move.entity_id: decisions[move.entity_id].summary() for move in moves}
                                 if through else None)
    if not moved.issuperset(allocated):
        raise InvariantViolated("an order locked for review changed status meanwhile")
    record_reviews({order_id: decisions[order_id] for order_id in sorted(moved)}, rule_set_id, actor=actor,
                   price_book_version=price_book_version)
    approved = sorted(order_id for order_id in moved
                      if decisions[order_id].outcome == APPROVE and order_id not in allocated)
    if approved:
        ALLOCATION.nudge(approved)
    return {order_id: decisions[order_id].outcome for order_id in sorted(moved)}
