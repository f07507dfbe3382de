"""What `oms bench pipeline` measures over its window: CPU seconds of every process by part, SQL statements sent
by every process (by part: placing, relay, workers), messages the relay published, outbox rows written."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from models.core.config import Settings
from portal import bench_cpu
from portal.bench_counters import read_counters, uncounted
from portal.bench_orders import outbox_high_water

WATCH_SECONDS = 1.0  # CPU is read this often too, so a process that ends mid-window still counts to its last read


@dataclass(frozen=True)
class Usage:
    """The window's totals."""

    cpu_seconds: dict[str, float]
    side_cpu_seconds: dict[str, float]
    statements: int
    statements_by_part: dict[str, int]
    published: int
    outbox_rows: int


class Meter:
    """Reads at the window's start, every WATCH_SECONDS in a thread, and at its end."""

    def __init__(self, settings: Settings, counters: Path, relay_broker, *, placers: list[int],
                 workers: int | None) -> None:
        """``placers``: the placing processes' pids; ``workers``: the worker processes' parent (RabbitMQ)."""
        self.settings, self.counters, self.relay_broker = settings, counters, relay_broker
        self.placers, self.workers = placers, workers
        self.lock, self.stopped = threading.Lock(), threading.Event()
        self.before: dict[str, dict[int, float]] = {}
        self.latest: dict[str, dict[int, float]] = {}

    def parts(self) -> dict[str, list[int]]:
        """The processes of each part of the system, now; the shared servers' under a "~" name."""
        me = os.getpid()
        workers = bench_cpu.descendants(self.workers) if self.workers else []
        others = [pid for pid in bench_cpu.descendants(me) if pid not in self.placers and pid not in workers]
        if self.settings.uses_rabbitmq:
            found = {"this process (relay, carrier sandbox)": others, "placing": self.placers, "workers": workers}
        elif self.placers:
            found = {"this process (relay, carrier sandbox, worker threads)": others, "placing": self.placers}
        else:
            found = {"this process (placing, relay, carrier sandbox, worker threads)": others}
        if not self.settings.uses_sqlite:
            found["postgres backends"] = self._backends()
        if self.settings.uses_rabbitmq and urlparse(self.settings.broker_url).hostname in ("127.0.0.1", "localhost"):
            found["~rabbitmq"] = bench_cpu.named("beam.smp")
        return found

    @staticmethod
    def _backends() -> list[int]:
        """The server processes serving this database, when the server runs on this machine."""
        from models.core.db import database

        pids = [pid for (pid,) in database.execute_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()").fetchall()]
        return [pid for pid in pids if bench_cpu.named_as(pid, "postgres")]

    def _read(self) -> dict[str, dict[int, float]]:
        return {part: bench_cpu.snapshot(pids) for part, pids in self.parts().items()}

    def _merge(self, reading: dict[str, dict[int, float]]) -> None:
        with self.lock:
            for part, times in reading.items():
                self.latest.setdefault(part, {}).update(times)

    def _watch(self) -> None:
        from models.core.db import connection

        with connection(), uncounted():
            while not self.stopped.wait(WATCH_SECONDS):
                self._merge(self._read())

    def start(self) -> None:
        with uncounted():
            self.before = self._read()
            self.outbox_start = outbox_high_water()
        self._merge(self.before)
        self.statements_start = self._statements_by_part()
        self.published_start = self.relay_broker.published
        self.watcher = threading.Thread(target=self._watch, name="bench-cpu", daemon=True)
        self.watcher.start()

    def _statements_by_part(self) -> dict[str, int]:
        """Placing processes, the relay's thread, and the rest (worker processes or threads)."""
        parts = {"placing": 0, "relay": 0, "workers": 0}
        for pid, reading in read_counters(self.counters).items():
            parts["relay"] += reading.relay_statements
            parts["placing"] += reading.placing_statements
            rest = reading.statements - reading.relay_statements - reading.placing_statements
            parts["placing" if pid in self.placers else "workers"] += rest
        return parts

    def finish(self) -> Usage:
        statements, published = self._statements_by_part(), self.relay_broker.published
        self.stopped.set()
        self.watcher.join()
        with uncounted():
            self._merge(self._read())
            outbox_rows = outbox_high_water() - self.outbox_start
        used = {part: bench_cpu.used_between(self.before.get(part, {}), times) for part, times in self.latest.items()}
        by_part = {part: count - self.statements_start[part] for part, count in statements.items()}
        return Usage(cpu_seconds={part: s for part, s in used.items() if not part.startswith("~")},
                     side_cpu_seconds={part[1:]: s for part, s in used.items() if part.startswith("~")},
                     statements=sum(by_part.values()), statements_by_part=by_part,
                     published=published - self.published_start,
                     outbox_rows=outbox_rows)
