"""The production stack for pipeline tests: `oms worker` and `oms relay` as real processes on
PostgreSQL and RabbitMQ, started per test, with empty queues before and after."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import dramatiq
import pika
import pytest

from models.core.stages import ALL_STAGES
from tests.pipeline_support import in_process_broker

ROOT = Path(__file__).resolve().parents[2]
QUEUES = [stage.queue_name for stage in ALL_STAGES]


def delete_queues(url: str) -> None:
    """Start from empty queues: leftovers of an aborted run must not reach this database."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for queue in QUEUES:
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    connection.close()


def messages_ready(url: str, queue: str) -> int:
    """Messages of ``queue`` that no consumer has taken (a passive declare)."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def queue_depth(url: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    depth = 0
    for queue in QUEUES:
        try:
            depth += channel.queue_declare(queue, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            channel = connection.channel()
    connection.close()
    return depth


class Stack:
    """`oms worker` and `oms relay` processes for one test database."""

    def __init__(self, env: dict, log_dir: Path) -> None:
        self.env, self.log_dir, self.procs = env, log_dir, {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen([sys.executable, "-m", "portal.cli", *args], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.log_dir.glob("*.log"))


@pytest.fixture
def stack(pg_db, postgres_url, rabbitmq_url, tmp_path):
    delete_queues(rabbitmq_url)
    env = dict(os.environ, OMS_DATABASE_URL=postgres_url, OMS_BROKER_URL=rabbitmq_url,
               OMS_DATA_DIR=str(tmp_path / "data"), OMS_STUCK_AFTER_SECONDS="3", OMS_SWEEP_INTERVAL_SECONDS="1",
               OMS_RELAY_INTERVAL_SECONDS="0.05", OMS_WORKER_PROCESSES="2", OMS_WORKER_THREADS="4",
               PYTHONPATH=str(ROOT))
    running = Stack(env, tmp_path)
    yield running
    running.stop_all()
    delete_queues(rabbitmq_url)  # leave no test message (or dead letter) on the shared broker
    print(running.logs())


@pytest.fixture(scope="module")
def module_worker():
    """Worker threads on the in-process broker, shared by one module's tests (the embedded default)."""
    running = dramatiq.Worker(in_process_broker(), worker_threads=2, worker_timeout=50)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def worker(db, module_worker):
    """The module's in-process worker, with every queue emptied for this test."""
    in_process_broker().flush_all()
    return module_worker
