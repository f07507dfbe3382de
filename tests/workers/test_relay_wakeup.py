"""How the relay paces itself: the claim limit follows the backlog, and an idle relay wakes when rows arrive."""
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import dramatiq
import psycopg2

from models.core.outbox import OutboxMessage, enqueue_after_commit
from tests.pipeline_support import wait_until
from tests.workers.test_relay import RecordingBroker
from workers import relay
from workers.relay import next_limit, run_relay

IDLE_INTERVAL = 5.0  # a poll this slow would miss every deadline below: only a wake-up meets them


@contextmanager
def running_relay(broker, **options):
    stop = threading.Event()
    kwargs = {"interval": IDLE_INTERVAL, "sweep_interval": 86_400.0, "stuck_after": timedelta(minutes=2), **options}
    thread = threading.Thread(target=run_relay, args=(broker, stop), kwargs=kwargs, name="outbox-relay")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_the_limit_doubles_while_passes_come_back_full_and_halves_back_after():
    assert [next_limit(200, 200), next_limit(1600, 1600), next_limit(2000, 2000)] == [400, 2000, 2000]
    assert [next_limit(800, 799), next_limit(400, 0), next_limit(200, 3)] == [400, 200, 200]
    assert next_limit(10, 10, floor=10, cap=15) == 15


def test_the_relay_claims_more_per_pass_under_a_backlog_and_less_after(db, monkeypatch):
    limits: list[int] = []
    claim = relay.claim_batch
    monkeypatch.setattr(relay, "claim_batch",
                        lambda limit, lease, **kw: limits.append(limit) or claim(limit, lease, **kw))
    OutboxMessage.insert_many([{"queue_name": "oms_review", "actor_name": "review_orders", "payload": f"[[{n}]]"}
                               for n in range(1000)]).execute()
    broker = RecordingBroker()
    with running_relay(broker, interval=0.01):
        wait_until(lambda: len(limits) >= 6, timeout=10, what="six passes")
    assert limits[:5] == [200, 400, 800, 400, 200]  # 200 + 400 full, 400 of 800, then idle
    assert [len(m.args[0]) for m in broker.enqueued] == [200, 400, 400]  # one message of ids per pass


def test_stage_max_batch_caps_the_ids_per_message(db):
    for n in range(7):
        enqueue_after_commit("oms_review", "review_orders", [n])
    broker = RecordingBroker()
    assert relay.relay_once(broker, max_ids=3) == 7
    assert [m.args[0] for m in broker.enqueued] == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_set_based_stage_takes_as_many_ids_as_the_setting_allows_a_network_stage_its_own_cap(db):
    for start in (0, 400, 800):
        enqueue_after_commit("oms_review", "review_orders", list(range(start, start + 400)))
    for start in (0, 300):
        enqueue_after_commit("oms_notify", "mail_shipment_events", list(range(start, start + 300)))
    broker = RecordingBroker()
    assert relay.relay_once(broker, max_ids=2000) == 5
    sizes = sorted((m.actor_name, len(m.args[0])) for m in broker.enqueued)
    assert sizes == [("mail_shipment_events", 300), ("mail_shipment_events", 300), ("review_orders", 1200)]


def _published_within(broker: RecordingBroker, write, seconds: float) -> float:
    """Let the relay go idle, write a row with ``write``, and return how long until it was published."""
    time.sleep(0.5)  # its first (empty) pass done, it waits
    started = time.monotonic()
    write()
    while not broker.enqueued and time.monotonic() - started < IDLE_INTERVAL * 2:
        time.sleep(0.002)
    elapsed = time.monotonic() - started
    assert broker.enqueued, "never published"
    assert elapsed < seconds, f"published {elapsed * 1000:.0f} ms after the commit"
    return elapsed


def _insert_from_another_process(url: str) -> None:
    """A row committed by another process (the portal, a worker): nothing in the relay's process is told."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("INSERT INTO outbox_message (queue_name, actor_name, payload, created_at, attempts, "
                       "last_error) VALUES ('oms_review', 'review_orders', '[[1]]', now(), 0, '')")
    conn.close()


def test_an_idle_relay_on_postgres_is_woken_by_the_commit(pg_db, postgres_url):
    broker = RecordingBroker()
    with running_relay(broker):
        _published_within(broker, lambda: _insert_from_another_process(postgres_url), 0.2)
    assert broker.sent() == [("oms_review", "review_orders", ([1],))]


def test_the_listener_reconnects_after_its_connection_is_lost(pg_db, postgres_url):
    broker = RecordingBroker()
    with running_relay(broker):
        time.sleep(0.5)
        with psycopg2.connect(postgres_url) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND query LIKE 'LISTEN%%'")
            assert cursor.fetchall() == [(True,)]
        admin.close()
        time.sleep(2.0)  # noticed, and listening again
        _published_within(broker, lambda: _insert_from_another_process(postgres_url), 0.2)


def test_an_idle_embedded_relay_is_woken_by_a_row_written_in_its_process(db):
    broker = RecordingBroker()
    with running_relay(broker):
        _published_within(broker, lambda: enqueue_after_commit("oms_review", "review_orders", [2]), 0.2)


class RelayCursor(psycopg2.extensions.cursor):
    """Counts what the relay's thread sends at the driver: queries, BEGIN/COMMIT and the pool's liveness check."""

    sent: list[str] = []

    def execute(self, query, vars=None):
        if threading.current_thread().name == "outbox-relay":
            RelayCursor.sent.append(query if isinstance(query, str) else query.decode())
        return super().execute(query, vars)


def test_a_relay_pass_on_postgres_is_two_statements_and_an_idle_one_one(pg_db, monkeypatch):
    passes = []
    claim = relay.claim_batch
    monkeypatch.setattr(relay, "claim_batch",
                        lambda limit, lease, **kw: passes.append(limit) or claim(limit, lease, **kw))
    monkeypatch.setitem(pg_db.connect_params, "cursor_factory", RelayCursor)
    monkeypatch.setattr(RelayCursor, "sent", [])
    for n in range(3):
        enqueue_after_commit("oms_review", "review_orders", [n])
    with running_relay(RecordingBroker(), interval=0.02):
        time.sleep(0.5)
    sent = [sql for sql in RelayCursor.sent if not sql.startswith("LISTEN")]
    assert len(passes) > 5
    assert len(sent) == len(passes) + 1, sent[:8]  # every pass claims; the first also marks its rows sent
    assert sent[1].startswith("UPDATE") and "sent_at" in sent[1]


def test_rows_for_a_queue_with_messages_waiting_are_held_and_sent_merged(db):
    from dramatiq.brokers.stub import StubBroker

    stub = StubBroker()
    stub.declare_queue("oms_review")
    stub.declare_queue("oms_allocation")
    assert relay.busy_queues(stub) == set()
    stub.enqueue(dramatiq.Message(queue_name="oms_review", actor_name="review_orders", args=([0],), kwargs={},
                                  options={}))
    assert relay.busy_queues(stub) == {"oms_review"}

    class Recording(RecordingBroker):
        queues = stub.queues

    broker = Recording()
    with running_relay(broker, interval=0.01, hold_for=timedelta(seconds=0.5)):
        for n in range(1, 4):
            enqueue_after_commit("oms_review", "review_orders", [n])
            enqueue_after_commit("oms_allocation", "allocate_orders", [n])
            time.sleep(0.05)
        time.sleep(0.1)
        assert [m.actor_name for m in broker.enqueued] == ["allocate_orders"] * 3  # not held: sent at once
        wait_until(lambda: len(broker.enqueued) == 4, timeout=5, what="the held rows sent")
    assert broker.enqueued[-1].args == ([1, 2, 3],)  # held up to half a second, then one message


def test_a_busy_queue_is_held_for_a_while_then_released_whole():
    holds = relay.QueueHolds(timedelta(seconds=0.2))
    assert holds.held({"oms_review", "oms_allocation"}) == {"oms_review", "oms_allocation"}
    assert holds.held({"oms_review"}) == {"oms_review"}  # allocation no longer busy: its hold ends
    assert holds.held({"oms_review", "oms_allocation"}) == {"oms_review", "oms_allocation"}
    time.sleep(0.25)
    assert holds.held({"oms_review", "oms_allocation"}) == set()  # both held long enough: released
    assert holds.held({"oms_review"}) == {"oms_review"}  # and held again from now
