import threading
from datetime import timedelta

import pytest

from models.core.base import utc_now
from models.core.outbox import (
    OutboxMessage,
    claim_batch,
    enqueue_after_commit,
    mark_sent,
    prune_sent,
    release_claims,
)
from tests.pipeline_support import wait_until

LEASE = timedelta(seconds=60)


def write(count: int) -> list[int]:
    return [enqueue_after_commit("oms_intake", "intake_orders", [n], "x").id for n in range(count)]


def ids(rows) -> list[int]:
    return [row.id for row in rows]


def unsent() -> list[int]:
    return ids(OutboxMessage.unsent())


def test_enqueue_stores_json_args(any_db):
    message = enqueue_after_commit("oms_review", "review_orders", [3, 4], "why", 7)
    stored = OutboxMessage.get_by_id(message.id)
    assert (stored.queue_name, stored.actor_name, stored.args) == ("oms_review", "review_orders", [[3, 4], "why", 7])
    assert (stored.sent_at, stored.claimed_until, stored.attempts, stored.last_error) == (None, None, 0, "")


def test_claim_takes_rows_once_in_id_order(any_db):
    written = write(5)
    first = claim_batch(3, LEASE)
    assert ids(first) == written[:3]
    assert all(row.attempts == 1 and row.claimed_until > utc_now() for row in first)
    assert len({row.claim_token for row in first}) == 1
    second = claim_batch(10, LEASE)
    assert ids(second) == written[3:]
    assert second[0].claim_token != first[0].claim_token
    assert claim_batch(10, LEASE) == []
    assert unsent() == written  # claimed is not sent


def test_expired_lease_is_claimed_again(any_db):
    written = write(2)
    assert ids(claim_batch(10, LEASE)) == written
    OutboxMessage.update(claimed_until=utc_now() - timedelta(seconds=1)).where(OutboxMessage.id == written[1]).execute()
    again = claim_batch(10, LEASE)
    assert ids(again) == [written[1]]
    assert again[0].attempts == 2


def test_mark_sent_removes_from_unsent_for_good(any_db):
    written = write(3)
    claim_batch(10, LEASE)
    mark_sent(written[:2])
    assert unsent() == written[2:]
    OutboxMessage.update(claimed_until=utc_now() - timedelta(seconds=1)).execute()
    assert ids(claim_batch(10, LEASE)) == written[2:]
    assert OutboxMessage.get_by_id(written[0]).sent_at is not None


def test_release_claims_gives_the_rows_back_with_the_error(any_db):
    written = write(3)
    claimed = claim_batch(10, LEASE)
    release_claims(claimed[1:], "ConnectionError('broker down')" + "x" * 3000)
    for row in map(OutboxMessage.get_by_id, written[1:]):
        assert (row.claimed_until, row.claim_token, row.sent_at) == (None, None, None)
        assert row.last_error.startswith("ConnectionError('broker down')") and len(row.last_error) == 2000
    assert OutboxMessage.get_by_id(written[0]).claim_token == claimed[0].claim_token  # not released
    assert ids(claim_batch(10, LEASE)) == written[1:]
    assert [OutboxMessage.get_by_id(i).attempts for i in written] == [1, 2, 2]


def test_zero_limit_or_empty_outbox_claims_nothing(any_db):
    assert claim_batch(10, LEASE) == []
    write(1)
    assert claim_batch(0, LEASE) == []


# --- pruning -------------------------------------------------------------------------------------

WEEK = timedelta(hours=168)


def sent_hours_ago(row_ids: list[int], hours: float) -> None:
    OutboxMessage.update(sent_at=utc_now() - timedelta(hours=hours)).where(OutboxMessage.id.in_(row_ids)).execute()


def test_prune_deletes_only_rows_sent_before_the_retention_period(any_db):
    old_sent, recent_sent, old_unsent, old_claimed = write(2), write(2), write(2), write(1)
    sent_hours_ago(old_sent, 169)
    sent_hours_ago(recent_sent, 167)
    long_ago = utc_now() - timedelta(days=30)
    OutboxMessage.update(created_at=long_ago).where(OutboxMessage.id.in_(old_unsent + old_claimed)).execute()
    claim_batch(1, LEASE)  # the oldest unsent row, claimed by a relay but not sent
    assert prune_sent(WEEK) == 2
    assert ids(OutboxMessage.select().order_by(OutboxMessage.id)) == recent_sent + old_unsent + old_claimed
    assert unsent() == old_unsent + old_claimed
    assert prune_sent(WEEK) == 0


def test_prune_works_in_batches_and_stops_after_max_batches(any_db):
    written = write(7)
    sent_hours_ago(written, 200)
    assert prune_sent(WEEK, batch=3, max_batches=2) == 6
    assert ids(OutboxMessage.select()) == written[6:]  # the oldest first
    assert prune_sent(WEEK, batch=3) == 1
    assert OutboxMessage.select().count() == 0


@pytest.mark.parametrize("backend", ["db", "pg_db"])
def test_each_prune_batch_is_its_own_transaction(backend, request, monkeypatch):
    db = request.getfixturevalue(backend)  # committing for real, not inside a test's rolled-back transaction
    written = write(5)
    sent_hours_ago(written, 200)
    transactions = []
    real_begin = db.begin
    monkeypatch.setattr(db, "begin", lambda *a, **k: transactions.append(1) or real_begin(*a, **k))
    assert prune_sent(WEEK, batch=2) == 5
    assert len(transactions) == 3  # 2 + 2 + 1 rows


# --- one-statement claim -------------------------------------------------------------------------

def counting_statements(monkeypatch, database) -> list[str]:
    statements: list[str] = []
    real = type(database.obj).execute_sql

    def execute_sql(self, sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(type(database.obj), "execute_sql", execute_sql)
    return statements


def test_a_claim_is_one_statement_whatever_it_takes(any_db, monkeypatch):
    from models.core.db import database

    written = write(4)
    statements = counting_statements(monkeypatch, database)
    assert ids(claim_batch(3, LEASE)) == written[:3]
    assert ids(claim_batch(3, LEASE)) == written[3:]
    assert claim_batch(3, LEASE) == []
    assert len(statements) == 3 and all(sql.lstrip().startswith(("UPDATE", "WITH")) for sql in statements)


def test_a_claim_takes_no_more_than_its_limit_from_a_long_outbox(any_db):
    written = write(40)
    assert ids(claim_batch(7, LEASE)) == written[:7]
    assert OutboxMessage.select().where(OutboxMessage.claim_token.is_null(False)).count() == 7


def _claim_in_thread(database, limit: int, *, hold: threading.Event | None = None) -> tuple[threading.Thread, list]:
    """Claim in a thread of its own (its own connection); with ``hold``, inside a transaction kept open until set."""
    found: list = []

    def claim() -> None:
        database.connect(reuse_if_open=True)
        try:
            if hold is None:
                found.append(claim_batch(limit, LEASE))
            else:
                with database.atomic():
                    found.append(claim_batch(limit, LEASE))
                    hold.wait(10)
        finally:
            database.close()

    thread = threading.Thread(target=claim)
    thread.start()
    return thread, found


def test_a_second_relay_skips_rows_another_is_claiming_without_waiting(pg_db):
    from models.core.db import database

    written = write(6)
    release = threading.Event()
    first, first_rows = _claim_in_thread(database, 3, hold=release)
    wait_until(lambda: bool(first_rows), timeout=10, what="the first claim made, its transaction still open")
    second, second_rows = _claim_in_thread(database, 10)
    second.join(5)
    done = not second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    assert done, "the second claim waited for the first one's transaction"
    assert ids(first_rows[0]) == written[:3] and ids(second_rows[0]) == written[3:]


def test_concurrent_claimers_never_take_one_row_twice(pg_db):
    from models.core.db import database

    written = write(300)
    taken: list[int] = []
    lock = threading.Lock()

    def drain() -> None:
        database.connect(reuse_if_open=True)
        try:
            while rows := claim_batch(7, LEASE):
                with lock:
                    taken.extend(ids(rows))
        finally:
            database.close()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(taken) == written  # every row once, none twice


def test_rows_of_a_held_queue_are_left_for_a_later_pass(any_db):
    review = [enqueue_after_commit("oms_review", "review_orders", [n]).id for n in range(2)]
    other = write(1)
    assert ids(claim_batch(10, LEASE, hold={"oms_review"})) == other
    assert claim_batch(10, LEASE, hold={"oms_review"}) == []
    assert ids(claim_batch(10, LEASE)) == review
