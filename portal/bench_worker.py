"""What a bench's workers load (`dramatiq portal.bench_worker`): every pipeline actor, a no-op actor on a queue of
its own, and the bench's counters, installed before any database connection opens."""
import dramatiq

from portal.bench_counters import install_from_env, record_noop

install_from_env()

from workers.actors import ACTORS  # noqa: E402 - after the counters: installs the broker, declares every actor
from workers.middleware import DatabaseConnection  # noqa: E402

NOOP_QUEUE = "oms_bench_noop"
__all__ = ["ACTORS", "NOOP_QUEUE", "bench_noop"]


@dramatiq.actor(queue_name=NOOP_QUEUE, max_retries=0)
def bench_noop(round_no: int = 0) -> None:
    """Nothing: what a message costs in the broker and Dramatiq alone (counted in the raw rate's round)."""
    record_noop(round_no)


def _no_connection_for_noops(broker: dramatiq.Broker) -> None:
    """The no-op actor takes no database connection (a pooled PostgreSQL connection is checked with a round trip
    each time): the raw rate is the broker's and Dramatiq's, not the database's."""
    for middleware in broker.middleware:
        if isinstance(middleware, DatabaseConnection):
            connect = middleware.before_process_message

            def before_process_message(broker, message, connect=connect) -> None:
                if message.queue_name != NOOP_QUEUE:
                    connect(broker, message)

            middleware.before_process_message = before_process_message


_no_connection_for_noops(dramatiq.get_broker())
