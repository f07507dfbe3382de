"""The queue cockpit in a real browser: an ops agent watches a bulk import of a few hundred orders fill the queues
while the workers are stopped, then drain once they run; then ticks the dead letter a poisoned message left,
retries it with a note and sees it retried. The portal, the in-process broker and the worker share this process,
as in the embedded mode."""
from __future__ import annotations

import threading

import dramatiq
import pytest

from models.core.stages import INTAKE
from models.intake.tables import ImportBatch
from models.operations.queue_tables import DeadLetter
from models.orders.tables import Order
from models.partners.accounts import create_user
from tests.factories import allow_repeat_orders, make_world
from tests.models.intake.test_file_import import HEADER, line
from tests.pipeline_support import (
    drain,
    in_process_broker,
    running_portal,
    running_sandbox,
    wait_until,
)
from tests.portal.conftest import PASSWORD, build_app
from workers.relay import relay_once

pytestmark = pytest.mark.slow  # a real Chromium against a portal server: end to end, out of `make test-quick`

ORDERS = 200


@pytest.fixture
def portal(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)  # CSRF protection stays on, as in production
    make_world(on_hand=1000)
    allow_repeat_orders()  # the file's orders carry the same lines on purpose
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    in_process_broker().flush_all()
    worker = dramatiq.Worker(in_process_broker(), worker_threads=2, worker_timeout=50)
    with running_sandbox(), running_portal(app) as url:
        yield url, worker
    worker.stop()


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/ops/queues")  # protected: lands on the sign-in form
    page.fill('input[name="email"]', "agent@relay.test")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    assert page.url.endswith("/ops/queues"), page.inner_text("body")


def queue_figures(page) -> dict[str, int]:
    """Queue name -> ready count as the page shows it."""
    figures = {}
    for row in page.locator("table.queues tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        figures[cells[0]] = int(cells[1]) if cells[1].isdigit() else 0
    return figures


def backlog(page) -> int:
    return int(page.inner_text(".outbox-backlog"))


def upload_orders(page, url: str, path) -> None:
    path.write_text("\n".join([HEADER, *(line(f"BULK-{n}") for n in range(ORDERS))]) + "\n")
    page.goto(f"{url}/imports")
    page.set_input_files('input[type="file"]', str(path))
    with page.expect_navigation():
        page.click("button:has-text('Import')")


def reload_until(page, predicate, *, timeout: float, what: str) -> None:
    def shown() -> bool:
        page.reload()
        return predicate()

    wait_until(shown, timeout=timeout, interval=0.5, what=what)


def test_ops_watch_an_import_fill_and_drain_the_queues_then_retry_a_dead_letter(browser, portal, tmp_path):
    url, worker = portal
    page = browser.new_page()
    sign_in(page, url)
    assert sum(queue_figures(page).values()) == 0 and backlog(page) == 0

    upload_orders(page, url, tmp_path / "bulk.csv")
    assert ImportBatch.select().count() == 1 and Order.select().count() == ORDERS
    page.goto(f"{url}/ops/queues")
    assert backlog(page) > 0  # written, not yet published
    relay_once(in_process_broker())  # the relay publishes; no worker takes anything yet
    page.reload()
    assert queue_figures(page)["oms_review"] > 0 and backlog(page) == 0, page.inner_text("body")  # imports enter review

    worker.start()
    draining = threading.Thread(target=drain, args=(worker,), daemon=True)
    draining.start()
    reload_until(page, lambda: sum(queue_figures(page).values()) == 0 and backlog(page) == 0, timeout=40,
                 what="every queue drained on the page")
    draining.join(timeout=30)
    assert Order.select().where(Order.status == "shipped").count() == ORDERS

    in_process_broker().enqueue(dramatiq.Message(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name,
                                                 args=(["not-an-order-id"],), kwargs={}, options={}))
    wait_until(lambda: DeadLetter.select().exists(), timeout=10, what="the poisoned message dead")
    [dead] = DeadLetter.select()
    page.goto(f"{url}/ops/dead-letters")
    row = page.locator("table.dead-letters tbody tr", has_text="intake_orders")
    assert "not an id" in row.inner_text() and "open" in row.inner_text()
    row.locator('input[name="ids"]').check()
    page.select_option('select[name="decision"]', "retry")
    page.fill('input[name="note"]', "sent again to see it fail once more")
    with page.expect_navigation():
        page.click("button:has-text('Apply to the ticked')")
    assert "retried" in page.inner_text("body")
    page.goto(f"{url}/ops/dead-letters?status=retried")
    retried = page.locator("table.dead-letters tbody tr", has_text="intake_orders")
    assert retried.count() == 1 and "retried" in retried.inner_text()
    assert "sent again to see it fail once more" in retried.inner_text()
    assert DeadLetter.get_by_id(dead.id).status == "retried"
