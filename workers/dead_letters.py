"""Dramatiq middleware: every message that ends with the dead letters is logged at ERROR with its id.

Dramatiq logs a failure with an expected exception (an actor's ``throws``, e.g. a batch holding an id that is
not an id) at INFO and an exhausted retry at WARNING: neither would page anyone, and the message then sits in
``<queue>.XQ`` for its TTL unnoticed. Install it before Retries: after_* hooks run in reverse order, so it then
sees what Retries decided.
"""
from __future__ import annotations

import logging

import dramatiq

logger = logging.getLogger(__name__)


class DeadLetterLog(dramatiq.Middleware):
    """Log at ERROR, with the message id, actor, queue, arguments and why, a message that failed for good."""

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is not None and message.failed:
            self._log(message, f"{type(exception).__name__}: {exception}")

    def after_skip_message(self, broker, message) -> None:
        if message.failed:  # e.g. AgeLimit: too old to run
            self._log(message, "skipped")

    @staticmethod
    def _log(message, why: str) -> None:
        logger.error("message %s (%s on %s, args %.300r) goes to the dead letters: %.2000s",
                     message.message_id, message.actor_name, message.queue_name, message.args, why)
