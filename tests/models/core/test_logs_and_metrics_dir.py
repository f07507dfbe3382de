"""The JSON log format, the log and metrics settings, and clearing the metric files of ended processes."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.core import logs
from models.core.config import load_settings, log_format, metrics_dir
from models.core.errors import ConfigError
from models.core.metrics import HOST, clear_stale_files


def record(message: str = "hello %s", *args, **extra) -> logging.LogRecord:
    made = logging.LogRecord("oms.test", logging.WARNING, __file__, 1, message, args or ("world",), None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_utc_time_level_logger_message_and_the_context_set():
    token = logs.request_id.set("req-1")
    try:
        line = json.loads(logs.JsonFormatter().format(record()))
    finally:
        logs.request_id.reset(token)
    assert line["time"].endswith("+00:00") and line["level"] == "WARNING" and line["logger"] == "oms.test"
    assert line["message"] == "hello world" and line["request_id"] == "req-1"
    assert "message_id" not in line and "order_id" not in line


def test_an_order_id_given_with_the_call_is_logged_and_a_large_batch_only_by_size():
    assert json.loads(logs.JsonFormatter().format(record(order_id=12)))["order_id"] == 12
    token = logs.order_ids.set(tuple(range(logs.MAX_ORDER_IDS + 1)))
    try:
        line = json.loads(logs.JsonFormatter().format(record()))
    finally:
        logs.order_ids.reset(token)
    assert line["order_count"] == logs.MAX_ORDER_IDS + 1 and "order_ids" not in line


def test_an_exception_stays_on_one_line():
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        failed = record(exc_info=sys.exc_info())
    text = logs.JsonFormatter().format(failed)
    assert "\n" not in text and "ValueError" in json.loads(text)["exception"]


def test_log_format_and_metrics_settings(tmp_path):
    assert log_format({}) == "text" and log_format({"OMS_LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(ConfigError, match="OMS_LOG_FORMAT"):
        log_format({"OMS_LOG_FORMAT": "xml"})
    assert metrics_dir({"OMS_DATA_DIR": str(tmp_path)}) == tmp_path / "metrics"
    assert metrics_dir({"OMS_METRICS_DIR": str(tmp_path / "m")}) == tmp_path / "m"
    settings = load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_METRICS_TOKEN": "t" * 16})
    assert settings.metrics_token == "t" * 16 and settings.log_format == "text"
    with pytest.raises(ConfigError, match="OMS_METRICS_TOKEN"):
        load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_METRICS_TOKEN": "short"})


def test_only_the_files_of_ended_processes_of_this_host_are_cleared(tmp_path: Path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    dead_pid = int(ended.stdout)
    names = [f"counter_{HOST}-{dead_pid}.db", f"histogram_{HOST}-{dead_pid}.db",  # ended here: cleared
             f"counter_{HOST}-{os.getpid()}.db", f"counter_{HOST}-1.db",  # running
             f"counter_otherhost-{dead_pid}.db", "notes.txt"]  # another container's; not ours
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert clear_stale_files(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
