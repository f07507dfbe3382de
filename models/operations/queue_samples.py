"""Queue depths sampled once a minute (by the scheduler) for the cockpit's chart and the backlog alert; kept
KEEP_SAMPLES long. The outbox backlog is sampled beside the queues under the name OUTBOX_QUEUE."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import peewee

from models.core.base import utc_now
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.operations.queue_rules import (
    BACKLOG_GROWING_SAMPLES,
    OUTBOX_QUEUE,
    rates_per_minute,
)
from models.operations.queue_tables import QueueSample

SAMPLE_EVERY = timedelta(seconds=55)  # a little under a minute, so a sweep each 30 s samples each minute
KEEP_SAMPLES = timedelta(days=7)
CHART_SPAN = timedelta(hours=1)
COUNTED = ("ready", "unacked", "delayed", "dead", "consumers", "published", "delivered")


def outbox_backlog() -> tuple[int, float]:
    """Unsent outbox rows, and the age in seconds of the oldest (0 when none): two aggregate reads in one query."""
    row = (OutboxMessage.select(peewee.fn.COUNT(OutboxMessage.id).alias("unsent"),
                                peewee.fn.MIN(OutboxMessage.created_at).alias("oldest"))
           .where(OutboxMessage.sent_at.is_null()).dicts().get())
    oldest = row["oldest"]
    if isinstance(oldest, str):  # SQLite hands an aggregate back as text
        oldest = datetime.fromisoformat(oldest)
    lag = max(0.0, (utc_now() - oldest).total_seconds()) if oldest else 0.0
    return row["unsent"], round(lag, 1)


def sample_due(now: datetime | None = None) -> bool:
    now = now or utc_now()
    latest = QueueSample.select(peewee.fn.MAX(QueueSample.sampled_at)).scalar()
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return latest is None or now - latest >= SAMPLE_EVERY


def record_samples(readings: Mapping[str, Mapping[str, int | None]], *, now: datetime | None = None) -> int:
    """Store one sample per queue (and the outbox backlog) unless one was taken less than SAMPLE_EVERY ago, and
    prune samples older than KEEP_SAMPLES; returns how many were stored."""
    now = now or utc_now()
    if not sample_due(now):
        return 0
    backlog, _ = outbox_backlog()
    rows = [{"queue": name[:64], "sampled_at": now, **{key: reading.get(key) for key in COUNTED}}
            for name, reading in readings.items()]
    rows.append({"queue": OUTBOX_QUEUE, "sampled_at": now, "ready": backlog, "dead": 0})
    for row in rows:
        row["dead"] = row["dead"] or 0
    with database.atomic():
        QueueSample.insert_many(rows).execute()
        QueueSample.delete().where(QueueSample.sampled_at < now - KEEP_SAMPLES).execute()
    return len(rows)


def backlog_history(samples: int = BACKLOG_GROWING_SAMPLES) -> list[int]:
    """The outbox backlog of the last ``samples`` samples, oldest first."""
    rows = (QueueSample.select(QueueSample.ready).where(QueueSample.queue == OUTBOX_QUEUE)
            .order_by(QueueSample.sampled_at.desc()).limit(samples))
    return [row.ready or 0 for row in rows][::-1]


def hourly_rates(now: datetime | None = None) -> dict:
    """The last hour's samples as chart series: per-minute messages in and out over all queues (from the
    broker's cumulative counters, None where it keeps none), and the messages ready and the outbox backlog."""
    now = now or utc_now()
    rows = (QueueSample.select().where(QueueSample.sampled_at >= now - CHART_SPAN)
            .order_by(QueueSample.sampled_at, QueueSample.queue))
    moments: dict[datetime, dict[str, list]] = {}
    for row in rows:
        at = row.sampled_at if isinstance(row.sampled_at, datetime) else datetime.fromisoformat(row.sampled_at)
        moment = moments.setdefault(at, {"published": [], "delivered": [], "ready": [], "outbox": []})
        if row.queue == OUTBOX_QUEUE:
            moment["outbox"].append(row.ready or 0)
            continue
        for key in ("published", "delivered", "ready"):
            moment[key].append(getattr(row, key))
    times = sorted(moments)

    def total(moment: dict, key: str) -> int | None:
        known = [value for value in moment[key] if value is not None]
        return sum(known) if known and len(known) == len(moment[key]) else None

    seconds = [(at - times[0]).total_seconds() if times else 0.0 for at in times]
    return {
        "labels": [f"{at:%H:%M}" for at in times[1:]],
        "in": rates_per_minute(list(zip(seconds, [total(moments[at], "published") for at in times]))),
        "out": rates_per_minute(list(zip(seconds, [total(moments[at], "delivered") for at in times]))),
        "ready": [total(moments[at], "ready") for at in times[1:]],
        "outbox": [sum(moments[at]["outbox"]) for at in times[1:]],
    }
