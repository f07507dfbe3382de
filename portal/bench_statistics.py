"""The planner's statistics during `oms bench pipeline`, when the PostgreSQL server's autovacuum is off.

A bench grows the order tables many times over within minutes. In production autovacuum analyzes a table each time
a tenth of it changed; with autovacuum off (as on some test servers) the tables are never analyzed, the planner
takes every ``= ANY(…)`` of a batch for most of the table and joins whole tables (on a 100,000-order run
PostgreSQL's CPU per order more than doubled). The bench then does what autovacuum would: ANALYZE the demo world
once it is loaded (autovacuum analyzes a freshly filled table within a minute; a running system's tables have
statistics), then every ``every`` seconds, on its own connection, left out of the statement count like the bench's
other look-ups; the CPU it costs the server is counted with the bench database's backends."""
from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class StatisticsKeeper:
    """ANALYZE on entering and every ``every`` seconds while the block runs, only on PostgreSQL with autovacuum
    off."""

    def __init__(self, every: float = 20.0) -> None:
        self.every = every
        self.runs = 0
        self.active = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StatisticsKeeper:
        from models.core.db import database, is_sqlite

        if not is_sqlite():
            (setting,) = database.execute_sql("SHOW autovacuum").fetchone()
            self.active = setting == "off"
        if self.active:
            from portal.bench_counters import uncounted

            with uncounted():
                self._analyze(database)
            self._thread = threading.Thread(target=self._run, name="bench-statistics", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    @property
    def words(self) -> str:
        """A line for the bench's report ("" when the server keeps its own statistics)."""
        if not self.active:
            return ""
        return (f"stats    the server's autovacuum is off: the bench ran ANALYZE at the start and every "
                f"{self.every:.0f} s, as autovacuum would ({self.runs} times)")

    def _run(self) -> None:
        from models.core.db import connection, database
        from portal.bench_counters import uncounted

        with connection(), uncounted():
            while not self._stop.wait(self.every):
                self._analyze(database)

    def _analyze(self, database) -> None:
        try:
            database.execute_sql("ANALYZE")
            self.runs += 1
        except Exception:  # noqa: BLE001 - a bench figure, not a reason to stop the bench
            logger.warning("ANALYZE during the bench failed", exc_info=True)
