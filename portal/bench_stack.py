"""The running system of `oms bench pipeline`: carrier sandbox, workers (processes on RabbitMQ, threads on the
in-process broker), the outbox relay counting what it publishes, and the raw no-op rate of those same workers."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import click

from models.core.config import Settings
from portal.bench_counters import open_gate, read_counters

NO_SWEEP_SECONDS = 86_400.0  # the sweeper's periodic jobs (a forecast run first of all) are not the pipeline


class CountingBroker:
    """The broker as the relay sees it, counting the messages it publishes."""

    def __init__(self, broker) -> None:
        self.broker, self.published = broker, 0

    def enqueue(self, message, **options):
        enqueued = self.broker.enqueue(message, **options)
        self.published += 1  # one relay thread: no lock needed
        return enqueued

    def __getattr__(self, name: str):
        return getattr(self.broker, name)


class _WorkerProcesses:
    """`dramatiq portal.bench_worker --processes P`: P worker processes as `oms worker` runs them, stopped like a
    Worker."""

    def __init__(self, processes: int, threads: int, log: Path) -> None:
        from workers.supervisor import _stop_with_parent

        with log.open("ab") as output:  # told to stop, like `oms worker`'s, should the bench itself be killed
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dramatiq", "portal.bench_worker", "--processes", str(processes),
                 "--threads", str(threads)], stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_stop_with_parent)

    def stop(self, timeout: int) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout / 1000)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Stack:
    """Start in order (sandbox, workers, relay), stop in reverse."""

    def __init__(self, settings: Settings, broker, folder: Path, *, processes: int, threads: int) -> None:
        self.settings, self.broker, self.folder = settings, broker, folder
        self.processes, self.threads = processes, threads
        self.relay_broker = CountingBroker(broker)
        self.stop_relay = threading.Event()
        self.sandbox = self.workers = self.relay = None

    @property
    def worker_pid(self) -> int | None:
        """The worker processes' parent on RabbitMQ (None: worker threads in this process)."""
        return self.workers.proc.pid if isinstance(self.workers, _WorkerProcesses) else None

    @property
    def layout(self) -> str:
        if self.settings.uses_rabbitmq:
            return f"{self.processes} worker process{'es' if self.processes > 1 else ''} × {self.threads} threads"
        return f"{self.threads} worker threads in this process"

    def start(self) -> None:
        """Sandbox, workers, relay (without the sweeper's periodic jobs: a forecast run first of all)."""
        from portal.cli_run import _start_relay, _start_sandbox

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per carrier call would drown the figures
        self.sandbox = _start_sandbox(self.settings.carrier_url)
        self.workers = self._start_workers()
        settings = replace(self.settings, sweep_interval_seconds=NO_SWEEP_SECONDS)
        self.relay = _start_relay(self.relay_broker, settings, self.stop_relay)

    def _start_workers(self):
        if self.settings.uses_rabbitmq:
            return _WorkerProcesses(self.processes, self.threads, self.folder / "workers.log")
        from dramatiq import Worker

        worker = Worker(self.broker, worker_threads=self.threads, worker_timeout=100)
        worker.start()
        return worker

    def raw_rates(self, noop_actor, count: int, rounds: int = 1) -> list[float]:
        """No-op messages/s through the running workers, one figure a round: ``count`` are sent while the round's
        gate holds them (the first few wait in worker threads), then let through and timed from the gate to the
        last one."""
        counters = self.folder / "counters"
        rates = []
        for round_no in range(rounds):
            for _ in range(count):
                noop_actor.send(round_no)
            opened = open_gate(counters, round_no)
            deadline = time.monotonic() + max(60.0, count / 100)
            while sum(r.noops for r in read_counters(counters).values()) < count * (round_no + 1):
                if time.monotonic() > deadline:
                    raise click.ClickException(f"the workers did not consume {count} no-op messages in time"
                                               + self.log_tail())
                time.sleep(0.02)
            last = max(r.last_noop_ns for r in read_counters(counters).values())
            rates.append(count / ((last - opened) / 1e9))
        return rates

    def log_tail(self) -> str:
        log = self.folder / "workers.log"
        return f"; worker log:\n{log.read_text()[-3000:]}" if log.exists() else ""

    def stop(self) -> None:
        self.stop_relay.set()
        if self.relay is not None:
            self.relay.join(10)
        if self.workers is not None:
            self.workers.stop(timeout=10_000)
        if self.sandbox is not None:
            self.sandbox.shutdown()
