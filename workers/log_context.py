"""Dramatiq middleware: the message id, actor and order ids of the message being processed go into every log
line its actor writes; in a Dramatiq worker process, OMS_LOG_FORMAT=json applies as in every `oms` command."""
from __future__ import annotations

import inspect
import os

import dramatiq

from models.core import logs
from models.core.config import log_format

ORDER_ID_PARAMETERS = ("order_ids", "order_id")  # an actor whose first parameter is one of these takes orders


class MessageLogContext(dramatiq.Middleware):
    """Set the log context before an actor runs and clear it after."""

    def __init__(self) -> None:
        self._takes_orders: dict[str, bool] = {}

    def after_process_boot(self, broker) -> None:
        # The Dramatiq CLI set up text logging to its pipe before loading the broker; replace it when asked.
        if log_format() == "json":
            logs.configure_logging(level=os.environ.get("OMS_LOG_LEVEL", "INFO"), log_format="json", replace=True)

    def before_process_message(self, broker, message) -> None:
        logs.message_id.set(message.message_id)
        logs.actor.set(message.actor_name)
        logs.order_ids.set(self._order_ids(broker, message))

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        logs.message_id.set(None)
        logs.actor.set(None)
        logs.order_ids.set(None)

    after_skip_message = after_process_message

    def _order_ids(self, broker, message) -> tuple[int, ...] | None:
        if not self._takes_orders.setdefault(message.actor_name, _takes_orders(broker, message.actor_name)):
            return None
        first = message.args[0] if message.args else None
        ids = first if isinstance(first, list) else [first]
        return tuple(item for item in ids if isinstance(item, int) and not isinstance(item, bool)) or None


def _takes_orders(broker, actor_name: str) -> bool:
    try:
        parameters = list(inspect.signature(broker.get_actor(actor_name).fn).parameters)
    except (dramatiq.ActorNotFound, TypeError, ValueError):
        return False
    return bool(parameters) and parameters[0] in ORDER_ID_PARAMETERS
