"""Prometheus metrics shared by every OMS process on a host: portal threads, worker processes, the relay.

prometheus-client's multi-process mode: each process writes its counters and histograms to memory-mapped
files in one folder (OMS_METRICS_DIR) and whichever process answers ``/metrics`` adds them up. Importing this
module points PROMETHEUS_MULTIPROC_DIR at that folder, so processes this one starts inherit it, and switches
prometheus-client to it even when something imported the client first. Define metrics with ``counter`` and
``histogram`` below, which guarantees that order. Multi-process gauges are not used: figures read from the
database are collected when scraped (``portal/metrics.py``).

A file is named after its process: host and pid, so containers sharing one volume do not write to the same
file although their pids repeat.
"""
from __future__ import annotations

import glob
import os
import re
import socket
from pathlib import Path
from typing import Iterable, Sequence

from models.core.config import metrics_dir

METRICS_DIR = metrics_dir()
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

from prometheus_client import (  # noqa: E402 - after the folder is set, as the client requires
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

# An underscore would shift the parts prometheus-client reads from a file name.
HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
FILE_ID = re.compile(r"^[a-z]+(?:_[a-z]+)?_(?P<host>[A-Za-z0-9.-]+)-(?P<pid>\d+)\.db$")


def process_identifier() -> str:
    """This process's part of its metric file names."""
    return f"{HOST}-{os.getpid()}"


values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)


def counter(name: str, documentation: str, labelnames: Sequence[str]) -> Counter:
    return Counter(name, documentation, labelnames, registry=None)


def histogram(name: str, documentation: str, labelnames: Sequence[str], buckets: Sequence[float]) -> Histogram:
    return Histogram(name, documentation, labelnames, buckets=buckets, registry=None)


def exposition(collectors: Iterable = ()) -> tuple[bytes, str]:
    """Every process's metrics added up, plus ``collectors`` (figures read now), in the text format."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(METRICS_DIR))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def clear_stale_files(folder: Path = METRICS_DIR) -> int:
    """Remove the files of processes of this host that no longer run; return how many.

    The client's documentation asks for a wiped folder at each start. Several OMS processes share it, and
    each starts on its own, so each clears only what is left by the dead: their counts leave the sums, which
    Prometheus reads as a counter reset. Files of other hosts (containers) are theirs to clear."""
    removed = 0
    for path in glob.glob(os.path.join(folder, "*.db")):
        found = FILE_ID.match(os.path.basename(path))
        if found and found["host"] == HOST and not _running(int(found["pid"])):
            try:
                os.remove(path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def mark_process_dead(pid: int | None = None) -> None:
    """The client's bookkeeping when a process ends (it drops that process's live gauges)."""
    multiprocess.mark_process_dead(f"{HOST}-{pid or os.getpid()}", str(METRICS_DIR))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
