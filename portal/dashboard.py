"""The home dashboard (/home): what needs the signed-in user's action now, each linked to where it is acted
on, and today's figures. Figures come from models.operations.dashboard; this module only links and renders."""
from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.routing import BuildError

from models.operations.dashboard import dashboard_for
from portal.stuck_work import stuck_after

# Action key -> (endpoint, its arguments, the path to use while that page is not installed).
ACTION_LINKS = {
    "holds": ("holds.queue", {}, None),
    "credit_holds": ("holds.queue", {}, None),
    "dead_letters": ("queues.dead_letters_page", {}, "/ops/dead-letters"),
    "stuck": ("stuck_work.stuck_page", {}, None),
    "returns_to_decide": ("returns.queue", {"view": "review"}, None),
    "returns_to_inspect": ("returns.queue", {"view": "received"}, None),
    "suggestions_to_order": ("replenishment.suggestions_page", {"status": "open", "to_order": "1"}, None),
    "draft_purchase_orders": ("purchase_orders.purchase_orders", {"status": "draft"}, None),
    "overdue_customers": ("credit_desk.customers", {"overdue": "1"}, "/ops/customers?overdue=1"),
    "my_on_hold": ("ops.orders", {"status": "on_hold"}, None),
    "my_backordered": ("ops.orders", {"status": "backordered"}, None),
    "my_returns_to_send": ("returns.my_returns", {"status": "label_issued"}, None),
}


def action_link(key: str) -> str:
    endpoint, args, fallback = ACTION_LINKS[key]
    try:
        return url_for(endpoint, **args)
    except BuildError:
        return fallback or url_for("auth.home")


def render_dashboard() -> ResponseReturnValue:
    board = dashboard_for(current_user, stuck_after=stuck_after())
    return render_template("home.html", board=board, links={item.key: action_link(item.key)
                                                            for item in board.actions})
