"""The queue cockpit's figures: each queue's depths beside its open dead letters, the outbox backlog and relay
lag, and the alerts they raise; and the scheduler's minute job that drains dead letters and samples the depths."""
from __future__ import annotations

import logging

import dramatiq

from models.core.config import Settings
from models.core.db import connection
from models.operations.dead_letters import open_by_queue
from models.operations.queue_rules import QueueReading, queue_alerts
from models.operations.queue_samples import (
    backlog_history,
    outbox_backlog,
    record_samples,
    sample_due,
)
from workers.dead_letter_drain import drain_dead_letters
from workers.queue_depths import STAGE_QUEUES, read_queues

logger = logging.getLogger(__name__)


def queue_overview(settings: Settings, broker: dramatiq.Broker | None = None) -> dict:
    """Every queue's figures (``dead``: its open dead letters in the table), the outbox backlog, the relay lag in
    seconds (the age of the oldest unsent outbox row) and the alerts now due."""
    source, readings = read_queues(settings, broker)
    dead = open_by_queue()
    names = sorted(set(readings) | set(dead))
    queues = [{"name": name, **{key: readings.get(name, {}).get(key) for key in
                                ("ready", "unacked", "delayed", "consumers", "in_rate", "out_rate")},
               "dead": dead.get(name, 0)} for name in names]
    backlog, lag = outbox_backlog()
    alerts = queue_alerts([QueueReading(q["name"], q["ready"], q["unacked"], q["delayed"], q["dead"],
                                        q["consumers"]) for q in queues],
                          backlog_history(), stage_queues=STAGE_QUEUES)
    return {"queues": queues, "outbox_backlog": backlog, "relay_lag_seconds": lag, "alerts": alerts,
            "source": source}


def watch_queues(broker: dramatiq.Broker, settings: Settings | None = None) -> None:
    """The scheduler's job: take dead letters off the broker into the table, and sample the depths once a minute.
    Never raises: a broker or database hiccup is logged and the next sweep tries again."""
    if settings is None:
        from workers.broker import current_settings

        settings = current_settings()
    try:
        drain_dead_letters(broker)
    except Exception:  # noqa: BLE001 - the sweep goes on; the dead letters stay in the broker until next time
        logger.warning("dead letters not drained from the broker", exc_info=True)
    try:
        with connection():
            if not sample_due():
                return
            _, readings = read_queues(settings, broker)
            dead = open_by_queue()
            record_samples({name: {**reading, "dead": dead.get(name, 0)} for name, reading in readings.items()})
    except Exception:  # noqa: BLE001 - a missed sample leaves a gap in the chart, nothing more
        logger.warning("queue depths not sampled", exc_info=True)
