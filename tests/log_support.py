"""Capture log lines as OMS_LOG_FORMAT=json writes them."""
from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager
from typing import Callable, Iterator

from models.core.logs import JsonFormatter


@contextmanager
def json_log_lines() -> Iterator[Callable[[], list[dict]]]:
    """Within the block, every root log record at INFO or above is also written as a JSON line; the function
    yielded parses the lines so far."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
