"""CPU seconds (user + system) of processes, read from /proc/<pid>/stat: this process and its descendants, the
PostgreSQL backends serving a database, the RabbitMQ server."""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None once it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of every thread of ``pid`` so far, or None when there is no such process."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def _pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, now."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        fields = _stat(pid)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def named_as(pid: int, command: str) -> bool:
    """Whether process ``pid`` runs here under the command name ``command``."""
    try:
        return (PROC / str(pid) / "comm").read_text().strip() == command
    except OSError:
        return False


def named(command: str) -> list[int]:
    """Processes whose command name is ``command`` (e.g. ``beam.smp``, RabbitMQ's Erlang VM)."""
    return [pid for pid in _pids() if named_as(pid, command)]


def snapshot(pids: list[int]) -> dict[int, float]:
    """CPU seconds by pid, for those still running."""
    times = {pid: cpu_seconds(pid) for pid in pids}
    return {pid: seconds for pid, seconds in times.items() if seconds is not None}


def used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots by the processes of ``after`` (one started in between counts whole;
    one that ended in between is not seen: the bench's processes all outlive the measured window)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
