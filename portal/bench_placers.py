"""The placers of `oms bench pipeline`: each places its share of the orders as the API does (validation, then
`place_order`, or `place_orders` a batch at a time as POST /api/v1/orders/batch does), as fast as it can or paced
to a rate, counted (CPU and SQL) with the rest of the system.

On PostgreSQL each is a process of its own. On SQLite each is a thread of the bench process, which holds the
worker threads too, as `oms up` does: a process of its own would wait for SQLite's file lock, whose busy handler
sleeps up to 100 ms between tries while the worker threads hand the in-process writer lock to one another (a
trial placed 13 orders/s that way).
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass

import click

from portal.bench_counters import PLACER_THREAD as PLACER

ACTOR = "bench:pipeline"  # who placed the bench's orders, in their audit trail
READY_SECONDS = 120.0  # to start Python, import the application and bind the database
START_DELAY = 0.05  # seconds from "go" to the first order, so every placer starts on the same schedule


def place_share(conn, bodies: list[dict], rate: float | None, offset: float, batch: int | None = None,
                bind: bool = True) -> None:
    """In a placer: (in a process of its own, ``bind``: count and bind the database from the settings,) say ready,
    place each body when due (the n-th at go + offset + n / rate, or at once when there is no rate) or, with
    ``batch``, each batch when its last body is due, send back the ids, wait to be told to quit."""
    if bind:
        from portal.bench_counters import install_from_env

        install_from_env()  # before the first connection opens
        from models.core.config import load_settings
        from models.core.db import bind_database

        bind_database(load_settings().database_url)
    from models.core.db import connection

    conn.send("ready")
    go = conn.recv()
    ids = []
    with connection():
        while time.monotonic() < go:
            time.sleep(go - time.monotonic())
        started = go  # the schedule's start: a placer let go late still owes its first order from here
        step = batch or 1
        for start in range(0, len(bodies), step):
            chunk = bodies[start:start + step]
            if rate:
                due = go + offset + (start + len(chunk) - 1) / rate
                if due > time.monotonic():
                    time.sleep(due - time.monotonic())
            ids.extend(place_batch(chunk) if batch else [_place_one(chunk[0])])
        finished = time.monotonic()
    conn.send((ids, started, finished))
    conn.recv()  # stay alive (and measurable) until the bench's last reading


def _place_one(body: dict) -> int:
    from models.intake.entry import place_order
    from schemas.orders import order_schema

    return place_order(order_schema.load(body), actor=ACTOR)[0].id


def place_batch(bodies: list[dict]) -> list[int]:
    """Validate each body as POST /api/v1/orders/batch does, then place them all in one transaction."""
    from models.intake.batch_entry import place_orders
    from schemas.orders import order_schema

    results = place_orders([order_schema.load(body) for body in bodies], actor=ACTOR)
    refused = [result.errors for result in results if not result.placed]
    if refused:
        raise click.ClickException(f"{len(refused)} bench orders refused, the first: {refused[0]}")
    return [result.order_id for result in results]


@dataclass(frozen=True)
class Placed:
    ids: list[int]
    seconds: float  # from the first placer's start to the last one's end


class Placers:
    """K spawned processes (``threads``: threads of this process), started and ready before the measured window,
    then let go together."""

    def __init__(self, bodies: list[dict], count: int, rate: float | None, *, threads: bool = False,
                 batch: int | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.processes, self.threads, self.pipes = [], [], []
        for k in range(count):
            ours, theirs = context.Pipe()
            share = bodies[k::count]  # round robin: with a rate, together they place at ``rate``
            args = (theirs, share, rate / count if rate else None, k / rate if rate else 0.0, batch)
            if threads:
                thread = threading.Thread(target=place_share, name=f"{PLACER}-{k}", args=(*args, False),
                                          daemon=True)
                thread.start()
                self.threads.append(thread)
            else:
                process = context.Process(target=place_share, name=f"{PLACER}-{k}", args=args, daemon=True)
                process.start()
                theirs.close()
                self.processes.append(process)
            self.pipes.append(ours)
        for pipe in self.pipes:
            self._receive(pipe, READY_SECONDS)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def go(self) -> None:
        go = time.monotonic() + START_DELAY
        for pipe in self.pipes:
            pipe.send(go)

    def results(self, timeout: float) -> Placed:
        """Wait for every placer's ids."""
        done = [self._receive(pipe, timeout) for pipe in self.pipes]
        ids = [order_id for share, _, _ in done for order_id in share]
        return Placed(ids=ids, seconds=max(end for _, _, end in done) - min(start for _, start, _ in done))

    def _receive(self, pipe, timeout: float):
        if not pipe.poll(timeout):
            raise click.ClickException(f"a placing process did not answer in {timeout:.0f} s")
        try:
            return pipe.recv()
        except EOFError:
            raise click.ClickException("a placing process died; see its error above") from None

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send("quit")
            except OSError:
                pass
        for thread in self.threads:
            thread.join(10)
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()
