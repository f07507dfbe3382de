"""`oms worker`: one Dramatiq process group per worker process, each restarted alone when it dies.

Dramatiq's own CLI stops every worker process when one of them exits unexpectedly; under a
service manager that means the whole host stops consuming until it is restarted. Here each
process is a `dramatiq --processes 1` of its own, and a dead one is logged and started again with
a growing delay while the others keep serving. SIGTERM or SIGINT stops them all gracefully.
"""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

logger = logging.getLogger("oms.worker")

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before a restart, by how often it died quickly
HEALTHY_AFTER = 60.0  # a process that ran this long counts as healthy again: its next restart is quick
STOP_TIMEOUT = 30.0  # graceful stop before SIGKILL


@dataclass
class WorkerProcess:
    """One `dramatiq --processes 1` and its restart history."""

    slot: int
    argv: Sequence[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        # Same process group as the supervisor (a service manager's stop or kill reaches every worker), and
        # told to stop should the supervisor itself be killed outright.
        self.proc = subprocess.Popen(self.argv, preexec_fn=_stop_with_parent)
        self.started_at, self.restart_at = time.monotonic(), None
        logger.info("worker %d started (pid %d)", self.slot, self.proc.pid)

    def check(self, now: float) -> None:
        """Notice a dead process and schedule, or do, its restart."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                self.start()
            return
        code = self.proc.poll() if self.proc else None
        if code is None:
            return
        ran = now - self.started_at
        self.quick_deaths = 0 if ran >= HEALTHY_AFTER else self.quick_deaths + 1
        delay = RESTART_DELAYS[min(self.quick_deaths, len(RESTART_DELAYS) - 1)]
        logger.error("worker %d (pid %d) exited with code %s after %.0f s; restarting it in %.0f s, the others "
                     "keep serving", self.slot, self.proc.pid, code, ran, delay)
        self.restart_at = now + delay

    def signal(self, signum: int) -> None:
        """Signal this worker's Dramatiq main process, which passes it on to its own child."""
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signum)
            except ProcessLookupError:
                pass

    def wait(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.error("worker %d (pid %d) did not stop in time; killing it", self.slot, self.proc.pid)
            self.signal(signal.SIGKILL)
            self.proc.wait()


def _stop_with_parent() -> None:
    """In the child before exec: on Linux, receive SIGTERM when the supervisor dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def dramatiq_argv(*, threads: int, queues: Sequence[str] = ()) -> list[str]:
    argv = [sys.executable, "-m", "dramatiq", "workers.actors", "--processes", "1", "--threads", str(threads)]
    return argv + (["--queues", *queues] if queues else [])


def supervise(processes: int, argv: Sequence[str], *, poll_seconds: float = 0.5) -> int:
    """Run ``processes`` copies of ``argv`` until SIGTERM or SIGINT, restarting any that dies; return 0."""
    workers = [WorkerProcess(slot, argv) for slot in range(1, processes + 1)]
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for worker in workers:
            worker.start()
        while not stopping:
            now = time.monotonic()
            for worker in workers:
                worker.check(now)
            time.sleep(poll_seconds)
    finally:
        logger.info("stopping %d worker processes", len(workers))
        for worker in workers:
            worker.restart_at = None
            worker.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for worker in workers:
            worker.wait(deadline)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
