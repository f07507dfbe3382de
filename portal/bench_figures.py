"""The figures of `oms bench pipeline` and how they are printed, ending with one machine-readable RESULT line."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (0 when there are none)."""
    if not values:
        return 0.0
    return values[min(len(values), max(1, math.ceil(share * len(values)))) - 1]


@dataclass(frozen=True)
class Figures:
    """What one run measured, over the window from the first order placed to the last one shipped."""

    orders: int
    shipped: int
    placing_seconds: float
    span_seconds: float  # first placed → last shipped
    latencies: list[float]  # seconds placed → shipped, sorted
    cpu_seconds: dict[str, float]  # by part of the system, all counted in the total
    statements: int
    published: int  # messages the relay published
    outbox_rows: int
    raw_messages: int
    raw_rate: float  # no-op messages/s on the same broker and workers: the best of ``raw_rounds``
    side_cpu_seconds: dict[str, float] = field(default_factory=dict)  # shared servers, not in the total
    statements_by_part: dict[str, int] = field(default_factory=dict)  # placing, relay, workers
    placers: int = 1  # placing processes or threads
    placer_kind: str = "process"  # or "thread"
    rate: float | None = None  # orders/s the placers were paced to; None: as fast as they could
    placing_batch: int | None = None  # bodies per place_orders call; None: one by one through place_order
    raw_rounds: tuple[float, ...] = ()  # each round's raw rate, when there were several

    @property
    def orders_per_s(self) -> float:
        return self.shipped / self.span_seconds if self.span_seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.orders_per_s / self.raw_rate if self.raw_rate > 0 else 0.0

    @property
    def cpu_ms_per_order(self) -> float:
        return 1000 * sum(self.cpu_seconds.values()) / self.orders

    @property
    def sql_per_order(self) -> float:
        return self.statements / self.orders

    def per_order_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.orders


def placer_words(count: int, kind: str) -> str:
    """"1 process", "2 processes", "2 placing threads"."""
    return f"{count} {kind}{('es' if kind.endswith('s') else 's') if count > 1 else ''}"


def _placing(figures: Figures) -> str:
    return f"place_orders in batches of {figures.placing_batch}" if figures.placing_batch else "place_order"


def report_lines(figures: Figures) -> list[str]:
    """The human-readable report, one figure a line."""
    f = figures
    p50, p99 = percentile(f.latencies, 0.50), percentile(f.latencies, 0.99)
    parts = ", ".join(f"{name} {f.per_order_ms(seconds):.2f}" for name, seconds in f.cpu_seconds.items())
    side = "".join(f"; {name} {f.per_order_ms(seconds):.2f} (shared server, not in the total)"
                   for name, seconds in f.side_cpu_seconds.items())
    sql_parts = "".join(f", {name} {count / f.orders:.1f}" for name, count in f.statements_by_part.items())
    placers = placer_words(f.placers, f.placer_kind)
    paced = f", paced at {f.rate:,.0f} orders/s" if f.rate else ""
    return [
        f"raw      {f.raw_messages} no-op messages consumed at {f.raw_rate:,.0f} msgs/s by the same workers"
        + (f" (the best of {len(f.raw_rounds)} rounds: {', '.join(f'{r:,.0f}' for r in f.raw_rounds)})"
           if len(f.raw_rounds) > 1 else ""),
        f"placed   {f.orders} orders in {f.placing_seconds:.2f} s ({f.orders / f.placing_seconds:,.0f} orders/s, "
        f"{placers} through the API's validation and {_placing(f)}{paced})",
        f"shipped  {f.shipped}/{f.orders} in {f.span_seconds:.2f} s from the first placed to the last waybill: "
        f"{f.orders_per_s:,.1f} orders/s end to end, {f.ratio:.4f} of the raw rate",
        f"latency  placed → waybill p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms, "
        f"max {(f.latencies[-1] if f.latencies else 0) * 1000:,.0f} ms",
        f"cpu      {f.cpu_ms_per_order:.2f} ms/order: {parts}{side}",
        f"sql      {f.sql_per_order:.1f} statements/order ({f.statements} sent by every process in the window"
        f"{sql_parts})",
        f"messages {f.published / f.orders:.2f} published/order by the relay ({f.outbox_rows / f.orders:.2f} "
        f"outbox rows/order)",
    ]


def result_line(figures: Figures) -> str:
    """The last line, for scripts: ``RESULT key=value …``."""
    f = figures
    return (f"RESULT orders_per_s={f.orders_per_s:.2f} raw_msgs_per_s={f.raw_rate:.0f} ratio={f.ratio:.5f} "
            f"cpu_ms_per_order={f.cpu_ms_per_order:.2f} sql_per_order={f.sql_per_order:.2f} "
            f"p50_ms={percentile(f.latencies, 0.50) * 1000:.0f} p99_ms={percentile(f.latencies, 0.99) * 1000:.0f}")


def check_lines(checks: dict[str, list[str]]) -> list[str]:
    """`oms check` after the run: clean, or each failed invariant with its first violation."""
    failed = {name: found for name, found in checks.items() if found}
    if not failed:
        return [f"oms check: clean ({len(checks)} invariants)"]
    return [f"oms check: {name}: {len(found)} violations, e.g. {found[0]}" for name, found in failed.items()]
