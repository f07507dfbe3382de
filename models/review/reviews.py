"""Review rule-set versions and the decision recorded for each review of an order."""
from __future__ import annotations

import json
from datetime import datetime

import peewee

from models.core import rule_set_versions
from models.core.base import BaseModel, utc_now
from models.core.bulk_insert import insert_values
from models.core.bulk_values import among
from models.core.registry import register_tables
from models.core.rule_set_versions import RuleSetVersion
from models.orders.tables import Order
from models.review.rules import DEFAULT_SETTINGS, ReviewDecision, RuleSettings


class ReviewRuleSet(RuleSetVersion):
    """One version of the review configuration; the newest row is the one in force."""

    @property
    def settings(self) -> RuleSettings:
        return RuleSettings.from_document(json.loads(self.document_json))


class OrderReview(BaseModel):
    """What one review of an order decided, why, and under which rule-set version."""

    order = peewee.ForeignKeyField(Order, backref="reviews", on_delete="CASCADE", index=False)
    outcome = peewee.CharField(max_length=16)
    rule_set = peewee.ForeignKeyField(ReviewRuleSet, backref="decisions", on_delete="RESTRICT",
                                      index=False)  # never read by version; versions are never deleted (0036)
    reasons_json = peewee.TextField(default="[]")
    codes = peewee.CharField(max_length=255, default="")  # " code1 code2 ": filterable with LIKE '% code %'
    release_roles = peewee.CharField(max_length=255, default="")
    price_book_version = peewee.IntegerField(null=True)  # the price book version the prices were checked against
    actor = peewee.CharField(max_length=254)
    decided_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("order", "id"), False),)

    @property
    def reasons(self) -> list[dict]:
        """Each reason's code, message (English), numbers and release roles, and, for reviews recorded since the
        templates were kept, ``text``: the message's template and values (models.core.texts)."""
        return json.loads(self.reasons_json)

    @property
    def code_list(self) -> list[str]:
        return self.codes.split()

    def as_document(self) -> dict:
        # the reasons in English only: the stored templates are for the portal's pages
        reasons = [{key: value for key, value in reason.items() if key != "text"} for reason in self.reasons]
        return {"outcome": self.outcome, "rule_set_version": self.rule_set_id,
                "price_book_version": self.price_book_version, "reasons": reasons,
                "release_roles": self.release_roles.split(), "actor": self.actor,
                "decided_at": self.decided_at.isoformat() + "Z"}


def current_rule_set() -> ReviewRuleSet:
    """The rule set in force (version 1, the defaults, comes from the migration)."""
    return ReviewRuleSet.in_force(DEFAULT_SETTINGS)


def save_rule_set(settings: RuleSettings, *, actor: str, note: str = "",
                  expected_version: int | None = None) -> ReviewRuleSet:
    """Make ``settings`` the rule set in force if ``expected_version`` is still the newest, else raise
    RuleSetChanged; ``None`` (no check) is for system callers only, never for an editor."""
    return rule_set_versions.save_rule_set(ReviewRuleSet, settings, expected_version=expected_version, actor=actor,
                                           note=note)


def record_review(order_id: int, decision: ReviewDecision, rule_set: ReviewRuleSet, *, actor: str) -> OrderReview:
    return OrderReview.create(**_review_row(order_id, decision, rule_set.id, actor=actor, decided_at=utc_now()))


def record_reviews(decisions: dict[int, ReviewDecision], rule_set_id: int, *, actor: str,
                   price_book_version: int | None = None) -> None:
    """Record the decision on each order under one rule-set version (and price book version), in one multi-row
    insert per 500."""
    decided_at = utc_now()  # one reading of the clock for the batch
    rows = [{**_review_row(order_id, decision, rule_set_id, actor=actor, decided_at=decided_at),
             "price_book_version": price_book_version} for order_id, decision in decisions.items()]
    insert_values(OrderReview, rows)


def _review_row(order_id: int, decision: ReviewDecision, rule_set_id: int, *, actor: str,
                decided_at: datetime) -> dict:
    return {"order": order_id, "outcome": decision.outcome, "rule_set": rule_set_id,
            "reasons_json": json.dumps([reason.as_document() for reason in decision.reasons]),
            "codes": f" {' '.join(decision.codes)} " if decision.codes else "",
            "release_roles": " ".join(decision.release_roles), "actor": actor,
            "decided_at": decided_at}


def latest_review(order_id: int) -> OrderReview | None:
    return OrderReview.select().where(OrderReview.order == order_id).order_by(OrderReview.id.desc()).first()


def latest_reviews(order_ids: list[int]) -> dict[int, OrderReview]:
    """The newest review of each order, in one query."""
    if not order_ids:
        return {}
    return {review.order_id: review for review in OrderReview.select().where(
        OrderReview.id.in_(newest_review_ids(order_ids)))}


def newest_review_ids(order_ids: list[int] | None = None) -> peewee.SelectQuery:
    """A subquery of the newest review id of each order (of ``order_ids``, or of every order)."""
    newest = OrderReview.alias()
    query = newest.select(peewee.fn.MAX(newest.id))
    if order_ids is not None:
        query = query.where(among(newest.order, order_ids))
    return query.group_by(newest.order)


def reviews_of(order_id: int) -> list[OrderReview]:
    return list(OrderReview.select().where(OrderReview.order == order_id).order_by(OrderReview.id))


register_tables(ReviewRuleSet, OrderReview)
