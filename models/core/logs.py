"""Log lines as text or as one JSON object each, carrying the request, message and order they belong to.

The portal's request hooks and the worker's middleware set the context variables below; every log call made
while they are set carries them, whichever module logs. Code that knows the order it works on may say so with
``logger.info(…, extra={"order_id": order_id})``.
"""
from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_ORDER_IDS = 50  # a batch of more ids is logged by its size only: a log line is not a data dump

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
message_id: ContextVar[str | None] = ContextVar("message_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)
order_ids: ContextVar[tuple[int, ...] | None] = ContextVar("order_ids", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message and whatever context is known."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(current_context())
        explicit = getattr(record, "order_id", None)
        if explicit is not None:
            line["order_id"] = explicit
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def current_context() -> dict:
    """The context variables that are set, as log fields."""
    found = {"request_id": request_id.get(), "message_id": message_id.get(), "actor": actor.get()}
    context = {name: value for name, value in found.items() if value is not None}
    ids = order_ids.get()
    if ids:
        if len(ids) == 1:
            context["order_id"] = ids[0]
        elif len(ids) <= MAX_ORDER_IDS:
            context["order_ids"] = list(ids)
        else:
            context["order_count"] = len(ids)
    return context


def configure_logging(*, level: str = "INFO", log_format: str = "text", replace: bool = False) -> None:
    """Send log records to stderr in the chosen format; ``replace`` drops handlers set up before (a Dramatiq
    worker process has its own), else an already configured process keeps its handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=replace)
    logging.getLogger("pika").setLevel(logging.WARNING)
