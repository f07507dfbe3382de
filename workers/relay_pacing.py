"""How long the relay waits between passes: short while outbox rows trickle in, longer once they come so fast that
publishing each pass's few rows would hand the stages messages of one or two ids each (a stage's cost is mostly per
message: its fixed statements and their planning)."""
from __future__ import annotations

from collections import deque

QUIET_LINGER = 0.02  # seconds between the starts of two passes while rows come slowly: latency first
BUSY_LINGER = 0.2  # ... once they come at BUSY_ROWS_PER_SECOND or more: several ids a message
BUSY_ROWS_PER_SECOND = 40.0
WINDOW = 1.0  # seconds of passes the rate is taken over


class Linger:
    """The wait before the next pass, from the rows the passes of the last ``WINDOW`` seconds published."""

    def __init__(self, quiet: float = QUIET_LINGER, busy: float = BUSY_LINGER,
                 busy_rows_per_second: float = BUSY_ROWS_PER_SECOND) -> None:
        self.quiet, self.busy, self.threshold = quiet, busy, busy_rows_per_second
        self.recent: deque[tuple[float, int]] = deque()

    def after_pass(self, published: int, now: float) -> float:
        """Count a pass that published ``published`` rows at ``now`` (monotonic seconds); the linger to keep."""
        if published:
            self.recent.append((now, published))
        while self.recent and self.recent[0][0] <= now - WINDOW:
            self.recent.popleft()
        rate = sum(rows for _, rows in self.recent) / WINDOW
        return self.busy if rate >= self.threshold else self.quiet
