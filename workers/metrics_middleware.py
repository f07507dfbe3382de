"""Dramatiq middleware: messages, errors, retries, dead letters and durations per actor and queue, written to
the shared metrics folder and served by the portal's ``/metrics`` (not by an HTTP server of the worker's own, as
Dramatiq's Prometheus middleware does)."""
from __future__ import annotations

import time

import dramatiq

from models.core.metrics import counter, histogram, mark_process_dead

LABELS = ("queue", "actor")
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

MESSAGES = counter("oms_messages_total", "Messages processed (or skipped) by a worker.", LABELS)
ERRORS = counter("oms_message_errors_total", "Messages whose actor raised.", LABELS)
RETRIES = counter("oms_message_retries_total", "Messages enqueued again for a retry.", LABELS)
DEAD_LETTERS = counter("oms_message_dead_letters_total", "Messages rejected to the dead letters.", LABELS)
DURATION = histogram("oms_message_duration_seconds", "Time an actor took over one message.", LABELS,
                     DURATION_BUCKETS)


class MessageMetrics(dramatiq.Middleware):
    """Count and time every message by queue and actor."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}  # message id -> perf_counter; one entry per message in progress

    def before_process_message(self, broker, message) -> None:
        self._started[message.message_id] = time.perf_counter()

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        labels = (message.queue_name, message.actor_name)
        started = self._started.pop(message.message_id, None)
        if started is not None:
            DURATION.labels(*labels).observe(time.perf_counter() - started)
        MESSAGES.labels(*labels).inc()
        if exception is not None:
            ERRORS.labels(*labels).inc()

    after_skip_message = after_process_message

    def after_enqueue(self, broker, message, delay) -> None:
        if "retries" in message.options:  # set by the Retries middleware only
            RETRIES.labels(message.queue_name, message.actor_name).inc()

    def after_nack(self, broker, message) -> None:
        DEAD_LETTERS.labels(message.queue_name, message.actor_name).inc()

    def after_worker_shutdown(self, broker, worker) -> None:
        mark_process_dead()
