"""The supplier loop in process, on SQLite and PostgreSQL: the pipeline steps the workers would run are run here
(allocation, the forecast run, replenishment) whenever the outbox asks for them."""
from __future__ import annotations

import pytest

from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.orders.flow import allocate, review
from models.planning.forecasts import recompute_forecasts
from models.planning.replenishment import compute_replenishment
from portal.app import create_app
from tests.conftest import settings_for
from tests.portal.conftest import build_app
from tests.supply_loop import build_loop_world, check_loop, run_loop

ACTOR = "worker:test"
STEPS = {
    "review_orders": lambda ids: [review(i, actor=ACTOR) for i in ids],
    "allocate_orders": lambda ids: [allocate(i, actor=ACTOR) for i in ids],
    "compute_replenishment": lambda ids: compute_replenishment(ids, actor=ACTOR),
    "recompute_forecasts": lambda sku, weeks: recompute_forecasts(sku=sku, horizon_weeks=weeks, actor=ACTOR),
}


def drain_outbox() -> None:
    """Run what the outbox asks of the order, forecast and replenishment stages until it asks nothing more."""
    while True:
        pending = list(OutboxMessage.select().where(OutboxMessage.sent_at.is_null(),
                                                    OutboxMessage.actor_name.in_(list(STEPS)))
                       .order_by(OutboxMessage.id))
        if not pending:
            return
        for message in pending:
            OutboxMessage.update(sent_at=message.created_at).where(OutboxMessage.id == message.id).execute()
            STEPS[message.actor_name](*message.args)


@pytest.fixture(params=["sqlite", "postgres"])
def client(request, tmp_path):
    if request.param == "sqlite":
        app = build_app(tmp_path, request.getfixturevalue("sqlite_url"))
    else:
        url = request.getfixturevalue("postgres_url")
        request.getfixturevalue("pg_db")
        app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=url), test_config={"TESTING": True})
    return app.test_client()


def test_falling_stock_to_a_received_purchase_order_and_a_filled_backorder(client):
    build_loop_world(client)

    def settle(what, done):
        drain_outbox()
        if "forecast" in what:
            recompute_forecasts(horizon_weeks=12, actor=ACTOR)  # the sweep's scheduled run
            drain_outbox()
        assert done(), f"not reached: {what}"

    check_loop(run_loop(client, settle=settle))
    assert {name: found for name, found in run_checks().items() if found} == {}
