"""Dramatiq middleware: every message that ends with the dead letters is recorded in the dead-letter table (where
ops retry or discard it) and logged at ERROR with its id.

Dramatiq logs a failure with an expected exception (an actor's ``throws``, e.g. a batch holding an id that is
not an id) at INFO and an exhausted retry at WARNING: neither would page anyone, and the message then sits in
``<queue>.XQ`` for its TTL unnoticed. Install it before Retries: after_* hooks run in reverse order, so it then
sees what Retries decided. The record is one short transaction of its own; when the database is away it is
skipped, and the drainer finds the message in ``<queue>.XQ`` later.
"""
from __future__ import annotations

import logging

import dramatiq
from dramatiq.common import q_name

from models.core.db import connection, database
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters

logger = logging.getLogger(__name__)


def describe(exception: BaseException) -> str:
    """Why a message died, for ops: the exception's class and text, and the per-field problems a validation
    error carries (its text alone may say only "validation failed")."""
    text = f"{type(exception).__name__}: {exception}"
    messages = getattr(exception, "messages", None)
    if isinstance(messages, dict) and messages and str(messages) not in text:
        text += f" {messages}"
    return text


class DeadLetterLog(dramatiq.Middleware):
    """Record and log at ERROR, with the message id, actor, queue, arguments and why, a message that failed for
    good."""

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is not None and message.failed:
            self._dead(message, describe(exception))

    def after_skip_message(self, broker, message) -> None:
        if message.failed:  # e.g. AgeLimit: too old to run
            self._dead(message, "skipped")

    def _dead(self, message, why: str) -> None:
        logger.error("message %s (%s on %s, args %.300r) goes to the dead letters: %.2000s",
                     message.message_id, message.actor_name, message.queue_name, message.args, why)
        self._record(message, why)

    @staticmethod
    def _record(message, why: str) -> None:
        found = FoundDeadLetter(message.message_id, q_name(message.queue_name), message.actor_name,
                                list(message.args), why)
        try:
            if database.obj is None:
                raise RuntimeError("no database bound")
            with connection(), database.atomic():
                record_dead_letters([found])
        except Exception as exc:  # noqa: BLE001 - the drainer records it from the broker's dead letters later
            logger.warning("dead letter %s not recorded (%r); it will be taken from %s.XQ", message.message_id,
                           exc, q_name(message.queue_name))
