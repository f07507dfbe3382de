"""The supplier loop on the production stack: PostgreSQL, RabbitMQ, `oms worker` and `oms relay` as real processes.
The relay's sweep schedules the first forecast run, the worker computes the forecasts and the suggestions, ops and
the supplier act through the API, and the worker fills the backorder when the received units go on hand."""
from __future__ import annotations

import pytest

from models.invariants import run_checks
from models.planning.tables import ForecastRun
from portal.app import create_app
from tests.conftest import settings_for
from tests.pipeline_support import running_portal, running_sandbox, wait_until
from tests.supply_loop import build_loop_world, check_loop, run_loop

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow(seconds=60)]


def test_the_supplier_loop_runs_on_worker_processes(stack, tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    client = app.test_client()
    build_loop_world(client)
    with running_sandbox(delivery_seconds=60.0), running_portal(app):
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        figures = run_loop(client, settle=lambda what, done: wait_until(done, timeout=120, interval=0.5, what=what))
    check_loop(figures)
    assert [run.status for run in ForecastRun.select()] == ["done"]  # scheduled once by the sweep, not per nudge
    assert all(not problems for problems in run_checks().values()), run_checks()
