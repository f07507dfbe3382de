from datetime import timedelta

from models.core.base import utc_now
from models.core.outbox import (
    OutboxMessage,
    claim_batch,
    enqueue_after_commit,
    mark_sent,
    release_claims,
)

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
