"""The last allocation plan of each order with its explanation: a document of about a kilobyte, kept out of the
orders table so that lists and counts over millions of orders never read it."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now
from models.core.bulk_insert import insert_values
from models.core.registry import register_tables
from models.core.texts import Text, dumps
from models.orders.tables import Order


class OrderAllocationPlan(BaseModel):
    order = peewee.ForeignKeyField(Order, primary_key=True, backref="allocation_plan", on_delete="CASCADE")
    document_json = peewee.TextField()
    planned_at = peewee.DateTimeField(default=utc_now)


def keep_plans(documents: dict[int, dict]) -> None:
    """Write (or replace) the plan of each order in one multi-row upsert; call in the allocation's transaction.
    The documents may hold Text values (models.core.texts.dumps writes them as their templates)."""
    if not documents:
        return
    now = utc_now()
    rows = [{"order": order_id, "document_json": dumps(document), "planned_at": now}
            for order_id, document in sorted(documents.items())]
    insert_values(OrderAllocationPlan, rows, replace_on=("order_id",))


def plan_of(order_id: int) -> dict | None:
    """The order's last allocation plan document, or None before allocation; its explanation and the sources
    weighed read in English beside their templates, as plans stored before 2026-12-03 kept them."""
    text = (OrderAllocationPlan.select(OrderAllocationPlan.document_json)
            .where(OrderAllocationPlan.order == order_id).scalar())
    return with_english(json.loads(text)) if text else None


def with_english(document: dict) -> dict:
    """``document`` with the English of its plan's templates filled in where it was not stored."""
    plan = document.get("plan")
    if plan:
        if "explanation" not in plan:
            plan["explanation"] = str(Text.from_json(plan.get("explanation_text")))
        if "considered" not in plan:
            plan["considered"] = [str(Text.from_json(line)) for line in plan.get("considered_text") or ()]
    return document


register_tables(OrderAllocationPlan)
