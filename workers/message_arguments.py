"""Dramatiq middleware: a message whose arguments cannot bind to its actor goes to the dead letters at once.

Such a message (a wrong number of arguments, an unknown keyword: a bug or a hand-made message) fails the same way
on every attempt; left to the Retries middleware it would hold a worker thread through minutes of backoff first.
"""
from __future__ import annotations

import inspect
import logging

import dramatiq
from dramatiq.middleware import SkipMessage

logger = logging.getLogger(__name__)


class RejectUnbindableArguments(dramatiq.Middleware):
    """Fail, without retrying, a message whose args and kwargs do not fit its actor's signature."""

    def before_process_message(self, broker, message) -> None:
        try:
            actor = broker.get_actor(message.actor_name)
        except dramatiq.errors.ActorNotFound:
            return  # Dramatiq itself rejects it
        try:
            inspect.signature(actor.fn).bind(*message.args, **message.kwargs)
        except TypeError as exc:
            logger.error("message %s (%s on %s, args %.300r) cannot be run: %s; it goes to the dead letters",
                         message.message_id, message.actor_name, message.queue_name, message.args, exc)
            message.fail()
            raise SkipMessage(str(exc)) from exc
