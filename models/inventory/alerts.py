"""Low-stock alerts: raised once when a SKU's available units in a warehouse fall below its reorder point,
cleared when they recover, and mailed to the SKU's supplier and to ops after the alert is committed."""
from __future__ import annotations

import logging

import peewee

from models.core.base import utc_now
from models.core.bulk_values import among
from models.core.config import Settings
from models.core.db import database
from models.core.mailer import send_mail
from models.core.stages import ALERT_MAILS, REPLENISHMENT
from models.inventory.tables import Product, Stock, StockAlert, Warehouse
from models.partners.tables import Partner, User

logger = logging.getLogger(__name__)

# The mail goes out through the outbox: SMTP is network I/O and must never run inside the transaction
# that raised the alert (allocation raises alerts while it holds its stock locks).
ALERT_MAIL_ROLES = ("ops_admin", "ops_agent")
SWEEP_CHUNK = 500

_POINT = peewee.fn.COALESCE(Stock.reorder_point, Product.reorder_point)
_AVAILABLE = Stock.on_hand - Stock.reserved


def reorder_point_of(stock: Stock, product: Product) -> int:
    """The warehouse's own reorder point when set, else the product's; 0 or less means no alert."""
    return stock.reorder_point if stock.reorder_point is not None else product.reorder_point


def evaluate_alerts(stock_ids: list[int]) -> tuple[list[StockAlert], list[StockAlert]]:
    """Raise or clear the alerts of these stock rows; returns (raised, cleared). One read, and writes only
    when an alert changes; call inside the transaction that moved the stock so the mail nudge commits with it."""
    if not stock_ids:
        return [], []
    return _apply(_states(among(Stock.id, sorted(set(stock_ids)))))


def sweep_alerts() -> tuple[int, int]:
    """Bring every alert in line with its stock (rows that crossed their reorder point without passing
    through evaluate_alerts, e.g. a changed reorder point); returns how many were (raised, cleared)."""
    needs_raise = StockAlert.id.is_null() & (_POINT > 0) & (_AVAILABLE < _POINT)
    needs_clear = StockAlert.id.is_null(False) & ((_POINT <= 0) | (_AVAILABLE >= _POINT))
    raised = cleared = 0
    last_id = 0
    while True:
        states = _states((needs_raise | needs_clear) & (Stock.id > last_id), limit=SWEEP_CHUNK)
        if not states:
            return raised, cleared
        up, down = _apply(states)
        raised, cleared = raised + len(up), cleared + len(down)
        last_id = states[-1]["stock_id"]


def _states(where: peewee.Expression, *, limit: int | None = None) -> list[dict]:
    """Each stock row's figures with its open alert, if any (the partial unique index finds it)."""
    open_alert = ((StockAlert.warehouse == Stock.warehouse) & (StockAlert.product == Stock.product)
                  & (StockAlert.status == "open"))
    query = (Stock.select(Stock.id.alias("stock_id"), Stock.warehouse.alias("warehouse_id"),
                          Stock.product.alias("product_id"), _AVAILABLE.alias("available"), _POINT.alias("point"),
                          StockAlert.id.alias("alert_id"), StockAlert.available.alias("alert_available"),
                          StockAlert.reorder_point.alias("alert_point"), StockAlert.raised_at.alias("raised_at"))
             .join(Product, on=(Stock.product == Product.id))
             .join(StockAlert, peewee.JOIN.LEFT_OUTER, on=open_alert)
             .where(where).order_by(Stock.id))
    if limit:
        query = query.limit(limit)
    return list(query.dicts())


def _apply(states: list[dict]) -> tuple[list[StockAlert], list[StockAlert]]:
    to_raise = [s for s in states if s["alert_id"] is None and s["point"] > 0 and s["available"] < s["point"]]
    to_clear = [s for s in states if s["alert_id"] is not None and (s["point"] <= 0 or s["available"] >= s["point"])]
    if not to_raise and not to_clear:
        return [], []
    raised, cleared = [], []
    with database.atomic():
        for state in to_raise:
            alert = _raise(state)
            if alert is not None:
                raised.append(alert)
        for state in to_clear:
            alert = _clear(state)
            if alert is not None:
                cleared.append(alert)
        if raised:
            ALERT_MAILS.nudge([alert.id for alert in raised])
            # the low SKUs' replenishment suggestions are recomputed with the alert
            REPLENISHMENT.nudge(sorted({alert.product_id for alert in raised}))
    return raised, cleared


def _raise(state: dict) -> StockAlert | None:
    try:
        with database.atomic():  # a savepoint: losing the race to the unique index undoes only this insert
            return StockAlert.create(warehouse=state["warehouse_id"], product=state["product_id"], status="open",
                                     available=state["available"], reorder_point=state["point"])
    except peewee.IntegrityError:
        return None  # another transaction raised it first: one open alert, one mail


def _clear(state: dict) -> StockAlert | None:
    now = utc_now()
    changed = (StockAlert.update(status="cleared", cleared_at=now)
               .where(StockAlert.id == state["alert_id"], StockAlert.status == "open").execute())
    if not changed:
        return None
    return StockAlert(id=state["alert_id"], warehouse=state["warehouse_id"], product=state["product_id"],
                      status="cleared", available=state["alert_available"], reorder_point=state["alert_point"],
                      raised_at=state["raised_at"], cleared_at=now)


def mail_stock_alert(alert_id: int, settings: Settings) -> int:
    """Mail one raised alert to the SKU's supplier and to ops; call outside any transaction. An alert
    cleared before its mail went out is not mailed. Returns how many mails were sent."""
    alert = (StockAlert.select(StockAlert, Warehouse, Product, Partner)
             .join(Warehouse, on=(StockAlert.warehouse == Warehouse.id))
             .switch(StockAlert).join(Product, on=(StockAlert.product == Product.id))
             .join(Partner, peewee.JOIN.LEFT_OUTER, on=(Product.supplier == Partner.id))
             .where(StockAlert.id == alert_id).first())
    if alert is None or alert.status != "open":
        return 0
    product, supplier = alert.product, alert.product.supplier
    subject = f"Low stock: {product.sku} in {alert.warehouse.code}"
    body = (f"{product.sku} ({product.name}) in warehouse {alert.warehouse.code} ({alert.warehouse.name}) "
            f"has {alert.available} unit(s) available, below its reorder point of {alert.reorder_point}.\n"
            f"Raised at {alert.raised_at:%Y-%m-%d %H:%M} UTC (alert {alert.id}).\n")
    ops = [email for (email,) in User.select(User.email).where(
        User.role.in_(ALERT_MAIL_ROLES), User.active == True).order_by(User.email).tuples()]  # noqa: E712
    recipients = [supplier.email] if supplier is not None and supplier.email else []
    if not recipients:
        logger.warning("low-stock alert %s: SKU %s has no supplier email; only ops are told", alert.id, product.sku)
    if ops:
        recipients.append(", ".join(ops))  # one mail to every ops user, not one each
    for to in recipients:
        send_mail(settings, to, subject, body)
    return len(recipients)
